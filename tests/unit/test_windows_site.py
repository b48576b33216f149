"""What the Windows installer set for the machine (app/windows_site.py): its values as settings, and where they
stand among the config files. The registry itself is read under Wine by packaging/build-windows.sh."""

import pytest

from app import config
from app.config import ConfigError, load_settings
from app.windows_site import as_settings, installer_settings
from tests.unit.test_config import two_files, write  # noqa: F401 (the fixture)

INSTALLER = {"database_url": "postgresql://desk@db.clinic.lan/clinic", "clinic_timezone": "Europe/Vienna"}


def test_the_installer_s_values_become_settings_empty_ones_left_out():
    raw = {"database_url": " postgresql://desk@db/clinic ", "clinic_timezone": "", "shared_workstation": "Yes"}
    assert as_settings(raw) == {"database_url": "postgresql://desk@db/clinic", "shared_workstation": True}
    assert as_settings({"shared_workstation": "0"}) == {"shared_workstation": False}
    assert as_settings({"shared_workstation": "perhaps"}) == {"shared_workstation": "perhaps"}  # named by the check


def test_off_windows_the_installer_set_nothing():
    assert installer_settings() == {}


@pytest.fixture
def installed(two_files, monkeypatch):  # noqa: F811 (the fixture imported above)
    monkeypatch.setattr(config, "installer_settings", lambda: dict(INSTALLER, shared_workstation=True))
    return two_files


def test_the_installer_s_settings_come_first_and_the_site_file_wins_where_both_set_a_key(installed):
    site, user = installed
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://desk@db.clinic.lan/clinic"
    assert settings.origin("database_url") == r"database_url in HKLM\Software\Clinic Scheduler\Site"
    assert settings.clinic_timezone.key == "Europe/Vienna" and settings.shared_workstation
    write(site, 'clinic_timezone = "Europe/Berlin"\nshared_workstation = false\n')
    write(user, "shared_workstation = true\n")
    settings = load_settings()
    assert settings.clinic_timezone.key == "Europe/Berlin" and not settings.shared_workstation
    assert settings.database_url == "postgresql+psycopg://desk@db.clinic.lan/clinic"


def test_a_database_given_to_the_installer_chooses_the_desk_s_database(installed, monkeypatch):
    assert config.is_configured()
    monkeypatch.setattr(config, "installer_settings", lambda: {"clinic_timezone": "Europe/Vienna"})
    assert not config.is_configured(), "a time zone alone does not choose the database"


def test_a_password_given_to_the_installer_is_refused_as_in_a_file(two_files, monkeypatch):  # noqa: F811
    monkeypatch.setattr(config, "installer_settings", lambda: {"database_url": "postgresql://desk:secret@db/clinic"})
    with pytest.raises(ConfigError, match=r"database_url in HKLM\\Software\\Clinic Scheduler\\Site: passwords are"):
        load_settings()


def test_clinic_config_replaces_the_installer_s_settings_too(installed, tmp_path, monkeypatch):
    monkeypatch.setenv("CLINIC_CONFIG", str(tmp_path / "only.toml"))
    assert load_settings().database_url is None
