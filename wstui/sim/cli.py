"""``wstui sim serve``: the simulator as a standalone HTTP endpoint on 127.0.0.1.

Imported by ``wstui/cli.py``; moto is imported only when the command runs, so a ``wstui``
installed without the demo extra can say what to install instead of raising ImportError.
Every fault of ``wstui.sim.faults`` has a flag; ``fault_plan`` turns the flags into the
``configure``/``inject`` calls (unit-tested without starting a server).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

NEEDS_DEMO_EXTRA = "the simulator needs moto: pip install 'wstui[demo]'"
DEFAULT_REGIONS = ("us-east-1", "eu-west-1")
# Kept here (not imported from faults) so building the parser never imports the simulator.
INJECTION_KINDS = ("drop-after", "500-after", "503", "expired-token")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

Injection = tuple[str, tuple[str, ...] | None, int | None]  # kind, operations, times


@dataclass(frozen=True)
class FaultPlan:
    """What the fault flags ask for: ``Faults.configure(**configure)`` then each ``inject``."""

    configure: dict[str, Any] = field(default_factory=dict)
    injections: tuple[Injection, ...] = ()

    def apply(self, faults: Any) -> None:
        faults.configure(**self.configure)
        for kind, operations, times in self.injections:
            faults.inject(kind, operations=operations, times=times)


def add_subcommands(subparsers: Any) -> None:
    sim = subparsers.add_parser("sim", help="the WorkSpaces simulator (moto based)")
    sim_sub = sim.add_subparsers(dest="sim_command", metavar="SIM_COMMAND", required=True)
    serve = sim_sub.add_parser(
        "serve",
        help="serve a seeded simulated fleet over HTTP on 127.0.0.1",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    # dest names are prefixed: the top-level parser has flags of its own (e.g. regions).
    serve.add_argument("--port", dest="sim_port", metavar="P", type=int, default=4566, help="0 = any free port")
    serve.add_argument("--size", dest="sim_size", metavar="N", type=int, default=1000, help="WorkSpaces")
    serve.add_argument("--seed", dest="sim_seed", metavar="S", type=int, default=7)
    serve.add_argument("--regions", dest="sim_regions", nargs="+", default=list(DEFAULT_REGIONS),
                       metavar="R", help="space- or comma-separated")  # fmt: skip
    serve.add_argument("--directories", dest="sim_directories", metavar="N", type=int, default=3,
                       help="directories per region")  # fmt: skip
    serve.add_argument("--speed", dest="sim_speed", metavar="F", type=float, default=1.0,
                       help="virtual seconds per real second")  # fmt: skip
    _add_fault_flags(serve.add_argument_group("faults (see README: The simulator)"))
    serve.set_defaults(func=cmd_serve)


def _add_fault_flags(group: Any) -> None:
    group.add_argument("--latency-ms", dest="sim_latency_ms", metavar="X", type=float, default=0.0,
                       help="added to every call")  # fmt: skip
    group.add_argument("--throttle-rate", dest="sim_throttle_rate", metavar="F", type=float,
                       default=0.0,
                       help="share of calls answered ThrottlingException (seeded)")  # fmt: skip
    group.add_argument("--rps-cap", dest="sim_rps_cap", metavar="OP=N", action="append",
                       type=parse_rps_cap, default=[],
                       help="calls per second per operation, then ThrottlingException; "
                            "N alone caps every operation (repeatable)")  # fmt: skip
    group.add_argument("--deny", dest="sim_deny", metavar="OP", action="append", default=[],
                       help="answer OP with AccessDeniedException (repeatable)")  # fmt: skip
    group.add_argument("--fail-after", dest="sim_fail_after", metavar="N", type=_non_negative,
                       default=None,
                       help="after N calls the endpoint drops every connection")  # fmt: skip
    group.add_argument("--inject", dest="sim_inject", metavar="KIND[:OP,...][@TIMES]",
                       action="append", type=parse_inject, default=[],
                       help=f"KIND one of {', '.join(INJECTION_KINDS)}; only OPs (default all), "
                            "only the next TIMES calls (default all) (repeatable)")  # fmt: skip


# -- flag parsing (argparse type= functions: errors become usage messages) -----------------
def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def parse_rps_cap(text: str) -> tuple[str | None, float]:
    """``OP=N`` -> (OP, N); ``N`` -> (None, N): every operation."""
    op, sep, number = text.rpartition("=")
    if sep and not op:
        raise argparse.ArgumentTypeError(f"expected OP=N or N, got {text!r}")
    return (op or None), _positive_number(number)


def parse_inject(text: str) -> Injection:
    """``KIND[:OP[,OP...]][@TIMES]`` -> (kind, operations or None, times or None)."""
    rest, at, times_text = text.partition("@")
    kind, colon, ops_text = rest.partition(":")
    if kind not in INJECTION_KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown fault kind {kind!r} in {text!r}; one of {', '.join(INJECTION_KINDS)}"
        )
    operations = tuple(o.strip() for o in ops_text.split(",") if o.strip()) if colon else None
    if colon and not operations:
        raise argparse.ArgumentTypeError(f"no operation after ':' in {text!r}")
    times = _non_negative(times_text) if at else None
    return kind, operations, times


def parse_regions(values: Iterable[str], known: Iterable[str]) -> list[str]:
    """Regions given as separate words, comma lists or both; unknown ones are an error."""
    regions = list(dict.fromkeys(r.strip() for v in values for r in v.split(",") if r.strip()))
    if not regions:
        raise ValueError("--regions: give at least one region")
    known_set = set(known)
    unknown = [r for r in regions if r not in known_set]
    if unknown:
        raise ValueError(
            f"--regions: unknown region(s) {', '.join(unknown)}; the simulator knows "
            f"{', '.join(sorted(known_set))}"
        )
    return regions


def fault_plan(args: argparse.Namespace, operations: Iterable[str]) -> FaultPlan:
    """The faults the flags ask for; ValueError names a bad flag (typos in OP included)."""
    if not 0.0 <= args.sim_throttle_rate <= 1.0:
        raise ValueError("--throttle-rate must be within [0, 1]")
    if args.sim_latency_ms < 0:
        raise ValueError("--latency-ms must be >= 0")
    known = frozenset(operations)
    named = [op for op, _ in args.sim_rps_cap if op] + list(args.sim_deny)
    named += [op for _, ops, _ in args.sim_inject for op in ops or ()]
    unknown = sorted({op for op in named if op not in known})
    if unknown:
        raise ValueError(f"unknown operation(s) {', '.join(unknown)} (e.g. RebootWorkspaces)")
    configure: dict[str, Any] = {
        "latency_ms": args.sim_latency_ms,
        "throttle_rate": args.sim_throttle_rate,
        "fail_after": args.sim_fail_after,
        "rps_cap": _rps_cap(args.sim_rps_cap),
        "denied": frozenset(args.sim_deny),
    }
    return FaultPlan(configure, tuple(args.sim_inject))


def _rps_cap(caps: Sequence[tuple[str | None, float]]) -> float | dict[str, float] | None:
    # Faults holds either one cap for every operation or a per-operation table, not both.
    every = [n for op, n in caps if op is None]
    per_op = {op: n for op, n in caps if op is not None}
    if every and per_op:
        raise ValueError("--rps-cap: give either N (every operation) or OP=N entries, not both")
    if len(every) > 1:
        raise ValueError("--rps-cap: N (every operation) given more than once")
    return every[0] if every else (per_op or None)


def _simulated_operations() -> frozenset[str]:
    """Operation names the simulator answers: WorkSpaces and the tagging API."""
    import botocore.session

    session = botocore.session.get_session()
    return frozenset(
        name for service in ("workspaces", "resourcegroupstaggingapi")
        for name in session.get_service_model(service).operation_names
    )  # fmt: skip


def _simulated_regions() -> list[str]:
    from moto.workspaces.models import workspaces_backends

    from wstui.sim.seed import DEFAULT_ACCOUNT

    return list(workspaces_backends[DEFAULT_ACCOUNT].regions)


# -- the command ---------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace, opts: Any = None) -> int:
    try:
        from wstui.sim.runtime import SERVE_MAX_CALLS
        from wstui.sim.simulator import Simulator
    except ImportError:
        print(NEEDS_DEMO_EXTRA, file=sys.stderr)
        return 2
    if args.sim_size < 0 or args.sim_speed < 0 or args.sim_directories < 1:
        return _usage("--size >= 0, --speed >= 0, --directories >= 1")
    try:
        regions = parse_regions(args.sim_regions, _simulated_regions())
        plan = fault_plan(args, _simulated_operations())
    except ValueError as e:
        return _usage(str(e))
    sim = Simulator(seed=args.sim_seed, speed=args.sim_speed, max_calls=SERVE_MAX_CALLS)
    sim.activate()
    started = time.perf_counter()
    sim.seed(size=args.sim_size, regions=regions, directories_per_region=args.sim_directories)
    seeded = time.perf_counter() - started
    plan.apply(sim.faults)  # after seeding: seeding makes no API calls, but fail_after counts
    try:
        url, stop = sim.serve_in_thread(port=args.sim_port)
    except OSError as e:
        print(f"wstui sim serve: cannot listen on port {args.sim_port}: {e}", file=sys.stderr)
        return 1
    print(f"WorkSpaces simulator: {args.sim_size} WorkSpaces in {', '.join(regions)} "
          f"(seed {args.sim_seed}, seeded in {seeded:.1f}s, speed {args.sim_speed}x)")  # fmt: skip
    for line in startup_lines(url, regions, plan):
        print(line)
    print("Ctrl-C to stop.", flush=True)
    return _serve_until_interrupted(stop)


def startup_lines(url: str, regions: Sequence[str], plan: FaultPlan) -> list[str]:
    """The endpoint, the faults in force and the exact environment and commands to use."""
    env = {**CREDENTIALS, "AWS_REGION": regions[0], "AWS_DEFAULT_REGION": regions[0],
           "AWS_ENDPOINT_URL": url}  # fmt: skip
    wstui = ["wstui"] + [w for r in regions for w in ("--region", r)]
    return [
        f"endpoint: {url}",
        f"faults: {describe_faults(plan)}",
        "environment:",
        "  export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()),
        "then:",
        f"  {shlex.join(wstui)}",
        "  aws workspaces describe-workspaces --max-items 5",
    ]


def describe_faults(plan: FaultPlan) -> str:
    c = plan.configure
    parts = [
        f"latency {c['latency_ms']:g} ms" if c.get("latency_ms") else "",
        f"throttle rate {c['throttle_rate']:g}" if c.get("throttle_rate") else "",
        f"rps cap {_describe_cap(c['rps_cap'])}" if c.get("rps_cap") else "",
        f"denied {', '.join(sorted(c['denied']))}" if c.get("denied") else "",
        f"down after {c['fail_after']} calls" if c.get("fail_after") is not None else "",
    ]
    for kind, operations, times in plan.injections:
        scope = ",".join(operations) if operations else "every operation"
        parts.append(f"{kind} on {scope}" + (f" x{times}" if times is not None else ""))
    return "; ".join(p for p in parts if p) or "none"


def _describe_cap(cap: float | dict[str, float]) -> str:
    if isinstance(cap, dict):
        return ", ".join(f"{op}={n:g}/s" for op, n in sorted(cap.items()))
    return f"{cap:g}/s per operation"


def _usage(message: str) -> int:
    print(f"wstui sim serve: {message}", file=sys.stderr)
    return 2


def _serve_until_interrupted(stop: Callable[[], None]) -> int:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0
