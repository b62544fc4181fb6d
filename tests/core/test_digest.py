"""core.digest: what moves a row's digest and what does not."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from tests.core.test_cache import ws
from wstui.core import insight, kinds
from wstui.core.digest import item_digest, kind_salt

SALT = kind_salt(kinds.WORKSPACES)
LAST = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def _item(**status: object) -> dict:
    item = ws(1)
    item["ConnectionStatus"] = {
        "ConnectionState": "DISCONNECTED",
        "ConnectionStateCheckTimestamp": datetime(2026, 3, 10, tzinfo=UTC),
        "LastKnownUserConnectionTimestamp": LAST,
        **status,
    }
    item[insight.USAGE_KEY] = {"DaysUsed30": 2, "ObservedDays": 9, "At": 1.0}
    return item


def test_the_moving_fields_do_not_move_it_and_everything_else_does() -> None:
    base = _item()
    before = copy.deepcopy(base)
    digest = item_digest(base, SALT)
    assert base == before  # the caller's item is not touched
    later = _item(ConnectionStateCheckTimestamp=datetime(2026, 3, 11, tzinfo=UTC))
    later[insight.USAGE_KEY]["At"] = 60.0
    assert item_digest(later, SALT) == digest
    moved = [
        _item(LastKnownUserConnectionTimestamp=LAST + timedelta(microseconds=1)),
        _item(LastKnownUserConnectionTimestamp=LAST.isoformat()),  # same instant, as text
        _item(LastKnownUserConnectionTimestamp=None),
        _item(ConnectionState="CONNECTED"),
        {**base, "State": "STOPPED"},
        {**base, "Tags": [{"Key": "team", "Value": "b"}]},
        {**base, "RootVolumeSizeGib": True},
    ]
    digests = {item_digest(m, SALT) for m in moved}
    assert digest not in digests and len(digests) == len(moved)


def test_an_item_marshal_cannot_write_is_digested_all_the_same() -> None:
    """Other kinds carry datetimes elsewhere (an image's Created): hashed through repr."""
    image = {"ImageId": "wsi-1", "Created": datetime(2025, 1, 1, tzinfo=UTC)}
    digest = item_digest(image, SALT)
    assert item_digest(dict(image), SALT) == digest
    assert item_digest({**image, "Created": datetime(2025, 1, 2, tzinfo=UTC)}, SALT) != digest
