"""A mutation gateway for tests: the selected targets default to the simulator's regions
under the default credentials, as `wstui --region us-east-1 --region eu-west-1` would."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wstui.core.act import Gateway, Policy, Scope
from wstui.core.aws import Target

REGIONS = ("us-east-1", "eu-west-1")


def gateway(
    clients: Any, cache: Any, caller: str | None = "t", read_only: bool = False,
    targets: Sequence[Target] | None = None, protect_tag: str = "wstui:protect",
) -> Gateway:  # fmt: skip
    policy = Policy(("--read-only",) if read_only else ())
    selected = list(targets) if targets is not None else [Target(None, r) for r in REGIONS]
    return Gateway(policy, Scope(selected, clients), clients, cache, protect_tag, caller=caller)


def disk_full_on_audit(monkeypatch: Any, nth: int) -> None:
    """The nth audit-before write fails as a full disk would (earlier ones succeed)."""
    import sqlite3

    from wstui.core.cache import Cache

    real, calls = Cache.audit_before, [0]

    def audit_before(self: Cache, *a: Any, **kw: Any) -> int:
        calls[0] += 1
        if calls[0] == nth:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *a, **kw)

    monkeypatch.setattr(Cache, "audit_before", audit_before)
