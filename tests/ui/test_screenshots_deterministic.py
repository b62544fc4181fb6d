"""Two screenshot runs write the same bytes: no wall-clock value reaches a frame."""

from __future__ import annotations

from wstui.screenshots import FROZEN_NOW, seeded_context


def test_seeded_cache_has_no_wall_clock_stamps(tmp_path) -> None:
    with seeded_context(tmp_path, size=20) as (ctx, _sim):
        rows = ctx.cache.query("workspaces", limit=None, with_raw=True)
    stamps = {row["raw"]["Usage"]["At"] for row in rows if "Usage" in row["raw"]}
    assert stamps == {FROZEN_NOW}, sorted(stamps)[:3]


def test_every_screen_has_a_screenshot() -> None:
    """Issue 12: results, audit log, targets, changes, ops picker, a form (with its id
    picker), IP rules, CSV create, a destructive plan and the tag plan are all shot."""
    from pathlib import Path

    from wstui.screenshots import SCREENS, SIZES

    wanted = {"results", "audit-log", "targets", "changes", "ops-picker", "form-picker",
              "ip-rules", "csv-create", "plan-destructive", "tag-plan", "help", "details"}  # fmt: skip
    assert wanted <= set(SCREENS)
    shots = Path(__file__).resolve().parents[2] / "screenshots"
    missing = [f"{n}-{w}x{h}.svg" for n in SCREENS for w, h in SIZES
               if not (shots / f"{n}-{w}x{h}.svg").is_file()]  # fmt: skip
    assert missing == [], "run `make screenshots` and commit them"
