import pytest


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    """The only config file read (CLINIC_CONFIG), not there yet, with none of the settings from the environment."""
    for name in ("DATABASE_URL", "CLINIC_TIMEZONE", "CLINIC_BOOKING_HORIZON_DAYS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("CLINIC_CONFIG", str(path))
    monkeypatch.setenv("CLINIC_DATA_DIR", str(tmp_path / "data"))
    return path
