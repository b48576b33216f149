"""What each report shows: its table's columns (the numbers in words) and its charts. The rows come from
`app.services.reports`; a row whose provider (or type, or priority) is None is the total."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCharts import QChart

from app.services.reports import AttendanceRow, LeadTimeRow, TypeRow, UtilisationRow, WaitlistRow
from app.ui.dates import day_words
from app.ui.report_charts import bar_chart, trend_chart

Column = tuple[str, Callable[[object], str]]


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def days(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def hours(minutes: int) -> str:
    return f"{minutes / 60:.1f}"


@dataclass(frozen=True)
class ReportPage:
    key: str
    title: str
    columns: tuple[Column, ...]
    charts: Callable[[Sequence], list[QChart]]
    needs_dates: bool = True  # the waitlist is as it stands now


def _utilisation_charts(rows: Sequence[UtilisationRow]) -> list[QChart]:
    opened: dict[str, int] = defaultdict(int)
    booked: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.provider_id is not None:
            opened[row.provider_name] += row.open_minutes
            booked[row.provider_name] += row.booked_minutes
    names = sorted(opened)
    shares = [round(100 * booked[name] / opened[name], 1) if opened[name] else 0 for name in names]
    weeks = [row for row in rows if row.provider_id is None]
    trend = [None if row.ratio is None else round(row.ratio * 100, 1) for row in weeks]
    return [
        bar_chart("Utilisation by provider", names, {"Booked of open time (%)": shares}, "%"),
        trend_chart("Utilisation by week, all providers", [row.period for row in weeks], trend, "%"),
    ]


def _attendance_charts(rows: Sequence[AttendanceRow]) -> list[QChart]:
    shown = [row for row in rows if row.provider_id is not None]
    rates = {
        "No-shows (%)": [round(100 * (row.no_show_rate or 0), 1) for row in shown],
        "Late cancellations (%)": [round(100 * (row.late_cancel_rate or 0), 1) for row in shown],
    }
    return [bar_chart("No-shows and late cancellations", [row.provider_name for row in shown], rates, "%")]


def _lead_time_charts(rows: Sequence[LeadTimeRow]) -> list[QChart]:
    shown = [row for row in rows if row.provider_id is not None]
    medians = {"Median (days)": [round(row.median_days or 0, 1) for row in shown]}
    return [bar_chart("Days from booking to appointment", [row.provider_name for row in shown], medians, "days")]


def _type_charts(rows: Sequence[TypeRow]) -> list[QChart]:
    shown = [row for row in rows if row.type_id is not None]
    counts = {"Appointments": [row.appointments for row in shown]}
    return [bar_chart("Appointments by type", [row.type_name for row in shown], counts, "appointments")]


def _waitlist_charts(rows: Sequence[WaitlistRow]) -> list[QChart]:
    shown = [row for row in rows if row.priority is not None]
    counts = {"Waiting": [row.open_entries for row in shown]}
    return [bar_chart("Waiting by priority", [row.priority_name for row in shown], counts, "patients")]


PAGES = (
    ReportPage(
        "utilisation",
        "Utilisation",
        (
            ("Week of", lambda r: day_words(r.period)),
            ("Provider", lambda r: r.provider_name),
            ("Open hours", lambda r: hours(r.open_minutes)),
            ("Booked hours", lambda r: hours(r.booked_minutes)),
            ("Utilisation", lambda r: percent(r.ratio)),
        ),
        _utilisation_charts,
    ),
    ReportPage(
        "attendance",
        "No-shows",
        (
            ("Provider", lambda r: r.provider_name),
            ("Appointments", lambda r: str(r.appointments)),
            ("Due", lambda r: str(r.due)),
            ("Came", lambda r: str(r.attended)),
            ("No-shows", lambda r: str(r.no_shows)),
            ("Late cancellations", lambda r: str(r.late_cancellations)),
            ("No-show rate", lambda r: percent(r.no_show_rate)),
            ("Late cancellation rate", lambda r: percent(r.late_cancel_rate)),
        ),
        _attendance_charts,
    ),
    ReportPage(
        "lead_times",
        "Lead time",
        (
            ("Provider", lambda r: r.provider_name),
            ("Appointments", lambda r: str(r.appointments)),
            ("Median days", lambda r: days(r.median_days)),
            ("90 % within days", lambda r: days(r.p90_days)),
        ),
        _lead_time_charts,
    ),
    ReportPage(
        "types",
        "By type",
        (
            ("Type", lambda r: r.type_name),
            ("Appointments", lambda r: str(r.appointments)),
            ("Booked hours", lambda r: hours(r.booked_minutes)),
            ("No-shows", lambda r: str(r.no_shows)),
            ("Cancelled", lambda r: str(r.cancelled)),
        ),
        _type_charts,
    ),
    ReportPage(
        "waitlist",
        "Waitlist",
        (
            ("Priority", lambda r: r.priority_name),
            ("Waiting", lambda r: str(r.open_entries)),
            ("Median days waited", lambda r: days(r.median_wait_days)),
            ("Longest wait, days", lambda r: days(r.longest_wait_days)),
        ),
        _waitlist_charts,
        needs_dates=False,
    ),
)
