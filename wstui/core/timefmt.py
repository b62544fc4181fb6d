"""Time helpers shared by the cache, the query language and the views.

Timestamps are stored as epoch seconds (UTC floats). boto3 hands us ``datetime``
objects; the simulator over HTTP or a JSON dump may hand us ISO strings or numbers.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

DURATION_UNITS: dict[str, int] = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)([smhdw])", re.IGNORECASE)


def to_epoch(value: object) -> float | None:
    """Any timestamp shape the API or a JSON round trip produces -> epoch seconds, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:  # botocore always sets tz; naive means UTC by convention
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return parse_datetime(value)
    return None


def parse_datetime(text: str) -> float | None:
    """ISO 8601 date or date-time (``2024-05-01``, ``2024-05-01T10:00:00Z``) -> epoch, or None."""
    text = text.strip()
    if not text:
        return None
    # Most calls are the API's ISO stamps (a refresh parses several per WorkSpace): they
    # skip the number attempt, whose ValueError cost as much as the date parse itself.
    if not (text[4:5] == "-" and text[:4].isdigit()):
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            return number if math.isfinite(number) else None
    try:
        parsed = datetime.fromisoformat(text)  # takes a "Z" suffix (3.11+)
    except ValueError:
        try:
            parsed = datetime.fromisoformat(text.replace("z", "+00:00").replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def parse_duration(text: str) -> float | None:
    """``30d``, ``1h30m``, ``2w`` -> seconds; None if the text is not a duration."""
    text = text.strip()
    if not text:
        return None
    pos = 0
    total = 0.0
    # Each span is matched where the previous one ended: finditer would retry from every
    # digit of "999...9x", quadratic in a pasted 50,000 characters (minutes, not ms).
    while pos < len(text):
        match = _DURATION_RE.match(text, pos)
        if match is None:
            return None
        total += float(match.group(1)) * DURATION_UNITS[match.group(2).lower()]
        pos = match.end()
    return total


def format_duration(seconds: float | None) -> str:
    """Compact, two-unit duration: ``42s``, ``3m 5s``, ``2h 10m``, ``12d 4h``, ``—`` for None."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or parts:
            amount, seconds = divmod(seconds, size)
            parts.append(f"{amount}{unit}")
        if len(parts) == 2:
            break
    return " ".join(p for p in parts if not p.startswith("0") or p == parts[0])


def ago(ts: float | None, now: float) -> str:
    """``12s ago`` / ``3d 4h ago``; ``never`` when there is no timestamp."""
    if ts is None:
        return "never"
    delta = now - ts
    if delta < 0:  # clock skew between the API and this machine
        return "just now"
    return f"{format_duration(delta)} ago"


def iso(ts: float | None) -> str:
    """Epoch -> ``2024-05-01 10:00:00Z`` (UTC, second precision), or empty string."""
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")
