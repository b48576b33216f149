"""Starting the app: a database that cannot be opened gets a clear message, not a traceback."""

import pytest

from app.ui import app as gui


@pytest.fixture
def shown_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("CLINIC_CONFIG", str(tmp_path / "no-config.toml"))
    messages = []
    monkeypatch.setattr(gui, "show_start_error", messages.append)
    return messages


def test_an_unreachable_server_is_explained(qapp, shown_errors, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://clinic@127.0.0.1:1/clinic?connect_timeout=2")
    assert gui.run_gui() == 1
    assert len(shown_errors) == 1
    assert "cannot reach the database" in shown_errors[0]
    assert "ask IT" in shown_errors[0]


def test_a_bad_setting_is_named(qapp, shown_errors, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "Mars/Olympus_Mons")
    assert gui.run_gui() == 1
    assert "Mars/Olympus_Mons" in shown_errors[0]
