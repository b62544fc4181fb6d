"""The Textual application: shell, themes, keymap, palette, and the run entry points.

`run_app(context, theme)` runs it on an `AppContext` built by the composition root
(`wstui.wiring` for the configured targets, `wstui.demo` for the simulator); the UI never
reads flags or starts a simulator itself. Screens live in `wstui.ui.screens`.

Over 400 lines because it is the App subclass, the one place Textual gives start-up,
themes, the keymap, global actions and the refresher's messages to screens; it is being
reworked (the refresher in a child process), so a split waits for that.
"""

from __future__ import annotations

import gc
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from textual.actions import SkipAction
from textual.app import App
from textual.binding import BindingType
from textual.filter import LineFilter, Monochrome, NoColor
from textual.worker import Worker, WorkerState

from wstui.core.kinds import DEFAULT_KIND, WORKSPACES
from wstui.ui.keymap import APP_BINDINGS, keymap_from_config, resolve_conflicts
from wstui.ui.messages import (
    CacheChanged,
    ForScreens,
    RefreshActivity,
    RefresherNoticed,
    RefreshProgressed,
)
from wstui.ui.screens.palette import WstuiCommands
from wstui.ui.textual_compat import FrameAwareApp, refresh_ansi_filter
from wstui.ui.themes import ANSI_THEME, DEFAULT_THEME, load_themes, shipped_theme_dirs
from wstui.ui.workers import WorkerFailed, failure_text, log_failure


@dataclass
class AppContext:
    """Everything a screen needs: the cache to read, and how to act and refresh."""

    cache: Any  # wstui.core.cache.Cache
    targets: list[Any] = field(default_factory=list)  # wstui.core.aws.Target
    clients: Any = None  # wstui.core.aws.Clients; None = no mutations possible
    refresher: Any = None  # wstui.core.refresh.Refresher
    read_only: bool = False  # shown in the header; the gateway's policy is what enforces it
    clock: Callable[[], float] = time.time  # frozen in screenshots and snapshot tests
    config: Any = None  # wstui.config.Config
    user_theme_dir: Path | None = None
    policy: Any = None  # wstui.core.act.Policy; None = from read_only
    _gateway: Any = None

    @property
    def gateway(self) -> Any:
        """The mutation gateway (wstui.core.act): every change the TUI sends goes through it."""
        if self._gateway is None:
            from wstui.core.act import Gateway, Policy, Scope

            policy = self.policy or Policy(("--read-only",) if self.read_only else ())
            protect = getattr(self.config, "protect_tag", None) or "wstui:protect"
            # Targets found by Organizations discovery join the selection as the
            # refresher (re-)discovers them.
            discovered = None
            if getattr(self.refresher, "discovery", None) is not None:
                discovered = lambda: list(self.refresher.targets)  # noqa: E731
            scope = Scope(self.targets, self.clients, discovered)
            self._gateway = Gateway(policy, scope, self.clients, self.cache,
                                    protect_tag=protect)  # fmt: skip
        return self._gateway

    @property
    def targets_text(self) -> str:
        # The refresher's targets carry the accounts it resolved through STS.
        targets = getattr(self.refresher, "targets", None) or self.targets
        keys = [t.key if t.account else t.label for t in targets]
        if len(keys) > 3:
            return f"{', '.join(keys[:3])} +{len(keys) - 3}"
        return ", ".join(keys) or "no targets"


class WstuiApp(FrameAwareApp):
    """k9s for WorkSpaces."""

    TITLE = "wstui"
    CSS_PATH = ["app.tcss", "dialogs.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [*APP_BINDINGS]
    COMMANDS = App.COMMANDS | {WstuiCommands}

    def notify(self, message: str, *, markup: bool = False, **kwargs: Any) -> None:
        """Every notification is plain text: messages carry API values and user input,
        and markup in them would be interpreted (or raise on a stray "[/]")."""
        from wstui.ui.safe_text import clean

        super().notify(clean(message), markup=False, **kwargs)

    def __init__(
        self,
        ctx: AppContext,
        theme: str | None = None,
        start_kind: str = DEFAULT_KIND,
        watch_refresher: bool = True,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self._requested_theme = theme
        self._start_kind = start_kind
        self._watch_refresher = watch_refresher
        # While another process's `wstui refresh --watch` refreshes the cache (ui.commands).
        self.watcher: Any = None  # its WatchFollower
        self.watch_lookout: Any = None  # the timer that looks for a watcher starting later
        self.refresh_activity = ""
        self.after_first_frame: Callable[[], None] | None = None  # run_tui: resume the GC
        self._painted = False
        self._after_paint: list[Callable[[], Any]] = []
        self._frame_dropped = False
        self._no_color = NoColor()
        # Themes are set before the stylesheet is first parsed: setting one after mount
        # re-parses and re-applies every rule (~15 ms before the first frame).
        self._theme_notices = self._install_themes()

    # -- start-up -------------------------------------------------------------------

    def get_line_filters(self) -> list[LineFilter]:
        """NO_COLOR means no colour codes at all, not grey ones.

        Textual picks `Monochrome` in `App.__init__` (our ANSI theme is not active yet),
        which still sends 256/true-colour greys; `NoColor` sends only the terminal's
        default colours. Legibility then rests on reverse/bold/underline (app.tcss :nocolor).
        """
        filters = list(super().get_line_filters())
        if not self.no_color:
            return filters
        filters = [f for f in filters if not isinstance(f, Monochrome)]
        if not any(isinstance(f, NoColor) for f in filters):
            filters.append(self._no_color)
        return filters

    def on_mount(self) -> None:
        for notice in self._theme_notices:
            self.notify(notice, severity="warning", timeout=8)
        self._install_keymap()
        from wstui.ui.screens.resource import ResourceScreen

        self.push_screen(ResourceScreen(self._start_kind))
        for notice in getattr(self.ctx.cache, "notices", ()):  # cache recovered or in memory
            self.notify(str(notice), severity="warning", timeout=30, markup=False)
        if self.after_first_frame is not None:
            self.when_painted(self.after_first_frame)
        if self._watch_refresher and self.ctx.refresher is not None:
            # After the first frame: its thread imports boto3 (~130 ms of CPU, under the GIL).
            self.when_painted(self._start_refresher_after_paint)

    def batch_ended(self) -> None:
        if self._frame_dropped:
            # At start-up the first screen is laid out inside Textual's start-up batch:
            # without a full repaint the terminal would get only the lines that change
            # afterwards, and the rows would wait for the table's next refresh.
            self._frame_dropped = False
            for widget in self.screen.query("*"):
                widget.refresh()

    def when_painted(self, callback: Callable[[], Any]) -> None:
        """Run `callback` once the first frame is on the terminal (soon, if it already is).

        For work the first frame does not need (full counts, the footer, the refresher).
        `call_after_refresh` is not enough: at start-up it runs after a refresh made inside
        Textual's start-up batch, which is never displayed -- before the first real frame.
        """
        if self._painted:
            self.call_later(callback)
        else:
            self._after_paint.append(callback)

    def frame_displayed(self, dropped: bool) -> None:
        if dropped:
            # Textual drops frames rendered inside a batch, yet later frames only send
            # what changed since them (see batch_ended).
            self._frame_dropped = True
        elif not self._painted:
            self._painted = True
            for callback in self._after_paint:
                self.call_later(callback)
            self._after_paint.clear()

    def _install_themes(self) -> list[str]:
        """Register the shipped and user themes and choose one; returns the notices."""
        notices: list[str] = []
        dirs = shipped_theme_dirs()
        if self.ctx.user_theme_dir is not None:
            dirs.append(self.ctx.user_theme_dir)
        loaded = load_themes(dirs)
        for theme in loaded.themes:
            self.register_theme(theme)
        notices += [f"Theme file ignored: {error}" for error in loaded.errors]
        wanted = self._requested_theme or (ANSI_THEME if self.no_color else DEFAULT_THEME)
        if wanted not in self.available_themes:
            notices.append(f"Unknown theme {wanted!r}; using {DEFAULT_THEME}")
            wanted = DEFAULT_THEME
        if wanted in self.available_themes:
            self._choose_theme_before_start(wanted)
        return notices

    def _choose_theme_before_start(self, name: str) -> None:
        """`self.theme = name` without its watcher's queued `refresh_css`, which re-parses
        the whole stylesheet before the first frame (~10 ms). Before the app runs nothing
        is parsed yet, so the watcher's other work is enough: the classes, the ANSI filter
        and the variables the first parse reads."""
        self.set_reactive(App.theme, name)
        theme = self.current_theme
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        classes.update({f"-theme-{theme.name}": True, "-dark-mode": theme.dark,
                        "-light-mode": not theme.dark})  # fmt: skip
        self.update_classes(classes, update=False)
        refresh_ansi_filter(self)
        self.stylesheet.set_variables(self.get_css_variables())

    def _install_keymap(self) -> None:
        keymap, problems = keymap_from_config(getattr(self.ctx.config, "keymap", None))
        keymap, conflicts = resolve_conflicts(keymap)
        for problem in [*problems, *conflicts]:
            self.notify(problem, severity="warning", timeout=8)
        if keymap:
            self.set_keymap(keymap)

    def _start_refresher_after_paint(self) -> None:
        self._start_refresher()
        # The header says who refreshes (this TUI or a watcher): show it now, not next tick.
        update_header = getattr(self.screen, "update_header", None)
        if update_header is not None:
            update_header()

    def refresh_here(self) -> None:
        """The watcher this TUI followed has stopped: refresh on our own again."""
        self.watcher = None
        if self._watch_refresher and self.ctx.refresher is not None:
            self._start_refresher()

    def _start_refresher(self) -> None:
        from wstui.ui.commands import defer_to_watcher

        if defer_to_watcher(self):  # a `wstui refresh --watch` refreshes this cache
            return
        refresher = self.ctx.refresher
        previous = getattr(refresher, "on_event", None)

        def on_event(event: Any) -> None:
            if previous is not None:
                previous(event)
            self._post_refresh_event(event)

        refresher.on_event = on_event
        refresher.start()

    def _post_refresh_event(self, event: Any) -> None:
        """Called on a refresher thread: turn its events into messages for the screen."""
        name = type(event).__name__
        target = getattr(event, "target", None)
        messages: list[Any] = []
        if name == "RefresherNotice":  # wstui.refresh_process: its child ended
            self.post_message(RefresherNoticed(str(event.text), str(event.severity)))
            return
        if name == "Progressed":
            # A few a second (core.progress limits them), posted without waiting: a
            # listing thread must not stall on a busy UI. The header shows the text.
            snapshot = event.snapshot
            self.post_message(RefreshProgressed(snapshot.short(), snapshot.active))
            return
        if name == "RefreshDone":
            changes = getattr(event, "changes", None)
            keys = getattr(changes, "changed_keys", None)
            if changes is not None and getattr(changes, "total", True):
                messages.append(CacheChanged(str(event.kind), frozenset(keys or ())))
            elif event.error:
                messages.append(CacheChanged(str(event.kind), frozenset()))
        elif name == "MetricsDone":
            # Metric and cost columns moved (they make no history, so a listing does not
            # report them): views over them (:view advice) re-read.
            result = getattr(event, "result", None)
            if result is not None and result.workspaces:
                messages.append(CacheChanged(WORKSPACES.name, frozenset()))
        elif name == "Followed":
            account, region = getattr(target, "account", ""), getattr(target, "region", "")
            changed = frozenset((account, region, wid) for wid in getattr(event, "states", {}))
            messages.append(CacheChanged(WORKSPACES.name, changed))
        for message in messages:
            # Posted, not call_from_thread: a refresher thread waiting for the UI loop
            # deadlocked with a UI thread waiting for the refresher (stop() at exit).
            self.post_message(ForScreens(message))

    def on_for_screens(self, message: ForScreens) -> None:
        self._deliver(message.message)

    def on_refresher_noticed(self, message: RefresherNoticed) -> None:
        self.notify(message.text, severity=message.severity, timeout=15)
        self._deliver(RefreshActivity("", busy=False))  # the ended pass's line

    def on_refresh_progressed(self, message: RefreshProgressed) -> None:
        text = message.text if message.active else ""
        if text != self.refresh_activity:
            self._deliver(RefreshActivity(text, busy=message.active))

    def _deliver(self, message: Any) -> None:
        if isinstance(message, RefreshActivity):
            self.refresh_activity = message.text
        if not self.screen_stack:
            return  # shutting down: a refresher event came after the last screen left
        self.screen.post_message(message)
        if isinstance(message, CacheChanged):
            from wstui.ui.screens.resource import ResourceScreen

            for screen in self.screen_stack[:-1]:
                if isinstance(screen, ResourceScreen):
                    screen.stale = True  # under a modal: re-read when it comes back

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.worker_failed(event.worker)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        self.worker_failed(message.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Every failed worker (the app's own and the screens'): a notice, and the log."""
        log_failure(worker)
        self.notify(failure_text(worker), severity="error", timeout=10)

    def on_unmount(self) -> None:
        # Always stop: it also ends a follow() still running in a results worker.
        if self.ctx.refresher is not None:
            try:
                self.ctx.refresher.stop()
            except Exception:  # whatever a pass left broken, the app must still exit
                pass

    # -- global actions -------------------------------------------------------------

    def action_help_quit(self) -> None:
        """ctrl+c: say how to quit. Textual's own hint is markup ("Press [b]q[/b]"), which
        the plain-text `notify` above would show raw; this is the same hint as plain text."""
        keys = [
            self.get_key_display(active.binding)
            for active in self.active_bindings.values()
            if active.binding.action in ("quit", "app.quit")
        ]
        if keys:
            self.notify(f"Press {' or '.join(dict.fromkeys(keys))} to quit the app",
                        title="Do you want to quit?")  # fmt: skip

    def action_help(self) -> None:
        from wstui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_command_prompt(self) -> None:
        from textual.widgets import Input

        from wstui.ui.screens.resource import ResourceScreen

        screen = self.screen
        # A priority binding: ":" typed into a text box, or on another screen, is text.
        if not isinstance(screen, ResourceScreen) or isinstance(self.focused, Input):
            raise SkipAction()
        screen.open_prompt()

    async def open_filtered(self, kind: str, query: str) -> None:
        """The kind's resource screen with `query` applied and shown in its filter box."""
        from textual.widgets import Input

        from wstui.ui.screens.resource import ResourceScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        screen = ResourceScreen(kind)
        await self.switch_screen(screen)
        box = screen.query_one("#filter", Input)
        box.value = query
        box.add_class("open")
        screen.apply_filter(query)
        self.notify(f"{screen.kind.title}: {query}", timeout=3, markup=False)

    def retry_failed(self, results: Any, failed: list[tuple[str, str, str]]) -> None:
        """The results screen's retry: re-read the failed rows and plan them again."""
        from wstui.ui.screens.flow import retry

        retry(results, failed)

    def switch_kind(self, name: str) -> bool:
        """Show the resource screen for a kind name/alias; False with a notice if unknown."""
        from wstui.core.kinds import resolve
        from wstui.ui.screens.resource import ResourceScreen

        try:
            kind = resolve(name)
        except KeyError as exc:
            self.notify(
                str(exc.args[0]) if exc.args else f"unknown resource {name!r}", severity="error"
            )
            return False
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(ResourceScreen(kind.name))
        return True

    def action_operations(self, screen: str = "") -> None:
        """The operations picker for `screen` (kind or "account"; default: this screen's)."""
        from wstui.ui.screens.ops_picker import open_operations

        open_operations(self, screen or None)

    def show_audit(self) -> None:
        from wstui.ui.screens.audit import AuditScreen

        self.push_screen(AuditScreen())

    def run_command(self, text: str) -> None:
        """`:` commands: a kind name or alias, `log`, `q`/`quit`, `theme [NAME]`."""
        from wstui.ui.commands import COMMANDS as VIEW_COMMANDS

        words = text.strip().lstrip(":").split()
        if not words:
            return
        head = words[0].lower()
        if head in {"q", "q!", "quit", "exit"}:
            self.exit()
        elif head in {"log", "audit"}:
            self.show_audit()
        elif head == "theme":
            if len(words) > 1:
                self.set_theme(words[1])
            else:  # the theme picker: every theme, previewed as the cursor moves
                self.search_themes()
        elif head in {"ops", "op", "operations"}:
            self.action_operations(words[1] if len(words) > 1 else "")
        elif head in {"help", "?"}:
            self.action_help()
        elif head in VIEW_COMMANDS:  # targets, view, changes, export
            from wstui.ui.commands import command

            command(self, words)
        else:
            self.switch_kind(head)

    def set_theme(self, name: str) -> None:
        if name in self.available_themes:
            self.theme = name
            self.notify(f"Theme: {name}")
        else:
            self.notify(f"Unknown theme {name!r}", severity="error")


# -- entry point (wstui.wiring and wstui.demo build the context) ------------------------


def _resume_gc() -> None:
    # What start-up built lives until exit: frozen, later collections never scan it.
    gc.freeze()
    gc.enable()


def _about_to_exit() -> None:
    """Called once everything is cleaned up: the process ends next.

    Interpreter shutdown runs full collections over the whole heap (a 2,000-WorkSpace demo:
    simulator, boto3 models, the app) only to free it a moment later; that was ~0.8 s of
    every quit. Frozen objects are not scanned.
    """
    gc.freeze()


def run_app(
    context: AbstractContextManager[AppContext], theme: str | None, *,
    resume_gc: bool = False, throwaway_cache_dir: bool = False,
) -> int:  # fmt: skip
    """Run the app on the context ``context`` opens (and closes); returns the exit code.

    SIGHUP/SIGTERM end the app like `q`, so the context still closes. ``resume_gc``: the
    caller disabled the GC for start-up; it resumes after the first frame.
    ``throwaway_cache_dir``: the cache's directory is a temporary one (the demo), removed
    by the signal handler too, even if the exit stalls.
    """
    from wstui.ui.signals import exit_on_signals

    with exit_on_signals() as signals, context as ctx:
        if throwaway_cache_dir:
            cache_dir = Path(ctx.cache.path).parent
            signals.cleanups.append(lambda: shutil.rmtree(cache_dir, ignore_errors=True))
        try:
            app = WstuiApp(ctx, theme=theme)
            if resume_gc:
                app.after_first_frame = _resume_gc
            signals.app = app
            app.run()
        finally:
            signals.app_done = True
            if resume_gc:
                gc.enable()
    _about_to_exit()
    return signals.return_code

