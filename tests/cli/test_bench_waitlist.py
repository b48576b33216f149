import json

import pytest

from tests.cli.runner import database_names, run_one


def test_bench_waitlist_times_the_desk_s_look_and_every_fit_by_waitlist_size(cli_env, admin_url):
    before = database_names(admin_url)
    env = {**cli_env, "DATABASE_URL": admin_url}
    result = run_one(env, "bench-waitlist", "--repeat", "1", "--entries", "3,8", "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [(row["entries"], row["matches"]) for row in rows] == [(3, 3), (8, 8)]  # each fits the freed time
    timed = {"desk_look_fit_ms", "desk_look_nobody_ms", "every_fit_ms", "free_times_ms"}
    assert all(timed <= set(row) and all(isinstance(row[key], float) for key in timed) for row in rows)
    assert all(row["ratio"] == pytest.approx(row["desk_look_fit_ms"] / row["free_times_ms"]) for row in rows)
    assert database_names(admin_url) == before, "the throwaway database is dropped"


def test_bench_waitlist_refuses_nonsense_sizes(cli_env):
    for args in (("--repeat", "0"), ("--entries", "10,many")):
        result = run_one(cli_env, "bench-waitlist", *args)
        assert result.code == 2 and "--entries whole numbers from 1" in result.err
