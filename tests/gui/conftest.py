import pytest

from app.ui.workers import TaskRunner


@pytest.fixture
def runner(qtbot, db_url):
    """A task runner whose background work has ended before the test's database is dropped (asking for
    `db_url` here orders the teardowns that way)."""
    tasks = TaskRunner()
    yield tasks
    assert tasks.wait_for_done(), "background tasks still running at the end of the test"
