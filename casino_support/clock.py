"""Time helpers shared by the library.

Convention: the database stores naive datetimes in UTC; the library's functions take
and return timezone-aware datetimes. A naive ``now`` passed by a caller is taken as UTC.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional, overload


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


@overload
def aware_utc(value: datetime) -> datetime: ...
@overload
def aware_utc(value: None) -> None: ...
@overload
def aware_utc(value: Optional[datetime]) -> Optional[datetime]: ...


def aware_utc(value: Optional[datetime]) -> Optional[datetime]:
    """``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@overload
def to_db_time(value: datetime) -> datetime: ...
@overload
def to_db_time(value: None) -> None: ...
@overload
def to_db_time(value: Optional[datetime]) -> Optional[datetime]: ...


def to_db_time(value: Optional[datetime]) -> Optional[datetime]:
    """``value`` as the naive UTC datetime stored in the database."""
    value = aware_utc(value)
    return None if value is None else value.replace(tzinfo=None)


def resolve_now(now: Optional[datetime]) -> datetime:
    """``now`` as an aware UTC datetime, the current time when None."""
    return aware_utc(now) if now is not None else utc_now()
