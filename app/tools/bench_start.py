"""`clinic-scheduler bench-start`: from launching the program to its window showing the week's appointments, against
a bare PySide6 window, each a new process.

The program runs as a person starts it (`clinic-scheduler` with nothing else: config file, embedded database,
sign-in, window) over the demo data in a throwaway folder. The sign-in is answered the moment it shows, so the time
measured is the machine's, not a person's typing. Warm: the embedded server is already running (another desk of
this computer holds it); cold: the program starts it. The floor is a bare QMainWindow of the same size, painted once.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.services.demo import DEMO_STAFF, DEMO_STAFF_PASSWORD

DEMO_ZONE = "Europe/Berlin"
ADMIN, ADMIN_PASSWORD = "bench.admin", "bench start admin"
LAUNCH_TIMEOUT_S = 120
BARE_WINDOW = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1280, 820)
window.show()
window.repaint()
print(f"shown {time.time()}", flush=True)
"""


@dataclass(frozen=True)
class Launch:
    sign_in_s: float  # from launch to the sign-in dialog on screen
    window_s: float  # from launch to the week's appointments painted, the sign-in answered at once


def _environment(folder: Path, data: Path) -> dict[str, str]:
    """A desk of its own: config file, Qt settings and logs in `folder`, the embedded database's data in `data` (a
    folder of its own: run as root, the server's account must reach it, and no folder above it is changed)."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    env.update(
        CLINIC_CONFIG=str(folder / "config.toml"),
        CLINIC_DATA_DIR=str(data),
        CLINIC_LOG_DIR=str(folder / "logs"),
        XDG_CONFIG_HOME=str(folder / "settings"),
        CLINIC_TIMEZONE=DEMO_ZONE,
    )
    env.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
    return env


def _program(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def _prepare(folder: Path, env: dict[str, str]) -> None:
    """The config file, the demo, and an admin (or the first start would ask for one)."""
    (folder / "config.toml").write_text(f'clinic_timezone = "{DEMO_ZONE}"\n', encoding="utf-8")
    quiet = {"env": env, "check": True, "stdout": subprocess.DEVNULL, "timeout": LAUNCH_TIMEOUT_S, "text": True}
    subprocess.run(_program("demo-data"), **quiet)
    subprocess.run(
        _program("staff", "add", ADMIN, "--role", "admin", "--password-stdin"), input=ADMIN_PASSWORD, **quiet
    )


def _launch(command: list[str], env: dict[str, str], last: str) -> dict[str, float]:
    """Run `command` and collect its `name epoch-seconds` lines up to `last`; a child that hangs, before or after
    that line, is killed after LAUNCH_TIMEOUT_S."""
    seen: dict[str, float] = {}
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        watchdog = threading.Timer(LAUNCH_TIMEOUT_S, process.kill)
        watchdog.start()
        try:
            for line in process.stdout:
                name, _, when = line.strip().partition(" ")
                if when:
                    seen[name] = float(when)
                if name == last:
                    break
            process.wait()
        finally:
            watchdog.cancel()
    if process.returncode != 0 or last not in seen:
        raise RuntimeError(f"{' '.join(command[1:3])} did not show its window (exit {process.returncode})")
    return seen


def _launch_program(env: dict[str, str]) -> Launch:
    started = time.time()
    seen = _launch([sys.executable, "-m", "app.tools.bench_start"], env, "window")
    return Launch(seen["sign_in"] - started, seen["window"] - started)


def _launch_bare_window(env: dict[str, str]) -> float:
    started = time.time()
    return _launch([sys.executable, "-c", BARE_WINDOW], env, "shown")["shown"] - started


def run(runs: int) -> dict[str, list[float]]:
    from app.config import load_settings
    from app.db.embedded import start_embedded_server

    with (
        tempfile.TemporaryDirectory(prefix="clinic-bench-start-") as name,
        tempfile.TemporaryDirectory(prefix="clinic-bench-start-data-", ignore_cleanup_errors=True) as data,
    ):
        folder = Path(name)
        env = _environment(folder, Path(data))
        _prepare(folder, env)
        samples: dict[str, list[float]] = {"bare window": [], "cold: sign-in shown": [], "cold: week shown": []}
        samples |= {"warm: sign-in shown": [], "warm: week shown": []}
        for _ in range(runs):
            samples["bare window"].append(_launch_bare_window(env))
            cold = _launch_program(env)  # nobody holds the server: the program starts it, and stops it on leaving
            samples["cold: sign-in shown"].append(cold.sign_in_s)
            samples["cold: week shown"].append(cold.window_s)
        os.environ.update({key: env[key] for key in ("CLINIC_CONFIG", "CLINIC_DATA_DIR")})
        server = start_embedded_server(load_settings().data_dir)  # another desk of this computer holds it
        try:
            for _ in range(runs):
                warm = _launch_program(env)
                samples["warm: sign-in shown"].append(warm.sign_in_s)
                samples["warm: week shown"].append(warm.window_s)
        finally:
            server.stop()
        return samples


def print_report(samples: dict[str, list[float]], platform: str) -> None:
    floor = statistics.median(samples["bare window"])
    print(f"launch to window, seconds (median of {len(samples['bare window'])} runs; Qt platform {platform})")
    for what, values in samples.items():
        median = statistics.median(values)
        print(
            f"  {what:<22} {median:6.2f}  (min {min(values):.2f}, max {max(values):.2f})  {median / floor:5.1f}x floor"
        )


def main(runs: int) -> int:
    if runs < 1:
        print("error: --runs must be at least 1", file=sys.stderr)
        return 2
    samples = run(runs)
    print_report(samples, os.environ.get("QT_QPA_PLATFORM") or ("xcb" if os.environ.get("DISPLAY") else "offscreen"))
    return 0


# --- the program, launched by the benchmark ------------------------------------------------------------


def _drive_program() -> int:
    """Run the program as `clinic-scheduler` would, answering the sign-in at once with a demo login; print when
    the sign-in showed and when the week's appointments were painted, then close the window."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.app import run_gui
    from app.ui.login_dialog import LoginDialog
    from app.ui.main_window import MainWindow
    from app.ui.view_data import GridData

    user = DEMO_STAFF[0][0]

    def painted(window: MainWindow) -> None:
        if isinstance(window.data, GridData) and window.isVisible():
            window.repaint()
            print(f"window {time.time()}", flush=True)
            QTimer.singleShot(0, window.close)

    class Answer(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Show and isinstance(watched, LoginDialog):
                print(f"sign_in {time.time()}", flush=True)
                watched.user.setText(user)
                watched.password.setText(DEMO_STAFF_PASSWORD)
                QTimer.singleShot(0, watched.sign_in)
            elif event.type() == QEvent.Type.Show and isinstance(watched, MainWindow):
                watched.view_loaded.connect(lambda: painted(watched))
            return False

    answer = Answer()
    app = QApplication.instance() or QApplication(sys.argv)
    app.installEventFilter(answer)
    return run_gui()


if __name__ == "__main__":
    sys.exit(_drive_program())
