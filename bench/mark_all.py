"""`python -m bench.mark_all`: mark all + an action key in the whole TUI (issue 17).

For each size in --sizes, a synthetic cache of `bench/fleet.py` (built once per size in
--dir, reused after), the real `WstuiApp` on it as `wstui` opens it (no refresher, nothing
reaches AWS); three presses of ctrl+a then the action's key (reboot: b), each to the plan
screen shown and painted, then esc. Prints wall and process-CPU ms of each press, the
third press (the record `mark_all_plan_ms` of issue 17 is the third press at 100k) and the
load average: wall figures move with the machine's load, compare CPU.

Only keys and the app's public screens are used, so the same file measures an older
checkout: ``PYTHONPATH=<checkout> python bench/mark_all.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

SIZES = (10_000, 25_000, 50_000, 100_000)
PRESSES = 3


async def presses(db: Path, size: int, key: str) -> list[tuple[float, float]]:
    from wstui.core.cache import Cache
    from wstui.ui.app import AppContext, WstuiApp
    from wstui.ui.screens.plan import PlanScreen

    app = WstuiApp(AppContext(cache=Cache(db)), watch_refresher=False)
    out: list[tuple[float, float]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 60
        while getattr(getattr(app.screen, "table", None), "row_count", 0) != size:  # counted
            if time.monotonic() > deadline:
                raise RuntimeError("the table never counted its rows")
            await pilot.pause(0.05)
        for _ in range(PRESSES):
            wall, cpu = time.perf_counter(), time.process_time()
            await pilot.press("ctrl+a", key)
            while not isinstance(app.screen, PlanScreen):
                await pilot.pause(0.001)
            await pilot.pause()  # painted
            out.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
            await pilot.press("escape")
            while isinstance(app.screen, PlanScreen):
                await pilot.pause(0.01)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=",".join(map(str, SIZES)))
    p.add_argument("--dir", type=Path, default=Path("/tmp/wstui-bench-mark-all"),
                   help="where the caches are built (reused when present)")  # fmt: skip
    p.add_argument("--key", default="b", help="the action's key (b: reboot)")
    args = p.parse_args(argv)
    sys.path.append(str(Path(__file__).resolve().parent.parent))  # bench.fleet as a script
    from bench.fleet import build

    args.dir.mkdir(parents=True, exist_ok=True)
    print(f"{'size':>7} {'3rd wall ms':>11} {'3rd cpu ms':>10} {'load':>5}   all presses wall/cpu")
    for size in (int(s) for s in args.sizes.split(",")):
        db = args.dir / f"cache-{size}.sqlite"
        if not db.exists():
            build(db, size)
        done = asyncio.run(presses(db, size, args.key))
        wall, cpu = done[-1]
        every = " ".join(f"{w:.0f}/{c:.0f}" for w, c in done)
        print(f"{size:>7} {wall:>11.0f} {cpu:>10.0f} {os.getloadavg()[0]:>5.2f}   {every}",
              flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
