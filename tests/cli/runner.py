"""Running the real clinic-scheduler command as a separate process."""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).parents[2]


@dataclass
class Result:
    args: list[str]
    code: int
    out: str
    err: str


def run(env: dict[str, str], *commands: list[str]) -> list[Result]:
    """Run the commands at the same time (each is a separate process) and return their results in order."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "app", *command],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    results = []
    for command, process in zip(commands, processes, strict=True):
        out, err = process.communicate(timeout=120)
        results.append(Result(command, process.returncode, out, err))
    return results


def run_one(env: dict[str, str], *args: str) -> Result:
    return run(env, list(args))[0]


def database_names(admin_url: str) -> set[str]:
    """Every database on the server: a throwaway one must be gone again after a benchmark."""
    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    finally:
        engine.dispose()
