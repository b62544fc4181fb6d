"""Kind.write_extras: the store runs the hooks a kind declares, and refuses unknown ones."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from wstui.core.cache import Cache
from wstui.core.kinds import KINDS, WORKSPACES, resolve
from wstui.core.store import extras


class T:
    account, region, profile = "111122223333", "us-east-1", "p"


def ws(n: int) -> dict:
    return {"WorkspaceId": f"ws-{n:08d}", "State": "AVAILABLE", "UserName": f"u{n}",
            "ConnectionStatus": {"ConnectionState": "CONNECTED"}}  # fmt: skip


def test_workspaces_declare_usage_and_metrics() -> None:
    assert WORKSPACES.write_extras == ("usage", "metrics")
    assert [e for e in extras.of(WORKSPACES)] == [extras.EXTRAS["usage"], extras.EXTRAS["metrics"]]
    assert extras.of(resolve("directories")) == ()


def test_an_unknown_extra_fails_at_cache_open_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = dataclasses.replace(WORKSPACES, write_extras=("usage", "telemetry"))
    monkeypatch.setitem(KINDS, "workspaces", bad)
    with pytest.raises(ValueError, match=r"'workspaces'.*'telemetry'.*knows: metrics, usage"):
        Cache(tmp_path / "c.sqlite")
    assert not (tmp_path / "c.sqlite").exists()  # refused before touching the disk


def test_the_usage_extra_records_use_days_and_forgets_vanished_rows(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    cache.clock = lambda: 1_767_225_600.0
    caller_items = [ws(1), ws(2)]
    cache.replace_snapshot("ws", T, caller_items)
    assert "Usage" not in caller_items[0]  # the extras work on copies
    key1, key2 = (T.account, T.region, "ws-00000001"), (T.account, T.region, "ws-00000002")
    assert cache.connection_days(key1) == [1_767_225_600 // 86400]
    assert cache.get("ws", key1)["raw"]["Usage"]["DaysUsed30"] == 1
    cache.replace_snapshot("ws", T, [ws(1)])  # ws 2 vanished: its use days go with it
    assert cache.connection_days(key2) == []
    assert cache.connection_days(key1) == [1_767_225_600 // 86400]


def test_a_kind_without_extras_gets_no_usage(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    no_extras = dataclasses.replace(WORKSPACES, write_extras=())
    cache.replace_snapshot(no_extras, T, [ws(1)])
    assert "Usage" not in cache.get("ws", "ws-00000001")["raw"]
    assert cache.connection_days((T.account, T.region, "ws-00000001")) == []
