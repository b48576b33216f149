import os
from zoneinfo import ZoneInfo

import pytest

from app.services.context import Clinic
from app.services.providers import add_provider
from app.services.uow import UnitOfWork
from tests.conftest import WEEKDAY_HOURS, new_patient


@pytest.fixture
def cli_env(db_url, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_")}
    env.update(
        DATABASE_URL=db_url,
        CLINIC_TIMEZONE="Europe/Berlin",
        CLINIC_CONFIG=str(tmp_path / "no-config.toml"),  # never the desk's own config file
        CLINIC_DATA_DIR=str(tmp_path / "data"),
        CLINIC_LOG_DIR=str(tmp_path / "logs"),  # never the desk's own log folder
    )
    return env


@pytest.fixture
def real_clinic(engine) -> Clinic:
    """Services on the real clock, as the command sees them."""
    return Clinic(uow=UnitOfWork(engine), zone=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def desk(real_clinic) -> dict[str, int]:
    provider = add_provider(real_clinic, "Dr. Command Line", WEEKDAY_HOURS)
    return {"provider": provider, "ada": new_patient(real_clinic, "Ada"), "bob": new_patient(real_clinic, "Bob")}
