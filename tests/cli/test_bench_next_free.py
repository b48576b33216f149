import json

from tests.cli.runner import database_names, run_one


def test_bench_next_free_times_the_searches_before_and_after_filling_a_throwaway_database(cli_env, admin_url):
    before = database_names(admin_url)
    env = {**cli_env, "DATABASE_URL": admin_url}
    result = run_one(env, "bench-next-free", "--repeat", "1", "--appointments", "6000", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["demo"]["appointments"] > 1000
    assert report["filled"]["appointments"] >= 0.9 * 6000  # a patient drawn twice for one time is skipped
    for stage in ("demo", "filled"):
        assert set(report[stage]["ms"]) == {"any provider", "a procedure, any provider", "one provider, afternoons"}
        assert all(ms > 0 for ms in report[stage]["ms"].values())
    assert database_names(admin_url) == before, "the throwaway database is dropped"


def test_bench_next_free_refuses_nonsense_sizes(cli_env):
    result = run_one(cli_env, "bench-next-free", "--repeat", "0")
    assert result.code == 2 and "--repeat and --appointments must be at least 1" in result.err
