import os

import pytest


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
