"""The clinic's name and address and the `[reminders]` table: read and checked, a wrong value named by its key, a
password refused; the mail server's password comes from the credential store or is asked, never from the file."""

import pytest

from app.config import DEFAULT_REMINDER_BODY, ConfigError, load_settings
from app.services.reminder_mail import mailer_from_settings

TABLE = '[reminders]\nhost = "mail.clinic.lan"\nsender = "Praxis <termine@praxis.example>"\n'
NAMED = 'clinic_name = "Praxis Dr. Weber"\n'


def test_the_clinic_and_its_mail_server_are_read(config_file):
    config_file.write_text(
        "clinic_name = \"Praxis Dr. Weber\"\nclinic_address = '''Hauptstraße 1\n10115 Berlin'''\n"
        + TABLE
        + 'security = "ssl"\nuser = "termine"\nsubject = "{clinic_name}: {date} {time}"\n',
        encoding="utf-8",
    )
    settings = load_settings()
    assert (settings.clinic_name, settings.clinic_address) == ("Praxis Dr. Weber", "Hauptstraße 1\n10115 Berlin")
    reminders = settings.reminders
    assert (reminders.host, reminders.port, reminders.security, reminders.user) == (
        "mail.clinic.lan",
        465,
        "ssl",
        "termine",
    )
    assert reminders.subject == "{clinic_name}: {date} {time}" and reminders.body == DEFAULT_REMINDER_BODY
    assert settings.origin("reminders") == f"reminders in {config_file}"
    with pytest.raises(ConfigError, match=r"reminders\.user: no password for 'termine'"):
        mailer_from_settings(settings, None)
    assert mailer_from_settings(settings, "secret").password == "secret"


def test_without_the_table_there_are_no_e_mail_reminders(config_file):
    config_file.write_text(NAMED)
    settings = load_settings()
    assert settings.reminders is None and settings.clinic_address == ""
    with pytest.raises(ConfigError, match=r"reminders: e-mail reminders are not set up on this desk; IT sets"):
        mailer_from_settings(settings, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[reminders]\nsender = "a@b.example"\n',
            r"reminders.host: missing; \[reminders\] needs at least host and sender",
        ),
        ('[reminders]\nhost = "mail"\n', "reminders.sender: missing"),
        (TABLE + 'password = "secret"\n', "reminders.password in .*: the mail server's password is never kept in"),
        (TABLE + 'port = "smtp"\n', "reminders.port: expected a port number from 1 to 65535, got 'smtp'"),
        (TABLE + "port = 70000\n", "reminders.port: expected a port number from 1 to 65535, got 70000"),
        (TABLE + 'security = "tls"\n', "reminders.security: expected one of starttls, ssl, none, got 'tls'"),
        (TABLE + 'subject = "At {hour}"\n', r"reminders.subject: unknown placeholder \{hour\}; the placeholders are"),
        (TABLE + 'body = "At {time"\n', "reminders.body: .*write a literal brace twice"),
        (TABLE + 'helo = "desk"\n', "reminders.helo: unknown key; the keys are host, port, security"),
        (TABLE + "timeout_seconds = 60\n", "reminders.timeout_seconds: expected a whole number of seconds from 1 to"),
        ('[reminders]\nhost = "mail"\nsender = "the desk"\n', "reminders.sender: expected an e-mail address"),
        ("reminders = 5\n", r"reminders: expected a table \(\[reminders\] with host"),
    ],
)
def test_a_wrong_reminders_table_is_named_by_its_key(config_file, text, message):
    config_file.write_text(NAMED + text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings()
    if "password" not in text:
        assert caught.value.origin == f"reminders in {config_file}"


def test_reminders_need_the_clinic_s_name(config_file):
    config_file.write_text(TABLE)
    with pytest.raises(ConfigError, match="clinic_name: missing; the reminders name the clinic"):
        load_settings()
    config_file.write_text("clinic_name = 5\n")
    with pytest.raises(ConfigError, match="clinic_name: expected a text, got 5"):
        load_settings()
