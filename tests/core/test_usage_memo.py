"""The usage tracker works out a WorkSpace's use days once per day and signal (issue 17):
a steady fleet's next pass re-uses them, and whatever would change them is seen."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from wstui.core.insight import DAY, day_of
from wstui.core.store import usage as usage_module
from wstui.core.store.usage import UsageTracker

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC).timestamp()


def _item(wid: str, last: datetime | None, state: str = "DISCONNECTED") -> dict:
    status = {"ConnectionState": state, "LastKnownUserConnectionTimestamp": last}
    return {"WorkspaceId": wid, "ConnectionStatus": status}


def _days(conn: sqlite3.Connection, wid: str) -> list[int]:
    return usage_module.connection_days(conn, ("a", "r", wid))


def test_use_days_follow_the_signal_the_day_and_a_future_stamp_coming_due() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    usage_module.install(conn)
    tracker = UsageTracker()
    past = datetime.fromtimestamp(NOW, UTC) - timedelta(days=3)
    # A clock-skewed stamp 30 hours ahead: it counts only once it is within a day of now.
    future = datetime.fromtimestamp(NOW, UTC) + timedelta(hours=30)

    def run(now: float, items: list[dict]) -> None:
        tracker.apply(conn, "a", "r", items, now, complete=True)

    run(NOW, [_item("ws-1", past), _item("ws-2", future)])
    assert _days(conn, "ws-1") == [day_of(NOW) - 3]
    assert _days(conn, "ws-2") == []
    # Same signals an hour later (same UTC day): nothing new, and the future stamp is
    # still more than a day ahead.
    run(NOW + 3600, [_item("ws-1", past), _item("ws-2", future)])
    assert _days(conn, "ws-2") == []
    # Seven hours later it is within a day: it counts, though its signal did not move.
    run(NOW + 7 * 3600, [_item("ws-1", past), _item("ws-2", future)])
    assert _days(conn, "ws-2") == [day_of(NOW) + 1]
    # A moved signal (now connected) is seen at once.
    run(NOW + 8 * 3600, [_item("ws-1", past, "CONNECTED"), _item("ws-2", future)])
    assert _days(conn, "ws-1") == [day_of(NOW) - 3, day_of(NOW)]
    # The next UTC day, the same CONNECTED signal records that day too.
    run(NOW + DAY, [_item("ws-1", past, "CONNECTED"), _item("ws-2", future)])
    assert _days(conn, "ws-1") == [day_of(NOW) - 3, day_of(NOW), day_of(NOW) + 1]
