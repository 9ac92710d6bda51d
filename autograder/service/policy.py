"""Per-assignment policy: service/<assignment>.toml in the course folder (docs/service.md).

    opens = 2027-02-01T09:00:00        # local time in `timezone` (or with an offset: ...+01:00)
    closes = 2027-02-15T23:59:00       # the deadline; without it there is none
    timezone = "Europe/Madrid"
    late_hours = 24                    # late window after `closes` (0: none)
    late = "counts"                    # a late submission counts (marked late) | "feedback_only"
    per_hour = 6                       # submissions per student and hour
    before_deadline = "full"           # what a student sees: "full" | "points" | "visible"
    after_deadline = "full"

A missing file means the defaults (open now, no deadline, full feedback, 6 an hour). The file
is read again whenever it changes, so an instructor can extend a deadline without a restart.
"""

from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from autograder.course import AutograderError

VIEWS = ("full", "points", "visible")
LATE_MODES = ("counts", "feedback_only")
NOT_OPEN, OPEN, LATE, CLOSED = "not_open", "open", "late", "closed"


@dataclass(frozen=True)
class Policy:
    opens: datetime.datetime | None = None
    closes: datetime.datetime | None = None
    timezone: str = "UTC"
    late_hours: float = 0.0
    late: str = "counts"
    per_hour: int = 6
    before_deadline: str = "full"
    after_deadline: str = "full"

    @property
    def late_until(self) -> datetime.datetime | None:
        if self.closes is None:
            return None
        return self.closes + datetime.timedelta(hours=self.late_hours)

    def state(self, moment: datetime.datetime) -> str:
        if self.opens is not None and moment < self.opens:
            return NOT_OPEN
        if self.closes is None or moment < self.closes:
            return OPEN
        return LATE if moment < self.late_until else CLOSED

    def past_deadline(self, moment: datetime.datetime) -> bool:
        return self.closes is not None and moment >= self.closes

    def view(self, moment: datetime.datetime) -> str:
        return self.after_deadline if self.past_deadline(moment) else self.before_deadline

    def local(self, moment: datetime.datetime | None) -> str:
        """A time as the class reads it: '15/02/2027 23:59 (Europe/Madrid)'."""
        if moment is None:
            return ""
        shown = moment.astimezone(ZoneInfo(self.timezone))
        return f"{shown:%d/%m/%Y %H:%M} ({self.timezone})"


def policy_path(service_dir: Path, assignment: str) -> Path:
    return Path(service_dir) / f"{assignment}.toml"


_cache: dict[Path, tuple[float, Policy]] = {}


def load_policy(service_dir: Path, assignment: str) -> Policy:
    """The assignment's policy (defaults without a file). Raises AutograderError on a bad file."""
    path = policy_path(service_dir, assignment)
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return Policy()
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    policy = parse_policy(path.read_bytes(), path)
    _cache[path] = (stamp, policy)
    return policy


def parse_policy(data: bytes, path: Path) -> Policy:
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AutograderError(f"{path}: no es TOML válido ({error})") from None
    known = {f.name for f in fields(Policy)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise AutograderError(f"{path}: clave desconocida {', '.join(unknown)} "
                              f"(valen: {', '.join(sorted(known))})")
    zone_name = raw.get("timezone", "UTC")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise AutograderError(f"{path}: zona horaria desconocida {zone_name!r} "
                              "(por ejemplo \"Europe/Madrid\")") from None

    def moment(key):
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time())
        if not isinstance(value, datetime.datetime):
            raise AutograderError(f"{path}: {key} debe ser una fecha y hora TOML, como "
                                  "2027-02-15T23:59:00")
        return value if value.tzinfo else value.replace(tzinfo=zone)

    def choice(key, allowed, default):
        value = raw.get(key, default)
        if value not in allowed:
            raise AutograderError(f"{path}: {key} debe ser uno de {', '.join(allowed)}; "
                                  f"es {value!r}")
        return value

    def number(key, default, kind):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (
                kind is int and not isinstance(value, int)):
            raise AutograderError(f"{path}: {key} debe ser un número no negativo; es {value!r}")
        return kind(value)

    policy = Policy(
        opens=moment("opens"), closes=moment("closes"), timezone=str(zone_name),
        late_hours=number("late_hours", 0, float), late=choice("late", LATE_MODES, "counts"),
        per_hour=number("per_hour", 6, int),
        before_deadline=choice("before_deadline", VIEWS, "full"),
        after_deadline=choice("after_deadline", VIEWS, "full"),
    )
    if policy.opens and policy.closes and policy.closes <= policy.opens:
        raise AutograderError(f"{path}: closes debe ser posterior a opens")
    return policy
