"""`wstui demo --org`: the demo's Organization is found by discovery over the HTTP simulator."""

from __future__ import annotations

import time

from wstui.cli import Options
from wstui.demo import DEMO_ORG, demo_context


def test_demo_org_discovers_every_account_but_the_refusing_one() -> None:
    opts = Options(size=40, seed=7, speed=0.0, org=True)
    with demo_context(opts) as ctx:
        refresher = ctx.refresher
        assert refresher.targets == []  # nothing before discovery: the first frame is not held
        t0 = time.monotonic()
        results = refresher.refresh(["workspaces"])
        seconds = time.monotonic() - t0
        assert results and all(r.ok for r in results), [r.error for r in results]
        by_account: dict[str, set[str]] = {}
        for t in refresher.targets:
            by_account.setdefault(t.account, set()).add(t.region)
        rows = ctx.cache.org_accounts()
        names = {r["name"]: r for r in rows}
        assert set(names) == {"master", *(m[0] for m in DEMO_ORG)}
        refused = [m[0] for m in DEMO_ORG if not m[3]]
        assert [r["name"] for r in rows if r["error"]] == refused
        assert "AccessDenied" in names[refused[0]]["error"]
        want = {r["account"]: set(r["regions"]) for r in rows if not r["error"]}
        assert by_account == want
        cached = {(r["account"], r["region"]) for r in ctx.cache.query("workspaces", limit=None)}
        assert cached == {(a, reg) for a, regs in want.items() for reg in regs}
        print(f"demo --org: discovery + first listing in {seconds:.1f} s")
