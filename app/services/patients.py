"""Finding and registering patients."""

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, text

from app.domain.errors import LikelyDuplicatePatient, NotFound
from app.domain.models import PatientIn, PatientSearch, validate
from app.domain.schedule_setup import check_id
from app.services.context import Clinic

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Patient:
    id: int
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str
    email: str | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


_COLUMNS = "id, first_name, last_name, date_of_birth, phone, email"
_DETAILS = "first_name, last_name, date_of_birth, phone, email"  # what a desk enters and may edit
_DETAIL_VALUES = ":first_name, :last_name, :date_of_birth, :phone, :email"

LOCK_PATIENT = text("SELECT id FROM patients WHERE id = :id FOR UPDATE")
# Only the editable columns (a receptionist's UPDATE grant covers no others). An unchanged row is left alone,
# so saving a dialog without edits adds nothing to the audit trail.
UPDATE_PATIENT = text(
    f"UPDATE patients SET ({_DETAILS}) = ({_DETAIL_VALUES})"
    f" WHERE id = :id AND ({_DETAILS}) IS DISTINCT FROM ({_DETAIL_VALUES})"
)


def _escape_like(value: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", value)


def _search_sql(text_query: str) -> tuple[str, dict]:
    """A date finds birth dates, mostly digits find phone numbers, words find name prefixes."""
    try:
        return "date_of_birth = :dob", {"dob": date.fromisoformat(text_query)}
    except ValueError:
        pass
    digits = re.sub(r"\D", "", text_query)
    if len(digits) >= 3 and len(digits) >= len(text_query.replace(" ", "")) - 2:
        return "regexp_replace(phone, '[^0-9]', '', 'g') LIKE :digits", {"digits": f"%{digits}%"}
    clauses, params = [], {}
    for i, word in enumerate(text_query.lower().split()):
        clauses.append(f"(lower(first_name) LIKE :w{i} OR lower(last_name) LIKE :w{i})")
        params[f"w{i}"] = _escape_like(word) + "%"
    return " AND ".join(clauses), params


def search_patients(clinic: Clinic, query: str) -> list[Patient]:
    """Patients matching a name (prefixes of first and last name), a phone number or a birth date."""
    request = validate(PatientSearch, query=query.strip() if isinstance(query, str) else query)
    where, params = _search_sql(request.query)
    sql = text(f"SELECT {_COLUMNS} FROM patients WHERE {where} ORDER BY last_name, first_name, id LIMIT {SEARCH_LIMIT}")
    rows = clinic.uow.read(lambda conn: conn.execute(sql, params).all())
    return [Patient(*row) for row in rows]


def get_patient(clinic: Clinic, patient_id: int) -> Patient | None:
    patient_id = check_id("patient_id", patient_id)
    sql = text(f"SELECT {_COLUMNS} FROM patients WHERE id = :id")
    row = clinic.uow.read(lambda conn: conn.execute(sql, {"id": patient_id}).one_or_none())
    return Patient(*row) if row else None


FIND_TWINS = text(
    "SELECT id FROM patients WHERE lower(first_name) = lower(:first_name)"
    " AND lower(last_name) = lower(:last_name) AND date_of_birth = :date_of_birth ORDER BY id"
)
INSERT_PATIENT = text(f"INSERT INTO patients ({_DETAILS}) VALUES ({_DETAIL_VALUES}) RETURNING id")


def insert_patient(conn: Connection, patient: PatientIn, *, allow_duplicate: bool) -> int:
    """Register `patient` in the caller's transaction; return the id. A patient with the same name and birth date
    raises LikelyDuplicatePatient unless `allow_duplicate` (the receptionist confirmed it is someone else)."""
    params = patient.model_dump()
    if not allow_duplicate:
        twins = conn.execute(FIND_TWINS, params).scalars().all()
        if twins:
            raise LikelyDuplicatePatient(list(twins))
    return conn.execute(INSERT_PATIENT, params).scalar_one()


def create_patient(clinic: Clinic, patient: PatientIn, *, allow_duplicate: bool = False) -> int:
    """Register a patient; return the id (see insert_patient)."""
    return clinic.uow.write(lambda conn: insert_patient(conn, patient, allow_duplicate=allow_duplicate))


def update_patient(clinic: Clinic, patient_id: int, patient: PatientIn) -> None:
    """Replace a patient's details with `patient`'s."""
    patient_id = check_id("patient_id", patient_id)
    params = {**patient.model_dump(), "id": patient_id}

    def work(conn) -> None:
        if conn.execute(LOCK_PATIENT, {"id": patient_id}).one_or_none() is None:
            raise NotFound("patient_id", "patient", patient_id)
        conn.execute(UPDATE_PATIENT, params)

    clinic.uow.run(work)
