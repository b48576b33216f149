"""What every use case needs: the unit of work, the clinic's time zone, the booking horizon, a clock."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.services.uow import UnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clinic:
    uow: UnitOfWork
    zone: ZoneInfo
    horizon_days: int = 365
    clock: Callable[[], datetime] = field(default=utc_now)

    def now(self) -> datetime:
        return self.clock()

    def horizon_end(self) -> datetime:
        return self.now() + timedelta(days=self.horizon_days)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)
