"""Live progress (core.progress): rate-limited snapshots on a fake clock, ETA, and the
refresher feeding them page by page from the simulator."""

from __future__ import annotations

import random
from itertools import pairwise
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.progress import ProgressSnapshot, RefreshProgress, SendProgress, duration
from wstui.core.refresh import Progressed, Refresher


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_pages_arriving_give_at_least_one_update_per_second_and_no_flood() -> None:
    clock, sent = FakeClock(), []
    progress = RefreshProgress(lambda s: sent.append((clock.now, s)), interval=0.25, clock=clock)
    rng = random.Random(14)
    targets = ("123/us-east-1", "123/eu-west-1")
    for t in targets:
        progress.start(t, "workspaces")
    pages = 0
    while clock.now < 1020.0:  # 20 s of simulated time, a page every 10-300 ms
        clock.now += rng.uniform(0.01, 0.3)
        progress.page(rng.choice(targets), "workspaces", 25)
        pages += 1
    for t in targets:
        progress.finish(t, "workspaces", pages * 25 // 2)
    times = [at for at, _ in sent]
    gaps = [b - a for a, b in pairwise(times)]
    assert max(gaps[:-2]) <= 1.0  # while pages arrive: at least one update a second
    assert min(gaps[:-2]) >= 0.25  # and at most one per interval (pages: ~130 per second)
    assert len(sent) < pages / 2
    items = [s.items for _, s in sent if s.active]
    assert items == sorted(items) and items[-1] > items[0]
    assert len(set(items)) == len(items)  # each update says something new
    assert sent[0][1].active and sent[0][1].items == 0  # the first one goes out at once
    last = sent[-1][1]
    assert not last.active and last.line() == "" and last.short() == ""  # the end clears it
    assert last.done == last.total == 2


def test_eta_from_expected_count_and_rate() -> None:
    clock, sent = FakeClock(), []
    progress = RefreshProgress(sent.append, interval=0.0, clock=clock)
    progress.start("a/us-east-1", "workspaces", expected=12_000)
    progress.start("a/eu-west-1", "workspaces", expected=8_000)
    clock.now += 4.0
    progress.page("a/us-east-1", "workspaces", 3_000)
    progress.page("a/eu-west-1", "workspaces", 2_000, calls=80)
    snap = sent[-1]
    assert snap.items == 5_000 and snap.expected == 20_000 and snap.calls == 81
    assert snap.rate == pytest.approx(1_250.0)
    assert snap.eta == pytest.approx(12.0)  # 15,000 left at 1,250/s
    assert snap.line() == (
        "refreshing workspaces: 5,000 / ~20,000 listed · 2 targets · 81 calls · 1,250/s · ETA 12s"
    )
    assert snap.short() == "workspaces 5,000 / ~20,000 · 2 targets · ETA 12s"
    assert len(snap.short()) <= 50  # the header at 80 columns: kind title + age + this


def test_first_refresh_has_no_expected_count_and_no_eta() -> None:
    clock, sent = FakeClock(), []
    progress = RefreshProgress(sent.append, interval=0.0, clock=clock, lead="workspaces")
    progress.start("a/us-east-1", "bundles", expected=10)
    progress.page("a/us-east-1", "bundles", 10)
    progress.start("a/us-east-1", "workspaces", expected=None)
    clock.now += 2.0
    progress.page("a/us-east-1", "workspaces", 500)
    snap = sent[-1]
    assert snap.kind == "workspaces" and snap.items == 500  # the bundles are not counted
    assert snap.expected is None and snap.eta is None
    assert snap.line() == (
        "refreshing workspaces (+1 more): 500 listed · 1 target · 2 calls · 250/s · 2s"
    )


def test_a_new_pass_starts_from_zero_and_a_failed_listing_keeps_its_count() -> None:
    clock, sent = FakeClock(), []
    progress = RefreshProgress(sent.append, interval=0.0, clock=clock)
    progress.start("t", "workspaces")
    progress.page("t", "workspaces", 100)
    progress.finish("t", "workspaces", None)  # failed: nothing final, the pass ends
    assert not sent[-1].active and sent[-1].items == 100
    clock.now += 10
    progress.start("t", "workspaces", expected=7)
    assert sent[-1].active and sent[-1].items == 0 and sent[-1].elapsed == 0
    progress.page("other", "workspaces", 5)  # not started: ignored
    assert sent[-1].items == 0


def test_heartbeat_while_nothing_returns_then_the_end_clears_the_line() -> None:
    # Writing a big listing to the cache is one transaction: no call returns meanwhile.
    clock, sent = FakeClock(), []
    progress = RefreshProgress(sent.append, interval=0.25, clock=clock, heartbeat=1.0)
    progress.heartbeat = None  # no thread: this test calls tick() on its fake clock
    progress.begin()
    progress.heartbeat = 1.0
    progress.start("t", "workspaces")
    progress.page("t", "workspaces", 5_000)
    progress.saving("t", "workspaces", 5_000)
    assert "saving 1 to the cache" in sent[-1].line()
    before = len(sent)
    for _ in range(12):  # 3 s of simulated time in quarter seconds
        clock.now += 0.25
        progress.tick()
    beats = sent[before:]
    assert len(beats) == 3 and all(b.active and b.saving == 1 for b in beats)
    assert [b.line().rsplit(" · ", 1)[1] for b in beats] == ["1s", "2s", "3s"]
    progress.finish("t", "workspaces", 5_000)
    assert sent[-1].active  # the pass is still open: more listings may follow
    progress.end()
    assert not sent[-1].active and sent[-1].items == 5_000
    clock.now += 5
    progress.tick()
    assert not sent[-1].active  # no heartbeat after the end


def test_a_broken_consumer_does_not_stop_the_listing() -> None:
    def broken(_: ProgressSnapshot) -> None:
        raise RuntimeError("boom")

    progress = RefreshProgress(broken, interval=0.0)
    progress.start("t", "workspaces")
    progress.page("t", "workspaces", 1)
    progress.finish("t", "workspaces", 1)
    assert progress.snapshot().items == 1


def test_send_progress_counts_calls_and_estimates_the_rest() -> None:
    clock = FakeClock()
    send = SendProgress(40, clock=clock)
    assert send.line() == "0/40 calls" and send.eta is None
    clock.now += 3.0
    for _ in range(12):
        send.call_done()
    assert send.eta == pytest.approx(7.0)  # 28 calls left at 0.25 s each
    assert send.line() == "12/40 calls · ETA 7s"
    clock.now += 7.0
    send.call_done(40)
    assert send.line() == "40/40 calls"


def test_duration_formats() -> None:
    assert [duration(s) for s in (0, 9.6, 65, 3725)] == ["0s", "10s", "1m05s", "1h02m"]


# -- the refresher feeds it, page by page ------------------------------------------------


@pytest.fixture
def big_sim(monkeypatch: pytest.MonkeyPatch):
    from wstui.sim import Simulator

    simulator = Simulator(seed=14, speed=0.0)
    with simulator.running():
        simulator.seed(size=300, regions=("us-east-1",), directories_per_region=2)
        skip_retry_backoff(monkeypatch)
        yield simulator


def test_refresher_reports_pages_as_they_land_then_the_end(big_sim: Any, tmp_path) -> None:
    events: list[Any] = []
    cache = Cache(tmp_path / "cache.sqlite")
    refresher = Refresher(cache, Clients(max_attempts=2), [Target(None, "us-east-1")],
                          kinds=["workspaces"], on_event=events.append,
                          progress_interval=0.0)  # fmt: skip
    total = len(big_sim.backend("us-east-1").workspaces)
    pages = len(big_sim.calls_to("DescribeWorkspaces"))
    refresher.refresh()
    pages = len(big_sim.calls_to("DescribeWorkspaces")) - pages
    snaps = [e.snapshot for e in events if isinstance(e, Progressed)]
    active = [s for s in snaps if s.active]
    listed = [s.items for s in active]
    assert listed == sorted(listed)
    assert {0, total} <= set(listed)
    assert len({n for n in listed if 0 < n < total}) >= pages - 2  # one step per page
    assert max(s.calls for s in active) >= pages
    assert all(s.expected is None for s in snaps)  # a first refresh: nothing to expect yet
    assert not snaps[-1].active and snaps[-1].items == total == cache.count("workspaces")

    events.clear()
    refresher.refresh()  # the second pass expects what the first one listed
    snaps = [e.snapshot for e in events if isinstance(e, Progressed)]
    assert snaps[0].active and snaps[0].line().startswith("refreshing: starting")
    listing = [s for s in snaps if s.total]
    assert listing[0].active and listing[0].expected == total
    assert any("/ ~300" in s.line() for s in snaps if s.active)
    cache.close()
