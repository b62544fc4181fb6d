"""The argument parser: global flags (before or after the command), each command's flags,
and the Options they build over config.toml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wstui import __version__
from wstui.cli import acting, launching, reading, refreshing
from wstui.cli.exits import EXIT_OK
from wstui.config import default_cache_path, load_config
from wstui.wiring import Options


# -- options (built here from flags; what they build: wstui.wiring) -----------
def options_from(args: argparse.Namespace) -> tuple[Options, list[str]]:
    """Options from parsed flags over config.toml; returns the config's problems too."""
    config = load_config(args.config)
    opts = Options(
        profiles=list(args.profile or []),
        regions=list(args.region or []),
        endpoint_url=args.endpoint_url,
        cache_path=Path(args.cache).expanduser() if args.cache else default_cache_path(),
        own_cache_dir=not args.cache,
        config=config,
        read_only=bool(args.read_only),
        theme=args.theme or config.theme,
    )
    for name in ("size", "seed", "speed", "org"):
        if getattr(args, name, None) is not None:
            setattr(opts, name, getattr(args, name))
    return opts, list(config.errors)


# -- parser -------------------------------------------------------------------
# Global options, accepted before or after the subcommand (`wstui ls ws --profile x`).
# (flags, argparse keywords); subcommands get them with `sub_` dests (see _merge_globals).
GLOBAL_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--profile",), dict(action="append", metavar="NAME", help="AWS profile (repeatable)")),
    (("--region",), dict(action="append", metavar="REGION", help="AWS region (repeatable)")),
    (("--endpoint-url",), dict(metavar="URL", help="API endpoint (beats AWS_ENDPOINT_URL*)")),
    (("--cache",), dict(metavar="PATH", help="cache file (default under WSTUI_CACHE_DIR)")),
    (("--config",), dict(metavar="PATH", help="config.toml (default under WSTUI_CONFIG_DIR)")),
    (("--read-only",), dict(action="store_true", help="refuse every mutating action")),
    (("--theme",), dict(metavar="NAME", help="TUI theme")),
]
_GLOBAL_DESTS = ("profile", "region", "endpoint_url", "cache", "config", "read_only", "theme")


def _add_globals(parser: argparse.ArgumentParser, sub: bool) -> None:
    group = parser.add_argument_group("global options")
    for flags, kwargs in GLOBAL_OPTIONS:
        if sub:
            dest = "sub_" + flags[0].lstrip("-").replace("-", "_")
            group.add_argument(*flags, **kwargs, dest=dest, default=argparse.SUPPRESS)
        else:
            group.add_argument(*flags, **kwargs)


def _merge_globals(args: argparse.Namespace) -> argparse.Namespace:
    """Global options given after the subcommand: lists add up, single values win."""
    for dest in _GLOBAL_DESTS:
        late = getattr(args, "sub_" + dest, None)
        if late is None:
            continue
        delattr(args, "sub_" + dest)
        if isinstance(late, list):
            setattr(args, dest, [*(getattr(args, dest, None) or []), *late])
        else:
            setattr(args, dest, late)
    return args


# Options whose value may start with "-" (`--filter -state:available`, a negated query).
# argparse takes such a value for an option; joining it as `--filter=-state:...` keeps it.
DASH_VALUE_OPTIONS = frozenset({"--filter", "-f"})


def join_dash_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return out + argv[i:]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        dash_value = nxt is not None and nxt.startswith("-") and not nxt.startswith("--")
        if arg in DASH_VALUE_OPTIONS and dash_value and nxt not in _SHORT_FLAGS:
            out.append(f"{arg}={nxt}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


# Short flags of ls/act: `--filter -c` is a missing value, not a query (argparse says so).
_SHORT_FLAGS = frozenset({"-f", "-s", "-c", "-o", "-O", "-y", "-h", "-p"})

OUTPUT_FORMATS = ("table", "json", "csv", "text")


def build_parser(sim: bool = True) -> argparse.ArgumentParser:
    """The whole command line. ``sim=False`` (no "sim" among the arguments) puts a stand-in
    with the same --help line where `wstui sim ...` goes: the simulator's parsers and
    their imports (~10 ms) stay off the TUI's start."""
    p = argparse.ArgumentParser(
        prog="wstui",
        description="Terminal fleet manager for Amazon WorkSpaces. Without a command, opens the TUI.",
    )
    p.add_argument("--version", action="version", version=f"wstui {__version__}")
    _add_globals(p, sub=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the TUI on a simulated fleet")
    demo.add_argument("--size", type=int, help="number of simulated WorkSpaces")
    demo.add_argument("--seed", type=int, help="random seed")
    demo.add_argument("--speed", type=float, help="virtual seconds per real second")
    demo.add_argument("--org", action="store_true", default=None,
                      help="an AWS Organization of 5 accounts (one refuses the role), "
                           "found by Organizations discovery")  # fmt: skip
    demo.set_defaults(func=launching.cmd_demo)

    _add_sim(sub, sim)

    r = sub.add_parser("refresh", help="fill the cache from the API")
    r.add_argument("--kinds", nargs="+", metavar="KIND", help="kinds to refresh (default all)")
    r.add_argument("--watch", action="store_true", help="keep refreshing on each kind's interval")
    r.add_argument("--metrics", action="store_true",
                   help="then read CloudWatch metrics (billable hours, health, cost)")  # fmt: skip
    r.set_defaults(func=refreshing.cmd_refresh)

    ls = sub.add_parser("ls", help="list cached rows of a kind")
    ls.add_argument("kind", metavar="KIND")
    ls.add_argument("--filter", "-f", default="", metavar="QUERY")
    ls.add_argument("--sort", "-s", metavar="COL[:desc]")
    # --output/-o is the AWS CLI's name for the format; --format stays as an alias.
    ls.add_argument("--output", "-o", "--format", dest="format", choices=OUTPUT_FORMATS,
                    default="table", help="table, json, csv or text (tab-separated, no header)")  # fmt: skip
    ls.add_argument("--columns", "-c", metavar="A,B", help="columns to show")
    ls.add_argument("--limit", type=int, default=None, metavar="N")
    ls.add_argument("--out-file", "-O", metavar="FILE",
                    help="write csv/json to FILE (streamed; format from -o or the extension)")  # fmt: skip
    ls.set_defaults(func=reading.cmd_ls)

    act = sub.add_parser("act", help="plan and run an action on WorkSpaces")
    act.add_argument("action", metavar="ACTION")
    sel = act.add_mutually_exclusive_group(required=True)
    sel.add_argument("--filter", "-f", metavar="QUERY")
    sel.add_argument("--ids", nargs="+", metavar="ID")
    act.add_argument("--param", action="append", default=[], metavar="K=V")
    mode = act.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the plan, send nothing")
    mode.add_argument("--yes", "-y", action="store_true", help="send the planned calls")
    act.add_argument("--confirm", type=int, metavar="N", help="destructive: the eligible count")
    act.add_argument("--follow", action="store_true", help="wait until each id settles")
    act.set_defaults(func=acting.cmd_act)

    log = sub.add_parser("log", help="show the audit log of actions")
    log.add_argument("--limit", type=int, default=20, metavar="N")
    log.add_argument("--output", "-o", "--format", dest="format", choices=("table", "json"),
                     default="table")  # fmt: skip
    log.set_defaults(func=reading.cmd_log)
    _add_op(sub)
    _add_create_csv(sub)
    _add_targets(sub)

    comp = sub.add_parser("completion", help="print a shell completion script (bash or zsh)")
    comp.add_argument("shell", choices=("bash", "zsh"))
    comp.set_defaults(func=cmd_completion)
    for name, parser in sub.choices.items():
        if name != "sim":  # the simulator's own flags (--regions, ...) are not wstui's
            _add_globals(parser, sub=True)
    return p


SIM_HELP = "the WorkSpaces simulator (moto based)"  # as wstui.sim.cli says it


def _add_sim(sub: Any, full: bool) -> None:
    available = launching.moto_available()
    if available and full:
        from wstui.demo import add_sim_commands

        if add_sim_commands(sub):
            return
        available = False
    helptext = SIM_HELP if available else "the WorkSpaces simulator (needs wstui[demo])"
    sim = sub.add_parser("sim", help=helptext)
    sim.add_argument("rest", nargs=argparse.REMAINDER)
    sim.set_defaults(func=lambda args, opts: launching.needs_sim())


# -- wstui op: any WorkSpaces operation (catalogue in wstui.core.act.ops) ----------
def _add_op(sub: Any) -> None:
    op = sub.add_parser("op", help="run any WorkSpaces API operation (see docs/api-coverage.md)")
    op.add_argument("operation", metavar="OPERATION", help="e.g. create-connection-alias")
    op.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                    help="a field as the TUI form names it, e.g. ConnectionAliasPermission."
                    "SharedAccountId=123456789012")  # fmt: skip
    op.add_argument("--yes", "-y", action="store_true", help="send a mutating call")
    op.add_argument(
        "--confirm",
        metavar="ID|N",
        help="destructive: the resource id (or name), or the count of resources",
    )
    op.add_argument("--after-unknown", action="store_true",
                    help="send although the same call's last outcome on it is unknown")  # fmt: skip
    op.set_defaults(func=acting.cmd_op)


# -- wstui create-workspaces --csv FILE (wstui.core.act.create_csv) -------------------------
def _add_create_csv(sub: Any) -> None:
    c = sub.add_parser("create-workspaces", help="create WorkSpaces from a CSV file (25 per call)")
    c.add_argument("--csv", required=True, metavar="FILE",
                   help="columns DirectoryId,UserName,BundleId[,RunningMode,ComputeTypeName,"
                   "RootVolumeSizeGib,UserVolumeSizeGib,Tags as k=v;k2=v2]")  # fmt: skip
    c.add_argument("--yes", "-y", action="store_true", help="send the planned calls")
    c.set_defaults(func=acting.cmd_create_csv)


# -- wstui targets [discover] (core.targets, core.org) -----------------------------------
def _add_targets(sub: Any) -> None:
    t = sub.add_parser("targets", help="each target's refresh status; `discover`: find the "
                                       "accounts of an AWS Organization")  # fmt: skip
    t.add_argument("what", nargs="?", choices=("discover",), metavar="discover",
                   help="run Organizations discovery now ([[targets]] organization = true)")  # fmt: skip
    t.add_argument("--output", "-o", dest="format", choices=("table", "json"), default="table")
    t.set_defaults(func=reading.cmd_targets)


def cmd_completion(args: argparse.Namespace, opts: Options) -> int:
    # Beside the parser it prints: in another module it would import the parser back (a cycle).
    from wstui.completion import script

    sys.stdout.write(script(args.shell, build_parser()))
    return EXIT_OK
