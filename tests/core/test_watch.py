"""Shared cache: the watcher lease, a headless watcher with concurrent readers, the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from wstui.core import watch
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher


@pytest.fixture
def cache(tmp_path: Path) -> Any:
    c = Cache(tmp_path / "c.sqlite")
    yield c
    c.close()


def test_lease_is_exclusive_until_it_expires(cache: Cache) -> None:
    now = [1000.0]
    a = watch.Lease(cache, ttl=30, owner="alice@bastion", clock=lambda: now[0])
    b = watch.Lease(Cache(cache.path), ttl=30, owner="bob@bastion", clock=lambda: now[0])
    assert watch.current(cache, now[0]) is None
    a.acquire()
    info = watch.current(cache, now[0])
    assert info is not None and info.owner == "alice@bastion" and info.pid == os.getpid()
    assert info.describe(now[0]).startswith(f"watcher alice@bastion (pid {os.getpid()}), no pass")
    with pytest.raises(watch.WatcherBusy, match="alice@bastion"):
        b.acquire()
    now[0] += 20
    assert a.heartbeat(passed=True)
    now[0] += 25  # 25 s after the heartbeat: still alive
    assert watch.current(cache, now[0]).describe(now[0]).endswith("last pass 25 s ago")
    with pytest.raises(watch.WatcherBusy):
        b.acquire()
    now[0] += 10  # 35 s without a heartbeat: expired, b takes over
    assert watch.current(cache, now[0]) is None
    b.acquire()
    assert not a.heartbeat()  # a learns it lost the lease
    assert watch.current(cache, now[0]).owner == "bob@bastion"
    a.release()  # releasing a lost lease leaves the new holder alone
    assert watch.current(cache, now[0]).owner == "bob@bastion"
    b.release()
    assert watch.read(cache) is None


def test_watcher_refreshes_while_readers_never_see_partial_data(
    sim: Any, sim_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "shared.sqlite"
    writer = Cache(path)
    targets = [Target(None, r) for r in ("us-east-1", "eu-west-1")]
    expected = {r: len(sim.backend(r).workspaces) for r in ("us-east-1", "eu-west-1")}
    refresher = Refresher(
        writer, Clients(endpoint_url=sim_url), targets,
        intervals={"workspaces": 1}, kinds=["workspaces"],
    )  # fmt: skip
    stop = threading.Event()
    server = threading.Thread(
        target=watch.serve, args=(refresher, writer, stop), kwargs={"ttl": 3, "tick": 0.2}
    )
    errors: list[BaseException] = []
    seen: list[dict[str, int]] = []

    def reader() -> None:  # a TUI: its own Cache object (own connections) on the same file
        c = Cache(path)
        try:
            while not stop.is_set():
                counts = dict(
                    c.conn.execute(
                        "SELECT region, count(*) FROM workspaces GROUP BY region"
                    ).fetchall()
                )
                seen.append(counts)
                c.query("ws", "state = ?", ("STOPPED",), order_by="user", limit=50)
                time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)
        finally:
            c.close()

    readers = [threading.Thread(target=reader) for _ in range(3)]
    server.start()
    for t in readers:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            info = watch.current(writer)
            if info is not None and info.passes >= 2:
                break
            time.sleep(0.1)
        info = watch.current(writer)
        assert info is not None and info.passes >= 2 and info.last_pass_at is not None
        # A TUI on this cache would now defer to the watcher.
        assert watch.current(Cache(path)) is not None
    finally:
        stop.set()
        server.join(30)
        for t in readers:
            t.join(30)
    assert not errors
    # Every read saw a region either absent (before its first snapshot) or complete.
    for counts in seen:
        for region, n in counts.items():
            assert n == expected[region]
    assert any(counts == expected for counts in seen)
    assert watch.read(writer) is None  # released on stop
    assert not refresher.running
    writer.close()


def test_cli_refresh_watch_holds_the_lease_and_a_second_watcher_is_refused(
    sim: Any, sim_url: str, tmp_path: Path
) -> None:
    cache_path = tmp_path / "c.sqlite"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1",
        "WSTUI_CONFIG_DIR": str(tmp_path / "cfg"),
    }  # fmt: skip
    env.pop("AWS_PROFILE", None)
    argv = [sys.executable, "-c", "import sys; from wstui.cli import main; sys.exit(main())", "--endpoint-url", sim_url, "--region",
            "us-east-1", "--cache", str(cache_path), "refresh", "--kinds", "workspaces"]  # fmt: skip
    proc = subprocess.Popen([*argv, "--watch"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        reader = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if cache_path.exists():
                reader = reader or Cache(cache_path)
                if watch.current(reader) and reader.count("ws") == len(
                    sim.backend("us-east-1").workspaces
                ):
                    break
            time.sleep(0.2)
        assert reader is not None and watch.current(reader) is not None
        assert watch.current(reader).pid == proc.pid
        second = subprocess.run(
            [*argv, "--watch"], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1
        assert "watcher" in second.stderr and f"pid {proc.pid}" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert watch.read(reader) is None  # the lease went with it
    reader.close()
