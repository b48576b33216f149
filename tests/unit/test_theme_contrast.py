"""Readable in both themes: every text colour on every background it is written on reaches WCAG AA (4.5:1), open
time stands out from closed time by at least 3:1, and appointment blocks' text is readable on their fill (also once
the appointment is over and its block fades), for the clinic's default appointment types."""

import pytest
from PySide6.QtGui import QColor

from app.ui import theme
from app.ui.theme import HOURS_EDGE_ON, TEXT_ON, contrast
from app.ui.views.time_grid import FADED_OPACITY, faded

DEFAULT_TYPE_COLORS = ("#3b82f6", "#10b981", "#f59e0b")  # migration 0001's consultation, follow-up, procedure
THEMES = ("light", "dark")


def test_the_contrast_ratio_is_wcag_s():
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", THEMES)
def test_every_text_colour_reaches_aa_on_what_it_is_written_on(name):
    current = theme.theme(name)
    too_faint = {
        (text, background): round(contrast(current.color(text), current.color(background)), 2)
        for text, backgrounds in TEXT_ON.items()
        for background in backgrounds
        if contrast(current.color(text), current.color(background)) < 4.5
    }
    assert too_faint == {}


@pytest.mark.parametrize("name", THEMES)
def test_open_time_stands_out_from_closed_time(name):
    current = theme.theme(name)
    for background in HOURS_EDGE_ON:
        assert contrast(current.color("hours_edge"), current.color(background)) >= 3.0, background


@pytest.mark.parametrize("name", THEMES)
@pytest.mark.parametrize("type_color", DEFAULT_TYPE_COLORS)
def test_an_appointment_s_text_is_readable_on_its_block_also_when_it_has_faded(name, type_color):
    current = theme.theme(name)
    fill = current.appointment_fill(type_color)
    assert contrast(current.color("text"), fill) >= 4.5, "on the block"
    faded_fill = faded(fill, current.color("working"))
    assert FADED_OPACITY < 1
    assert contrast(current.color("muted_text"), faded_fill) >= 4.5, "on a faded block"
