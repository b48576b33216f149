"""A PostgreSQL 15 server of the test's own (Debian's postgresql-15), listening on 127.0.0.1 with SCRAM passwords:
the server IT would set up as docs/deploying.md says for PostgreSQL 13 to 15.

`tests/system-packages.sh` installs postgresql-15 (the README's test command runs it).
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import URL

from app.db.server_account import server_account
from app.ports import free_port

PROGRAMS = Path("/usr/lib/postgresql/15/bin")
SUPERUSER_PASSWORD = "the server's own superuser"


class Postgres15:
    def __init__(self) -> None:
        if not (PROGRAMS / "postgres").exists():
            pytest.fail(f"PostgreSQL 15 is not installed in {PROGRAMS}: run tests/system-packages.sh")
        self._account = server_account()  # run as root, the server runs as the program's own account
        self.directory = Path(tempfile.mkdtemp(prefix="clinic-pg15-"))
        self.directory.chmod(0o711)
        self.pgdata = self.directory / "pgdata"
        self.pgdata.mkdir(mode=0o700)
        password_file = self.directory / "password"
        password_file.write_text(SUPERUSER_PASSWORD)
        for path in (self.pgdata, password_file):
            if self._account is not None:
                self._account.give(path)
        self.port = free_port()
        self._run(
            "initdb", "-D", str(self.pgdata), "-U", "postgres", "-A", "scram-sha-256", f"--pwfile={password_file}"
        )
        password_file.unlink()
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=''"
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.pgdata / "log"), "-w", "-o", options, "start")
        self.admin_url = self.url("postgres", SUPERUSER_PASSWORD, "postgres")

    def url(self, user: str, password: str, database: str) -> str:
        url = URL.create("postgresql+psycopg", user, password, "127.0.0.1", self.port, database)
        return url.render_as_string(hide_password=False)

    def cleanup(self) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), "-w", "-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        options = self._account.run_options() if self._account is not None else {}
        subprocess.run([str(PROGRAMS / program), *args], check=True, capture_output=True, **options)
