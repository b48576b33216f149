import re

import pytest
from sqlalchemy import make_url

from app import config
from app.config import ConfigError, load_settings, normalize_database_url
from app.db.connect import describe_url
from app.db.engine import conninfo


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
    assert not settings.shared_workstation
    assert settings.idle_lock_minutes == 10


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
        ("booking_horizon_days = 0", "booking_horizon_days: must be 1 to 3650 (ten years), got 0"),
        (
            "booking_horizon_days = 1000000000000",
            "booking_horizon_days: must be 1 to 3650 (ten years), got 1000000000000",
        ),
        ('database_url = "postgresql://desk@db:abc/clinic"', "database_url: not a valid URL"),
        ('booking_horizon_days = "soon"', "booking_horizon_days: expected a whole number of days, got 'soon'"),
        ("database_url = ", "config file"),
        ("database_url = 5432", "database_url: expected a postgresql:// URL, got 5432"),
        ("clinic_timezone = 1", "clinic_timezone: 1 is not an IANA time zone name"),
        ('shared_workstation = "yes"', "shared_workstation: expected true or false, got 'yes'"),
        ("idle_lock_minutes = -1", "idle_lock_minutes: expected a whole number of minutes from 0 (never lock)"),
        ("idle_lock_minutes = 1441", "to 1440, got 1441"),
        ("idle_lock_minutes = 2.5", "got 2.5"),
        ("idle_lock_minutes = true", "got True"),
    ],
)
def test_bad_settings_name_the_setting(config_file, content, message):
    config_file.write_text(content + "\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()


# --- site-wide and per-user files ----------------------------------------------------------------------


@pytest.fixture
def two_files(tmp_path, monkeypatch):
    """No CLINIC_CONFIG: a site-wide and a per-user file in the test's folder (neither there yet)."""
    for name in ("DATABASE_URL", "CLINIC_TIMEZONE", "CLINIC_BOOKING_HORIZON_DAYS", "CLINIC_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLINIC_DATA_DIR", str(tmp_path / "data"))
    site, user = tmp_path / "etc" / "config.toml", tmp_path / "home" / "config.toml"
    monkeypatch.setattr(config, "site_config_file", lambda: site)
    monkeypatch.setattr(config, "user_config_file", lambda: user)
    return site, user


def write(path, content):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


SERVER = '[database]\nhost = "db.clinic.lan"\nname = "clinic"\n'


def test_the_files_are_read_site_wide_first_then_the_users(two_files):
    site, user = two_files
    assert config.config_file_paths() == [site, user]
    assert config.config_file_path() == user


def test_the_site_wide_file_alone_is_read(two_files):
    site, _ = two_files
    write(site, f'clinic_timezone = "Europe/Vienna"\nbooking_horizon_days = 30\n{SERVER}port = 6432\n')
    settings = load_settings()
    assert settings.clinic_timezone.key == "Europe/Vienna"
    assert settings.booking_horizon_days == 30
    assert settings.database_url == "postgresql+psycopg://db.clinic.lan:6432/clinic"


def test_the_users_file_overrides_the_site_wide_file_key_by_key(two_files):
    site, user = two_files
    write(
        site,
        f'clinic_timezone = "Europe/Vienna"\nbooking_horizon_days = 30\n{SERVER}port = 6432\nsslmode = "verify-full"\n',
    )
    write(user, 'clinic_timezone = "Europe/Berlin"\n[database]\nuser = "front_desk"\nport = 5433\n')
    settings = load_settings()
    assert settings.clinic_timezone.key == "Europe/Berlin"
    assert settings.booking_horizon_days == 30  # the site's, the user's file says nothing about it
    assert settings.database_url == "postgresql+psycopg://front_desk@db.clinic.lan:5433/clinic?sslmode=verify-full"


def test_the_site_wide_file_sets_the_workstation_and_a_users_file_cannot_change_it(two_files):
    site, user = two_files
    write(user, "shared_workstation = false\nidle_lock_minutes = 0\n")
    assert (load_settings().shared_workstation, load_settings().idle_lock_minutes) == (False, 0)  # no site value
    write(site, "shared_workstation = true\nidle_lock_minutes = 3\n")
    assert (load_settings().shared_workstation, load_settings().idle_lock_minutes) == (True, 3)


def test_the_settings_say_where_each_value_came_from(two_files, monkeypatch):
    site, user = two_files
    write(site, f"booking_horizon_days = 30\nidle_lock_minutes = 3\n{SERVER}")
    write(user, 'clinic_timezone = "Europe/Berlin"\nidle_lock_minutes = 0\n[database]\nuser = "front_desk"\n')
    monkeypatch.setenv("CLINIC_BOOKING_HORIZON_DAYS", "60")
    settings = load_settings()
    assert settings.origins == {
        "clinic_timezone": f"clinic_timezone in {user}",
        "booking_horizon_days": "CLINIC_BOOKING_HORIZON_DAYS in the environment",
        "idle_lock_minutes": f"idle_lock_minutes in {site}",  # IT's key: the site-wide file's stands
        "database": f"[database] in {user}",
        "database_url": f"[database] in {user}",
        "database.host": f"database.host in {site}",
        "database.name": f"database.name in {site}",
        "database.user": f"database.user in {user}",
    }
    assert settings.origin("shared_workstation") == "the default"


def test_a_setting_that_cannot_be_used_says_where_it_was_set(two_files):
    site, user = two_files
    write(site, f"{SERVER}port = 0\n")
    with pytest.raises(ConfigError, match=r"database\.port: expected a port number") as refused:
        load_settings()
    assert refused.value.origin == f"database.port in {site}"
    write(site, SERVER)
    write(user, "booking_horizon_days = 0\n")
    with pytest.raises(ConfigError, match="booking_horizon_days: must be 1") as refused:
        load_settings()
    assert refused.value.origin == f"booking_horizon_days in {user}"


def test_clinic_config_names_the_only_file_read(two_files, tmp_path, monkeypatch):
    site, user = two_files
    write(site, 'clinic_timezone = "Europe/Vienna"\nbooking_horizon_days = 30\n')
    write(user, 'clinic_timezone = "Europe/Paris"\n')
    only = tmp_path / "only.toml"
    write(only, 'clinic_timezone = "Europe/Berlin"\n')
    monkeypatch.setenv("CLINIC_CONFIG", str(only))
    assert config.config_file_paths() == [only]
    assert config.config_file_path() == only
    settings = load_settings()
    assert settings.clinic_timezone.key == "Europe/Berlin"
    assert settings.booking_horizon_days == 365


def test_the_environment_overrides_both_files(two_files, monkeypatch):
    site, user = two_files
    write(site, f'clinic_timezone = "Europe/Vienna"\n{SERVER}')
    write(user, "booking_horizon_days = 30\n")
    monkeypatch.setenv("DATABASE_URL", "postgresql://env:secret@db/clinic")  # the admin's choice
    monkeypatch.setenv("CLINIC_TIMEZONE", "America/New_York")
    monkeypatch.setenv("CLINIC_BOOKING_HORIZON_DAYS", "60")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://env:secret@db/clinic"
    assert settings.clinic_timezone.key == "America/New_York"
    assert settings.booking_horizon_days == 60


# --- the [database] table ------------------------------------------------------------------------------


def test_the_database_table_becomes_the_url(config_file):
    config_file.write_text(
        '[database]\nhost = "db.clinic.lan"\nport = 5432\nname = "clinic"\nuser = "anna.m@front/desk:1"\n'
        'sslmode = "verify-full"\nsslrootcert = "/etc/ssl/clinic-ca.pem"\n'
    )
    url = load_settings().database_url
    assert url == (
        "postgresql+psycopg://anna.m%40front%2Fdesk%3A1@db.clinic.lan:5432/clinic"
        "?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fclinic-ca.pem"
    )
    parsed = make_url(url)
    assert parsed.username == "anna.m@front/desk:1"
    assert (parsed.host, parsed.port, parsed.database) == ("db.clinic.lan", 5432, "clinic")
    assert dict(parsed.query) == {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/clinic-ca.pem"}


def test_the_database_table_with_host_and_name_only(config_file):
    config_file.write_text(SERVER)
    assert load_settings().database_url == "postgresql+psycopg://db.clinic.lan/clinic"


def test_database_url_and_the_database_table_together_in_one_file_are_refused(config_file):
    config_file.write_text('database_url = "postgresql://desk@db.clinic.lan/clinic"\n' + SERVER)
    with pytest.raises(ConfigError, match=r"database_url and \[database\] are both set in"):
        load_settings()


def test_the_users_database_url_replaces_the_sites_database_table(two_files):
    site, user = two_files
    write(site, SERVER)
    write(user, 'database_url = "postgresql://desk@other.clinic.lan/clinic"\n')
    assert load_settings().database_url == "postgresql+psycopg://desk@other.clinic.lan/clinic"


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (f'{SERVER}user = "desk"\npassword = "secret"\n', "database.password"),
        ('database_url = "postgresql://desk:secret@db.clinic.lan/clinic"\n', "database_url"),
        ('database_url = "postgresql://db.clinic.lan/clinic?password=secret"\n', "database_url"),
    ],
)
def test_a_password_in_a_config_file_is_refused(config_file, content, key):
    config_file.write_text(content)
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"{key} in {config_file}: passwords are never kept in the config file")
    assert "~/.pgpass" in message and r"%APPDATA%\postgresql\pgpass.conf" in message
    assert "asked at start" in message
    assert "secret" not in message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("port = 0", "database.port: expected a port number from 1 to 65535, got 0"),
        ("port = 65536", "database.port: expected a port number from 1 to 65535, got 65536"),
        ('port = "5432"', "database.port: expected a port number from 1 to 65535, got '5432'"),
        ('sslmode = "strict"', "database.sslmode: expected one of disable, allow, prefer, require, verify-ca"),
        ("user = 7", "database.user: expected a non-empty text, got 7"),
    ],
)
def test_bad_database_settings_name_the_key(config_file, extra, message):
    config_file.write_text(f"{SERVER}{extra}\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()


def test_a_socket_folder_as_host_goes_in_the_query(config_file):
    config_file.write_text('[database]\nhost = "/var/run/postgresql"\nport = 5433\nname = "clinic"\nuser = "desk"\n')
    url = load_settings().database_url
    assert url == "postgresql+psycopg://desk@:5433/clinic?host=%2Fvar%2Frun%2Fpostgresql"
    assert make_url(url).query == {"host": "/var/run/postgresql"}


def test_several_hosts_go_in_the_query_and_a_writing_desk_asks_for_the_primary(config_file):
    config_file.write_text(
        '[database]\nhost = ["db1.clinic.lan", "db2.clinic.lan:5433", "db3.clinic.lan"]\nport = 5432\n'
        'name = "clinic"\nuser = "desk"\n'
    )
    url = load_settings().database_url
    assert make_url(url).query == {
        "host": ("db1.clinic.lan:5432", "db2.clinic.lan:5433", "db3.clinic.lan:5432"),
        "target_session_attrs": "read-write",
    }
    assert conninfo(url) == (
        "host=db1.clinic.lan,db2.clinic.lan,db3.clinic.lan port=5432,5433,5432 dbname=clinic user=desk"
        " target_session_attrs=read-write"
    )
    assert describe_url(url) == "db1.clinic.lan:5432,db2.clinic.lan:5433,db3.clinic.lan:5432/clinic"


def test_a_managers_desk_may_read_from_a_standby_and_still_listens_on_the_primary(config_file):
    config_file.write_text(
        '[database]\nhost = ["db1", "db2"]\nname = "clinic"\ntarget_session_attrs = "prefer-standby"\n'
    )
    url = load_settings().database_url
    assert conninfo(url) == "host=db1,db2 dbname=clinic target_session_attrs=prefer-standby"
    assert conninfo(url, target_session_attrs="read-write").endswith("target_session_attrs=read-write")


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (
            "postgresql://desk@db1:5432,db2:5433/clinic",
            {"host": ("db1:5432", "db2:5433"), "target_session_attrs": "read-write"},
        ),
        (
            "postgres://desk@db1,db2/clinic?target_session_attrs=any&sslmode=require",
            {"host": ("db1", "db2"), "target_session_attrs": "any", "sslmode": "require"},
        ),
    ],
)
def test_libpqs_url_with_several_hosts_is_understood(url, query):
    assert make_url(normalize_database_url(url)).query == query


@pytest.mark.parametrize(
    ("host", "extra", "message"),
    [
        ("[]", "", "database.host: expected a host or a list of hosts, got an empty list"),
        ('["db1", 7]', "", "database.host[1]: expected a non-empty text, got 7"),
        ('"db1"', 'target_session_attrs = "primary-please"', "database.target_session_attrs: expected one of"),
    ],
)
def test_bad_hosts_and_session_attrs_name_the_key(config_file, host, extra, message):
    config_file.write_text(f'[database]\nhost = {host}\nname = "clinic"\n{extra}\n')
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings()


def test_a_database_table_needs_a_host_and_a_name(config_file):
    config_file.write_text('[database]\nhost = "db.clinic.lan"\n')
    with pytest.raises(ConfigError, match=r"database\.name: missing"):
        load_settings()


# --- writing the per-user file -------------------------------------------------------------------------


def test_write_user_config_for_a_server_round_trips(two_files):
    site, user = two_files
    assert not config.is_configured()
    database = {
        "host": "db.clinic.lan",
        "port": 5433,
        "name": "clinic",
        "user": 'front "desk" \\ 1',
        "sslmode": "verify-full",
    }
    assert config.write_user_config(database=database, clinic_timezone="Europe/Berlin") == user
    assert config.is_configured()
    assert not site.exists()
    settings = load_settings()
    assert settings.clinic_timezone.key == "Europe/Berlin"
    parsed = make_url(settings.database_url)
    assert parsed.username == 'front "desk" \\ 1'
    assert (parsed.host, parsed.port, parsed.database) == ("db.clinic.lan", 5433, "clinic")
    assert dict(parsed.query) == {"sslmode": "verify-full"}


def test_write_user_config_for_the_embedded_server_round_trips(two_files):
    _, user = two_files
    write(user, SERVER)  # replaced
    config.write_user_config(database=None, clinic_timezone="Europe/Berlin")
    assert "database" not in user.read_text(encoding="utf-8")
    settings = load_settings()
    assert settings.uses_embedded_server
    assert settings.clinic_timezone.key == "Europe/Berlin"


def test_write_user_config_writes_to_clinic_config(config_file):
    assert not config.is_configured()
    assert config.write_user_config(database=None, clinic_timezone="Asia/Tokyo") == config_file
    assert config.is_configured()
    assert load_settings().clinic_timezone.key == "Asia/Tokyo"


def test_write_user_config_never_writes_a_password(two_files):
    _, user = two_files
    with pytest.raises(ConfigError, match="passwords are never kept in the config file"):
        config.write_user_config(
            database={"host": "db", "name": "clinic", "user": "desk", "password": "secret"},
            clinic_timezone="Europe/Berlin",
        )
    assert not user.exists()
    assert not config.is_configured()


def test_write_user_config_checks_what_it_writes(two_files):
    _, user = two_files
    with pytest.raises(ConfigError, match=r"database\.sslmode"):
        config.write_user_config(database={"host": "db", "name": "c", "sslmode": "on"}, clinic_timezone="UTC")
    with pytest.raises(ConfigError, match="clinic_timezone"):
        config.write_user_config(database=None, clinic_timezone="Mars/Olympus")
    assert not user.exists()


def test_a_config_folder_that_cannot_be_written_is_a_config_error(config_file, monkeypatch, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("CLINIC_CONFIG", str(blocker / "config.toml"))  # its folder would be a file
    with pytest.raises(ConfigError, match=r"config file .*: cannot be written"):
        config.write_user_config(database=None, clinic_timezone="Europe/Berlin")


def test_a_database_url_in_the_environment_counts_as_configured(two_files, monkeypatch):
    assert not config.is_configured()
    monkeypatch.setenv("DATABASE_URL", "postgresql://desk@db/clinic")
    assert config.is_configured()


def test_a_site_wide_file_counts_as_configured_only_when_it_names_the_database(two_files):
    site, _ = two_files
    write(site, 'clinic_timezone = "Europe/Berlin"\n')
    assert not config.is_configured()  # the desk's choice is still to be made: the first-run dialog asks
    write(site, 'clinic_timezone = "Europe/Berlin"\n' + SERVER)
    assert config.is_configured()
