"""`clinic-scheduler series`: preview, book (all, or the free ones), cancel from an occurrence on; exits 0, 2, 3."""

from datetime import timedelta

from sqlalchemy import text

from app.domain.models import BookingRequest
from app.services import booking
from app.services.providers import add_provider
from tests.cli.runner import run_one
from tests.cli.test_cli import DAY, at, wall
from tests.conftest import WEEKDAY_HOURS
from tests.integration.db_state import table_state


def series_args(command: str, desk, *extra: str) -> list[str]:
    return [
        "series",
        command,
        "--provider",
        str(desk["provider"]),
        "--patient",
        str(desk["ada"]),
        "--start",
        wall(DAY, 9),
        "--every",
        "1w",
        "--count",
        "4",
        *extra,
    ]


def live_series(engine) -> list[tuple[int, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT series_index, patient_id FROM appointments WHERE series_id IS NOT NULL AND status = 'booked'")
        ).all()
    return sorted(tuple(row) for row in rows)


def test_a_free_series_is_previewed_then_booked_and_cancelled_from_an_occurrence_on(cli_env, engine, desk):
    preview = run_one(cli_env, *series_args("preview", desk))
    assert preview.code == 0, preview.err
    provider = desk["provider"]
    expected = [f"{n + 1} {at(DAY + timedelta(weeks=n), 9).isoformat()} free provider {provider}" for n in range(4)]
    assert preview.out.splitlines() == expected

    booked = run_one(cli_env, *series_args("book", desk))
    assert booked.code == 0, booked.err
    head, *lines = booked.out.splitlines()
    series_id = int(head.split()[1].rstrip(":"))
    assert head.endswith("4 booked, 0 not") and all(" booked " in line for line in lines)
    assert live_series(engine) == [(n, desk["ada"]) for n in (1, 2, 3, 4)]

    cancelled = run_one(cli_env, "series", "cancel", str(series_id), "--from", wall(DAY + timedelta(weeks=2), 9))
    assert cancelled.code == 0, cancelled.err
    assert cancelled.out.startswith(f"series {series_id}: 2 occurrence(s) cancelled")
    assert live_series(engine) == [(1, desk["ada"]), (2, desk["ada"])]


def test_a_conflict_stops_the_series_with_exit_3_unless_conflicts_are_skipped(cli_env, engine, desk, real_clinic):
    second = at(DAY + timedelta(weeks=1), 9)
    booking.book(real_clinic, BookingRequest(provider_id=desk["provider"], patient_id=desk["bob"], start=second))

    preview = run_one(cli_env, *series_args("preview", desk))
    assert preview.code == 3
    conflict = preview.out.splitlines()[1]
    assert conflict.startswith(f"2 {second.isoformat()} conflict: taken by another appointment of the provider")
    assert "(nearest free: " in conflict

    before = table_state(engine)
    stopped = run_one(cli_env, *series_args("book", desk))
    assert stopped.code == 3
    assert "1 occurrence(s) cannot be booked, so none was" in stopped.err
    assert table_state(engine) == before

    skipped = run_one(cli_env, *series_args("book", desk, "--skip-conflicts"))
    assert skipped.code == 0, skipped.err
    assert "3 booked, 1 not" in skipped.out and "2 " + second.isoformat() + " conflict: taken" in skipped.out
    assert live_series(engine) == [(1, desk["ada"]), (3, desk["ada"]), (4, desk["ada"])]


def test_a_series_that_cannot_be_used_exits_2_naming_what_is_wrong(cli_env, engine, desk):
    before = table_state(engine)
    cases = {
        ("--every", "fortnightly"): "error: every: 'fortnightly' is not a number and d, w or m (e.g. 1w, 2w, 10d, 1m)",
        ("--weekdays", "mon,funday"): "error: weekdays: 'funday' is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
        ("--every", "1d", "--weekdays", "mon"): "error: weekdays: go with a weekly series only",
    }
    for extra, message in cases.items():
        args = series_args("book", desk)
        if extra[0] == "--every":
            args[args.index("--every") + 1] = extra[1]
            extra = extra[2:]
        result = run_one(cli_env, *args, *extra)
        assert (result.code, result.err.strip()) == (2, message), extra
    too_many = run_one(cli_env, *series_args("book", desk)[:-2], "--count", "105")
    assert (too_many.code, too_many.err.strip()) == (2, "error: count: Input should be less than or equal to 104")
    unknown = run_one(cli_env, "series", "cancel", "999999")
    assert (unknown.code, unknown.err.strip()) == (2, "error: series_id: no series with id 999999")
    assert table_state(engine) == before


def test_a_series_with_any_provider_of_a_specialty_names_each_occurrence_s_provider(cli_env, engine, desk, real_clinic):
    physio = add_provider(real_clinic, "Dr. Physio", WEEKDAY_HOURS, "Physiotherapy")
    args = series_args("book", desk)
    args[args.index("--provider") : args.index("--provider") + 2] = ["--specialty", "Physiotherapy"]
    booked = run_one(cli_env, *args)
    assert booked.code == 0, booked.err
    assert [line.split()[-1] for line in booked.out.splitlines()[1:]] == [str(physio)] * 4
    unknown = run_one(cli_env, *[a if a != "Physiotherapy" else "Astrology" for a in args])
    nobody = "error: specialty: no active provider has the specialty 'Astrology'"
    assert (unknown.code, unknown.err.strip()) == (2, nobody)
