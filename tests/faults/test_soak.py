"""Soak: the refresher lives all day without growing (issue 12, "lives all day on a bastion").

35 simulated minutes on the in-process simulator (virtual clock): a WorkSpaces refresh
every 8 virtual seconds, every kind every 40 passes, a reboot of three WorkSpaces through
plan/execute every 50 passes (waited for until they are AVAILABLE again), the endpoint
down for a few passes once, and a short-lived reader thread per pass the way the TUI's
thread workers read the cache. Open fds and threads must be exactly what they were after
the warm-up; RSS may move a little (allocator), not grow with the passes.
"""

from __future__ import annotations

import gc
import os
import random
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import EU, US
from tests.gw import gateway
from wstui.core import act
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher

PASS_SECONDS = 8  # virtual seconds between refreshes
PASSES = 263  # 263 x 8 s = 35 simulated minutes
WARM_UP = 10  # passes before the figures are taken (pools and connections exist by then)
FULL_EVERY = 40  # every kind, not just WorkSpaces
REBOOT_EVERY = 50
OUTAGE = range(120, 124)  # passes during which the endpoint is down
RSS_GROWTH_MAX = 30 * 1024 * 1024


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def read_in_a_thread(cache: Cache) -> int:
    """A TUI thread worker: a fresh thread reads a window of the cache, then ends."""
    got: list[int] = []
    t = threading.Thread(target=lambda: got.append(len(cache.query("workspaces", limit=50))))
    t.start()
    t.join()
    return got[0]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_refresher_soak_fds_threads_and_rss_stay_flat(
    sim: Any, tmp_path: Path, no_sleep: None, reliability
) -> None:
    rng = random.Random(12)
    cache = Cache(tmp_path / "cache.sqlite")
    clients = Clients(max_attempts=2)
    refresher = Refresher(cache, clients, [Target(None, US), Target(None, EU)])
    warm: dict[str, int] = {}
    failed_passes = rebooted = 0
    waiting: dict[tuple[str, str, str], int] = {}  # rebooted key -> pass it was sent
    try:
        for n in range(PASSES):
            if n == OUTAGE.start:
                sim.faults.configure(fail_after=0)
            elif n == OUTAGE.stop:
                sim.faults.configure(fail_after=None)
            results = refresher.refresh(None if n % FULL_EVERY == 0 else ["workspaces"])
            if n in OUTAGE:
                assert all(r.error for r in results)
                failed_passes += 1
            else:
                assert [r.error for r in results if r.error] == []
            assert read_in_a_thread(cache) > 0
            if n % REBOOT_EVERY == 5 and n not in OUTAGE and n < PASSES - REBOOT_EVERY:
                available = cache.query("workspaces", "state = 'AVAILABLE'", limit=None,
                                        with_raw=True)  # fmt: skip
                picked = rng.sample(available, 3)
                plan = act.plan("reboot", picked)
                outcomes = act.execute(plan, gateway(clients, cache, caller="arn:soak"))
                assert {o.status for o in outcomes} == {"sent"}
                rebooted += len(picked)
                waiting.update({(r["account"], r["region"], r["id"]): n for r in picked})
            for key in list(waiting):  # rebooted ones come back on a later pass
                row = cache.get("workspaces", key)
                if row is not None and row["state"] == "AVAILABLE" and n > waiting[key]:
                    del waiting[key]
            sim.clock.advance(PASS_SECONDS)
            if n == WARM_UP:
                gc.collect()
                warm = {"fds": open_fds(), "threads": threading.active_count(),
                        "rss": rss_bytes()}  # fmt: skip
        gc.collect()
        end = {"fds": open_fds(), "threads": threading.active_count(), "rss": rss_bytes()}
    finally:
        refresher.stop()
        cache.close()
    figures = (
        f"{PASSES} passes / {PASSES * PASS_SECONDS // 60} sim min: fds {warm['fds']} -> "
        f"{end['fds']}, threads {warm['threads']} -> {end['threads']}, RSS "
        f"{warm['rss'] / 2**20:.0f} -> {end['rss'] / 2**20:.0f} MB"
    )
    print(figures)
    assert waiting == {}, "rebooted WorkSpaces never showed AVAILABLE again"
    assert failed_passes == len(OUTAGE)
    assert end["fds"] == warm["fds"], figures
    assert end["threads"] == warm["threads"], figures
    assert end["rss"] - warm["rss"] < RSS_GROWTH_MAX, figures
    status = [s for s in cache.status() if s["kind"] == "workspaces"]
    assert {(s["region"], s["last_error"]) for s in status} == {(US, None), (EU, None)}
    reliability.record(
        "soak", "refresher 35 simulated minutes: refresh every 8 s, 3 reboots every 50 "
        "passes, endpoint down 4 passes, a reader thread per pass",
        "open fds and threads equal after warm-up and at the end; RSS growth < 30 MB; "
        "cache back to no errors", inputs=PASSES, lost=end["fds"] - warm["fds"],
        figure=figures,
    )  # fmt: skip
