import pytest

from app.config import ConfigError, load_settings, normalize_database_url


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    for name in ("DATABASE_URL", "CLINIC_TIMEZONE", "CLINIC_BOOKING_HORIZON_DAYS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("CLINIC_CONFIG", str(path))
    monkeypatch.setenv("CLINIC_DATA_DIR", str(tmp_path / "data"))
    return path


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://desk@db.clinic.lan/clinic",
        "postgresql+psycopg://desk@db.clinic.lan/clinic",
        "postgres://desk@db.clinic.lan/clinic",
    ],
)
def test_database_urls_are_accepted_in_both_forms(url):
    assert normalize_database_url(url) == "postgresql+psycopg://desk@db.clinic.lan/clinic"


def test_a_url_of_another_database_is_refused():
    with pytest.raises(ConfigError, match="database_url: expected a postgresql:// URL, got mysql://"):
        normalize_database_url("mysql://desk@db/clinic")


def test_nothing_configured_means_the_embedded_server(config_file, tmp_path):
    settings = load_settings()
    assert settings.uses_embedded_server
    assert settings.clinic_timezone.key == "UTC"
    assert settings.booking_horizon_days == 365
    assert settings.data_dir == tmp_path / "data"


def test_the_config_file_is_read(config_file):
    config_file.write_text(
        'database_url = "postgresql://desk@db.clinic.lan/clinic"\n'
        'clinic_timezone = "Europe/Berlin"\nbooking_horizon_days = 90\n'
    )
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://desk@db.clinic.lan/clinic"
    assert settings.clinic_timezone.key == "Europe/Berlin"
    assert settings.booking_horizon_days == 90


def test_the_environment_overrides_the_config_file(config_file, monkeypatch):
    config_file.write_text('database_url = "postgresql://file@db/clinic"\nclinic_timezone = "Europe/Berlin"\n')
    monkeypatch.setenv("DATABASE_URL", "postgresql://env@db/clinic")
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://env@db/clinic"
    assert settings.clinic_timezone.key == "America/New_York"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('clinic_timezone = "Mars/Olympus"', "clinic_timezone: 'Mars/Olympus' is not an IANA time zone name"),
        ("booking_horizon_days = 0", "booking_horizon_days: must be at least 1, got 0"),
        ('booking_horizon_days = "soon"', "booking_horizon_days: expected a whole number of days, got 'soon'"),
        ("database_url = ", "config file"),
        ("database_url = 5432", "database_url: expected a postgresql:// URL, got 5432"),
        ("clinic_timezone = 1", "clinic_timezone: 1 is not an IANA time zone name"),
    ],
)
def test_bad_settings_name_the_setting(config_file, content, message):
    config_file.write_text(content + "\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_settings()
