import pytest
from PySide6.QtCore import QSettings

from app.services import schedule
from app.services.schedule import Provider
from app.ui.main_window import MainWindow
from app.ui.workers import TaskRunner
from tests.conftest import ZONE
from tests.gui.desks import Desk


@pytest.fixture
def runner(qtbot, db_url):
    """A task runner whose background work has ended before the test's database is dropped (asking for
    `db_url` here orders the teardowns that way)."""
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_for_done(), "background tasks still running at the end of the test"


@pytest.fixture
def open_as(qtbot, tmp_path, monkeypatch, staff_login, clinic, db_url):
    """Opens a main window signed in as a new login of `role` ("superuser": the test database's owner) and
    returns it with the login's name once the database has said what the login may do."""
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    desks: list[Desk] = []

    def desk_url(role: str) -> str:
        if role == "superuser":
            return db_url
        return staff_login(role)[1]

    def open_window(role: str) -> tuple[str, MainWindow]:
        desk = Desk(desk_url(role))
        desks.append(desk)
        settings = QSettings(str(tmp_path / f"desk{len(desks)}.ini"), QSettings.Format.IniFormat)
        window = desk.open(qtbot, settings, TaskRunner())
        qtbot.waitUntil(lambda: window.desk.permissions is not None)
        return window.desk.permissions.user, window

    yield open_window
    for desk in desks:  # before staff_login drops the logins
        desk.close()


@pytest.fixture
def provider(clinic, provider_id) -> Provider:
    """The test's provider as the desk lists it."""
    return next(p for p in schedule.providers(clinic) if p.id == provider_id)


@pytest.fixture
def desks(qtbot, tmp_path, monkeypatch):
    """Opens independent desks: each its own engine, task runner, listener and settings file."""
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    opened: list[Desk] = []

    def open_desk(url: str):
        desk = Desk(url)
        opened.append(desk)
        settings = QSettings(str(tmp_path / f"desk{len(opened)}.ini"), QSettings.Format.IniFormat)
        return desk, desk.open(qtbot, settings, TaskRunner())

    yield open_desk
    for desk in opened:
        desk.close()
