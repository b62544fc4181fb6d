"""The TUI's refresher in a child process (wstui.refresh_process) against the HTTP simulator.

The child builds its own clients, cache and refresher from the pickled options; these
tests read what it wrote through a cache opened here, and what it sent from the calls the
simulator received. They wait for states (events, pids), never for a fixed time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SIM_REGIONS
from wstui.config import Config, load_config
from wstui.core.aws import Target
from wstui.core.refresh import Refresher
from wstui.refresh_process import RefresherNotice, RefresherProcess
from wstui.wiring import Options

WAIT = 90.0  # seconds: a child's start imports boto3; both cores may be busy


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what}")
        time.sleep(0.02)


def gone(pid: int) -> bool:
    """The process has ended (or is a zombie nobody reaped yet: it runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


class Events:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self.lock:
            self.items.append(event)

    def of(self, name: str) -> list[Any]:
        with self.lock:
            return [e for e in self.items if type(e).__name__ == name]


def options_for(url: str, tmp_path: Path, **config: Any) -> Options:
    cfg = Config(targets=[(None, r) for r in SIM_REGIONS], **config)
    return Options(endpoint_url=url, cache_path=tmp_path / "cache.sqlite", config=cfg)


@pytest.fixture
def proxy(sim_url: str, tmp_path: Path) -> Iterator[tuple[RefresherProcess, Any, Events]]:
    opts = options_for(sim_url, tmp_path)
    cache = opts.make_cache()
    refresher = opts.tui_refresher(cache, opts.make_clients())
    assert isinstance(refresher, RefresherProcess)
    events = Events()
    refresher.on_event = events
    try:
        yield refresher, cache, events
    finally:
        refresher.stop()
        cache.close()


def workspaces_done(events: Events) -> list[Any]:
    return [e for e in events.of("RefreshDone") if e.kind == "workspaces" and e.ok]


def test_the_child_refreshes_and_its_events_carry_the_changed_keys(proxy: Any, sim: Any) -> None:
    refresher, cache, events = proxy
    refresher.start(tick=0.2)
    wait_until(lambda: len(workspaces_done(events)) >= len(SIM_REGIONS), "both listed")
    done = workspaces_done(events)
    assert refresher.pid is not None and not gone(refresher.pid)
    assert refresher.running and not refresher.fallen_back
    assert refresher.pid != os.getpid()
    # The rows are in the file the UI reads, and each event names the rows it added.
    rows = cache.query("workspaces", limit=None)
    assert rows and sim.calls_to("DescribeWorkspaces")
    keys = {(r["account"], r["region"], r["id"]) for r in rows}
    assert set().union(*(e.changes.changed_keys for e in done)) == keys
    assert {e.target.region for e in done} == set(SIM_REGIONS)
    # STS resolved the accounts in the child; the parent's targets follow.
    assert {t.account for t in refresher.targets} == {sim.account}
    # ...and so do this process's clients, whose accounts the gateway's scope checks.
    known = [refresher.local.clients.known(Target(None, r)) for r in SIM_REGIONS]
    assert [k.account if k else None for k in known] == [sim.account] * len(SIM_REGIONS)
    assert events.of("RefreshStarted") and events.of("Progressed")


def in_this_process(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("ran in the UI's process")


def test_refresh_ids_and_follow_run_in_the_child(proxy: Any, sim: Any) -> None:
    refresher, cache, events = proxy
    for name in ("refresh", "refresh_ids", "follow", "refresh_tags"):
        setattr(refresher.local, name, in_this_process)
    results = refresher.refresh(["workspaces"])
    assert [r.ok for r in results] == [True] * len(SIM_REGIONS)
    row = cache.query("workspaces", limit=1)[0]
    target = next(t for t in refresher.targets if t.region == row["region"])
    before = len(sim.calls_to("DescribeWorkspaces"))
    states = refresher.refresh_ids(target, [row["id"], "ws-00000000"])
    assert states == {row["id"]: row["state"], "ws-00000000": ""}
    assert len(sim.calls_to("DescribeWorkspaces")) > before  # sent, not read from the cache
    key = (row["account"], row["region"], row["id"])
    assert refresher.follow([key], until_stable=False) == {key: row["state"]}
    followed = wait_until(lambda: events.of("Followed"), "a Followed event")
    assert followed[0].states == {row["id"]: row["state"]}
    assert refresher.refresh_tags("workspaces", target, [row["id"]]) == {
        row["id"]: sim_tags(sim, row["region"], row["id"])
    }
    assert not refresher.fallen_back


def sim_tags(sim: Any, region: str, wid: str) -> list:
    import boto3

    client = boto3.client("workspaces", region_name=region)  # the in-process mock
    return list(client.describe_tags(ResourceId=wid)["TagList"])


def test_errors_in_the_child_are_raised_here(proxy: Any) -> None:
    refresher, _cache, _events = proxy
    with pytest.raises(LookupError, match="not among the selected targets"):
        refresher.follow([("999999999999", "us-east-1", "ws-1")])
    assert not refresher.fallen_back


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="POSIX niceness")
def test_the_child_runs_below_the_ui_in_the_schedulers_eyes(proxy: Any) -> None:
    """On 2 busy cores the UI's keystrokes get a core before the refresh does."""
    from wstui.refresh_process import CHILD_NICE

    refresher, _cache, _events = proxy
    assert refresher.wait_ready(60)
    pid = refresher.pid
    assert pid is not None
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, mine + CHILD_NICE)
    assert not refresher.fallen_back


def test_stop_ends_the_child(proxy: Any) -> None:
    refresher, _cache, events = proxy
    refresher.start(tick=0.2)
    wait_until(lambda: events.of("RefreshStarted"), "a pass began")
    pid = refresher.pid
    assert pid is not None
    t0 = time.monotonic()
    refresher.stop()
    assert gone(pid)
    assert time.monotonic() - t0 < 10  # STOP_WAIT, then a kill: never a whole pass
    assert not refresher.running and not refresher.fallen_back
    assert not events.of("RefresherNotice")  # a stop is not a failure


def test_a_killed_child_is_reported_and_this_process_takes_over(proxy: Any) -> None:
    refresher, cache, events = proxy
    refresher.start(tick=0.2)
    wait_until(lambda: events.of("RefreshStarted"), "the child began")
    pid = refresher.pid
    os.kill(pid, signal.SIGKILL)
    notice = wait_until(lambda: events.of("RefresherNotice"), "the notice")[0]
    assert isinstance(notice, RefresherNotice)
    assert "ended" in notice.text and "TUI's process" in notice.text
    assert refresher.fallen_back and refresher.local.running and refresher.running
    # The local refresher lists from now on, through the same listener.
    seen = len(events.items)
    wait_until(lambda: any(type(e).__name__ == "RefreshDone" for e in events.items[seen:]),
               "a listing by the local refresher")  # fmt: skip
    row = wait_until(lambda: cache.query("workspaces", limit=1), "rows")[0]
    target = next(t for t in refresher.targets if t.region == row["region"])
    assert refresher.refresh_ids(target, [row["id"]]) == {row["id"]: row["state"]}


class Failing:
    """A spec whose build fails in the child."""

    def build(self) -> tuple[Any, Any]:
        raise RuntimeError("no cache for you")


def test_a_child_that_cannot_start_is_reported(sim_url: str, tmp_path: Path) -> None:
    opts = options_for(sim_url, tmp_path)
    cache = opts.make_cache()
    events = Events()
    for spec, why in ((Failing(), "no cache for you"), (lambda: None, "could not start")):
        refresher = RefresherProcess(spec, opts.make_refresher(cache, opts.make_clients()))
        refresher.on_event = events
        try:
            assert not refresher.wait_ready(WAIT)  # answers at once: no waiting it out
            results = refresher.refresh(["workspaces"])  # re-run in this process
            assert [r.ok for r in results] == [True] * len(SIM_REGIONS)
            assert refresher.fallen_back
            assert why in events.of("RefresherNotice")[-1].text
        finally:
            refresher.stop()
    cache.close()


CHILD_PARENT = """
import sys, threading
from pathlib import Path
from wstui.config import Config
from wstui.wiring import Options
cfg = Config(targets=[(None, "us-east-1")])
opts = Options(endpoint_url=sys.argv[1], cache_path=Path(sys.argv[2]), config=cfg)
cache = opts.make_cache()
refresher = opts.tui_refresher(cache, opts.make_clients())
started = threading.Event()
refresher.on_event = lambda e: started.set()
refresher.start()
started.wait(120)
print(refresher.pid, flush=True)
threading.Event().wait()
"""


def test_the_child_ends_when_its_parent_is_killed(sim_url: str, tmp_path: Path) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD_PARENT, sim_url, str(tmp_path / "cache.sqlite")],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert not gone(child)
        parent.kill()
        parent.wait(30)
        wait_until(lambda: gone(child), "the orphaned child ended", timeout=30)
    finally:
        parent.kill()
        parent.wait(30)


def test_the_switch(sim_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[refresh]\nprocess = "thread"\n', encoding="utf-8")
    assert load_config(path).refresh_process == "thread"
    path.write_text('[refresh]\nprocess = "fork"\n', encoding="utf-8")
    bad = load_config(path)
    assert bad.refresh_process == "child"
    assert any('refresh.process must be "child" or "thread"' in e for e in bad.errors)
    opts = options_for(sim_url, tmp_path, refresh_process="thread")
    cache = opts.make_cache()
    assert isinstance(opts.tui_refresher(cache, opts.make_clients()), Refresher)
    monkeypatch.setenv("WSTUI_REFRESH_PROCESS", "child")
    assert isinstance(opts.tui_refresher(cache, opts.make_clients()), RefresherProcess)
    monkeypatch.setenv("WSTUI_REFRESH_PROCESS", "thread")
    opts.config.refresh_process = "child"
    assert isinstance(opts.tui_refresher(cache, opts.make_clients()), Refresher)
    monkeypatch.delenv("WSTUI_REFRESH_PROCESS")
    opts.cache_read_only = True  # a cache in this process's memory: no child could share it
    assert isinstance(opts.tui_refresher(cache, opts.make_clients()), Refresher)
    cache.close()


def test_a_call_under_way_when_the_child_dies_is_run_here(proxy: Any, sim: Any) -> None:
    refresher, cache, events = proxy
    refresher.refresh(["workspaces"])
    row = cache.query("workspaces", limit=1)[0]
    key = (row["account"], row["region"], row["id"])
    polled = lambda: [c for c in sim.calls_to("DescribeWorkspaces")  # noqa: E731
                      if row["id"] in (c.params.get("WorkspaceIds") or [])]  # fmt: skip
    answer: dict[str, Any] = {}
    # A stable WorkSpace settles after two polls, follow_interval (5 s) apart.
    caller = threading.Thread(target=lambda: answer.update(r=refresher.follow([key])))
    caller.start()
    wait_until(polled, "the child's first poll")
    os.kill(refresher.pid, signal.SIGKILL)
    caller.join(WAIT)
    assert answer["r"] == {key: row["state"]}
    assert refresher.fallen_back and events.of("RefresherNotice")
    assert len(polled()) >= 3  # one poll by the child, two by the local refresher
