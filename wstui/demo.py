"""`wstui demo`, `wstui sim ...` and the screenshots' fleet: the simulator, started for the app.

The only module outside tests and bench that imports ``wstui.sim`` (an import-linter
contract keeps it so): the UI and the core run on whatever endpoint they are given and
never know a simulator is behind it. Everything here imports the simulator (moto) lazily,
so the CLI parses its flags without it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wstui.ui.app import AppContext
    from wstui.wiring import Options

DEMO_REGIONS = ("us-east-1", "eu-west-1")
# `wstui demo --org`: members of the simulated Organization (name, share of --size,
# regions, role assumable); the management account keeps the main fleet.
DEMO_ORG = (("Prod", 0.5, ("us-east-1", "eu-west-1"), True),
            ("Dev", 0.15, ("eu-west-1",), True),
            ("Sandbox", 0.1, ("us-east-1",), False),
            ("Data", 0.2, ("ap-southeast-2",), True))  # fmt: skip


def demo_intervals() -> dict[str, int]:
    """Real seconds between demo refreshes: short, so the fast clock's transitions show."""
    from wstui.core.kinds import demo_intervals as declared

    return {**declared(), "metrics": 300}  # each kind declares its own


@contextmanager
def demo_context(options: Options) -> Iterator[AppContext]:
    """An HTTP simulator in this process, a throw-away cache, and a fast refresher."""
    from wstui.core.aws import Clients, Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher
    from wstui.sim.runtime import SERVE_MAX_CALLS
    from wstui.sim.simulator import FAKE_CREDENTIALS, Simulator
    from wstui.ui.app import AppContext
    from wstui.wiring import user_theme_dir

    saved = {k: os.environ.get(k) for k in (*FAKE_CREDENTIALS, "AWS_PROFILE")}
    os.environ.pop("AWS_PROFILE", None)  # the simulator takes any key; a profile may not exist
    os.environ.update(FAKE_CREDENTIALS)
    sim = Simulator(seed=int(options.seed), speed=float(options.speed), max_calls=SERVE_MAX_CALLS)
    url, stop = sim.serve_in_thread(port=0)
    tmp = tempfile.TemporaryDirectory(prefix="wstui-demo-")
    cache = None
    try:
        sim.seed(size=int(options.size), regions=DEMO_REGIONS)
        cache = Cache(Path(tmp.name) / "cache.sqlite")
        clients = Clients(endpoint_url=url)
        targets = [Target(None, region) for region in DEMO_REGIONS]
        discovery = _demo_organization(sim, int(options.size)) if options.org else None
        if discovery is not None:
            targets = []  # every account, the management one too, comes from discovery
        refresher: Any = Refresher(
            cache, clients, targets, intervals=demo_intervals(), follow_interval=1.0,
            discovery=discovery,
            metrics_loop=True,
        )
        refresher.metrics_clock = sim.clock.now  # metrics up to the simulator's time
        if options.refresh_process == "child":
            from wstui.refresh_process import RefresherProcess

            spec = DemoSpec(cache.path, url, tuple(targets), discovery, SimTime.of(sim.clock),
                            demo_intervals())  # fmt: skip
            refresher = RefresherProcess(spec, refresher)
        policy = options.policy()
        yield AppContext(
            cache=cache, targets=targets, clients=clients, refresher=refresher,
            read_only=policy.read_only, config=options.config,
            user_theme_dir=user_theme_dir(), policy=policy,
        )  # fmt: skip
    finally:
        if cache is not None:
            cache.close()
        stop()
        tmp.cleanup()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class SimTime:
    """The simulator's clock, readable in another process: its reading at one instant and
    its speed, carried forward on CLOCK_MONOTONIC (system-wide on Linux and macOS). The
    demo's clock is never advanced by hand, only run at its speed."""

    def __init__(self, at: float, mono: float, speed: float) -> None:
        self.at, self.mono, self.speed = at, mono, speed

    @classmethod
    def of(cls, clock: Any) -> SimTime:
        return cls(clock.now(), time.monotonic(), clock.speed)

    def __call__(self) -> float:
        return self.at + self.speed * (time.monotonic() - self.mono)


@dataclass(frozen=True)
class DemoSpec:
    """What the demo's refresher process builds (wstui.refresh_process): the same cache
    file, clients on the simulator's URL, targets, discovery, intervals and clock."""

    cache_path: Path
    url: str
    targets: tuple[Any, ...]
    discovery: Any
    clock: Callable[[], float]
    intervals: dict[str, int]

    def build(self) -> tuple[Any, Any]:
        from wstui.core.aws import Clients
        from wstui.core.cache import Cache
        from wstui.core.refresh import Refresher

        cache = Cache(self.cache_path)  # no Textual in the child: the intervals come along
        refresher = Refresher(
            cache, Clients(endpoint_url=self.url), list(self.targets), intervals=self.intervals,
            follow_interval=1.0, discovery=self.discovery, metrics_loop=True,
        )  # fmt: skip
        refresher.metrics_clock = self.clock
        return cache, refresher


def _demo_organization(sim: Any, size: int) -> Any:
    """Seed the demo's Organization; the Discovery that finds it (on the refresher's
    thread, at its first pass: the first frame does not wait for it)."""
    from wstui.config import OrgSource
    from wstui.core.org import Discovery
    from wstui.sim.org import ROLE, seed_organization

    members = [(name, max(1, int(size * share)), regions, ok)
               for name, share, regions, ok in DEMO_ORG]  # fmt: skip
    seed_organization(seed=sim.seed_value, now=sim.clock.now(), members=members)
    regions = tuple(sorted({r for *_, rs, _ in DEMO_ORG for r in rs} | set(DEMO_REGIONS)))
    return Discovery([OrgSource(None, ROLE, regions)])


def run_demo(options: Options) -> int:
    """`wstui demo`: the TUI on a seeded simulator; everything it made is removed at exit."""
    from wstui.ui.app import run_app

    # SIGHUP/SIGTERM end the app like `q`, so demo_context still removes its temp dir.
    return run_app(demo_context(options), options.theme_choice(), throwaway_cache_dir=True)


def add_sim_commands(sub: Any) -> bool:
    """Add `wstui sim ...` (serve, ...) to the CLI's subparsers; False if the simulator's
    command module cannot be imported."""
    try:
        from wstui.sim.cli import add_subcommands
    except ImportError:
        return False
    add_subcommands(sub)
    return True


def seeded_simulator(
    seed: int, start: float, size: int, regions: Sequence[str], directories_per_region: int
) -> Any:
    """A started in-process simulator (manual clock) with a seeded fleet; ``stop()`` it."""
    from wstui.sim import Simulator

    sim = Simulator(seed=seed, speed=0.0, start=start)
    sim.start()
    sim.seed(size=size, regions=regions, directories_per_region=directories_per_region)
    return sim
