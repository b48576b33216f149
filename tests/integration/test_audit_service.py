"""The audit service over real rows written by the triggers, as different staff logins."""

from datetime import date, datetime

import pytest

from app.db.engine import workstation_name
from app.domain.errors import InvalidInput, NotAllowed
from app.services import audit, schedule
from tests.conftest import ZONE
from tests.logins import BOOKED_AT, MOVED_TO, backdate, signed_in_fixture, trail_fixture  # noqa: F401


def test_history_tells_who_did_what_from_which_workstation(trail, signed_in, clinic):
    _, manager = signed_in("manager")
    entries = audit.history(manager, trail.appointment)
    assert [(e.user, e.action) for e in entries] == [
        (trail.anna, "INSERT"),
        (trail.ben, "UPDATE"),
        (trail.anna, "UPDATE"),
    ]
    booked, moved, checked_in = entries
    assert {e.workstation for e in entries} == {workstation_name()}
    assert booked.before is None and booked.after["status"] == "booked"
    assert datetime.fromisoformat(moved.before["starts_at"]) == BOOKED_AT
    assert datetime.fromisoformat(moved.after["starts_at"]) == MOVED_TO
    assert (checked_in.before["status"], checked_in.after["status"]) == ("booked", "checked_in")
    assert {e.patient_id for e in entries} == {trail.annas_patient}
    assert {e.provider for e in entries} == {schedule.appointment(clinic, trail.appointment).provider_name}
    assert entries == sorted(entries, key=lambda e: e.at)


def test_every_clinic_role_may_read_an_appointments_history(trail, signed_in):
    _, receptionist = signed_in("receptionist")
    assert len(audit.history(receptionist, trail.appointment)) == 3
    assert audit.history(receptionist, 987654) == []


def test_search_by_user_is_newest_first(trail, signed_in):
    _, manager = signed_in("manager")
    bens = audit.search(manager, user=trail.ben)
    assert [(e.table, e.action) for e in bens] == [("appointments", "UPDATE"), ("patients", "INSERT")]
    assert bens[1].patient_id == trail.bens_patient and bens[1].patient.startswith("Benedikt ")
    everyone = audit.search(manager)
    assert [e.at for e in everyone] == sorted((e.at for e in everyone), reverse=True)
    assert {e.user for e in everyone} >= {trail.anna, trail.ben}


def test_search_by_patient(trail, signed_in):
    _, admin = signed_in("admin")
    about_anneliese = audit.search(admin, patient_id=trail.annas_patient)
    assert [(e.table, e.action) for e in reversed(about_anneliese)] == [
        ("patients", "INSERT"),
        ("appointments", "INSERT"),
        ("appointments", "UPDATE"),
        ("appointments", "UPDATE"),
    ]
    assert {e.patient for e in about_anneliese} == {about_anneliese[0].patient}
    assert about_anneliese[0].patient.startswith("Anneliese ")


def test_search_by_the_clinics_days_both_included(trail, signed_in, engine):
    _, manager = signed_in("manager")
    # 23:30 in Berlin on 2 March is already 3 March in UTC: the day is the clinic's.
    backdate(engine, trail.anna, datetime(2026, 3, 2, 23, 30, tzinfo=ZONE))
    backdate(engine, trail.ben, datetime(2026, 3, 4, 0, 15, tzinfo=ZONE))

    def users_between(since, until) -> set[str]:
        return {e.user for e in audit.search(manager, since=since, until=until)}

    anna, ben = trail.anna, trail.ben
    assert users_between(date(2026, 3, 2), date(2026, 3, 2)) == {anna}
    assert users_between(date(2026, 3, 3), date(2026, 3, 3)) == set()
    assert users_between(date(2026, 3, 2), date(2026, 3, 4)) == {anna, ben}
    assert users_between(date(2026, 3, 4), None) >= {ben} and anna not in users_between(date(2026, 3, 4), None)
    assert users_between(None, date(2026, 3, 3)) == {anna}


def test_search_limit_keeps_the_newest(trail, signed_in):
    _, manager = signed_in("manager")
    newest = audit.search(manager, limit=2)
    assert newest == audit.search(manager)[:2]


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"limit": 0}, "limit"), ({"since": date(2030, 1, 2), "until": date(2030, 1, 1)}, "until")],
)
def test_search_refuses_a_senseless_request(clinic, filters, field):
    with pytest.raises(InvalidInput) as refused:
        audit.search(clinic, **filters)
    assert [e.field for e in refused.value.errors] == [field]


def test_users_lists_everyone_who_changed_something(trail, signed_in):
    _, manager = signed_in("manager")
    names = audit.users(manager)
    assert {trail.anna, trail.ben} <= set(names)
    assert names == sorted(names)


def test_a_receptionist_may_not_search_the_trail(trail, signed_in):
    _, receptionist = signed_in("receptionist")
    with pytest.raises(NotAllowed):
        audit.search(receptionist)
    with pytest.raises(NotAllowed):
        audit.users(receptionist)
