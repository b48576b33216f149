"""`clinic-scheduler waitlist`: add, list, matches and remove; a wrong argument exits 2 naming it."""

from datetime import timedelta

from app.domain.models import BookingRequest
from app.services import booking
from tests.cli.runner import run_one
from tests.cli.test_cli import DAY, at
from tests.integration.db_state import table_state


def test_add_list_match_and_remove(cli_env, engine, desk, real_clinic):
    provider, ada = str(desk["provider"]), str(desk["ada"])
    added = run_one(
        cli_env, "waitlist", "add", "--patient", ada, "--provider", provider, "--earliest", DAY.isoformat(),
        "--latest", DAY.isoformat(), "--part", "morning", "--priority", "urgent", "--note", "mornings only",
    )  # fmt: skip
    assert added.code == 0, added.err
    entry_id = int(added.out)

    listed = run_one(cli_env, "waitlist", "list")
    assert listed.code == 0, listed.err
    assert listed.out.startswith(f"{entry_id} urgent {ada} 'Ada ") and "'Dr. Command Line'" in listed.out

    matches = run_one(cli_env, "waitlist", "matches")  # the whole morning is free: its first time fits
    assert matches.code == 0, matches.err
    assert matches.out.splitlines() == [f"{entry_id} {ada} {at(DAY, 8).isoformat()} {provider}"]

    for hour, minute in ((8, 0), (8, 30)):  # taken: the next free morning time fits instead
        booking.book(
            real_clinic,
            BookingRequest(provider_id=desk["provider"], patient_id=desk["bob"], start=at(DAY, hour, minute)),
        )
    again = run_one(cli_env, "waitlist", "matches")
    assert again.out.split()[2] == at(DAY, 9).isoformat()

    removed = run_one(cli_env, "waitlist", "remove", str(entry_id))
    assert removed.code == 0 and run_one(cli_env, "waitlist", "list").out == ""
    again = run_one(cli_env, "waitlist", "remove", str(entry_id))
    assert (again.code, again.err.strip()) == (2, f"error: entry_id: no waitlist entry {entry_id}")


def test_a_wrong_entry_exits_2_naming_the_field_and_writes_nothing(cli_env, engine, desk):
    before = table_state(engine)
    later, earlier = DAY.isoformat(), (DAY - timedelta(days=1)).isoformat()
    backwards = run_one(
        cli_env, "waitlist", "add", "--patient", str(desk["ada"]), "--earliest", later, "--latest", earlier
    )
    assert (backwards.code, backwards.err.strip()) == (2, "error: latest: must not be before the earliest day")
    funday = run_one(
        cli_env,
        "waitlist",
        "add",
        "--patient",
        str(desk["ada"]),
        "--earliest",
        later,
        "--latest",
        later,
        "--weekdays",
        "fun",
    )
    assert (funday.code, funday.err.strip()) == (
        2, "error: weekdays: 'fun' is not a weekday (mon, tue, wed, thu, fri, sat, sun)"
    )  # fmt: skip
    assert table_state(engine) == before
