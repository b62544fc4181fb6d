"""`python -m bench.refresh_progress`: how often a long first refresh says how far it is.

Issue 14: "a first refresh of 20,000 WorkSpaces at 50 ms latency shows changing progress
at least once a second". The `refresh_100k` set-up at 20,000 WorkSpaces (simulators out
of process, one per region, 4 regions x 8 directories, 50 ms added to every call) and a
cold `Refresher.refresh()` of every kind into an empty cache, as `wstui refresh` runs it.
Every `Progressed` event (core.progress: what the CLI's status line and the TUI header
show) is stamped when it arrives. Figures:

- `max_gap_s`: the longest time between two consecutive updates whose line differs,
  from the start of the pass to its end (the update that clears the line), the wait
  for the first update included. Target <= 1 s.
- `max_count_gap_s`: the longest time the counts (listed, calls, targets, saving, done)
  stood still: during one target's cache write only the elapsed time and rate move.
- `updates`, `updates_per_s`, `seconds`: how many, how dense, the pass's length.

Merges a record `refresh_progress_max_gap` {value: max_gap_s, target: 1.0} into
bench/results.json. The machine is shared (the simulators and the refresher compete
for its cores): the gap is a wall-clock figure and grows with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

from bench.refresh_100k import CREDS, REGIONS, RESULTS, regional_clients, start_sims

TARGET_S = 1.0


def run(urls: dict[str, str]) -> dict[str, Any]:
    from wstui.core.aws import Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Progressed, Refresher

    os.environ.update(CREDS)
    os.environ.pop("AWS_PROFILE", None)
    stamps: list[tuple[float, Any]] = []

    def on_event(event: Any) -> None:
        if isinstance(event, Progressed):
            stamps.append((time.perf_counter(), event.snapshot))

    with tempfile.TemporaryDirectory(prefix="wstui-bench-") as tmp:
        cache = Cache(Path(tmp) / "cache.sqlite")
        clients = regional_clients(urls)
        targets = [Target(None, r, "123456789012") for r in REGIONS]
        clients.remember(targets)  # STS is not part of the listing
        writes: list[float] = []
        replace = cache.replace_snapshot

        def timed_replace(*args: Any) -> Any:
            w0 = time.perf_counter()
            try:
                return replace(*args)
            finally:
                writes.append(time.perf_counter() - w0)

        cache.replace_snapshot = timed_replace  # type: ignore[method-assign]
        refresher = Refresher(cache, clients, targets, on_event=on_event)
        t0 = time.perf_counter()
        results = refresher.refresh()
        seconds = time.perf_counter() - t0
        errors = [r.error for r in results if r.error]
        rows = cache.count("ws")
        cache.close()
    if errors:
        raise RuntimeError(f"refresh failed: {errors}")
    # An update counts when the line a user reads changed (a heartbeat during a long
    # cache write changes only the elapsed time and the rate derived from it).
    changes: list[tuple[float, str]] = [(t0, "(start)")]
    for at, snap in stamps:
        if snap.line() != changes[-1][1]:
            changes.append((at, snap.line()))
    gaps = [b[0] - a[0] for a, b in pairwise(changes)]
    worst = max(range(len(gaps)), key=gaps.__getitem__)
    any_gap = max(b - a for a, b in pairwise([t0, *(at for at, _ in stamps)]))
    # How long the counts themselves stood still (listed, calls, targets, saving, done).
    counts: list[tuple[float, tuple[int, ...]]] = [(t0, ())]
    for at, snap in stamps:
        key = (snap.items, snap.calls, snap.targets, snap.saving, snap.done, snap.total)
        if key != counts[-1][1]:
            counts.append((at, key))
    count_gap = max(b[0] - a[0] for a, b in pairwise(counts))
    return {
        "seconds": seconds,
        "rows": rows,
        "updates": len(changes) - 1,
        "max_gap_s": gaps[worst],
        "max_gap_after": changes[worst][1],
        "last_line": changes[-2][1],
        "max_write_s": max(writes),
        "max_any_gap_s": any_gap,
        "max_count_gap_s": count_gap,
    }


def merge(record: dict[str, Any]) -> None:
    """Replace this bench's record in bench/results.json, keeping the file's layout."""
    try:
        old = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = []
    kept = [r for r in old if isinstance(r, dict) and r.get("name") != record["name"]]
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps([*kept, record], indent=1) + "\n", encoding="utf-8")
    tmp.replace(RESULTS)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=20_000)
    p.add_argument("--directories", type=int, default=8)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)
    procs, urls = start_sims(args.size, args.directories, args.latency_ms)
    try:
        out = run(urls)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    ok = out["max_gap_s"] <= TARGET_S
    print(f"cold refresh of {out['rows']:,} WorkSpaces ({len(REGIONS)} regions, "
          f"{args.latency_ms:g} ms per call) in {out['seconds']:.1f}s: {out['updates']} "
          f"progress changes ({out['updates'] / out['seconds']:.1f}/s); longest gap "
          f"{out['max_gap_s']:.2f}s (target <= {TARGET_S:g}s: {'ok' if ok else 'MISSED'})")  # fmt: skip
    print(f"  longest gap after: {out['max_gap_after']}")
    print(f"  longest gap between any two updates (the heartbeat's included): "
          f"{out['max_any_gap_s']:.2f}s; longest the counts stood still: "
          f"{out['max_count_gap_s']:.2f}s")  # fmt: skip
    print(f"  last line: {out['last_line']}")
    print(
        f"  longest cache write (replace_snapshot of one target's kind): {out['max_write_s']:.2f}s"
    )
    if not args.no_write:
        merge({"name": "refresh_progress_max_gap", "value": round(out["max_gap_s"], 3),
               "unit": "s", "target": TARGET_S, "updates": out["updates"],
               "seconds": round(out["seconds"], 2), "rows": out["rows"],
               "max_any_update_gap_s": round(out["max_any_gap_s"], 3),
               "max_count_gap_s": round(out["max_count_gap_s"], 3),
               "max_cache_write_s": round(out["max_write_s"], 2),
               "latency_ms": args.latency_ms})  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
