"""`python -m bench.gateway_cost`: what each gateway guard costs per mutating call.

In-process simulator (no network, no latency), one WorkSpace per RebootWorkspaces call
(rotating over 150 WorkSpaces, so each carries a few audited calls as in real use):
the same botocore client sends the call bare (baseline) and through `Gateway.send`; each
guard is also timed alone. Prints a table and merges `gateway_*` records into
bench/results.json (the ratio against the bare send of the same run is the figure).
"""

from __future__ import annotations

import itertools
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")
CALLS = 300


def timed(fn: Callable[[], Any], n: int = CALLS) -> float:
    """Median milliseconds of one call of `fn` over n runs."""
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main() -> None:
    from wstui.core.act import Gateway, Mutation, Policy, Scope
    from wstui.core.aws import MUTATION_PASS, Clients, Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher
    from wstui.sim import Simulator

    us = "us-east-1"
    sim = Simulator(seed=7, speed=0.0)
    with sim.running(), tempfile.TemporaryDirectory() as tmp:
        sim.seed(size=200, regions=(us,), directories_per_region=2)
        cache = Cache(Path(tmp) / "c.sqlite")
        clients = Clients(max_attempts=1)
        target = Target(None, us)
        Refresher(cache, clients, [target], kinds=["workspaces"]).refresh()
        gw = Gateway(Policy(), Scope([target], clients), clients, cache)
        account = clients.resolve_account(target).account
        ids = itertools.cycle(sim.report.workspace_ids[us][:150])
        wid = sim.report.workspace_ids[us][0]
        request = {"RebootWorkspaceRequests": [{"WorkspaceId": wid}]}
        m = Mutation("RebootWorkspaces", account, us, request)
        client = clients.workspaces(target)
        resolved = clients.known(target)

        def bare() -> None:
            one = next(ids)
            sim.set_state(us, one, "AVAILABLE")
            token = MUTATION_PASS.set(True)
            try:
                client.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": one}])
            finally:
                MUTATION_PASS.reset(token)

        def through_gateway() -> None:
            one = next(ids)
            sim.set_state(us, one, "AVAILABLE")
            gw.send(Mutation("RebootWorkspaces", account, us, {"RebootWorkspaceRequests": [{"WorkspaceId": one}]}))  # fmt: skip

        def audit() -> None:
            one = next(ids)
            audit_id = cache.audit_before("RebootWorkspaces", resolved, [one], request, "bench")
            cache.audit_after(audit_id, "rid", {one: {"status": "sent"}})

        bare(), through_gateway()  # warm both paths
        figures = {
            "bare send": timed(bare),
            "gateway send": timed(through_gateway),
            "policy": timed(lambda: gw.policy.check("x"), 5000),
            "scope + identity": timed(lambda: gw.scope.target(account, us), 5000),
            "protect tag (cache)": timed(lambda: gw._check_protect(m, resolved), 2000),
            "unknown outcome check": timed(lambda: gw._check_unknown(m, resolved, (next(ids),)), 2000),
            "audit before + after": timed(audit),
            "protect re-read (destructive)": timed(lambda: gw._protected_now(resolved, (wid,)), 200),
        }
        cache.close()
    base = figures["bare send"]
    print(f"{'step':32} {'ms/call':>9}")
    for name, ms in figures.items():
        print(f"{name:32} {ms:9.3f}")
    overhead = figures["gateway send"] - base
    print(f"gateway overhead per call: {overhead:.3f} ms ({figures['gateway send'] / base:.2f}x the bare send)")  # fmt: skip
    def rec(name: str, value: float, unit: str, baseline: float | None) -> dict[str, Any]:
        return {"name": name, "value": round(value, 3), "unit": unit, "baseline": baseline}

    records = [
        rec("gateway_overhead_ms", overhead, "ms", round(base, 3)),
        rec("gateway_send_ratio", figures["gateway send"] / base, "x", 1.0),
        rec("gateway_audit_ms", figures["audit before + after"], "ms", None),
        rec("gateway_protect_reread_ms", figures["protect re-read (destructive)"], "ms", round(base, 3)),
    ]
    merge(records)


def merge(records: list[dict[str, Any]]) -> None:
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    rows = data if isinstance(data, list) else data.get("records", [])
    names = {r["name"] for r in records}
    kept = [r for r in rows if r.get("name") not in names]
    out = kept + records
    RESULTS.write_text(json.dumps(out if isinstance(data, list) else {**data, "records": out}, indent=1) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
