"""`python -m wstui.screenshots DIR`: SVGs of every screen at 80x24 and 120x40.

Runs headless on an in-process simulator with a fixed seed and manual clock, fills a
throw-away cache through the real refresher, then freezes every timestamp in the cache
and the app's clock, so two runs write identical files. Tests reuse `seeded_context`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time as _time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wstui.ui.app import AppContext, WstuiApp

SEED = 7
SIZE = 120
REGIONS = ("us-east-1", "eu-west-1")
FROZEN_NOW = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC: every age is measured from here
AGE_SECONDS = 12
SIZES = ((80, 24), (120, 40))


def freeze_cache_times(cache: Any, now: float = FROZEN_NOW, age: float = AGE_SECONDS) -> None:
    """Set every wall-clock timestamp in the cache to fixed values (screenshots, tests)."""
    cache.freeze_times(now - age)


@contextmanager
def seeded_context(
    cache_dir: Path,
    sim: Any = None,
    size: int = SIZE,
    read_only: bool = False,
    freeze: bool = True,
    metrics: bool = False,
) -> Iterator[tuple[AppContext, Any]]:
    """A cache filled from a seeded in-process simulator; yields (context, simulator).

    Pass a running `sim` (the tests' fixture) or let this start one.
    """
    from wstui.core.aws import Clients, Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher

    own = None
    if sim is None:
        from wstui.demo import seeded_simulator

        own = seeded_simulator(SEED, FROZEN_NOW - 86400, size, REGIONS, directories_per_region=2)
        sim = own
    cache = Cache(Path(cache_dir) / "cache.sqlite")
    try:
        clients = Clients(max_attempts=1)
        regions = sorted({r for r in _sim_regions(sim)}) or list(REGIONS)
        targets = [Target(None, r) for r in regions]
        refresher = Refresher(cache, clients, targets, follow_interval=0.05)
        if freeze:
            # The cache stamps writes (Usage "At" in raw JSON) with its own clock, bound
            # at construction, which patching the time module does not reach.
            cache.clock = lambda: FROZEN_NOW
            with frozen_cache_clock():
                refresher.refresh()
        else:
            refresher.refresh()
        if metrics:  # CloudWatch aggregates and cost, read at the simulator's time
            refresher.metrics_clock = sim.clock.now
            refresher.read_metrics()
        if freeze:
            freeze_cache_times(cache)
        ctx = AppContext(
            cache=cache,
            targets=targets,
            clients=clients,
            refresher=refresher,
            read_only=read_only,
            clock=(lambda: FROZEN_NOW) if freeze else _time.time,
        )
        yield ctx, sim
    finally:
        cache.close()
        if own is not None:
            own.stop()


def _sim_regions(sim: Any) -> list[str]:
    report = getattr(sim, "report", None)
    return list(getattr(report, "regions", None) or REGIONS)


class _FrozenTime:
    """The `time` module with `time()` fixed: derived columns (IDLE days) stay put."""

    def __init__(self, now: float) -> None:
        self._now = now

    def time(self) -> float:
        return self._now

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)


# Core modules whose wall-clock reads end up on screen (ages, usage "At" stamps).
_CLOCKED_MODULES = (
    "wstui.core.cache", "wstui.core.store.reads", "wstui.core.store.audit",
    "wstui.core.insight", "wstui.core.refresh", "wstui.core.listers",
)  # fmt: skip


@contextmanager
def frozen_cache_clock(now: float = FROZEN_NOW) -> Iterator[None]:
    """Make the core compute time-derived values (ages) from `now`, not the wall clock."""
    import importlib

    saved: list[tuple[Any, Any]] = []
    for name in _CLOCKED_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "time", None) is _time:
            saved.append((module, _time))
            setattr(module, "time", _FrozenTime(now))  # noqa: B010 (a module attribute mypy can't see)
    try:
        yield
    finally:
        for module, original in saved:
            setattr(module, "time", original)  # noqa: B010


# -- the screens ----------------------------------------------------------------------

Step = Callable[[Any], Awaitable[None]]


async def _main(pilot: Any) -> None:
    await pilot.pause()


async def _filter_error(pilot: Any) -> None:
    # A valid filter first, then a broken suffix: the frame shows the kept rows
    # whatever the typing speed (a pause mid-word may apply a prefix, by design).
    await pilot.press("slash", *"state=STOPPED")
    await _until(pilot, lambda s: s.query_text == "state=STOPPED")
    await pilot.press(*" and (")
    # The debounce may first reject a prefix ("... and"): wait for the whole text's error.
    await _until(pilot, lambda s: getattr(s, "rejected_text", None) == "state=STOPPED and (")


async def _until(pilot: Any, ready: Any, timeout: float = 5.0) -> None:
    """Wait (under any machine load) until the screen shows what the frame needs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause(0.05)
        try:
            if ready(pilot.app.screen):
                break
        except Exception:  # the screen may still be building
            pass
    await pilot.pause(0.1)


async def _filtered(pilot: Any) -> None:
    await pilot.press("slash", *"state=STOPPED", "enter")
    await pilot.pause(0.3)


async def _marked_plan(pilot: Any) -> None:
    await pilot.press("space", "space", "space", "b")
    await pilot.pause()


async def _destructive_plan(pilot: Any) -> None:
    await pilot.press("space", "space", "X")
    await pilot.pause()


async def _details(pilot: Any) -> None:
    await pilot.press("down", "down", "down", "enter")
    await pilot.pause()


async def _raw(pilot: Any) -> None:
    await _details(pilot)
    await pilot.press("j")
    await pilot.pause()


async def _help(pilot: Any) -> None:
    await pilot.press("question_mark")
    await pilot.pause()


async def _directories(pilot: Any) -> None:
    await pilot.press("colon", *"dir", "enter")
    await pilot.pause()


async def _columns(pilot: Any) -> None:
    await pilot.press("c")
    await pilot.pause()


async def _advice(pilot: Any) -> None:
    await pilot.press("colon", *"view advice", "enter")
    await _until(pilot, lambda s: getattr(s, "query_text", "") == "saving>0")


async def _details_metrics(pilot: Any) -> None:
    await _advice(pilot)
    await pilot.press("enter")
    await pilot.pause()


async def _running_mode(pilot: Any) -> None:
    await pilot.press("n")
    await pilot.pause()


async def _summary(pilot: Any) -> None:
    await pilot.press("colon", *"summary", "enter")
    await _until(pilot, lambda s: getattr(s, "data", None) is not None)


async def _screen_is(pilot: Any, name: str, timeout: float = 10.0) -> None:
    await _until(pilot, lambda s: type(s).__name__ == name, timeout)


async def _targets(pilot: Any) -> None:
    await pilot.press("colon", *"targets", "enter")
    await _screen_is(pilot, "TargetsScreen")


async def _changes(pilot: Any) -> None:
    await pilot.press("colon", *"changes", "enter")
    await _screen_is(pilot, "ChangesScreen")


async def _ops_picker(pilot: Any) -> None:
    await pilot.press("o")
    await _screen_is(pilot, "OperationsScreen")


async def _form_picker(pilot: Any) -> None:
    """Associate an alias with a directory: the form, its ResourceId picker open on it."""
    await pilot.press("colon", *"alias", "enter")
    await _until(pilot, lambda s: getattr(getattr(s, "kind", None), "name", "") == "aliases")
    await pilot.press("o")
    await _screen_is(pilot, "OperationsScreen")
    await pilot.press("a")
    await _screen_is(pilot, "FormScreen")
    await pilot.press("tab")  # AliasId -> ResourceId (the directory)
    await pilot.press("ctrl+o")
    await _screen_is(pilot, "PickerScreen")


async def _ip_rules(pilot: Any) -> None:
    await pilot.press("colon", *"ipgroup", "enter")
    await _until(pilot, lambda s: getattr(getattr(s, "kind", None), "name", "") == "ipgroups")
    await pilot.press("o")
    await _screen_is(pilot, "OperationsScreen")
    await pilot.press("e")
    await _screen_is(pilot, "IpRulesScreen")


async def _csv_create(pilot: Any) -> None:
    await pilot.press("o")
    await _screen_is(pilot, "OperationsScreen")
    await pilot.press("V")
    await _screen_is(pilot, "CsvCreateScreen")


async def _tag_plan(pilot: Any) -> None:
    await pilot.press("space", "space", "space", "T")
    await _screen_is(pilot, "TagEditorScreen")
    await pilot.press(*"Project=apollo, Tier=gold", "tab", *"Team", "enter")
    await _screen_is(pilot, "TagPlanScreen")


async def _results(pilot: Any) -> None:
    """Reboot three marked WorkSpaces (sent to the in-process simulator), followed until
    settled: the simulator's clock is moved past the reboot."""
    await pilot.press("slash", *"state=AVAILABLE", "enter")
    await _until(pilot, lambda s: getattr(s, "query_text", "") == "state=AVAILABLE")
    await pilot.press("space", "space", "space", "b")
    await _screen_is(pilot, "PlanScreen")
    await pilot.press("enter")
    await _until(pilot, lambda s: getattr(s, "finished", False), 20)
    sim = getattr(pilot.app.ctx, "screenshot_sim", None)
    if sim is not None:
        sim.clock.advance(600)
    await _until(pilot, lambda s: getattr(s, "followed", False), 20)


async def _audit_log(pilot: Any) -> None:
    await pilot.press("colon", *"log", "enter")
    await _until(pilot, lambda s: type(s).__name__ == "AuditScreen" and bool(s.rows))


def _steady(step: Step) -> Step:
    """Run a step, then stop cursor blinking so the frame does not depend on timing."""

    async def run(pilot: Any) -> None:
        await step(pilot)
        from textual.widgets import Input

        from wstui.ui.textual_compat import steady_cursor

        for box in pilot.app.screen.query(Input):
            steady_cursor(box)
        # Let the footer finish recomposing after focus/binding changes.
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.2)

    return run


_STEPS: dict[str, Step] = {
    "workspaces": _main,
    "filter-error": _filter_error,
    "filtered": _filtered,
    "plan": _marked_plan,
    "plan-destructive": _destructive_plan,
    "details": _details,
    "details-raw": _raw,
    "help": _help,
    "directories": _directories,
    "columns": _columns,
    "running-mode": _running_mode,
    "summary": _summary,

    "targets": _targets,
    "ops-picker": _ops_picker,
    "form-picker": _form_picker,
    "ip-rules": _ip_rules,
    "csv-create": _csv_create,
    "tag-plan": _tag_plan,
    "advice": _advice,
    "details-metrics": _details_metrics,
}
# These send calls: each size gets a freshly seeded cache and simulator, shot in order
# (the audit log and the changes show the reboot the results screen sent).
_SENDING: dict[str, Step] = {"results": _results, "audit-log": _audit_log, "changes": _changes}
SCREENS: dict[str, Step] = {name: _steady(step) for name, step in {**_STEPS, **_SENDING}.items()}


async def shoot(ctx: AppContext, name: str, size: tuple[int, int], out: Path) -> Path:
    app = WstuiApp(ctx, watch_refresher=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await SCREENS[name](pilot)
        await pilot.pause()
        path = out / f"{name}-{size[0]}x{size[1]}.svg"
        path.write_text(app.export_screenshot(title=f"wstui {name}"), encoding="utf-8")
    return path


async def _shoot_all(ctx: AppContext, out: Path) -> list[Path]:
    paths = []
    for size in SIZES:
        for name in SCREENS:
            if name not in _SENDING:
                paths.append(await shoot(ctx, name, size, out))
    return paths


def _shoot_sending(out: Path) -> list[Path]:
    paths = []
    for size in SIZES:
        with (
            tempfile.TemporaryDirectory(prefix="wstui-shots-") as tmp,
            seeded_context(Path(tmp)) as (ctx, sim),
        ):
            ctx.screenshot_sim = sim  # type: ignore[attr-defined]  # _results moves its clock
            try:
                for name in _SENDING:
                    paths.append(asyncio.run(shoot(ctx, name, size, out)))
            finally:
                ctx.refresher.stop()
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="wstui-shots-") as tmp,
        seeded_context(Path(tmp), metrics=True) as (ctx, _),
        frozen_cache_clock(),
    ):
        paths = asyncio.run(_shoot_all(ctx, out))
        paths += _shoot_sending(out)
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
