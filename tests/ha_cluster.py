"""A highly available PostgreSQL cluster of the test's own, on loopback, as docs/deploying.md sets one up: three etcd
members (Debian's etcd-server) and Patroni managing three PostgreSQL servers (the embedded server's programs), with
synchronous replication (Patroni's synchronous_mode) and pg_rewind. Patroni's timings are its defaults (ttl 30,
loop_wait 10, retry_timeout 10); primary_start_timeout is 0, so a primary whose postmaster dies is failed over at
once instead of restarted in place.

`tests/system-packages.sh` installs etcd; `pip install -e '.[dev]'` installs Patroni. Run as root, Patroni and its
servers run as an ordinary user id in a user namespace of their own (PostgreSQL refuses root), still reaching this
Python and the test's folders.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import suppress
from pathlib import Path

import pytest
import yaml
from sqlalchemy import URL

from app.db.embedded import programs_dir
from app.db.server_account import running_as_root
from app.ports import free_port

ETCD = Path("/usr/bin/etcd")
PATRONI = Path(sys.executable).with_name("patroni")
SCOPE = "clinic-test"
SUPERUSER = ("postgres", "the cluster's superuser")
REPLICATION = ("replicator", "the standbys' replication")
REWIND = ("rewinder", "pg_rewind's own")
START_TIMEOUT_S = 120
# Root's processes seen as an ordinary user (1000) inside, root's own outside: PostgreSQL runs, the files stay root's.
AS_ORDINARY_USER = ["unshare", "--user", "--map-user=1000", "--map-group=1000"] if running_as_root() else []


class Cluster:
    """etcd and Patroni processes; `members` names the PostgreSQL servers (pg1, pg2, ...) with their ports."""

    def __init__(self, members: int = 3):
        if not ETCD.exists():
            pytest.fail(f"etcd is not installed at {ETCD}: run tests/system-packages.sh")
        self.directory = Path(tempfile.mkdtemp(prefix="clinic-ha-"))
        self._processes: dict[str, subprocess.Popen] = {}
        self.etcd_ports = [(free_port(), free_port()) for _ in range(3)]
        self.members = {f"pg{n}": (free_port(), free_port()) for n in range(1, members + 1)}  # postgres, REST API
        try:
            self._start_etcd()
            for name in self.members:
                self.start_patroni(name)
        except BaseException:
            self.cleanup()
            raise

    # --- addresses ---

    def url(self, database: str = "postgres", *, attrs: str = "read-write", members: list[str] | None = None) -> str:
        """The superuser's URL over every member (or those named), as a desk names a cluster."""
        hosts = [f"127.0.0.1:{self.members[name][0]}" for name in members or self.members]
        query = {"host": hosts, "target_session_attrs": attrs}
        return URL.create("postgresql+psycopg", *SUPERUSER, database=database, query=query).render_as_string(
            hide_password=False
        )

    def member_url(self, name: str, database: str = "postgres") -> str:
        url = URL.create("postgresql+psycopg", *SUPERUSER, "127.0.0.1", self.members[name][0], database)
        return url.render_as_string(hide_password=False)

    # --- state ---

    def state(self) -> list[dict]:
        """Patroni's view of the members (name, role, state, lag), from the REST API of any that answers."""
        for _port, api in self.members.values():
            with suppress(OSError, ValueError):
                return _get_json(f"http://127.0.0.1:{api}/cluster")["members"]
        return []

    def leader(self) -> str | None:
        return next((m["name"] for m in self.state() if m["role"] == "leader" and m["state"] == "running"), None)

    def sync_standby(self) -> str | None:
        return next((m["name"] for m in self.state() if m["role"] == "sync_standby"), None)

    def wait_until(self, condition, what: str, timeout: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"the cluster did not come to {what} within {timeout:.0f} s: {self.state()}")
            time.sleep(0.5)

    def wait_healthy(self, members: int | None = None) -> str:
        """Wait for a leader, a synchronous standby and every member streaming; the leader's name."""
        count = members or len(self.members)

        def healthy() -> bool:
            state = self.state()
            running = [m for m in state if m["state"] in ("running", "streaming")]
            return self.leader() is not None and self.sync_standby() is not None and len(running) == count

        self.wait_until(healthy, "a leader with a synchronous standby and every member streaming")
        return self.leader()

    def postmaster_pid(self, name: str) -> int:
        return int((self.directory / name / "postmaster.pid").read_text().splitlines()[0])

    def kill_postmaster(self, name: str) -> None:
        """The primary's server dies (SIGKILL to its postmaster); its Patroni lives on."""
        os.kill(self.postmaster_pid(name), signal.SIGKILL)

    # --- processes ---

    def _start_etcd(self) -> None:
        peers = ",".join(f"e{n}=http://127.0.0.1:{peer}" for n, (_client, peer) in enumerate(self.etcd_ports))
        for n, (client, peer) in enumerate(self.etcd_ports):
            self._spawn(
                f"e{n}",
                [
                    str(ETCD), "--name", f"e{n}", "--data-dir", str(self.directory / f"etcd{n}"),
                    "--listen-client-urls", f"http://127.0.0.1:{client}",
                    "--advertise-client-urls", f"http://127.0.0.1:{client}",
                    "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                    "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                    "--initial-cluster", peers, "--initial-cluster-state", "new",
                    "--initial-cluster-token", SCOPE, "--log-level", "error",
                ],
            )  # fmt: skip
        self.wait_until(self._etcd_healthy, "three healthy etcd members", 60)

    def _etcd_healthy(self) -> bool:
        try:
            return all(
                _get_json(f"http://127.0.0.1:{client}/health")["health"] == "true" for client, _ in self.etcd_ports
            )
        except (OSError, ValueError, KeyError):
            return False

    def start_patroni(self, name: str) -> None:
        config = self.directory / f"{name}.yml"
        config.write_text(yaml.safe_dump(self._patroni_config(name)))
        self._spawn(name, [*AS_ORDINARY_USER, str(PATRONI), str(config)])

    def stop_patroni(self, name: str) -> None:
        """Patroni stopped (it stops its server first)."""
        process = self._processes.pop(name)
        process.terminate()
        process.wait(60)

    def _patroni_config(self, name: str) -> dict:
        pg_port, api_port = self.members[name]
        return {
            "scope": SCOPE,
            "name": name,
            "restapi": {"listen": f"127.0.0.1:{api_port}", "connect_address": f"127.0.0.1:{api_port}"},
            "etcd3": {"hosts": [f"127.0.0.1:{client}" for client, _peer in self.etcd_ports]},
            "bootstrap": {
                "dcs": {
                    "synchronous_mode": True,
                    "primary_start_timeout": 0,
                    "maximum_lag_on_failover": 1048576,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {"wal_log_hints": "on", "max_connections": 200, "wal_keep_size": "128MB"},
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C"}, "data-checksums"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{pg_port}",
                "connect_address": f"127.0.0.1:{pg_port}",
                "data_dir": str(self.directory / name),
                "bin_dir": str(programs_dir()),
                "pgpass": str(self.directory / f"{name}.pgpass"),
                "authentication": {
                    role: {"username": user, "password": password}
                    for role, (user, password) in (
                        ("superuser", SUPERUSER),
                        ("replication", REPLICATION),
                        ("rewind", REWIND),
                    )
                },
                "parameters": {"unix_socket_directories": str(self.directory)},
                "pg_hba": [
                    "local all all trust",
                    f"host replication {REPLICATION[0]} 127.0.0.1/32 scram-sha-256",
                    "host all all 127.0.0.1/32 scram-sha-256",
                ],
            },
        }

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.directory / f"{name}.log").open("ab") as log:
            self._processes[name] = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(errors="replace")

    def cleanup(self) -> None:
        for name in [n for n in self._processes if n in self.members]:
            with suppress(subprocess.TimeoutExpired, KeyError):
                self.stop_patroni(name)
        for process in self._processes.values():
            process.kill()
            process.wait(30)
        for name in self.members:  # a server whose Patroni did not stop it
            with suppress(OSError, ValueError):
                os.kill(self.postmaster_pid(name), signal.SIGKILL)
        shutil.rmtree(self.directory, ignore_errors=True)


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=2) as answer:
        return json.load(answer)
