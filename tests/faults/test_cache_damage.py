"""Fault matrix: corrupt or truncated cache file; unwritable cache directory."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from wstui import cli
from wstui.core.aws import Target
from wstui.core.cache import Cache
from wstui.core.recovery import MemoryCache, open_cache

US = "us-east-1"
T = Target(None, US, "123456789012")


def _items(n: int) -> list[dict]:
    return [
        {"WorkspaceId": f"ws-{i:09d}", "State": "AVAILABLE", "UserName": f"user{i}" * 40}
        for i in range(n)
    ]


def _filled(path: Path, n: int = 1500) -> None:
    cache = Cache(path)
    cache.replace_snapshot("workspaces", T, _items(n))
    cache.close()
    for side in ("-wal", "-shm"):
        assert not Path(str(path) + side).exists() or side == "-shm"


DAMAGE = {
    "garbage": lambda data: b"this is not sqlite " * 200,
    "truncated to half": lambda data: data[: len(data) // 2],
    "zeroed header": lambda data: b"\0" * 100 + data[100:],
    "random pages overwritten": lambda data: data[:8192] + os.urandom(16384) + data[24576:],
}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_damaged_cache_is_moved_aside_and_rebuilt(tmp_path: Path, how: str, reliability) -> None:
    path = tmp_path / "cache.sqlite"
    _filled(path)
    original = path.read_bytes()
    damaged = DAMAGE[how](original)
    path.write_bytes(damaged)
    opened = open_cache(path)
    assert opened.moved_to is not None and opened.moved_to.read_bytes() == damaged
    assert len(opened.notices) == 1
    notice = opened.notices[0]
    assert str(path) in notice and opened.moved_to.name in notice and "rebuilt" in notice
    cache = opened.cache
    assert not opened.read_only and not isinstance(cache, MemoryCache)
    assert cache.count("workspaces") == 0  # rebuilt empty, then refilled:
    cache.replace_snapshot("workspaces", T, _items(10))
    assert cache.count("workspaces") == 10
    assert (path.stat().st_mode & 0o777) == 0o600
    cache.close()
    reliability.record(
        "fault", f"cache file damaged: {how}",
        "moved aside byte-for-byte with a notice; rebuilt; refills", inputs=len(damaged),
    )  # fmt: skip


def test_sound_cache_is_opened_untouched(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    _filled(path, 50)
    opened = open_cache(path)
    assert opened.notices == [] and opened.moved_to is None
    assert opened.cache.count("workspaces") == 50
    assert list(tmp_path.glob("*.corrupt-*")) == []
    opened.cache.close()


@pytest.fixture(params=["parent is a file", "permission denied"])
def unwritable(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if request.param == "parent is a file":
        (tmp_path / "blocker").write_text("x")
        return tmp_path / "blocker" / "cache.sqlite"
    # Tests may run as root, which chmod cannot stop: refuse the open as the OS would.
    real_open = os.open

    def refuse(path: Any, *args: Any, **kw: Any) -> int:
        if str(path).startswith(str(tmp_path / "locked")):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kw)

    (tmp_path / "locked").mkdir(mode=0o500)
    monkeypatch.setattr("wstui.core.store.connection.os.open", refuse)
    return tmp_path / "locked" / "cache.sqlite"


def test_unwritable_cache_dir_runs_read_only_in_memory(unwritable: Path, reliability) -> None:
    opened = open_cache(unwritable)
    assert opened.read_only and isinstance(opened.cache, MemoryCache)
    [notice] = opened.notices
    assert str(unwritable) in notice and "read-only" in notice and "--cache" in notice
    cache = opened.cache
    changes = cache.replace_snapshot("workspaces", T, _items(30))  # the refresher still works
    assert changes.added == 30 and cache.count("workspaces") == 30
    assert not unwritable.exists()
    cache.close()
    reliability.record(
        "fault", f"unwritable cache directory ({unwritable.parent.name})",
        "clear error naming the path and the fix; in-memory cache; read-only", inputs=30,
    )  # fmt: skip


def test_cli_with_unwritable_cache_refuses_actions_and_says_why(
    sim: Any, sim_url: str, tmp_path: Path, capsys, reliability, monkeypatch
) -> None:
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    (tmp_path / "blocker").write_text("x")
    base = [
        "--endpoint-url",
        sim_url,
        "--region",
        US,
        "--cache",
        str(tmp_path / "blocker/c.sqlite"),
    ]
    try:
        code = cli.main([*base, "ls", "ws", "--format", "json"])
        out, err = capsys.readouterr()
        assert code == 0 and json.loads(out) == [] and "in-memory cache" in err
        ids = sorted(sim.backend(US).workspaces)[:2]
        sim.clear_calls()
        code = cli.main([*base, "act", "reboot", "--ids", *ids, "--yes"])
        out, err = capsys.readouterr()
        assert code in (cli.EXIT_READ_ONLY, cli.EXIT_ERROR), err
        assert sim.calls_to("RebootWorkspaces") == []
    finally:
        pass
    reliability.record(
        "fault", "CLI on an unwritable cache dir", "ls works (empty, notice on stderr); act sends nothing",
        inputs=2, lost=len(sim.calls_to("RebootWorkspaces")),
    )  # fmt: skip
