"""Real PostgreSQL for every test: DATABASE_URL's server if set, else one embedded server per session.

Each test that asks for `db_url` gets its own database, copied from a migrated template.
"""

import os
import shutil
import tempfile
import uuid
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings
from sqlalchemy import make_url

from app.config import normalize_database_url
from app.db.embedded import server_url, start_embedded_server
from app.db.engine import drop_database, make_engine
from app.db.throwaway import migrated_database, throwaway_database
from app.domain.models import PatientIn
from app.domain.slots import WorkingBlock
from app.services.context import Clinic
from app.services.providers import add_provider
from app.services.uow import UnitOfWork

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The log goes to a throwaway folder, never the user log folder of the machine running the tests.
os.environ.setdefault("CLINIC_LOG_DIR", tempfile.mkdtemp(prefix="clinic-test-logs-"))
# The machines that run the suite are shared and noisy: a slow example is not a failure of the rules.
settings.register_profile("clinic", deadline=None)
settings.load_profile("clinic")

ZONE = ZoneInfo("Europe/Berlin")
# A fixed "now" (Tuesday 2030-01-08 07:00 in Berlin, before the first slot) keeps the tests' dates in the future, and
# makes the fixtures' Tuesday today: its appointments can be checked in.
NOW = datetime(2030, 1, 8, 7, 0, tzinfo=ZONE)
WEEKDAY_HOURS = {d: [WorkingBlock(time(8), time(12), 30), WorkingBlock(time(13), time(17), 30)] for d in range(1, 6)}


@pytest.fixture(scope="session")
def admin_url():
    if os.environ.get("DATABASE_URL"):
        yield normalize_database_url(os.environ["DATABASE_URL"])
        return
    data_dir = Path(tempfile.mkdtemp(prefix="clinic-tests-"))
    server = start_embedded_server(data_dir, throwaway=True)
    yield server_url(server, "postgres")
    server.cleanup()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def embedded_data_dir():
    """A data folder for an embedded server of the test's own. Not under pytest's tmp_path: run as root, the server
    runs as a system account, which may not pass through pytest's private folder (and the program changes no
    folder above its own data folder to let it)."""
    folder = Path(tempfile.mkdtemp(prefix="clinic-test-data-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def template_db(admin_url):
    url = migrated_database(admin_url, prefix="clinic_template")
    name = make_url(url).database
    yield name
    drop_database(admin_url, name)


@pytest.fixture
def db_url(admin_url, template_db):
    with throwaway_database(admin_url, prefix="clinic_test", template=template_db) as url:
        yield url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def make_clinic(engine, now: datetime = NOW, **kwargs) -> Clinic:
    return Clinic(uow=UnitOfWork(engine), zone=ZONE, horizon_days=365, clock=lambda: now, **kwargs)


@pytest.fixture
def clinic(engine) -> Clinic:
    return make_clinic(engine)


@pytest.fixture
def provider_id(clinic) -> int:
    return add_provider(clinic, f"Dr. Test {uuid.uuid4().hex[:6]}", WEEKDAY_HOURS, "General practice")


STAFF_PASSWORD = "correct horse battery"


@pytest.fixture
def staff_login(admin_url, clinic, db_url):
    """A factory: `staff_login("receptionist")` creates a login role in that clinic group, with STAFF_PASSWORD,
    and returns (name, url signed in as it). The roles are dropped afterwards (roles are server-wide)."""
    from app.db.engine import with_login
    from app.services.staff import add_staff

    created: list[str] = []

    def make(role: str) -> tuple[str, str]:
        name = f"{role[:5]}_{uuid.uuid4().hex[:8]}"
        add_staff(clinic, name, role, STAFF_PASSWORD)
        created.append(name)
        return name, with_login(db_url, name, STAFF_PASSWORD)

    yield make
    drop_roles(admin_url, created)


def drop_roles(admin_url: str, names: list[str]) -> None:
    from app.db.engine import drop_logins

    drop_logins(admin_url, names)


def new_patient(clinic: Clinic, first_name: str = "Ada", last_name: str | None = None) -> int:
    from app.services.patients import create_patient

    return create_patient(
        clinic,
        PatientIn(
            first_name=first_name,
            last_name=last_name or f"Patient{uuid.uuid4().hex[:8]}",
            date_of_birth="1980-05-17",
            phone="+49 30 1234567",
        ),
    )


@pytest.fixture
def patient_id(clinic) -> int:
    return new_patient(clinic)
