"""The working-day calendar: statutory holidays and make-up workdays from a replaceable table."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from app.domain.errors import DomainError

__all__ = [
    "CalendarYear",
    "Holiday",
    "WorkCalendar",
    "WorkdayResult",
    "YearStatus",
]

T = TypeVar("T")
_ONE_DAY = timedelta(days=1)
_SUNDAY_ORDINAL = date(2023, 12, 31).toordinal()  # any Sunday; anchors the Mon–Fri count


class YearStatus(StrEnum):
    """Whether a year's holidays come from a State Council notice or are provisional."""

    OFFICIAL = "official"  # from the State Council notice
    PROVISIONAL = "provisional"  # statutory festival days only, no make-up days


@dataclass(frozen=True)
class Holiday:
    """One rest period as a notice words it: start and end inclusive, weekends inside included."""

    name: str
    start: date
    end: date

    def days(self) -> Iterable[date]:
        d = self.start
        while d <= self.end:
            yield d
            d += _ONE_DAY


@dataclass(frozen=True)
class CalendarYear:
    """One year of the working-day calendar: holidays, make-up workdays, its source."""

    year: int
    status: YearStatus
    holidays: tuple[Holiday, ...]
    workdays: tuple[date, ...] = ()
    notice: str | None = None


@dataclass(frozen=True)
class WorkdayResult(Generic[T]):
    """A computed value, and whether it relied on guesses.

    `fallback`: some day counted lies in a year the table does not cover (treated Monday–Friday).
    `provisional`: some day counted lies in a provisional year (no State Council notice yet).
    """

    value: T
    fallback: bool = False
    provisional: bool = False

    @property
    def certain(self) -> bool:
        return not (self.fallback or self.provisional)


def _weekdays_upto(d: date) -> int:
    """Mon–Fri days in (anchor Sunday, d]; negative before the anchor. Closed form, O(1)."""
    k = d.toordinal() - _SUNDAY_ORDINAL
    return 5 * (k // 7) + min(k % 7, 5)


def _bad(message: str) -> DomainError:
    return DomainError("CALENDAR_DATA_INVALID", f"工作日历数据有误：{message}")


def _as_date(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(f"{what}不是日期（{value!r}）")


def _parse_year(raw: Mapping[str, Any]) -> CalendarYear:
    try:
        year = int(raw["year"])
        status = YearStatus(raw.get("status", ""))
    except (KeyError, ValueError, TypeError):
        raise _bad("每个年度须有 year 和 status（official 或 provisional）") from None
    notice = raw.get("notice")
    if status is YearStatus.OFFICIAL and not notice:
        raise _bad(f"{year}年标为 official，但没有注明国务院办公厅通知（notice）")
    holidays = []
    for h in raw.get("holiday", []):
        start = _as_date(h.get("start"), f"{year}年假期开始日期")
        end = _as_date(h.get("end", h.get("start")), f"{year}年假期结束日期")
        if end < start:
            raise _bad(f"{year}年“{h.get('name', '')}”结束日期早于开始日期")
        holidays.append(Holiday(str(h.get("name", "节假日")), start, end))
    workdays = tuple(_as_date(w, f"{year}年调休上班日期") for w in raw.get("workdays", []))
    for w in workdays:
        if w.weekday() < 5:
            raise _bad(f"调休上班日 {w.isoformat()} 不是周六或周日")
    return CalendarYear(year, status, tuple(holidays), workdays, str(notice) if notice else None)


@dataclass
class WorkCalendar:
    """Working days from a table of years; outside the table, Monday to Friday.

    Pure and immutable after construction. A cumulative count over the table's span makes every
    query O(1) (counting) or O(log n) (adding days).
    """

    years: Sequence[CalendarYear]
    _holiday_names: dict[date, str] = field(init=False, repr=False)
    _workdays: frozenset[date] = field(init=False, repr=False)
    _covered: frozenset[int] = field(init=False, repr=False)
    _provisional: frozenset[int] = field(init=False, repr=False)
    _span_start: date = field(init=False, repr=False)  # the day before the first table day
    _cum: list[int] = field(init=False, repr=False)  # _cum[i]: working days in (span_start, +i]

    def __post_init__(self) -> None:
        names: dict[date, str] = {}
        workdays: set[date] = set()
        for y in self.years:
            for h in y.holidays:
                for d in h.days():
                    names[d] = h.name
            workdays.update(y.workdays)
        clash = workdays & names.keys()
        if clash:
            raise _bad(f"{min(clash).isoformat()} 同时被列为假期和调休上班日")
        self._holiday_names = names
        self._workdays = frozenset(workdays)
        self._covered = frozenset(y.year for y in self.years)
        self._provisional = frozenset(
            y.year for y in self.years if y.status is YearStatus.PROVISIONAL
        )
        if not self.years:
            self._span_start = date(2000, 1, 1)
            self._cum = [0]
            return
        all_dates = [*names, *workdays]
        first = min([date(min(self._covered), 1, 1), *all_dates])
        last = max([date(max(self._covered), 12, 31), *all_dates])
        self._span_start = first - _ONE_DAY
        cum = [0]
        d = first
        while d <= last:
            cum.append(cum[-1] + (1 if self._in_span_working(d) else 0))
            d += _ONE_DAY
        self._cum = cum

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_toml_text(cls, text: str) -> WorkCalendar:
        """Build from the text of a cn-workdays.toml table (see resources/calendar)."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise _bad(f"无法解析（{exc}）") from None
        years = [_parse_year(y) for y in data.get("year", [])]
        seen: set[int] = set()
        for y in years:
            if y.year in seen:
                raise _bad(f"{y.year}年重复出现")
            seen.add(y.year)
        return cls(tuple(sorted(years, key=lambda y: y.year)))

    # -- single days ---------------------------------------------------------------------------

    def _in_span_working(self, d: date) -> bool:
        if d in self._workdays:
            return True
        return d.weekday() < 5 and d not in self._holiday_names

    def is_working_day(self, d: date) -> bool:
        return self._in_span_working(d)

    def holiday_name(self, d: date) -> str | None:
        """The festival a rest day belongs to (春节, 国庆节 …), or None."""
        return self._holiday_names.get(d)

    def is_make_up_workday(self, d: date) -> bool:
        return d in self._workdays

    def is_covered(self, d: date) -> bool:
        """True when d's year is in the table (official or provisional)."""
        return d.year in self._covered

    def is_provisional(self, d: date) -> bool:
        return d.year in self._provisional

    @property
    def covered_years(self) -> frozenset[int]:
        return self._covered

    @property
    def provisional_years(self) -> frozenset[int]:
        return self._provisional

    # -- counting ------------------------------------------------------------------------------

    def _count(self, d: date) -> int:
        """Working days in (span_start, d]; negative before the span. Monotonic in d."""
        offset = (d - self._span_start).days
        last = len(self._cum) - 1
        if offset < 0:
            return _weekdays_upto(d) - _weekdays_upto(self._span_start)
        if offset <= last:
            return self._cum[offset]
        span_end = self._span_start + timedelta(days=last)
        return self._cum[last] + _weekdays_upto(d) - _weekdays_upto(span_end)

    def _flags(self, first: date, last: date) -> tuple[bool, bool]:
        """(fallback, provisional) for the days first..last inclusive (empty if last < first)."""
        if last < first:
            return False, False
        years = range(first.year, last.year + 1)
        fallback = any(y not in self._covered for y in years)
        provisional = any(y in self._provisional for y in years)
        return fallback, provisional

    def working_days_between(self, a: date, b: date) -> WorkdayResult[int]:
        """Working days in (a, b]; negative (−count of (b, a]) when b < a."""
        lo, hi = (a, b) if a <= b else (b, a)
        fallback, provisional = self._flags(lo + _ONE_DAY, hi)
        return WorkdayResult(self._count(b) - self._count(a), fallback, provisional)

    def add_working_days(self, start: date, n: int) -> WorkdayResult[date]:
        """The date n working days after start (start not counted); n=0 gives start.

        For n < 0, the working day that lies |n| working days before start.
        """
        if n == 0:
            return WorkdayResult(start)
        target = self._count(start) + n
        # find the first day d with count(d) >= target: it is a working day and the answer
        slack = 2 * abs(n) + 30
        if n > 0:
            lo, hi = start, start + timedelta(days=slack)
            while self._count(hi) < target:
                hi += timedelta(days=slack)
        else:
            hi, lo = start, start - timedelta(days=slack)
            while self._count(lo) >= target:
                lo -= timedelta(days=slack)
        # invariant: count(lo) < target <= count(hi)
        lo_o, hi_o = lo.toordinal(), hi.toordinal()
        while hi_o - lo_o > 1:
            mid = (lo_o + hi_o) // 2
            if self._count(date.fromordinal(mid)) >= target:
                hi_o = mid
            else:
                lo_o = mid
        result = date.fromordinal(hi_o)
        first, last = (start + _ONE_DAY, result) if n > 0 else (result + _ONE_DAY, start)
        fallback, provisional = self._flags(first, last)
        return WorkdayResult(result, fallback, provisional)

    def next_working_day(self, d: date) -> date:
        """The first working day after d (d itself excluded)."""
        return self.add_working_days(d, 1).value

    def working_day_on_or_after(self, d: date) -> date:
        """d if it is a working day, else the next one."""
        return d if self.is_working_day(d) else self.next_working_day(d)
