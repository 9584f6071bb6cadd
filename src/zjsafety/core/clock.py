"""Times: stored as UTC ISO text, shown in Beijing time."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")  # tzdata supplies it on Windows


def utc_now() -> str:
    """Now, as stored: UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def beijing(value: str | datetime | None, *, seconds: bool = False) -> str:
    """A stored time (UTC ISO text, or a datetime) as Beijing time: 2019-01-15 10:00."""
    if not value:
        return ""
    dt = datetime.fromisoformat(value) if isinstance(value, str) else value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def beijing_now() -> str:
    return beijing(datetime.now(timezone.utc))


def beijing_today():
    """Today's date in Beijing (a document's 成文日期)."""
    return datetime.now(timezone.utc).astimezone(BEIJING).date()


def beijing_date(iso: str):
    """The Beijing date of a stored UTC time (a draw's created_at)."""
    return datetime.fromisoformat(iso).astimezone(BEIJING).date()
