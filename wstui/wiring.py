"""The composition root: what the CLI and the TUI run on, built from config + flags.

``Options`` holds what the global flags and config.toml decide; its ``make_*`` methods
build the pieces (clients, cache, mutation gateway with its policy and scope, refresher
with its metrics pass), and ``run_tui`` opens the app on them. ``wstui.cli`` parses the
command line into ``Options``; ``wstui.ui`` receives a finished ``AppContext`` and never
reads flags or config files itself. The demo builds its own pieces (``wstui.demo``).

Heavy modules (boto3, Textual) are imported where they are used, so `wstui ls` does not
pay for the TUI.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wstui.config import Config, config_dir, default_cache_path

if TYPE_CHECKING:
    from wstui.ui.app import AppContext


@dataclass
class Options:
    """Everything the global flags and config decide; passed to run_tui / run_demo."""

    profiles: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    endpoint_url: str | None = None
    cache_path: Path = field(default_factory=default_cache_path)
    own_cache_dir: bool = False  # the cache is in wstui's cache directory (no --cache)
    config: Config = field(default_factory=Config)
    read_only: bool = False
    theme: str | None = None
    cache_read_only: bool = False  # the cache runs from memory: nothing could be audited
    size: int = 2000  # demo
    seed: int = 7  # demo
    speed: float = 30.0  # demo: virtual seconds per real second
    org: bool = False  # demo: an AWS Organization of several accounts, found by discovery

    @property
    def protect_tag(self) -> str:
        return self.config.protect_tag

    def targets(self, cache: Any = None) -> list[Any]:
        """The selected targets; with `cache`, plus those Organizations discovery stored."""
        from wstui.core.aws import targets_from
        from wstui.core.targets import expand

        flags = bool(self.profiles or self.regions)  # they replace the config's targets
        found = self.discovery().targets(cache) if cache is not None and not flags else []
        if not (flags or self.config.targets) and self.config.organizations:
            return found  # only organization targets: not also the default profile
        # region "all" (config or --region all) = every WorkSpaces region
        static = expand(targets_from(self.profiles, self.regions, self.config.targets))
        return static + [t for t in found if t not in static]

    def discovery(self) -> Any:
        """Organizations discovery of the config's `organization = true` targets."""
        from wstui.core.org import Discovery

        return Discovery(self.config.organizations, self.config.discovery_interval)

    def make_clients(self) -> Any:
        from wstui.core.aws import Clients

        return Clients(
            endpoint_url=self.endpoint_url,  # --endpoint-url only: it beats every env var
            config_endpoint_url=self.config.endpoint_url,  # below AWS_ENDPOINT_URL* (core.aws)
            retry_mode=self.config.retry_mode,
            max_attempts=self.config.max_attempts,
        )

    def make_cache(self) -> Any:
        # A corrupt cache is moved aside and rebuilt; an unwritable one runs from memory,
        # read-only (wstui.core.recovery). Notices go to stderr and to the TUI.
        from wstui.core.files import private_dir
        from wstui.core.recovery import open_cache

        if self.own_cache_dir:
            # wstui's own cache directory: 0700 even if an older version or the umask
            # left it 0755. A directory named with --cache keeps the mode the user gave it.
            with contextlib.suppress(OSError):  # unwritable: open_cache says so
                private_dir(self.cache_path.parent)
        opened = open_cache(self.cache_path)
        for notice in opened.notices:
            print(f"wstui: {_terminal_safe(notice)}", file=sys.stderr)
        self.cache_read_only = bool(opened.read_only)
        opened.cache.notices = list(opened.notices)
        if self.config.prices:
            from wstui.core.prices import Prices

            opened.cache.prices = Prices.shipped().with_overrides(self.config.prices)
        return opened.cache

    def policy(self) -> Any:
        """The read-only policy: flag, WSTUI_READ_ONLY, config (any config error fails closed)."""
        from wstui.core.act import Policy

        return Policy.from_sources(
            flag=self.read_only, env=os.environ, config_read_only=self.config.read_only,
            config_errors=self.config.errors, cache_read_only=self.cache_read_only,
        )  # fmt: skip

    def make_gateway(self, cache: Any, clients: Any) -> Any:
        """The one way to send a mutation: policy, the selected targets' scope, protect tag."""
        from wstui.core.act import Gateway, Scope

        return Gateway(self.policy(), Scope(self.targets(cache), clients), clients, cache,
                       protect_tag=self.protect_tag)  # fmt: skip

    def make_refresher(self, cache: Any, clients: Any, on_event: Any = None) -> Any:
        from wstui.core.refresh import Refresher

        return Refresher(
            cache,
            clients,
            self.targets(),  # discovery adds its own (core.refresh)
            intervals=self.config.intervals,
            on_event=on_event,
            tags_every=self.config.tags_every,
            # --profile/--region replace the config's targets, organizations included
            discovery=None if (self.profiles or self.regions) else self.discovery(),
            metrics_loop=True,
        )

    @property
    def refresh_process(self) -> str:
        """Where the TUI's refresher runs: WSTUI_REFRESH_PROCESS, else [refresh] process."""
        env = os.environ.get("WSTUI_REFRESH_PROCESS", "").strip().lower()
        return env if env in ("child", "thread") else self.config.refresh_process

    def tui_refresher(self, cache: Any, clients: Any) -> Any:
        """The TUI's refresher: in a child process (wstui.refresh_process) unless the
        config says "thread" or the cache lives in this process's memory only."""
        local = self.make_refresher(cache, clients)
        if self.refresh_process != "child" or self.cache_read_only:
            return local
        from wstui.refresh_process import RefresherProcess

        return RefresherProcess(OptionsSpec(self), local)

    def theme_choice(self) -> str | None:
        """--theme wins; then the config's theme unless it is the config default."""
        # The config's default ("textual-dark") means "not chosen": use wstui's own default.
        return self.theme if self.theme and self.theme != "textual-dark" else None


@dataclass(frozen=True)
class OptionsSpec:
    """What the refresher's child process builds its own cache, clients and refresher
    from (wstui.refresh_process): the same options, pickled."""

    options: Options

    def build(self) -> tuple[Any, Any]:
        cache = self.options.make_cache()
        return cache, self.options.make_refresher(cache, self.options.make_clients())


def _terminal_safe(text: str) -> str:
    from wstui.core.text import plain

    return plain(text)  # no escapes, controls or bidi; tab, LF and CR become spaces


def user_theme_dir() -> Path:
    return config_dir() / "themes"


def app_context(options: Options) -> AppContext:
    """Cache, clients, targets and refresher for the TUI, from the options."""
    from wstui.ui.app import AppContext

    cache = options.make_cache()
    clients = options.make_clients()
    refresher = options.tui_refresher(cache, clients)
    policy = options.policy()
    return AppContext(
        cache=cache, targets=list(refresher.targets), clients=clients, refresher=refresher,
        read_only=policy.read_only, config=options.config,
        user_theme_dir=user_theme_dir(), policy=policy,
    )  # fmt: skip


@contextmanager
def _tui_context(options: Options) -> Iterator[AppContext]:
    ctx = app_context(options)
    yield ctx
    ctx.cache.close()


def run_tui(options: Options) -> int:
    """The TUI on the configured targets (`wstui` with no command)."""
    from wstui.ui.app import run_app

    # wstui.cli disables the GC for the start-up; it resumes after the first frame.
    return run_app(_tui_context(options), options.theme_choice(), resume_gc=True)
