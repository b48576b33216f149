"""A plain, non-editable install of the project's wheel, in a new virtual environment outside the source tree, runs:
everything the program reads (the theme, the migrations, the password rules) is inside the package."""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 600


@pytest.fixture
def outside_the_tree():
    """A folder outside the source tree that the embedded server's account can pass through when run as root
    (the self-test's server loads the password rules from the installed package)."""
    folder = Path(tempfile.mkdtemp(prefix="clinic-wheel-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def test_the_wheel_installed_in_a_new_environment_runs_the_self_test(outside_the_tree):
    wheels, venv = outside_the_tree / "wheels", outside_the_tree / "venv"
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)]
    subprocess.run(build, check=True, timeout=BUILD_TIMEOUT_S)
    (wheel,) = wheels.glob("clinic_scheduler-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=BUILD_TIMEOUT_S)
    python = venv_python(venv)
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)]
    subprocess.run(install, check=True, timeout=BUILD_TIMEOUT_S)
    # The dependencies come from this environment's site-packages, added as a plain path: the .pth files in it
    # (this checkout's editable install among them) are not read, so `app` can only come from the wheel.
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CLINIC_", "QT_", "PYTHON")) and k != "DATABASE_URL"
    }
    env.update(CLINIC_CONFIG=str(outside_the_tree / "no-config.toml"), CLINIC_LOG_DIR=str(outside_the_tree / "logs"))

    where = subprocess.run(
        [str(python), "-c", "import app; print(app.__file__)"],
        cwd=outside_the_tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout

    result = subprocess.run(
        [str(python), "-m", "app", "--self-test"],
        cwd=outside_the_tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("self-test passed in")
    assert "password rules refuse" in result.stdout
