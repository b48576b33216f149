import json

from sqlalchemy import text

from tests.cli.runner import database_names, run_one

KEYS = {"attempts", "successes", "double_bookings", "p50_ms", "p99_ms", "bookings_per_s"}


def test_stress_reports_both_paths_in_a_throwaway_database(cli_env, admin_url, engine):
    before = database_names(admin_url)
    result = run_one({**cli_env, "DATABASE_URL": admin_url}, "stress", "--workers", "3", "--slots", "12", "--json")
    assert result.code == 0, result.err

    report = json.loads(result.out)
    for path in ("service", "raw_sql"):
        assert set(report[path]) >= KEYS
        assert report[path]["attempts"] == 3 * 12
        assert report[path]["successes"] == 12
        assert report[path]["double_bookings"] == 0
        assert 0 < report[path]["p50_ms"] <= report[path]["p99_ms"]
        assert report[path]["bookings_per_s"] > 0
    assert database_names(admin_url) == before, "the throwaway database is dropped"
    with engine.connect() as conn:  # the configured database is never touched
        assert conn.execute(text("SELECT count(*) FROM providers")).scalar_one() == 0


def test_stress_refuses_nonsense_sizes(cli_env):
    result = run_one(cli_env, "stress", "--workers", "0", "--slots", "5")
    assert result.code == 2
    assert "--workers and --slots must be at least 1" in result.err
