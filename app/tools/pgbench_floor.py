"""The floor under the booking path: pgbench running the raw-SQL booking transaction on the same server.

pgbench is PostgreSQL's own load generator, written in C: what it reaches is what the server allows. It runs the
same transaction as the raw-SQL path of `stress` (insert the slot if new, lock it, insert the appointment if the
slot is free), as one pipeline from `BEGIN` to `COMMIT`, with one patient per client. Uncontended, every
transaction takes the next slot of a sequence; contended, a random one of the shared slots.
"""

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import make_url

from app.db.engine import conninfo

SEQUENCE = "stress_pgbench_slot"
_SLOTS_PER_DAY = 40  # the stress provider's day: 08:00 to 18:00 UTC in 15-minute slots


def _start(number: str) -> str:
    return (
        f"CAST(:first_slot AS timestamptz) + ({number} / {_SLOTS_PER_DAY}) * interval '1 day'"
        f" + ({number} % {_SLOTS_PER_DAY}) * interval '15 minutes'"
    )


def script(contended: bool) -> str:
    """The pgbench script: the first statement picks the slot number, the others use the same one."""
    first, then = (
        ("CAST(:n AS bigint)", "CAST(:n AS bigint)")
        if contended
        else (f"nextval('{SEQUENCE}')", f"currval('{SEQUENCE}')")
    )
    # In a sub-select, evaluated once: the slot's index can then find it (currval is volatile).
    slot = f"s.provider_id = CAST(:provider AS integer) AND s.start_time = (SELECT {_start(then)})"
    return "\n".join(
        [
            r"\set n random(0, :slots - 1)" if contended else "",
            r"\startpipeline",
            "BEGIN;",
            "INSERT INTO time_slots (provider_id, start_time, end_time)"
            f" SELECT CAST(:provider AS integer), t, t + interval '15 minutes' FROM (SELECT {_start(first)} AS t) AS x"
            " ON CONFLICT (provider_id, start_time) DO NOTHING;",
            f"SELECT s.id FROM time_slots s WHERE {slot} FOR UPDATE;",
            "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, request_id)"
            " SELECT s.id, s.provider_id, s.start_time, s.end_time, CAST(:first_patient AS integer) + :client_id,"
            " (SELECT id FROM appointment_types WHERE is_default), gen_random_uuid()"
            f" FROM time_slots s WHERE {slot}"
            " AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id AND a.status <> 'cancelled');",
            "COMMIT;",
            r"\endpipeline",
            "",
        ]
    )


def pgbench_binary() -> str | None:
    """The embedded server's pgbench (its wheel ships one), else one on the PATH, else None."""
    from app.db.embedded import client_binary

    shipped = client_binary("pgbench")
    return str(shipped) if shipped.is_file() else shutil.which("pgbench")


def pgbench_connection(url: str) -> tuple[str, dict[str, str]]:
    """pgbench's connection argument for `url`, and the environment to run it in: the password in PGPASSWORD, not on
    the command line, where other users could see it."""
    env = dict(os.environ)
    if (password := make_url(url).password) is not None:
        env["PGPASSWORD"] = password
    return conninfo(url, password=None), env


@dataclass(frozen=True)
class PgbenchRun:
    transactions: int
    per_s: float
    latencies_s: list[float]
    failed: int  # transactions pgbench reports as failed (a deadlock or a serialization failure; not retried)


def run_pgbench(
    url: str, *, clients: int, per_client: int, provider_id: int, first_patient: int, first_slot: datetime,
    slots: int, contended: bool,
) -> PgbenchRun:  # fmt: skip
    """Run the booking transaction `per_client` times in each of `clients` connections; raises CalledProcessError
    with pgbench's own message if it fails."""
    binary = pgbench_binary()
    if binary is None:
        raise FileNotFoundError("pgbench")
    connection, env = pgbench_connection(url)
    with tempfile.TemporaryDirectory(prefix="clinic-pgbench-") as folder:
        script_path = Path(folder) / "booking.sql"
        script_path.write_text(script(contended), encoding="utf-8")
        variables = {
            "provider": provider_id,
            "first_patient": first_patient,
            "first_slot": first_slot.isoformat(),
            "slots": slots,
        }
        command = [
            binary, "--no-vacuum", "--protocol=prepared", f"--client={clients}", f"--jobs={min(clients, 4)}",
            f"--transactions={per_client}", f"--file={script_path}", "--log", f"--log-prefix={Path(folder) / 'log'}",
            *(f"--define={name}={value}" for name, value in variables.items()),
            connection,
        ]  # fmt: skip
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=folder)
        latencies = [
            int(line.split()[2]) / 1e6 for log in Path(folder).glob("log.*") for line in log.read_text().splitlines()
        ]
    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
    failed = re.search(r"number of failed transactions: ([0-9]+)", done.stdout)
    return PgbenchRun(
        len(latencies), float(tps.group(1)) if tps else 0.0, latencies, int(failed.group(1)) if failed else 0
    )
