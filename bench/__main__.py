"""`python -m bench`: the fleet table against a stock DataTable at 100,000 WorkSpaces.

Builds a synthetic cache once, runs our part and the DataTable part in their own
processes (so each memory figure is its own), prints a table and merges the figures
into bench/results.json (records `{name, value, unit, baseline}`; records of other
names, e.g. `refresh_100k`, are kept).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")
# name: (target, unit). Figures are medians of the samples each part reports.
TARGETS: dict[str, tuple[float | None, str]] = {
    "first_frame_ratio": (1.5, "x"),  # process start -> first frame with rows (bench/startup.py)
    "startup_cpu_ratio": (1.5, "x"),
    "filter_keystroke_ms": (50, "ms"),
    "sort_ms": (100, "ms"),
    "page_down_ms": (16, "ms"),
    "rss_mb": (300, "MB"),
}
STARTS = 9  # process starts per side
RETIRED = {"minimal_start_ms"}  # renamed minimal_start_inproc_ms


def run_part(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.run", *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def med(values: Any) -> float:
    return float(statistics.median(values)) if isinstance(values, list) else float(values)


def startup_records(starts: dict[str, Any]) -> list[dict[str, Any]]:
    """Process start -> first frame with rows, `wstui` against a minimal Textual app."""
    ours, minimal = med(starts["wstui_total"]), med(starts["minimal_total"])
    cpu, minimal_cpu = med(starts["wstui_cpu"]), med(starts["minimal_cpu"])

    def rec(
        name: str, value: float, unit: str = "ms", baseline: float | None = None
    ) -> dict[str, Any]:
        rounded = None if baseline is None else round(baseline, 2)
        return {"name": name, "value": round(value, 2), "unit": unit, "baseline": rounded}

    # A ratio's baseline is the minimal app's own ratio (1); a time's is the minimal app's.
    to_run, minimal_to_run = med(starts["wstui_to_run"]), med(starts["minimal_to_run"])
    return [
        rec("first_frame_ratio", ours / minimal, "x", 1.0),
        rec("startup_ms", ours, baseline=minimal),
        rec("minimal_startup_ms", minimal),
        rec("startup_cpu_ratio", cpu / minimal_cpu, "x", 1.0),
        rec("startup_cpu_ms", cpu, baseline=minimal_cpu),
        rec("minimal_startup_cpu_ms", minimal_cpu),
        # spawn -> App.run called: interpreter, imports, config, cache open, app built
        rec("startup_to_run_ms", to_run, baseline=minimal_to_run),
        rec("minimal_startup_to_run_ms", minimal_to_run),
    ]


def records(
    ours: dict[str, Any], stock: dict[str, Any] | None, build_s: float
) -> list[dict[str, Any]]:
    minimal = med(ours["minimal_start_ms"])
    first = med(ours["first_frame_ms"])

    def base(name: str) -> float | None:
        return None if stock is None else round(med(stock[name]), 2)

    rows = [
        {
            # In-process, after warm-up: the table alone against the minimal app.
            "name": "first_frame_inproc_ratio",
            "value": round(first / minimal, 2),
            "unit": "x",
            "baseline": None if stock is None else round(med(stock["first_frame_ms"]) / minimal, 2),
        },
        {
            "name": "first_frame_ms",
            "value": round(first, 2),
            "unit": "ms",
            "baseline": base("first_frame_ms"),
        },
        {"name": "minimal_start_inproc_ms", "value": round(minimal, 2), "unit": "ms", "baseline": None},
    ]
    if "app_first_frame_ms" in ours:  # the whole WstuiApp (header, table, footer, themes)
        whole = med(ours["app_first_frame_ms"])
        rows += [
            {"name": "app_first_frame_ratio", "value": round(whole / minimal, 2), "unit": "x",
             "baseline": None},
            {"name": "app_first_frame_ms", "value": round(whole, 2), "unit": "ms", "baseline": None},
        ]  # fmt: skip
    for name in ("filter_keystroke_ms", "sort_ms", "page_down_ms"):
        rows.append(
            {"name": name, "value": round(med(ours[name]), 2), "unit": "ms", "baseline": base(name)}
        )
    for name in (
        "filter_work_ms",
        "sort_work_ms",
        "page_down_work_ms",
        "filter_cpu_ms",
        "sort_cpu_ms",
        "page_down_cpu_ms",
    ):
        rows.append(
            {"name": name, "value": round(med(ours[name]), 2), "unit": "ms", "baseline": base(name)}
        )
    for name in ("mark_all_plan_ms", "mark_all_plan_cpu_ms"):
        if name in ours:
            rows.append({"name": name, "value": round(med(ours[name]), 2), "unit": "ms",
                         "baseline": None})  # fmt: skip
    rows.append(
        {
            "name": "sort_max_ms",
            "value": round(max(ours["sort_ms"]), 2),
            "unit": "ms",
            "baseline": None if stock is None else round(max(stock["sort_ms"]), 2),
        }
    )
    rows.append(
        {
            "name": "rss_mb",
            "value": round(ours["rss_mb"], 1),
            "unit": "MB",
            "baseline": base("rss_mb"),
        }
    )
    if "mark_all_plan_rss_mb" in ours:
        rows.append({"name": "mark_all_plan_rss_mb", "value": round(ours["mark_all_plan_rss_mb"], 1),
                     "unit": "MB", "baseline": None})  # fmt: skip
    if build_s:
        rows.append(
            {
                "name": "build_cache_100k_s",
                "value": round(build_s, 2),
                "unit": "s",
                "baseline": None,
            }
        )
    # Wall-clock figures depend on how busy the machine was: keep that beside them.
    rows.append(
        {
            "name": "load_avg_1m",
            "value": round(ours["load_avg_1m"], 2),
            "unit": f"runnable tasks on {ours['cpus']} cpus",
            "baseline": None,
        }
    )
    return rows


def merge(path: Path, new: list[dict[str, Any]]) -> None:
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        old = old if isinstance(old, list) else []
    except (OSError, ValueError):
        old = []
    names = {r["name"] for r in new} | RETIRED
    kept = [r for r in old if isinstance(r, dict) and r.get("name") not in names]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(kept + new, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def table(rows: list[dict[str, Any]]) -> str:
    lines = [f"{'name':<26} {'wstui':>10} {'baseline':>10} {'ratio':>8} {'target':>8}  ok"]
    for r in rows:
        target = TARGETS.get(r["name"], (None, ""))[0]
        ratio = f"{r['baseline'] / r['value']:.1f}x" if r["baseline"] and r["value"] else ""
        ok = "" if target is None else ("yes" if r["value"] <= target else "NO")
        baseline = "" if r["baseline"] is None else f"{r['baseline']:g}"
        target_s = "" if target is None else f"<= {target:g}"
        lines.append(
            f"{r['name']:<26} {r['value']:>10g} {baseline:>10} {ratio:>8} {target_s:>8}  {ok}  {r['unit']}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="reuse (or create) this cache file")
    parser.add_argument("--no-baseline", action="store_true", help="skip the DataTable part")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="wstui-bench-") as tmp:
        db = args.db or Path(tmp) / "cache.db"
        build_s = 0.0
        if not db.exists():
            print(f"building a cache of {args.size:,} WorkSpaces ...", flush=True)
            build_s = run_part("build", str(db), str(args.size))["build_s"]
        print(f"measuring start-up: {STARTS} process starts per side ...", flush=True)
        from bench.startup import measure

        starts = measure(db, STARTS)
        print("measuring wstui FleetTable ...", flush=True)
        ours = run_part("ours", str(db))
        stock = None
        if not args.no_baseline:
            print("measuring stock DataTable ...", flush=True)
            stock = run_part("datatable", str(db))
    rows = startup_records(starts) + records(ours, stock, build_s)
    print(table(rows))
    merge(args.out, rows)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
