"""Input models: every bad field is refused with an InvalidInput naming the field and the reason."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.domain.errors import FieldError, InvalidInput
from app.domain.models import (
    AppointmentStatus,
    BookingRequest,
    PatientIn,
    PatientSearch,
    RescheduleRequest,
    SlotQuery,
    StatusChange,
    validate,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2030, 1, 8, 9, 0, tzinfo=BERLIN)
PATIENT = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1980-05-17", "phone": "+49 30 1234567"}
BOOKING = {"provider_id": 1, "patient_id": 2, "start": START}
GOOD = {
    PatientIn: PATIENT,
    BookingRequest: BOOKING,
    RescheduleRequest: {"appointment_id": 1, "start": START},
    StatusChange: {"appointment_id": 1, "status": "checked_in"},
    SlotQuery: {"provider_id": 1, "day": "2030-01-08"},
    PatientSearch: {"query": "ada"},
}
ID_MESSAGES = [
    (0, "Input should be greater than 0"),
    (-5, "Input should be greater than 0"),
    (2**31 - 1, "Input should be less than 2147483647"),  # the range [id, id + 1) would overflow integer
    (2**31, "Input should be less than 2147483647"),
    ("seven", "Input should be a valid integer"),
    (1.5, "Input should be a valid integer"),
    (1.0, "Input should be a valid integer"),
    (True, "Input should be a valid integer"),
    ("7", "Input should be a valid integer"),
    (None, "Input should be a valid integer"),
]


def refusal(model, **changes) -> list[FieldError]:
    values = {**GOOD[model], **changes}
    with pytest.raises(InvalidInput) as caught:
        validate(model, **values)
    assert str(caught.value) == "; ".join(str(e) for e in caught.value.errors)
    return caught.value.errors


def assert_refused(model, field: str, reason: str, **changes) -> None:
    errors = refusal(model, **changes)
    assert len(errors) == 1, errors
    assert errors[0].field == field
    assert reason in errors[0].message, errors[0].message


@pytest.mark.parametrize("model", list(GOOD))
def test_good_values_pass(model):
    assert isinstance(validate(model, **GOOD[model]), model)


# --- patients ---


@pytest.mark.parametrize("field", ["first_name", "last_name"])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("\t \n", "must not be empty"),
        ("Ada\nLovelace", "must not contain control characters"),
        ("Ada\x00", "must not contain control characters"),
        ("Ada\x1b[31m", "must not contain control characters"),
        ("Ada\x85Lovelace", "must not contain control characters"),  # NEL, a C1 control
        ("Ada\u2028Lovelace", "must not contain control characters"),  # Unicode line separator
        ("A" * 101, "at most 100 characters"),
        (None, "Input should be a valid string"),
        (42, "Input should be a valid string"),
    ],
)
def test_bad_names_are_refused(field, value, reason):
    assert_refused(PatientIn, field, reason, **{field: value})


@given(
    st.text(max_size=40),
    st.characters(categories=["Cc"]) | st.sampled_from(["\u2028", "\u2029"]),
    st.text(max_size=40),
)
def test_a_control_character_anywhere_inside_a_name_is_refused(before, control, after):
    name = f"A{before}{control}{after}Z"
    assert_refused(PatientIn, "first_name", "must not contain control characters", first_name=name)


@given(st.text(st.characters(categories=["L", "M", "Zs", "Pd", "Po"]), min_size=1, max_size=100))
def test_printable_names_pass_stripped(name):
    if not name.strip():
        assert_refused(PatientIn, "first_name", "must not be empty", first_name=name)
    else:
        assert validate(PatientIn, **{**PATIENT, "first_name": name}).first_name == name.strip()


def test_names_keep_apostrophes_accents_and_hyphens_but_lose_outer_spaces():
    patient = validate(PatientIn, **{**PATIENT, "first_name": "  Zoë-Anne ", "last_name": "O'Brien Çelik"})
    assert (patient.first_name, patient.last_name) == ("Zoë-Anne", "O'Brien Çelik")


PHONE_REASON = "must be a phone number of 6 to 15 digits"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("12345", PHONE_REASON),  # too few digits
        ("+1 234 567 890 123 456", PHONE_REASON),  # 16 digits
        ("030 1234567 ext. 5", PHONE_REASON),  # letters
        ("call me", PHONE_REASON),
        ("++49 30 1234567", PHONE_REASON),
        ("", PHONE_REASON),
        ("1" * 41, "at most 40 characters"),
    ],
)
def test_bad_phone_numbers_are_refused(value, reason):
    assert_refused(PatientIn, "phone", reason, phone=value)


@pytest.mark.parametrize("value", ["+49 (30) 123-4567", "030/1234567", "123456", "+1.555.123.4567"])
def test_phone_numbers_in_usual_shapes_pass(value):
    assert validate(PatientIn, **{**PATIENT, "phone": value}).phone == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("ada", "must look like name@example.org"),
        ("ada@example", "must look like name@example.org"),
        ("ada lovelace@example.org", "must look like name@example.org"),
        ("@example.org", "must look like name@example.org"),
        ("a@" + "b" * 250 + ".org", "at most 254 characters"),
    ],
)
def test_bad_emails_are_refused(value, reason):
    assert_refused(PatientIn, "email", reason, email=value)


def test_a_blank_email_means_none_and_a_good_one_is_kept_trimmed():
    assert validate(PatientIn, **{**PATIENT, "email": "   "}).email is None
    assert validate(PatientIn, **{**PATIENT, "email": " ada@example.org "}).email == "ada@example.org"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (date.today() + timedelta(days=1), "must not be in the future"),
        (date(2999, 1, 1), "must not be in the future"),
        (date(1899, 12, 31), "must not be before 1900-01-01"),
        ("1880-02-30", "Input should be a valid date"),
        ("17.05.1980", "Input should be a valid date"),
        (None, "Input should be a valid date"),
    ],
)
def test_bad_birth_dates_are_refused(value, reason):
    assert_refused(PatientIn, "date_of_birth", reason, date_of_birth=value)


@pytest.mark.parametrize("value", [date(1900, 1, 1), date.today()])
def test_birth_dates_at_the_edges_pass(value):
    assert validate(PatientIn, **{**PATIENT, "date_of_birth": value}).date_of_birth == value


def test_every_missing_patient_field_is_named():
    with pytest.raises(InvalidInput) as caught:
        validate(PatientIn, first_name="Ada")
    assert {(e.field, e.message) for e in caught.value.errors} == {
        ("last_name", "Field required"),
        ("date_of_birth", "Field required"),
        ("phone", "Field required"),
    }


def test_several_bad_fields_are_all_reported():
    errors = refusal(PatientIn, first_name="", phone="x", email="nope")
    assert [e.field for e in errors] == ["first_name", "phone", "email"]


# --- appointments ---


@pytest.mark.parametrize("model", [BookingRequest, RescheduleRequest])
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (datetime(2030, 1, 8, 9, 0), "must include a time zone offset"),
        ("2030-01-08T09:00", "must include a time zone offset"),
        ("next tuesday", "Input should be a valid datetime"),
        (None, "Input should be a valid datetime"),
    ],
)
def test_start_must_be_an_aware_time(model, value, reason):
    assert_refused(model, "start", reason, start=value)


@pytest.mark.parametrize("model", [BookingRequest, RescheduleRequest])
def test_an_iso_time_with_offset_is_read_as_that_instant(model):
    request = validate(model, **{**GOOD[model], "start": "2030-01-08T09:00+01:00"})
    assert request.start == START
    assert validate(model, **{**GOOD[model], "start": START.astimezone(UTC)}).start == START


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (BookingRequest, "provider_id"),
        (BookingRequest, "patient_id"),
        (BookingRequest, "type_id"),
        (RescheduleRequest, "appointment_id"),
        (StatusChange, "appointment_id"),
        (SlotQuery, "provider_id"),
    ],
)
@pytest.mark.parametrize(("value", "reason"), ID_MESSAGES)
def test_ids_must_be_positive_database_integers(model, field, value, reason):
    if field == "type_id" and value is None:
        assert validate(model, **{**GOOD[model], field: None}).type_id is None  # None: the default type
        return
    assert_refused(model, field, reason, **{field: value})


def test_booking_notes_and_request_id_are_checked():
    assert_refused(BookingRequest, "notes", "at most 2000 characters", notes="x" * 2001)
    assert_refused(BookingRequest, "request_id", "Input should be a valid UUID", request_id="retry-1")
    request_id = uuid.uuid4()
    assert validate(BookingRequest, **BOOKING, request_id=str(request_id)).request_id == request_id


def test_each_booking_gets_its_own_request_id():
    assert validate(BookingRequest, **BOOKING).request_id != validate(BookingRequest, **BOOKING).request_id


@pytest.mark.parametrize("value", ["bogus", "BOOKED", "", None, 1])
def test_unknown_status_is_refused(value):
    assert_refused(
        StatusChange,
        "status",
        "Input should be 'booked', 'checked_in', 'completed', 'no_show' or 'cancelled'",
        status=value,
    )


@pytest.mark.parametrize("status", list(AppointmentStatus))
def test_every_status_is_accepted(status):
    assert validate(StatusChange, appointment_id=1, status=status.value).status is status


@pytest.mark.parametrize(("value", "reason"), [("2030-02-30", "Input should be a valid date"), (None, "valid date")])
def test_slot_query_day_must_be_a_date(value, reason):
    assert_refused(SlotQuery, "day", reason, day=value)


@pytest.mark.parametrize(("value", "reason"), [("", "at least 1 character"), ("a" * 101, "at most 100 characters")])
def test_search_text_length(value, reason):
    assert_refused(PatientSearch, "query", reason, query=value)


@pytest.mark.parametrize("model", list(GOOD))
def test_unknown_fields_are_refused_by_name(model):
    assert_refused(model, "colour", "Extra inputs are not permitted", colour="red")


def test_models_are_frozen():
    request = validate(BookingRequest, **BOOKING)
    with pytest.raises(ValidationError, match="frozen"):
        request.provider_id = 5  # type: ignore[misc]
