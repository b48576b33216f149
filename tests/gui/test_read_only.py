"""A desk on a database at another schema revision reads the schedule but writes nothing, and says why."""

import pytest
from PySide6.QtCore import QSettings
from sqlalchemy import text

from app.db import migrate
from app.ui.navigation import ViewMode
from app.ui.workers import TaskRunner
from tests.conftest import ZONE
from tests.gui.desks import TUESDAY, Desk, at, show


@pytest.fixture
def desk(db_url, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    desk = Desk(db_url)
    yield desk
    desk.close()


def test_a_newer_schema_is_read_but_every_write_is_blocked_with_what_to_do(
    qtbot, desk, engine, tmp_path, provider_id, patient_id
):
    with engine.begin() as conn:  # as after an upgrade by a newer version of the program
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = desk.open(qtbot, settings, TaskRunner(), wait_online=False)
    with qtbot.waitSignal(window.desk.schema_refused, timeout=10_000) as refused:
        pass
    qtbot.waitUntil(lambda: window.desk.online)
    show(qtbot, window, TUESDAY, ViewMode.DAY, provider_id)

    assert "newer than this program" in refused.args[0] and "install" in refused.args[0]
    assert window.desk.write_block == refused.args[0]
    assert "Read-only" in window.status.summary()
    assert window.data is not None and at(TUESDAY, 10) in window.picker.free_times()  # still read
    assert not window.new_action.isEnabled() and not window.picker.book_button.isEnabled()
    dialog = window.dialogs.open_booking(window.desk.provider(provider_id), at(TUESDAY, 10))
    qtbot.waitUntil(lambda: dialog.time_combo.isEnabled())
    assert dialog.banner.text() == refused.args[0]
    assert not dialog.book_button.isEnabled()


def test_after_the_upgrade_a_refresh_makes_the_desk_writable_again(qtbot, desk, engine, tmp_path, provider_id):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = desk.open(qtbot, settings, TaskRunner(), wait_online=False)
    qtbot.waitUntil(
        lambda: window.desk.online and window.desk.write_block is not None and "db upgrade" in window.desk.write_block
    )

    with engine.begin() as conn:  # IT ran `clinic-scheduler db upgrade`
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": migrate.head_revision()})
    window.refresh()
    qtbot.waitUntil(lambda: window.desk.write_block is None)
    assert "Connected" in window.status.summary() and window.new_action.isEnabled()
    assert window.new_action.isVisible() and window.desk.permissions.role == "superuser"


def test_a_desk_left_open_during_an_upgrade_turns_read_only_on_its_next_re_read(
    qtbot, desk, engine, tmp_path, provider_id, monkeypatch
):
    monkeypatch.setattr("app.ui.desk.REREAD_INTERVAL_MS", 300)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = desk.open(qtbot, settings, TaskRunner())
    assert window.desk.write_block is None

    with engine.begin() as conn:  # IT upgraded the database for a newer version of the program
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with qtbot.waitSignal(window.desk.schema_refused, timeout=5_000):
        pass
    assert "newer than this program" in window.desk.write_block and not window.new_action.isEnabled()
