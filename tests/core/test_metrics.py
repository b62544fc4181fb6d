"""Metrics pass on the simulator: incremental reads, call limits, query fields, cost."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from wstui.core import metrics
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.prices import Prices, projected_hours
from wstui.core.query import compile
from wstui.core.refresh import MetricsDone, Refresher
from wstui.sim import Simulator

US = "us-east-1"
NOV = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
DAY = 86400


@pytest.fixture
def fleet(tmp_path: Any) -> Any:
    sim = Simulator(seed=5, start=NOV + 12 * DAY + 9 * 3600)
    with sim.running():
        sim.seed(size=120, regions=(US,), directories_per_region=2)
        cache = Cache(tmp_path / "cache.sqlite")
        clients = Clients(max_attempts=1)
        refresher = Refresher(cache, clients, [Target(None, US)], kinds=["workspaces"])
        refresher.metrics_clock = sim.clock.now
        [done] = refresher.refresh()
        assert done.error is None
        yield sim, cache, refresher


def _metric_calls(sim: Simulator) -> list[Any]:
    return sim.calls_to("GetMetricData")


def _epoch(text: Any) -> float:
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).replace(
        tzinfo=UTC).timestamp()  # fmt: skip


def test_each_call_holds_at_most_500_queries_and_covers_every_workspace(fleet: Any) -> None:
    sim, cache, refresher = fleet
    [done] = refresher.read_metrics()
    assert isinstance(done, MetricsDone) and done.error is None
    calls = _metric_calls(sim)
    assert calls and all(len(c.params["MetricDataQueries"]) <= 500 for c in calls)
    asked = {q["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
             for c in calls for q in c.params["MetricDataQueries"]}  # fmt: skip
    assert asked == set(sim.backend(US).workspaces)
    # 120 WorkSpaces x 6 metrics = 720 queries: two calls at least (plus NextToken pages).
    assert done.result.queries == 720 and done.result.calls == len(calls) >= 2
    assert cache.conn.execute("SELECT count(*) FROM metrics").fetchone()[0] == 120


def test_second_pass_reads_only_the_periods_since_the_first(fleet: Any) -> None:
    sim, cache, refresher = fleet
    refresher.read_metrics()
    first_end = {c.params["EndTime"] for c in _metric_calls(sim)}
    assert len(first_end) == 1
    watermark = _epoch(first_end.pop())
    assert watermark == math.floor(sim.clock.now() / 300) * 300
    sim.clear_calls()
    sim.clock.advance(3600)
    refresher.read_metrics()
    calls = _metric_calls(sim)
    assert calls
    assert {_epoch(c.params["StartTime"]) for c in calls} == {watermark}
    assert {_epoch(c.params["EndTime"]) for c in calls} == {watermark + 3600}
    stored = {r[0] for r in cache.conn.execute("SELECT DISTINCT read_to FROM metrics")}
    assert stored == {watermark + 3600}
    # Nothing new yet: a pass at the same time sends no call at all.
    sim.clear_calls()
    refresher.read_metrics()
    assert _metric_calls(sim) == []


def test_incremental_reads_give_the_same_aggregates_as_one_read(fleet: Any, tmp_path) -> None:
    sim, cache, refresher = fleet
    for _ in range(5):  # five passes, 7 hours apart
        refresher.read_metrics()
        sim.clock.advance(7 * 3600)
    refresher.read_metrics()
    once = Cache(tmp_path / "once.sqlite")
    target = refresher.targets[0]
    raws = [r["raw"] for r in cache.query("workspaces", limit=None, with_raw=True)]
    once.replace_snapshot("workspaces", target, raws)
    cw = refresher.clients.client("cloudwatch", target)
    metrics.read_target(once, cw, target.account, US, now=sim.clock.now())
    cols = "id, hours, sessions, latency, cpu, mem, root_pct, user_pct, series"
    a = cache.conn.execute(f"SELECT {cols} FROM metrics ORDER BY id").fetchall()
    b = once.conn.execute(f"SELECT {cols} FROM metrics ORDER BY id").fetchall()
    # Volume usage is the last sample seen. The one read starts at history_start; a
    # WorkSpace with no session since then (stopped weeks ago: no metrics while stopped)
    # has no sample there, while the incremental reader, which started earlier,
    # remembers its last one. Everything else must be equal.
    start = metrics.history_start(sim.clock.now())
    for x, y in zip(a, b, strict=True):
        assert x[:6] + x[8:] == y[:6] + y[8:]
        if x[6:8] != y[6:8]:
            assert y[6:8] == (None, None) and x[6:8] != (None, None), x[0]
            assert sim.session_log(x[0], start) == [], x[0]
            assert sim.session_log(x[0], start - 30 * DAY) != [], x[0]
    assert any(row[1] for row in a) and any(row[3] for row in a)


def test_query_fields_filter_on_the_metric_columns(fleet: Any) -> None:
    _sim, cache, refresher = fleet
    refresher.read_metrics()
    rows = {r[0]: r[1:] for r in cache.conn.execute(
        "SELECT id, hours, latency, user_pct FROM metrics")}  # fmt: skip
    for text, pick in (
        ("user_pct>90", lambda h, lat, u: u is not None and u > 90),
        ("latency>150", lambda h, lat, u: lat is not None and lat > 150),
        ("hours<10", lambda h, lat, u: h is not None and h < 10),
    ):
        where, params = compile(text, "workspaces")
        got = {r["id"] for r in cache.query("workspaces", where, params, limit=None)}
        want = {i for i, v in rows.items() if pick(*v)}
        assert got == want, text
        assert 0 < len(want) < len(rows), f"{text}: the seed should split the fleet"


def test_details_entry_has_a_30_day_series(fleet: Any) -> None:
    sim, cache, refresher = fleet
    refresher.read_metrics()
    busy = cache.conn.execute("SELECT account, region, id FROM metrics WHERE hours > 20 "
                              "LIMIT 1").fetchone()  # fmt: skip
    entry = cache.metrics_of(tuple(busy))
    assert entry is not None and len(entry["Series"]) == 30
    # The series is connected hours per day, from the same session log.
    now = math.floor(sim.clock.now() / 300) * 300
    today = int(now // DAY)
    log = sim.session_log(busy[2], (today - 29) * DAY, now)
    per_day = [0.0] * 30
    for s, e in log:
        per_day[int(s // DAY) - (today - 29)] += (e - s) / 3600
    assert entry["Series"] == [round(v, 2) for v in per_day]


def test_sim_refuses_501_queries_and_pages_past_the_datapoint_limit(fleet: Any) -> None:
    sim, _cache, _refresher = fleet
    cw = boto3.client("cloudwatch", region_name=US)
    wid = sorted(sim.backend(US).workspaces)[0]
    now = datetime.fromtimestamp(sim.clock.now(), tz=UTC)

    def q(i: int) -> dict:
        return metrics._query(f"q{i}", "UserConnected", 300, "Maximum", wid)

    with pytest.raises(ClientError) as err:
        cw.get_metric_data(MetricDataQueries=[q(i) for i in range(501)],
                           StartTime=now - timedelta(days=1), EndTime=now)  # fmt: skip
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert "500" in err.value.response["Error"]["Message"]
    busiest = max(sim.backend(US).workspaces, key=lambda w: len(
        sim.session_log(w, sim.clock.now() - 10 * DAY)))  # fmt: skip
    query = [metrics._query("a", "UserConnected", 300, "Maximum", busiest)]
    whole = cw.get_metric_data(MetricDataQueries=query, StartTime=now - timedelta(days=10),
                               EndTime=now)["MetricDataResults"][0]  # fmt: skip
    assert whole["StatusCode"] == "Complete" and len(whole["Values"]) > 100
    page = cw.get_metric_data(MetricDataQueries=query, StartTime=now - timedelta(days=10),
                              EndTime=now, MaxDatapoints=100)  # fmt: skip
    assert page["MetricDataResults"][0]["StatusCode"] == "PartialData"
    assert len(page["MetricDataResults"][0]["Values"]) == 100 and page["NextToken"]
    # A period that is not a multiple of 60 returns no datapoints (as documented).
    odd = [metrics._query("a", "UserConnected", 90, "Maximum", busiest)]
    res = cw.get_metric_data(MetricDataQueries=odd, StartTime=now - timedelta(days=1),
                             EndTime=now)["MetricDataResults"][0]  # fmt: skip
    assert res["Values"] == []


def test_cost_and_best_mode_follow_the_break_even(fleet: Any) -> None:
    _sim, cache, refresher = fleet
    refresher.read_metrics()
    prices = Prices.shipped()
    rows = cache.query("workspaces", limit=None, with_raw=True)
    checked = 0
    for row in rows:
        price = prices.price(US, row["compute"])
        if price is None or row["running_mode"] not in ("ALWAYS_ON", "AUTO_STOP"):
            continue
        m = cache.metrics_of((row["account"], row["region"], row["id"]))
        assert m is not None
        projected = projected_hours(row["hours"], m["ReadTo"])
        best = (
            "AUTO_STOP" if price.fixed + projected * price.hourly < price.monthly else "ALWAYS_ON"
        )
        assert row["best_mode"] == best
        current = price.monthly if row["running_mode"] == "ALWAYS_ON" else (
            price.fixed + projected * price.hourly)  # fmt: skip
        assert row["cost_month"] == pytest.approx(current, abs=0.01)
        assert row["saving_month"] == pytest.approx(
            current - min(current, price.fixed + projected * price.hourly, price.monthly),
            abs=0.011)  # fmt: skip
        checked += 1
    assert checked > 50
    assert {r["best_mode"] for r in rows} >= {"AUTO_STOP", "ALWAYS_ON"}


def test_advice_ranked_by_saving_and_applied_through_the_gateway(fleet: Any) -> None:
    from tests.gw import gateway
    from wstui.core import act
    from wstui.core.act.advice import advice_plans
    from wstui.core.prices import advice_rows, totals

    sim, cache, refresher = fleet
    refresher.read_metrics()
    rows = cache.query("workspaces", limit=None, with_raw=True)
    ranked = advice_rows(rows)
    assert len(ranked) >= 2
    savings = [r["saving_month"] for r in ranked]
    assert savings == sorted(savings, reverse=True) and savings[-1] > 0
    cost, saving = totals(rows)
    assert saving == pytest.approx(sum(savings), abs=0.01) and cost > saving > 0
    # Protect the WorkSpace with the biggest saving: the plan skips it, the gateway never
    # sends it, and the others change mode.
    top = ranked[0]
    sim.workspace(US, top["id"]).tags.append({"Key": "wstui:protect", "Value": "yes"})
    refresher.tags_every = 1  # a tag set outside wstui: re-read on this pass, not the 10th
    refresher.refresh()
    rows = cache.query("workspaces", limit=None, with_raw=True)
    plans = advice_plans(advice_rows(rows), "best_mode")
    skipped = {s.id: s.reason for p in plans for s in p.skipped}
    assert skipped[top["id"]] == "protected by tag wstui:protect"
    sim.clear_calls()
    target = refresher.targets[0]
    for p in plans:
        act.execute(p, gateway(refresher.clients, cache, targets=[target]))
    sent = {c.params["WorkspaceId"]: c.params["WorkspaceProperties"]["RunningMode"]
            for c in sim.calls_to("ModifyWorkspaceProperties")}  # fmt: skip
    assert top["id"] not in sent
    eligible = {i: p.params["mode"] for p in plans for i in p.eligible}
    assert sent == eligible and len(sent) >= 1
    for wid, mode in sent.items():
        assert sim.workspace(US, wid).running_mode == mode


def test_config_overrides_prices_and_the_metrics_interval(tmp_path: Any) -> None:
    from wstui.config import load_config

    path = tmp_path / "config.toml"
    path.write_text(
        '[refresh]\nmetrics = 1800\n\n'
        '[prices."us-east-1".STANDARD]\nmonthly = 10\nhourly = 1.5\n\n'
        '[prices."*".value]\nfixed = 1\nbogus = 2\n\n'
        '[prices."eu-west-1".POWER]\nmonthly = "lots"\n',
        encoding="utf-8",
    )  # fmt: skip
    cfg = load_config(path)
    assert cfg.intervals["metrics"] == 1800
    assert cfg.prices == {"us-east-1": {"STANDARD": {"monthly": 10.0, "hourly": 1.5}},
                          "*": {"VALUE": {"fixed": 1.0}}}  # fmt: skip
    assert any("bogus" in e for e in cfg.errors)
    assert any("POWER.monthly must be a number" in e for e in cfg.errors)
    prices = Prices.shipped().with_overrides(cfg.prices)
    shipped = Prices.shipped().price(US, "STANDARD")
    assert shipped is not None
    assert prices.price(US, "STANDARD") == type(shipped)(10.0, 1.5, shipped.fixed)
    assert prices.price("ap-south-1", "VALUE").fixed == 1.0  # "*" applies to every region
    assert Prices.shipped().as_of  # the shipped table is dated
    refresher = Refresher(Cache(tmp_path / "c.sqlite"), Clients(), [], intervals=cfg.intervals)
    assert refresher.metrics_interval == 1800


def test_a_listing_after_a_pass_keeps_the_same_metric_and_cost_columns(fleet: Any) -> None:
    _sim, cache, refresher = fleet
    refresher.read_metrics()
    cols = ", ".join(metrics.ENTRY_KEYS)
    after_pass = cache.conn.execute(f"SELECT id, {cols} FROM workspaces ORDER BY id").fetchall()
    assert any(r[1] for r in after_pass)
    [done] = refresher.refresh()  # the listing merges the metrics table into each raw item
    assert done.error is None
    after_listing = cache.conn.execute(f"SELECT id, {cols} FROM workspaces ORDER BY id").fetchall()
    assert after_listing == after_pass


def test_a_pass_that_ran_before_the_first_listing_is_retried_soon(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: the background pass ran while the first listing was still going, found no
    WorkSpaces, and waited a whole interval (an hour; 5 min in the demo) to read any."""
    import time

    from wstui.core import refresh as refresh_module

    monkeypatch.setattr(refresh_module, "METRICS_RETRY", 0.2)  # due again 0.2 s later
    sim = Simulator(seed=5, start=NOV + 12 * DAY + 9 * 3600)
    with sim.running():
        sim.seed(size=30, regions=(US,), directories_per_region=1)
        cache = Cache(tmp_path / "cache.sqlite")
        refresher = Refresher(cache, Clients(max_attempts=1), [Target(None, US)],
                              kinds=["workspaces"], metrics_loop=True)  # fmt: skip
        refresher.metrics_clock = sim.clock.now
        refresher.targets = [refresher.clients.resolve_account(t) for t in refresher.targets]
        [early] = refresher.read_metrics()  # the race: nothing listed yet
        assert early.result is not None and early.result.workspaces == 0
        [done] = refresher.refresh()
        assert done.error is None
        refresher.start(tick=0.05)
        try:
            deadline = time.monotonic() + 60
            while cache.conn.execute("SELECT count(*) FROM metrics").fetchone()[0] < 30:
                assert time.monotonic() < deadline, "no metrics pass after the first listing"
                time.sleep(0.05)
        finally:
            refresher.stop()
            cache.close()


def test_a_stopping_refresher_ends_a_pass_without_calls_or_writes(fleet: Any) -> None:
    """Was: SIGHUP during the demo's first metrics pass (minutes at 2,000 WorkSpaces
    under load) left the process waiting for the pass's threads at exit."""
    import threading

    from wstui.core.metrics import PassStopped, read_target

    sim, cache, refresher = fleet
    stop = threading.Event()
    stop.set()
    sim.clear_calls()
    target = refresher.targets[0]
    with pytest.raises(PassStopped):
        read_target(cache, refresher.clients.client("cloudwatch", target), target.account,
                    target.region, now=sim.clock.now(), stop=stop)  # fmt: skip
    assert _metric_calls(sim) == []
    assert cache.conn.execute("SELECT count(*) FROM metrics").fetchone()[0] == 0


def _until(predicate: Any, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def test_a_pass_starts_no_call_while_a_listing_runs(fleet: Any) -> None:
    """'Never delays a WorkSpaces listing': the pass steps aside while one runs."""
    import threading

    sim, cache, refresher = fleet
    gate = refresher.listing_gate
    sim.clear_calls()
    with gate.busy():  # a listing is under way
        worker = threading.Thread(target=refresher.read_metrics)
        worker.start()
        _until(lambda: gate.waiting > 0, "the pass to wait for the listing")
        assert _metric_calls(sim) == []  # it waits before its first call
        assert cache.conn.execute("SELECT count(*) FROM metrics").fetchone()[0] == 0
    worker.join(120)
    assert not worker.is_alive()
    assert _metric_calls(sim) and cache.conn.execute(
        "SELECT count(*) FROM metrics").fetchone()[0] == 120  # fmt: skip


def test_listings_back_to_back_do_not_starve_the_pass(fleet: Any) -> None:
    """Each wait is bounded: a fleet listed without pause still gets its pass, slower."""
    _sim, _cache, refresher = fleet
    gate = refresher.listing_gate
    gate.max_wait = 0.05
    with gate.busy():  # never ends during the pass
        [done] = refresher.read_metrics()
    assert done.error is None and done.result.workspaces == 120
    assert gate.waited > 0


def test_a_real_listing_marks_the_gate_busy(fleet: Any) -> None:
    _sim, _cache, refresher = fleet
    seen: list[int] = []
    refresher.on_event = lambda event: seen.append(refresher.listing_gate.active)
    refresher.refresh()
    assert max(seen) >= 1 and refresher.listing_gate.active == 0
