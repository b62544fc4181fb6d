"""The commands that send, all through the mutation gateway: `act` (a planned action on
WorkSpaces), `op` (any WorkSpaces operation) and `create-workspaces --csv`."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from wstui.cli.exits import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_UNCONFIRMED,
    EXIT_USAGE,
    CliError,
)
from wstui.cli.output import print_table, safe, safe_block, send_progress
from wstui.cli.reading import compile_filter
from wstui.wiring import Options


def _act_rows(args: argparse.Namespace, cache: Any, kind: Any) -> list[dict]:
    if args.filter is not None:
        where, params = compile_filter(args.filter, kind)
        return cache.query(kind, where, params, limit=None, with_raw=True)
    ids = list(dict.fromkeys(args.ids))
    rows: list[dict] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows += cache.query(
            kind, f"id IN ({', '.join('?' for _ in chunk)})", chunk, limit=None, with_raw=True
        )
    missing = sorted(set(ids) - {r["id"] for r in rows})
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise CliError(f"{len(missing)} id(s) not in the cache (run `wstui refresh`): {shown}")
    return rows


def _parse_params(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"bad --param {item!r}: use KEY=VALUE", EXIT_USAGE)
        out[key.strip()] = value.strip()
    return out


def cmd_act(args: argparse.Namespace, opts: Options) -> int:
    """rows -> scope -> re-read uncertain rows -> plan -> confirm -> gateway -> follow."""
    from wstui.core import act
    from wstui.core.act.recheck import recheck
    from wstui.core.kinds import WORKSPACES

    kind = WORKSPACES
    cache = opts.make_cache()
    rows = _act_rows(args, cache, kind)
    try:
        params = _parse_params(args.param)
        act.validate_params(act.resolve_action(args.action), params)
    except act.ActionError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    clients = opts.make_clients()
    gateway = opts.make_gateway(cache, clients)
    for target, err in gateway.scope.resolve_all():
        _warn_target(target, err)
    refresher = opts.make_refresher(cache, clients)
    checked = recheck(rows, cache, gateway.scope, refresher.refresh_ids)
    the_plan = act.plan_for(gateway, args.action, checked, params)
    print(safe_block(the_plan.describe()))
    sys.stdout.flush()  # a reader that is gone (BrokenPipeError) stops us before sending
    n = len(the_plan.eligible)
    if args.dry_run:
        return EXIT_OK
    if not args.yes:
        print(f"not sent: re-run with --yes to send {len(the_plan.calls)} call(s)", file=sys.stderr)
        return EXIT_UNCONFIRMED
    if n == 0:
        print("nothing eligible; nothing sent")
        return EXIT_OK
    if the_plan.spec.destructive and args.confirm != n:
        print(
            f"not sent: {the_plan.spec.name} is destructive; add --confirm {n} (the eligible count)",
            file=sys.stderr,
        )
        return EXIT_UNCONFIRMED
    with send_progress(len(the_plan.calls)) as progress:
        outcomes = act.execute(
            the_plan, gateway, on_progress=lambda done, _total, _result: progress(done)
        )
    return _report_outcomes(outcomes, the_plan, refresher, args.follow)


def _warn_target(target: Any, exc: BaseException) -> None:
    from wstui.core.aws import describe_error

    print(f"wstui: {target.label}: {safe(describe_error(exc, target))}", file=sys.stderr)


def _report_outcomes(outcomes: list[Any], plan: Any, refresher: Any, follow: bool) -> int:
    from wstui.core import act

    counts = Counter(o.status for o in outcomes)
    for o in outcomes:
        if o.status != "sent":
            print(safe(f"  {o.id}: {o.status} {o.code}: {o.message}"), file=sys.stderr)
    refused = f", refused {counts['refused']} (not sent)" if counts["refused"] else ""
    print(
        f"{plan.spec.api}: {len(plan.calls)} call(s); sent {counts['sent']}, "
        f"failed {counts['failed']}, unknown {counts['unknown']}{refused}"
    )
    try:
        act.follow(refresher, plan, outcomes, until_stable=follow)
    except Exception as exc:  # the action went out; a failed re-read is only a warning
        print(f"wstui: could not re-read the WorkSpaces: {safe(exc)}", file=sys.stderr)
    if counts["failed"] or counts["unknown"] or counts["refused"]:
        return EXIT_PARTIAL if counts["sent"] else EXIT_ERROR
    return EXIT_OK


def cmd_op(args: argparse.Namespace, opts: Options) -> int:
    """validate -> preflight (cache) -> confirm (--yes) -> send audited -> print the response."""
    import json

    from wstui.core import act
    from wstui.core.act import ops
    from wstui.core.validate import validate

    try:
        op = ops.resolve(args.operation)
        values = {}
        for item in args.param:
            name, sep, value = item.partition("=")
            if not sep:
                raise ops.OperationError(f"--param {item!r}: expected NAME=VALUE")
            values[name.strip()] = value
        request = act.build_request(op, values)
    except ops.OperationError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    problems = validate(op.name, request)
    if problems:
        raise CliError("not sent: " + "; ".join(str(p) for p in problems), EXIT_USAGE)
    cache = opts.make_cache()
    subject = ops.subject_of(op, request)
    row = next((r for r in (_cached(cache, k, subject) for k in op.screens) if r), None)
    refusal = ops.preflight(op, row, request, cache)
    if refusal:
        raise CliError(f"not sent: {op.name}: {refusal}")
    print(safe_block(f"{op.name} {json.dumps(request, default=lambda v: f'<{len(v)} bytes>')}"))
    if op.mutates and not args.yes:
        print("not sent: re-run with --yes to send it", file=sys.stderr)
        return EXIT_UNCONFIRMED
    accepted = ops.confirm_words(op, request, row)
    if op.destructive and (getattr(args, "confirm", None) or "").strip() not in accepted:
        # Like `act --confirm N`: a destructive call names what it destroys.
        print(f"not sent: {op.name} is destructive; re-run with --confirm {safe(accepted[0])}",
              file=sys.stderr)  # fmt: skip
        return EXIT_UNCONFIRMED

    clients = opts.make_clients()
    gateway = opts.make_gateway(cache, clients)
    result = act.send(op, request, gateway, _op_target(opts, row), after_unknown=args.after_unknown)
    if not result.ok:
        print(f"wstui: {safe(result.code)}: {safe(result.message)}", file=sys.stderr)
        return EXIT_ERROR
    print(safe_block(json.dumps(result.response, indent=2, default=str)))
    return EXIT_OK


def _op_target(opts: Options, row: dict | None) -> Any:
    """Where an `op` call goes: the cached row's account and region, else the first selected
    target (the gateway checks either against the selection)."""
    from wstui.core.aws import Target

    if row is not None and row.get("region"):
        return Target(None, str(row["region"]), str(row.get("account") or ""))
    targets = opts.targets()
    if not targets:
        raise CliError("no target selected: pass --region (and --profile)", EXIT_USAGE)
    first = targets[0]
    return Target(first.profile, first.region, role_arn=first.role_arn)


def _cached(cache: Any, kind: str, key: str) -> dict | None:
    try:
        return cache.get(kind, key)
    except Exception:  # "account" is not a cached kind
        return None


def cmd_create_csv(args: argparse.Namespace, opts: Options) -> int:
    """validate every row -> plan (calls of 25) -> --yes -> send audited -> one line per row."""
    from wstui.core.act import create_csv as cc

    try:
        data = Path(args.csv).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.csv}: {exc.strerror or exc}", EXIT_USAGE) from None
    plan = cc.read_rows(data)
    if plan.problems:
        for problem in plan.problems[:200]:
            print(f"wstui: {safe(problem)}", file=sys.stderr)
        more = len(plan.problems) - 200
        if more > 0:
            print(f"wstui: ... and {more} more problem(s)", file=sys.stderr)
        print(f"not sent: {len(plan.problems)} problem(s) in {safe(args.csv)}", file=sys.stderr)
        return EXIT_USAGE
    batches = plan.batches()
    print(f"{len(plan.rows)} WorkSpace(s) in {len(batches)} call(s) of CreateWorkspaces "
          f"({', '.join(str(len(b)) for b in batches)})")  # fmt: skip
    if not args.yes:
        print("not sent: re-run with --yes to send it", file=sys.stderr)
        return EXIT_UNCONFIRMED

    cache = opts.make_cache()
    clients = opts.make_clients()
    gateway = opts.make_gateway(cache, clients)
    with send_progress(len(batches)) as progress:
        outcomes = cc.send_rows(plan, gateway, _op_target(opts, None),
                                on_call=progress)  # fmt: skip
    table = [[o.line, o.user, o.directory, o.status.upper(),
              o.workspace_id or f"{o.code}: {o.message}"] for o in outcomes]  # fmt: skip
    print_table(table, ["LINE", "USER", "DIRECTORY", "RESULT", "WORKSPACE / ERROR"], sys.stdout, 60)
    counts = cc.summary(outcomes)
    print(f"{counts['pending']} pending, {counts['failed']} failed, {counts['unknown']} unknown"
          + (f", {counts['refused']} refused (not sent)" if counts["refused"] else "")
          + (f", {counts['exists']} already created earlier" if counts["exists"] else ""))  # fmt: skip
    if counts["pending"] + counts["exists"] == len(outcomes):
        return EXIT_OK
    return EXIT_PARTIAL if counts["pending"] else EXIT_ERROR
