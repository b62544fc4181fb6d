"""The refresher: keeps the cache current, one (target, kind) listing at a time.

A listing either completes and replaces that (target, kind) snapshot, or fails and
only records the error: a partial listing never changes a row. Events are reported
through `on_event`, called from worker threads (the UI posts them as messages).

Over 400 lines because it is one class, the Refresher, whose listings, targeted reads,
metrics pass and background loop share its pool, locks and tag memo; it is being reworked
(the refresher in a child process), so splitting off its event dataclasses waits for that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from wstui.core import kinds, listers, metrics
from wstui.core.aws import Clients, Target, describe_error
from wstui.core.cache import raw_of
from wstui.core.gcpause import gc_paused
from wstui.core.kinds import KINDS, Kind, resolve
from wstui.core.progress import (
    DEFAULT_HEARTBEAT,
    DEFAULT_INTERVAL,
    ProgressSnapshot,
    RefreshProgress,
)
from wstui.core.yielding import Yield

# What follow() polls: WorkSpaces, the kind actions act on (core.act.specs).
TRANSITIONAL = kinds.WORKSPACES.transitional
GONE = frozenset({"TERMINATED"})
WORKSPACES = kinds.WORKSPACES.name
METRICS_RETRY = 15.0  # seconds before another metrics pass when the last found no WorkSpaces

Key = tuple[str, str, str]  # (account, region, id)


@dataclass(frozen=True)
class RefreshStarted:
    target: Target
    kind: str


@dataclass(frozen=True)
class RefreshDone:
    target: Target
    kind: str
    changes: Any = None  # what cache.replace_snapshot returned
    error: str | None = None
    count: int = 0  # items listed
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


RefreshResult = RefreshDone


@dataclass(frozen=True)
class MetricsDone:
    """A metrics pass over one target ended (``result`` None on error)."""

    target: Target
    result: Any
    error: str | None = None


@dataclass(frozen=True)
class Followed:
    target: Target
    settled: tuple[str, ...]  # ids that left their transitional state (or vanished)
    states: dict[str, str] = field(default_factory=dict)  # id -> current state ("" = gone)
    pending: int = 0  # ids still transitioning in this target
    done: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Progressed:
    """How far the running pass is (rate-limited by core.progress; the last is inactive)."""

    snapshot: ProgressSnapshot


Event = RefreshStarted | RefreshDone | Followed | Progressed | MetricsDone


class Refresher:
    def __init__(
        self,
        cache: Any,
        clients: Clients,
        targets: Sequence[Target],
        intervals: dict[str, int] | None = None,
        on_event: Callable[[Event], None] | None = None,
        max_workers: int = 4,
        tags_every: int = 10,
        follow_interval: float = 5.0,
        kinds: Iterable[str] | None = None,
        tag_source: str = "tagging",
        discovery: Any = None,
        progress_interval: float = DEFAULT_INTERVAL,
        progress_heartbeat: float | None = DEFAULT_HEARTBEAT,
        metrics_loop: bool = False,
    ) -> None:
        self.cache = cache
        # Organizations discovery (core.org.Discovery): its targets join `targets`, and it
        # is re-run when due at the start of a pass (on this refresher's thread).
        self.discovery = discovery if discovery else None
        self.static_targets = list(targets)
        self._discovery_checked = float("-inf")
        self.tag_source = tag_source  # see listers.list_workspaces
        self.clients = clients
        self.targets = list(targets) + self._discovered()
        self.kinds = [resolve(k).name for k in kinds] if kinds else list(KINDS)
        self.intervals = {k.name: k.interval for k in KINDS.values()}
        self.intervals.update(intervals or {})
        self.on_event = on_event
        self.max_workers = max_workers
        self.tags_every = max(1, tags_every)
        self.follow_interval = follow_interval
        self._last_run: dict[tuple[str | None, str, str], float] = {}
        self._passes: dict[tuple[str | None, str], int] = {}
        self._tags: dict[tuple[str, str], dict[str, listers.TagList]] = {}
        # ConnectionStatus of the WorkSpaces the last listing found STOPPED (see _list).
        self._stopped: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._retag: dict[tuple[str, str], set[str]] = {}  # ids whose tags to re-read
        self._listed_at: dict[tuple[str | None, str], float] = {}  # last listing's start
        self._run_lock = threading.Lock()  # passes never overlap
        self._cache_lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._workers: ThreadPoolExecutor | None = None
        self._workers_lock = threading.Lock()
        self.progress = RefreshProgress(
            lambda snap: self._emit(Progressed(snap)),
            interval=progress_interval,
            heartbeat=progress_heartbeat,
            lead=WORKSPACES,
        )
        # Metrics passes have their own thread and lock: an hour-long CloudWatch read
        # never holds up a WorkSpaces listing (see read_metrics).
        self.metrics_interval = int(self.intervals.get("metrics", metrics.DEFAULT_INTERVAL))
        # start() runs metrics passes only when asked (the app, the demo, `refresh --watch`);
        # read_metrics() works either way.
        self.metrics_loop = metrics_loop
        self.metrics_clock: Callable[[], float] = time.time
        self._metrics_lock = threading.Lock()
        self._metrics_thread: threading.Thread | None = None
        self._metrics_last: float | None = None
        # Listings mark themselves busy; the metrics pass steps aside meanwhile.
        self.listing_gate = Yield()

    def _pool(self) -> ThreadPoolExecutor:
        """The workers every pass runs on, kept across passes.

        A pool per pass started fresh threads every few seconds, and each of them opened
        its own cache connection (the cache now closes those of ended threads, but there
        is no reason to pay a connection and its page cache per pass either).
        """
        with self._workers_lock:
            if self._workers is None:
                self._workers = ThreadPoolExecutor(
                    max_workers=max(1, self.max_workers), thread_name_prefix="wstui-refresh"
                )
            return self._workers

    # -- events ------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:
                pass  # a broken listener must not stop the refresher

    # -- targets -----------------------------------------------------------
    def _discovered(self) -> list[Target]:
        if self.discovery is None:
            return []
        try:
            found = self.discovery.targets(self.cache)
        except Exception:  # cache busy or damaged: the configured targets still work
            return []
        return [t for t in found if t not in self.static_targets]

    def discover_if_due(self, every: float = 60.0) -> bool:
        """Re-run Organizations discovery if it is due (checked at most every `every`
        seconds); then the targets are the configured ones plus those discovered, with
        the accounts already resolved kept. True if the targets changed."""
        if self.discovery is None or time.monotonic() - self._discovery_checked < every:
            return False
        self._discovery_checked = time.monotonic()
        if not self.discovery.refresh_if_due(self.cache, self.clients):
            return False
        known = {(t.principal, t.region): t for t in self.targets}
        fresh = self.static_targets + self._discovered()
        targets = [known.get((t.principal, t.region), t) for t in fresh]
        changed = targets != self.targets
        self.targets = targets
        return changed

    def _resolve(self, target: Target) -> Target:
        return target if target.account else self.clients.resolve_account(target)

    def _resolve_all(self) -> list[tuple[Target, str | None]]:
        def one(t: Target) -> tuple[Target, str | None]:
            try:
                return self._resolve(t), None
            except Exception as exc:
                return t, describe_error(exc, t)

        resolved = list(self._pool().map(one, self.targets))
        self.targets = [t for t, _ in resolved]
        return resolved

    def target_for(self, account: str, region: str) -> Target:
        for t in self.targets:
            if t.account == account and t.region == region:
                return t
        found = self.clients.target_for(account, region)
        if found is None:  # never another target's (or the default) credentials
            raise LookupError(f"{account}/{region} is not among the selected targets")
        return found

    # -- refresh -----------------------------------------------------------
    def refresh(self, kinds: Iterable[str] | None = None) -> list[RefreshResult]:
        """One pass: every target x kind, in parallel (bounded). Returns one result each."""
        names = [resolve(k).name for k in kinds] if kinds else list(self.kinds)
        with self._run_lock:
            self.discover_if_due(every=0.0)
            return self._run_pass(names, None)

    def due(self, now: float | None = None) -> list[tuple[Target, str]]:
        now = time.monotonic() if now is None else now
        out = []
        for t in self.targets:
            for k in self.kinds:
                last = self._last_run.get((t.principal, t.region, k))
                if last is None or now - last >= self.intervals.get(k, 300):
                    out.append((t, k))
        return out

    def _run_pass(
        self, names: list[str], only: list[tuple[Target, str]] | None
    ) -> list[RefreshResult]:
        # The whole pass, its first and last progress events included, runs with the
        # collector paused (see gc_paused); listeners see one state from start to end.
        with gc_paused():
            self.progress.begin()
            try:
                return self._run_jobs(names, only)
            finally:
                self.progress.end()

    def _run_jobs(
        self, names: list[str], only: list[tuple[Target, str]] | None
    ) -> list[RefreshResult]:
        resolved = self._resolve_all()
        results: list[RefreshResult] = []
        jobs: list[tuple[Target, str]] = []
        wanted = {(t.principal, t.region, k) for t, k in only} if only is not None else None
        for target, error in resolved:
            for name in names:
                if wanted is not None and (target.principal, target.region, name) not in wanted:
                    continue
                if error is not None:
                    results.append(self._failed(target, name, error, 0.0))
                else:
                    jobs.append((target, name))
        if jobs:
            with gc_paused():
                results.extend(self._pool().map(lambda j: self._refresh_one(*j), jobs))
        return results

    def _failed(self, target: Target, kind: str, error: str, seconds: float) -> RefreshDone:
        with self._cache_lock:
            self.cache.record_attempt(kind, target, error)
        self._last_run[(target.principal, target.region, kind)] = time.monotonic()
        done = RefreshDone(target, kind, None, error, 0, seconds)
        self._emit(done)
        return done

    def _refresh_one(self, target: Target, kind_name: str) -> RefreshDone:
        kind = KINDS[kind_name]
        self._emit(RefreshStarted(target, kind_name))
        t0 = time.monotonic()
        self.progress.start(target.key, kind_name, self._expected(target, kind_name))
        known_before = set(self._tag_memo(target)) if kind.incremental_tags else set()
        with self.listing_gate.busy():
            try:
                items = self._list(kind, target)
            except Exception as exc:  # any failure: record it and change no row
                self.progress.finish(target.key, kind_name)
                return self._failed(
                    target, kind_name, describe_error(exc, target), time.monotonic() - t0
                )
            self.progress.saving(target.key, kind_name, len(items))
            try:
                with self._cache_lock:
                    changes = self.cache.replace_snapshot(kind_name, target, items)
            finally:
                self.progress.finish(target.key, kind_name, len(items))
        if kind.incremental_tags:  # rows that changed get their tags re-read next pass
            keys = getattr(changes, "changed_keys", ())
            moved = {i for _, _, i in keys if i in known_before}  # not the ones just added
            self._retag.setdefault((target.account, target.region), set()).update(moved)
        self._last_run[(target.principal, target.region, kind_name)] = time.monotonic()
        done = RefreshDone(target, kind_name, changes, None, len(items), time.monotonic() - t0)
        self._emit(done)
        return done

    def _expected(self, target: Target, kind: str) -> int | None:
        """Rows the last complete listing of (target, kind) left: None if never listed."""
        try:
            with self._cache_lock:
                status = self.cache.status()
        except Exception:
            return None
        for row in status:
            if (row.get("kind"), row.get("account"), row.get("region")) == (
                kind, target.account, target.region,
            ) and row.get("last_success"):  # fmt: skip
                return int(row.get("rows") or 0)
        return None

    def _list(self, kind: Kind, target: Target) -> list[dict[str, Any]]:
        lister = kind.list_items
        if not kind.incremental_tags:
            return lister(self.clients, target)
        tkey = target.key

        def on_call(items: int) -> None:
            self.progress.page(tkey, kind.name, items)

        key = (target.principal, target.region)
        n = self._passes.get(key, 0)
        memo = self._tag_memo(target)
        started = time.time()
        # Every tags_every-th pass re-reads all tags; otherwise only the tags of new ids and
        # of ids with a change signal: their row changed on the last pass, or wstui (this
        # process or another on the same cache) sent a call naming them since the last one.
        # The connection status of a WorkSpace STOPPED then and now is carried the same way
        # (listers.list_workspaces): a start, connect and stop between two passes shows at
        # the next full pass at the latest.
        stopped = self._stopped.get((target.account, target.region), {})
        if n % self.tags_every == 0 and n > 0:
            known, known_status = None, None
        else:
            stale = self._retag.pop((target.account, target.region), set())
            stale |= self._acted_on(target, self._listed_at.get(key, 0.0))
            known = {i: t for i, t in memo.items() if i not in stale} if stale else memo
            known_status = {i: s for i, s in stopped.items() if i not in stale}
        items = lister(
            self.clients, target, known_tags=known, tag_source=self.tag_source, on_call=on_call,
            known_status=known_status,
        )  # fmt: skip
        self._listed_at[key] = started
        self._passes[key] = n + 1
        self._tags[(target.account, target.region)] = {
            w[kind.id_field]: list(w["Tags"] or []) for w in items if "Tags" in w
        }
        self._stopped[(target.account, target.region)] = {
            w[kind.id_field]: w["ConnectionStatus"]
            for w in items
            if w.get("State") == "STOPPED" and isinstance(w.get("ConnectionStatus"), dict)
        }
        return items

    def _acted_on(self, target: Target, since: float) -> set[str]:
        """Ids wstui sent a call about in this target since `since` (from the audit log)."""
        acted_on = getattr(self.cache, "acted_on", None)
        if acted_on is None:
            return set()
        try:
            with self._cache_lock:
                return set(acted_on(target.account, target.region, since))
        except Exception:
            return set()  # unreadable audit: the Nth pass re-reads every tag anyway

    def _tag_memo(self, target: Target) -> dict[str, listers.TagList]:
        """Tags known for the target: from the last listing, else from the cache."""
        memo = self._tags.get((target.account, target.region))
        if memo is None:
            memo = {}
            try:
                with self._cache_lock:
                    rows = self.cache.query(
                        WORKSPACES, "account = ? AND region = ?",
                        (target.account, target.region), limit=None, with_raw=True,
                    )  # fmt: skip
            except Exception:
                rows = []
            for row in rows:
                raw = raw_of(row)
                if isinstance(raw.get("Tags"), list):
                    memo[str(row["id"])] = raw["Tags"]
            self._tags[(target.account, target.region)] = memo
        return memo

    # -- targeted reads ----------------------------------------------------
    def refresh_ids(self, target: Target, ids: Sequence[str]) -> dict[str, str]:
        """Re-read specific WorkSpaces; returns id -> state ("" when gone).

        Gone or TERMINATED WorkSpaces are removed from the cache.
        """
        target = self._resolve(target)
        items = listers.describe_workspaces_by_ids(self.clients, target, list(ids))
        memo = self._tags.get((target.account, target.region), {})
        alive = []
        states = dict.fromkeys(ids, "")
        for ws in items:
            wid = ws["WorkspaceId"]
            if wid in memo:
                ws["Tags"] = memo[wid]
            state = str(ws.get("State") or "")
            if state in GONE:
                continue
            states[wid] = state
            alive.append(ws)
        gone = [i for i, s in states.items() if not s]
        with self._cache_lock:
            if alive:
                self.cache.upsert_items(WORKSPACES, target, alive)
            if gone:
                _delete_items(self.cache, target, gone)
        return states

    def refresh_tags(
        self, kind: str, target: Target, ids: Sequence[str]
    ) -> dict[str, listers.TagList]:
        """Re-read the tags of these resources (DescribeTags, one call each) into the cache,
        after a tag edit: the kind's next listing may be an hour away. id -> tags read."""
        kind_name = resolve(kind).name
        target = self._resolve(target)
        client = self.clients.workspaces(target)
        fresh: dict[str, listers.TagList] = {}
        for rid in dict.fromkeys(ids):
            try:
                fresh[rid] = list(client.describe_tags(ResourceId=rid).get("TagList") or [])
            except Exception:  # gone or denied: the next listing settles it
                continue
        items = []
        with self._cache_lock:
            for rid, tags in fresh.items():
                row = self.cache.get(kind_name, (str(target.account), target.region, rid))
                if row is not None:
                    items.append({**raw_of(row), "Tags": tags})
            if items:
                self.cache.upsert_items(kind_name, target, items)
        if kind_name == WORKSPACES:
            memo = self._tags.setdefault((target.account, target.region), {})
            memo.update(fresh)
        return fresh

    def follow(
        self,
        keys: Iterable[Key],
        until_stable: bool = True,
        timeout: float = 3600.0,
        grace_polls: int = 2,
    ) -> dict[Key, str]:
        """Poll the given WorkSpaces until each leaves its transitional state.

        An id counts as settled once it has been seen transitioning and then stable,
        or stayed stable for `grace_polls` polls (the action may not show at once).
        Returns key -> last state ("" = gone). Stops early on stop().
        """
        pending: dict[tuple[str, str], set[str]] = {}
        for account, region, wid in keys:
            pending.setdefault((account, region), set()).add(wid)
        seen_moving: set[Key] = set()
        polls: dict[Key, int] = {}
        last: dict[Key, str] = {}
        deadline = time.monotonic() + timeout
        while pending:
            for (account, region), ids in list(pending.items()):
                target = self.target_for(account, region)
                try:
                    states = self.refresh_ids(target, sorted(ids))
                except Exception as exc:
                    self._emit(
                        Followed(target, (), {}, len(ids), False, describe_error(exc, target))
                    )
                    continue
                settled = []
                for wid, state in states.items():
                    key = (account, region, wid)
                    last[key] = state
                    polls[key] = polls.get(key, 0) + 1
                    if state in TRANSITIONAL:
                        seen_moving.add(key)
                    elif (
                        not state
                        or key in seen_moving
                        or polls[key] >= grace_polls
                        or not until_stable
                    ):
                        settled.append(wid)
                ids.difference_update(settled)
                if not ids:
                    del pending[(account, region)]
                self._emit(
                    Followed(
                        target, tuple(settled), {w: states[w] for w in states}, len(ids), not ids
                    )
                )
            if not until_stable or not pending or time.monotonic() >= deadline:
                break
            if self._stop.wait(self.follow_interval):
                break
        return last

    # -- background loop ---------------------------------------------------
    # -- metrics -----------------------------------------------------------
    def read_metrics(self) -> list[MetricsDone]:
        """One metrics pass over every target with cached WorkSpaces (see core.metrics),
        the targets in parallel on the pass's own threads (never the listing pool)."""

        def one(target: Target) -> MetricsDone:
            try:
                client = self.clients.client("cloudwatch", target)
                result = metrics.read_target(
                    self.cache, client, target.account, target.region,
                    now=self.metrics_clock(), write_lock=self._cache_lock, stop=self._stop,
                    gate=self.listing_gate,
                )  # fmt: skip
                event = MetricsDone(target, result)
            except Exception as exc:  # reported, never fatal to the refresher
                event = MetricsDone(target, None, describe_error(exc, target))
            self._emit(event)
            return event

        with self._metrics_lock:
            targets = [t for t in self.targets if t.account]  # listed: rows to read for
            if not targets:
                return []
            with ThreadPoolExecutor(max_workers=len(targets),
                                    thread_name_prefix="wstui-metrics-target") as pool:  # fmt: skip
                done = list(pool.map(one, targets))
            now = time.monotonic()
            if any(e.result is not None and e.result.workspaces for e in done):
                self._metrics_last = now
            else:  # nothing listed yet (the first listing is still running): soon again,
                # not a whole interval later (an hour by default)
                self._metrics_last = now - max(0.0, self.metrics_interval - METRICS_RETRY)
        return done

    def _metrics_loop(self, tick: float) -> None:
        while not self._stop.is_set():
            last = self._metrics_last
            listed = any(t.account for t in self.targets)
            if listed and (last is None or time.monotonic() - last >= self.metrics_interval):
                self.read_metrics()
            self._stop.wait(tick)

    def start(self, tick: float = 1.0) -> None:
        """Refresh every (target, kind) on its own interval in one background thread."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(tick,), name="wstui-refresher", daemon=True
        )
        self._thread.start()
        if self.metrics_loop and self.metrics_interval > 0 and WORKSPACES in self.kinds:
            self._metrics_thread = threading.Thread(
                target=self._metrics_loop, args=(tick,), name="wstui-metrics", daemon=True
            )
            self._metrics_thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the background loop and end the worker threads (a later pass starts new ones)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._metrics_thread is not None:
            self._metrics_thread.join(timeout)
            self._metrics_thread = None
        # Only between passes: a pass still running (from refresh() on another thread)
        # keeps its pool; it is ended by the next stop() or at exit.
        if self._run_lock.acquire(timeout=-1 if timeout is None else timeout):
            try:
                with self._workers_lock:
                    workers, self._workers = self._workers, None
                if workers is not None:
                    workers.shutdown(wait=True)
            finally:
                self._run_lock.release()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self, tick: float) -> None:
        while not self._stop.is_set():
            try:
                self.discover_if_due()
            except Exception:
                pass  # stored by core.org (shown in :targets); the known targets go on
            due = self.due()
            if due:
                with self._run_lock:  # the next pass starts only after this one ends
                    try:
                        self._run_pass(sorted({k for _, k in due}), due)
                    except Exception:
                        pass  # already reported per (target, kind); keep looping
            self._stop.wait(tick)


def _delete_items(cache: Any, target: Target, ids: list[str]) -> None:
    """Drop WorkSpaces that are gone (TERMINATED or no longer described)."""
    cache.delete_items(WORKSPACES, target, ids)
