"""``wstui sim serve``: the simulator as a standalone HTTP endpoint on 127.0.0.1.

Imported by ``wstui/cli.py``; moto is imported only when the command runs, so a ``wstui``
installed without the demo extra can say what to install instead of raising ImportError.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from typing import Any

NEEDS_DEMO_EXTRA = "the simulator needs moto: pip install 'wstui[demo]'"
DEFAULT_REGIONS = ("us-east-1", "eu-west-1")


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
    serve.add_argument(
        "--regions", dest="sim_regions", nargs="+", default=list(DEFAULT_REGIONS), metavar="R"
    )
    serve.add_argument("--directories", dest="sim_directories", metavar="N", type=int, default=3,
                       help="directories per region")  # fmt: skip
    serve.add_argument("--latency-ms", dest="sim_latency_ms", metavar="X", type=float, default=0.0)
    serve.add_argument("--throttle-rate", dest="sim_throttle_rate", metavar="F", type=float, default=0.0,
                       help="share of calls answered ThrottlingException")  # fmt: skip
    serve.add_argument("--speed", dest="sim_speed", metavar="F", type=float, default=1.0,
                       help="virtual seconds per real second")  # fmt: skip
    serve.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace, opts: Any = None) -> int:
    try:
        from wstui.sim.simulator import Simulator
    except ImportError:
        print(NEEDS_DEMO_EXTRA, file=sys.stderr)
        return 2
    if args.sim_size < 0 or not 0.0 <= args.sim_throttle_rate <= 1.0 or args.sim_speed < 0:
        print("wstui sim serve: --size >= 0, --throttle-rate in [0, 1], --speed >= 0",
              file=sys.stderr)  # fmt: skip
        return 2
    sim = Simulator(seed=args.sim_seed, speed=args.sim_speed)
    sim.activate()
    started = time.perf_counter()
    sim.seed(size=args.sim_size, regions=args.sim_regions,
             directories_per_region=args.sim_directories)  # fmt: skip
    seeded = time.perf_counter() - started
    sim.faults.configure(latency_ms=args.sim_latency_ms, throttle_rate=args.sim_throttle_rate)
    try:
        url, stop = sim.serve_in_thread(port=args.sim_port)
    except OSError as e:
        print(f"wstui sim serve: cannot listen on port {args.sim_port}: {e}", file=sys.stderr)
        return 1
    region = args.sim_regions[0]
    print(f"WorkSpaces simulator: {args.sim_size} WorkSpaces in {', '.join(args.sim_regions)} "
          f"(seed {args.sim_seed}, seeded in {seeded:.1f}s, speed {args.sim_speed}x)")  # fmt: skip
    print(f"endpoint: {url}")
    print("try:")
    print(f"  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --endpoint-url {url} "
          f"--region {region} workspaces describe-workspaces --max-items 5")  # fmt: skip
    print(f"  wstui --endpoint-url {url} --region {region}")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0
