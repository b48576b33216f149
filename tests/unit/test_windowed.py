"""The windowed Windows program's message box: what went wrong first (build-windows.sh checks the box under Wine)."""

from app.windowed import headline_first


def test_the_box_starts_with_the_last_line_then_shows_everything():
    usage = "usage: clinic-scheduler [-h]\nclinic-scheduler: error: unrecognized arguments: --nope"
    assert headline_first(usage) == f"clinic-scheduler: error: unrecognized arguments: --nope\n\n{usage}"


def test_a_single_line_is_shown_as_it_is():
    assert headline_first("error: the database is unreachable") == "error: the database is unreachable"
