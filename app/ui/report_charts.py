"""The reports' charts, drawn by QtCharts: bars for one number per provider (or type, or priority), a line for a trend
over weeks. Plain, one colour per chart, values on the axis in the report's own unit."""

from datetime import date

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtGui import QColor, QPainter, QPen

BAR_COLOUR = QColor("#2f6f9f")
SET_COLOURS = (BAR_COLOUR, QColor("#c0504d"))  # a second set is told apart by the legend too (and in grey)
TREND_TICKS = 7  # dates under a trend, at most
MAX_LABEL = 26  # a longer category name is cut on the axis (the table beside says it whole)


def chart_view(chart: QChart, name: str) -> QChartView:
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setAccessibleName(name)
    view.setMinimumSize(320, 220)
    return view


def bar_chart(title: str, categories: list[str], sets: dict[str, list[float]], unit: str) -> QChart:
    """A group of bars per category, lying so that long names read whole on the left, one bar per set (named in a
    legend when there are several); the value axis from 0 to a little over the highest value."""
    series = QHorizontalBarSeries()
    for (name, values), colour in zip(sets.items(), SET_COLOURS, strict=False):
        bars = QBarSet(name)
        bars.setColor(colour)
        bars.setLabelColor(Qt.GlobalColor.black)
        for value in reversed(values):
            bars.append(value)
        series.append(bars)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
    series.setLabelsFormat("@value")
    series.setLabelsPrecision(3)
    chart = _chart(title)
    chart.legend().setVisible(len(sets) > 1)
    chart.addSeries(series)
    names = QBarCategoryAxis()
    names.append([_short(name) for name in reversed(categories)])  # the first from the top
    chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(names)
    highest = max((max(values, default=0) for values in sets.values()), default=0)
    series.attachAxis(_value_axis(chart, unit, highest, Qt.AlignmentFlag.AlignBottom))
    return chart


def trend_chart(title: str, days: list[date], values: list[float | None], unit: str) -> QChart:
    """A line through the values by day (a missing value is left out), the days on a date axis below."""
    series = QLineSeries()
    series.setName(unit)
    series.setPen(QPen(BAR_COLOUR, 2.5))
    series.setPointsVisible(True)
    moments = [QDateTime(QDate(day.year, day.month, day.day), QTime(12, 0)).toMSecsSinceEpoch() for day in days]
    for moment, value in zip(moments, values, strict=True):
        if value is not None:
            series.append(moment, value)
    chart = _chart(title)
    chart.addSeries(series)
    axis_x = QDateTimeAxis()
    axis_x.setFormat("d MMM")
    axis_x.setTickCount(max(2, min(len(days), TREND_TICKS)))
    if days:
        half_week = 3.5 * 24 * 3600 * 1000
        axis_x.setRange(
            QDateTime.fromMSecsSinceEpoch(int(moments[0] - half_week)),
            QDateTime.fromMSecsSinceEpoch(int(moments[-1] + half_week)),
        )
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    highest = max((value for value in values if value is not None), default=0)
    series.attachAxis(_value_axis(chart, unit, highest, Qt.AlignmentFlag.AlignLeft))
    return chart


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().hide()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setBackgroundRoundness(0)
    return chart


def _value_axis(chart: QChart, unit: str, highest: float, side: Qt.AlignmentFlag) -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(unit)
    axis.setRange(0, highest * 1.15 if highest > 0 else 1)
    axis.applyNiceNumbers()  # ticks at round numbers
    axis.setLabelFormat("%g")
    chart.addAxis(axis, side)
    return axis


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"
