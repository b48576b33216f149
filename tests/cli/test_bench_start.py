import re
import tempfile
from pathlib import Path

from tests.cli.runner import run_one

KINDS = ["bare window", "cold: sign-in shown", "cold: week shown", "warm: sign-in shown", "warm: week shown"]


def test_bench_start_launches_the_program_cold_and_warm_and_leaves_nothing_behind(cli_env):
    before = set(Path(tempfile.gettempdir()).glob("clinic-bench-start-*"))
    result = run_one({**cli_env, "QT_QPA_PLATFORM": "offscreen"}, "bench-start", "--runs", "1")
    assert result.code == 0, result.err

    assert "launch to window, seconds (median of 1 runs; Qt platform offscreen)" in result.out
    for kind in KINDS:
        line = next(line for line in result.out.splitlines() if line.strip().startswith(kind))
        assert re.search(r"\d+\.\d\d .*\d+\.\dx floor$", line), line
    assert set(Path(tempfile.gettempdir()).glob("clinic-bench-start-*")) == before, "its folders are removed"


def test_bench_start_refuses_no_runs(cli_env):
    result = run_one(cli_env, "bench-start", "--runs", "0")
    assert result.code == 2
    assert "--runs must be at least 1" in result.err
