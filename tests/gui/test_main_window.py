from app.config import load_settings
from app.db.connect import DatabaseTarget
from app.runtime import Runtime
from app.ui.app import MainWindow


def test_main_window_shows_database_and_time_zone(qtbot, engine, clinic, db_url, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "Europe/Berlin")
    runtime = Runtime(load_settings(), DatabaseTarget(db_url, "db.example:5432/clinic"), engine, clinic)
    window = MainWindow(runtime)
    qtbot.addWidget(window)
    window.show()
    message = window.statusBar().currentMessage()
    assert "db.example:5432/clinic" in message
    assert "Europe/Berlin" in message
