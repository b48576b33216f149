"""The free-slot list model: local short times to show, the aware start behind them, full dates for help."""

from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, Qt

from app.ui.models.slot_model import SlotListModel, SlotRole
from tests.conftest import ZONE

# 08:00 and 13:30 in Berlin (UTC+1 in January).
SLOTS = [datetime(2030, 1, 8, 7, 0, tzinfo=UTC), datetime(2030, 1, 8, 12, 30, tzinfo=UTC)]


def test_the_model_passes_qt_model_tester(qtmodeltester):
    model = SlotListModel(ZONE)
    model.set_slots(SLOTS)
    qtmodeltester.check(model)


def test_rows_show_the_local_time_and_carry_the_aware_start():
    model = SlotListModel(ZONE)
    model.set_slots(SLOTS)
    assert model.rowCount() == 2
    assert [model.index(row, 0).data() for row in range(2)] == ["08:00", "13:30"]
    assert model.index(1, 0).data(SlotRole) == SLOTS[1]
    assert model.slot_at(0) == SLOTS[0]
    assert model.row_of(SLOTS[1]) == 1
    assert model.row_of(datetime(2030, 1, 8, 9, 0, tzinfo=UTC)) is None


def test_tooltip_and_accessible_text_give_the_full_local_date_and_time():
    model = SlotListModel(ZONE)
    model.set_slots(SLOTS)
    index = model.index(0, 0)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "Tuesday 8 January 2030, 08:00"
    assert index.data(Qt.ItemDataRole.AccessibleTextRole) == "Tuesday 8 January 2030, 08:00"


def test_unused_roles_and_invalid_indexes_give_nothing():
    model = SlotListModel(ZONE)
    model.set_slots(SLOTS)
    assert model.index(0, 0).data(Qt.ItemDataRole.DecorationRole) is None
    assert model.data(QModelIndex()) is None
    assert model.rowCount(model.index(0, 0)) == 0  # a list: rows have no children


def test_new_slots_replace_the_old_ones(qtbot):
    model = SlotListModel(ZONE)
    model.set_slots(SLOTS)
    with qtbot.waitSignal(model.modelReset):
        model.set_slots([])
    assert model.rowCount() == 0
