import json

from sqlalchemy import text

from tests.cli.runner import database_names, run_one

LATENCY = ["min_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms"]
KEYS = {"desks", "writers", "bookings", "committed", "expected", "received", "missed", "per_desk", *LATENCY}
SESSIONS = {"server_sessions_peak", "server_sessions_listening", "rereads", "through"}


def test_bench_live_counts_every_notification_at_every_desk(cli_env, admin_url, engine):
    before = database_names(admin_url)
    env = {**cli_env, "DATABASE_URL": admin_url}
    result = run_one(env, "bench-live", "--desks", "2", "--writers", "2", "--bookings", "20", "--json")
    assert result.code == 0, result.err

    report = json.loads(result.out)
    assert set(report) >= KEYS | SESSIONS
    assert report["through"] == "PostgreSQL directly"
    assert (report["desks"], report["writers"], report["bookings"]) == (2, 2, 20)
    assert report["committed"] == 20
    assert report["write_errors"] == 0
    assert report["expected"] == 2 * 20
    assert report["received"] == report["expected"]
    assert report["missed"] == 0
    assert all(isinstance(report[key], float) for key in LATENCY)
    assert [(d["desk"], d["received"], d["missed"]) for d in report["per_desk"]] == [(1, 20, 0), (2, 20, 0)]
    assert_desk_shaped(report)
    assert database_names(admin_url) == before, "the throwaway database is dropped"
    with engine.connect() as conn:  # the configured database is never touched
        assert conn.execute(text("SELECT count(*) FROM appointments")).scalar_one() == 0


def assert_desk_shaped(report: dict) -> None:
    """Each desk re-read as a window does, and the server held its listener and its pool's sessions."""
    assert all(desk["reads"] >= 2 for desk in report["per_desk"]), "a view and its free times at least"
    assert report["rereads"] == sum(desk["reads"] for desk in report["per_desk"])
    assert report["server_sessions_listening"] == report["desks"]
    # a listener and at least one pooled session per desk, and a session per writer
    assert report["server_sessions_peak"] >= 2 * report["desks"] + report["writers"]


def test_bench_live_through_pgbouncer_in_session_mode(cli_env, admin_url):
    env = {**cli_env, "DATABASE_URL": admin_url}
    args = ["--desks", "2", "--writers", "2", "--bookings", "20", "--pgbouncer", "--json"]
    result = run_one(env, "bench-live", *args)
    assert result.code == 0, result.err

    report = json.loads(result.out)
    assert report["through"].startswith("PgBouncer ") and report["through"].endswith(" in session mode")
    assert (report["committed"], report["write_errors"], report["missed"]) == (20, 0, 0)
    assert report["received"] == 2 * 20
    assert report["pooler_transactions"] >= 20, "the bookings went through PgBouncer"
    assert_desk_shaped(report)  # counted on the server: every client of a session pool holds a session there


def test_bench_live_desks_that_only_listen_hold_their_listener_alone(cli_env, admin_url):
    env = {**cli_env, "DATABASE_URL": admin_url}
    result = run_one(env, "bench-live", "--desks", "3", "--bookings", "10", "--listen-only", "--json")
    assert result.code == 0, result.err

    report = json.loads(result.out)
    assert (report["received"], report["missed"]) == (3 * 10, 0)
    assert report["rereads"] == 0 and all(desk["reads"] == 0 for desk in report["per_desk"])
    assert report["server_sessions_listening"] == 3
    assert report["server_sessions_peak"] == 3 + 2, "three listeners and the two writers' connections, no pools"


def test_bench_live_prints_a_readable_report(cli_env, admin_url):
    result = run_one({**cli_env, "DATABASE_URL": admin_url}, "bench-live", "--desks", "1", "--bookings", "6")
    assert result.code == 0, result.err

    assert "1 desks re-reading, 2 writers booking 6 appointments" in result.out
    assert "notifications: expected 6, received 6, missed 0" in result.out
    latency_line = next(line for line in result.out.splitlines() if line.startswith("latency from commit"))
    for name in ("p50", "p90", "p99", "max"):
        assert f" {name} " in latency_line
    assert "through: PostgreSQL directly" in result.out
    assert "a booking, from the call to its commit (ms):  p50 " in result.out
    assert "server sessions at the most: " in result.out


def test_bench_live_refuses_nonsense_sizes(cli_env):
    for args in (["--desks", "0"], ["--bookings", "0"], ["--writers", "0"], ["--rate", "0"]):
        result = run_one(cli_env, "bench-live", *args)
        assert result.code == 2, args
        assert "--desks, --writers and --bookings must be at least 1 and --rate above 0" in result.err
