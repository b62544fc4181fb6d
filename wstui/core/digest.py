"""A cached row's 64-bit digest: its API item minus the fields that move on every pass.

A warm refresh of a steady fleet lists the same items again; only a few fields differ
each time without anything having changed: ``ConnectionStatus.ConnectionStateCheckTimestamp``
(when AWS last checked the connection) and ``Usage.At`` (when wstui merged its usage
figures). The cache stores this digest per row and leaves a row whose digest did not move
untouched: it is not re-extracted, re-serialised, diffed or upserted (schema v8).

``Usage.At`` is not simply dropped: the advice of an ALWAYS_ON WorkSpace depends on it
(idle days grow with time), so the digest holds that advice instead -- a row is rewritten
when its advice changes, not every pass. (The other usage figures move at most daily.)
"""

from __future__ import annotations

import functools
import hashlib
import marshal
from datetime import datetime
from typing import Any

from wstui import __version__
from wstui.core import insight
from wstui.core.kinds import Kind

# Part of every digest: bump it (or release a new version) when an extractor changes, so
# every row is re-extracted once instead of keeping what the old code made of it.
DIGEST_SALT = "2"  # 2: marshal instead of repr
_CHECK_STAMP = "ConnectionStateCheckTimestamp"
_LAST_CONNECTION = "LastKnownUserConnectionTimestamp"


def kind_salt(kind: Kind) -> bytes:
    """The per-kind key of the digests: salt, version and the stored columns' names/types."""
    spec = "|".join(f"{c.name}:{c.type}" for c in kind.stored_columns)
    seed = f"{DIGEST_SALT}|{__version__}|{kind.name}|{spec}".encode()
    return hashlib.blake2b(seed, digest_size=32).digest()


def stable_view(item: dict[str, Any]) -> dict[str, Any]:
    """The item without the fields that move every pass (a shallow copy where needed)."""
    # One shallow copy, and copy-then-delete for the inner dicts (same order, so the same
    # repr and digests as comprehensions; half the cost, this runs for every listed row).
    status = item.get("ConnectionStatus")
    moved_status = isinstance(status, dict) and _CHECK_STAMP in status
    usage = item.get(insight.USAGE_KEY)
    moved_usage = isinstance(usage, dict) and "At" in usage
    if not (moved_status or moved_usage):
        return item
    view = item.copy()
    if moved_status:
        assert isinstance(status, dict)
        steady_status = status.copy()
        del steady_status[_CHECK_STAMP]
        view["ConnectionStatus"] = steady_status
    if moved_usage:
        assert isinstance(usage, dict)
        advice = insight.timed_advice(item)
        steady = usage.copy()
        del steady["At"]
        steady["advice"] = None if advice is None else [advice.mode, advice.reason]
        view[insight.USAGE_KEY] = steady
    return view


def item_digest(item: dict[str, Any], salt: bytes) -> int:
    """Signed 64-bit digest (fits SQLite's INTEGER) of the item's stable view.

    Hashes ``marshal`` format 2 of the view (no back-references, so equal values always
    give equal bytes): API items hold dicts, lists, strings, numbers and None, which it
    writes in C at a third of ``repr``'s cost (3.8 vs 9.8 us a WorkSpace), and a
    WorkSpace's one datetime, the last connection, is written as its ISO text in a tuple
    (never a JSON value). An item holding anything else (another kind's datetimes) is
    hashed through ``repr``: deterministic for those; an object shown by address only
    makes the row look changed, which costs a rewrite, never a missed change.
    """
    hasher = _keyed(salt).copy()
    view = stable_view(item)
    try:
        data = marshal.dumps(_without_last_connection_datetime(view), 2)
    except ValueError:  # "unmarshallable object"
        data = b"repr:" + repr(view).encode("utf-8", "surrogatepass")
    hasher.update(data)
    return int.from_bytes(hasher.digest(), "big", signed=True)


def _without_last_connection_datetime(view: dict[str, Any]) -> dict[str, Any]:
    status = view.get("ConnectionStatus")
    if isinstance(status, dict):
        last = status.get(_LAST_CONNECTION)
        if isinstance(last, datetime):
            status = status.copy()
            status[_LAST_CONNECTION] = (last.isoformat(),)
            view = {**view, "ConnectionStatus": status}  # never the caller's item
    return view


@functools.lru_cache(maxsize=32)
def _keyed(salt: bytes) -> Any:
    return hashlib.blake2b(digest_size=8, key=salt)
