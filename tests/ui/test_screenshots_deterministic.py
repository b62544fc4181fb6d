"""Two screenshot runs write the same bytes: no wall-clock value reaches a frame."""

from __future__ import annotations

from wstui.ui.screenshots import FROZEN_NOW, seeded_context


def test_seeded_cache_has_no_wall_clock_stamps(tmp_path) -> None:
    with seeded_context(tmp_path, size=20) as (ctx, _sim):
        rows = ctx.cache.query("workspaces", limit=None, with_raw=True)
    stamps = {row["raw"]["Usage"]["At"] for row in rows if "Usage" in row["raw"]}
    assert stamps == {FROZEN_NOW}, sorted(stamps)[:3]
