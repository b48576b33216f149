import json

from sqlalchemy import text

from tests.cli.runner import database_names, run_one

PATH_KEYS = {"attempts", "successes", "double_bookings", "p50_ms", "p99_ms", "bookings_per_s", "errors"}
SUMMARY_KEYS = {"service_per_s", "service_p50_ms", "service_p99_ms", "double_bookings", "service_vs_raw_sql"}


def check_workload(report: dict, workers: int, slots: int, successes: int) -> None:
    assert set(report) >= SUMMARY_KEYS | {"service", "raw_sql", "pgbench"}  # the wheel ships pgbench
    assert report["double_bookings"] == 0
    assert report["service_per_s"] == report["service"]["bookings_per_s"] > 0
    assert 0 < report["service_p50_ms"] <= report["service_p99_ms"]
    for path in ("service", "raw_sql", "pgbench"):
        assert set(report[path]) >= PATH_KEYS
        assert report[path]["attempts"] == workers * slots, path
        assert report[path]["double_bookings"] == report[path]["errors"] == 0, path
        assert 0 < report[path]["p50_ms"] <= report[path]["p99_ms"], path
        assert report[path]["bookings_per_s"] > 0, path
    assert report["service"]["successes"] == report["raw_sql"]["successes"] == successes
    assert 0 < report["pgbench"]["successes"] <= successes  # contended, pgbench tries random slots (counted only)
    assert report["service_vs_pgbench"] > 0 and report["p99_vs_pgbench"] > 0


def test_stress_reports_both_workloads_on_every_path_in_a_throwaway_database(cli_env, admin_url, engine):
    before = database_names(admin_url)
    result = run_one({**cli_env, "DATABASE_URL": admin_url}, "stress", "--workers", "3", "--slots", "12", "--json")
    assert result.code == 0, result.err

    report = json.loads(result.out)
    check_workload(report["uncontended"], 3, 12, successes=3 * 12)
    check_workload(report["contended"], 3, 12, successes=12)
    assert database_names(admin_url) == before, "the throwaway database is dropped"
    with engine.connect() as conn:  # the configured database is never touched
        assert conn.execute(text("SELECT count(*) FROM providers")).scalar_one() == 0


def test_stress_uncontended_prints_one_object_for_checks_to_read(cli_env, admin_url):
    env = {**cli_env, "DATABASE_URL": admin_url}
    result = run_one(env, "stress", "--uncontended", "--workers", "2", "--slots", "5", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["workload"] == "uncontended"
    check_workload(report, 2, 5, successes=2 * 5)


def test_stress_refuses_nonsense_sizes(cli_env):
    result = run_one(cli_env, "stress", "--workers", "0", "--slots", "5")
    assert result.code == 2
    assert "--workers and --slots must be at least 1" in result.err
