"""The TUI's refresher in a child process, so botocore and the cache writes of a big
refresh never hold the UI's GIL (issue 17: an 8 ms UI task took p95 60 ms in-process).

`RefresherProcess` has the interface the UI uses of `core.refresh.Refresher` (start,
stop, on_event, refresh, refresh_ids, follow, refresh_tags, read_metrics, targets,
kinds, discovery, running). It starts ``python -c ...child_main(fd)`` with one end of a
socket pair; the child unpickles a *spec* (any picklable object whose ``build()``
returns ``(cache, refresher)`` there: ``wiring.OptionsSpec``, ``demo.DemoSpec``) and
runs the refresher. Messages are pickled tuples over ``multiprocessing.connection``:

    parent -> child   ("start", tick) | ("call", id, method, args, kwargs) | ("stop",)
    child -> parent   ("ready", targets) | ("failed", text) | ("event", event)
                      | ("targets", targets) | ("result", id, value, error)

A parent thread reads them and calls ``on_event`` exactly as the refresher's threads do
in-process (RefreshDone carries its `Changes`, changed keys included). Every ad-hoc call
runs on its own thread in the child, so a long follow() never holds up ctrl+r.

The child dies with the parent: its reads see EOF when the parent's end closes (a
SIGKILL closes it too), and a watchdog thread ends it if its parent pid changes. It runs
in its own session with no terminal (stdin/stdout/stderr on /dev/null), so it never
draws behind Textual's back or takes the terminal's ctrl+c.

A child that cannot start, or ends on its own, is reported with a `RefresherNotice`
event, and the local `Refresher` given at construction (built but not started in this
process) takes over: calls waiting on the child are re-run on it.

Over 400 lines because the parent's proxy and the child's loop are the two ends of one
small protocol; kept together, a message added on one side is seen on the other.
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a child starts: not on the way to the first frame
    from multiprocessing.connection import Connection

CHILD = "child"
THREAD = "thread"
MODES = (CHILD, THREAD)
STOP_WAIT = 3.0  # seconds stop() gives the child to end before it is killed
# The child's niceness: on a busy machine (2 cores over SSH, a jump host) the scheduler
# gives the UI's keystrokes the core first; the refresh only runs a little longer.
CHILD_NICE = 10
_CHILD_CODE = "import sys; from wstui.refresh_process import child_main; sys.exit(child_main({fd}))"
# What a call answers when stop() ends the child under it (the in-process refresher's
# follow() also returns early on stop()).
_STOPPED_ANSWER: dict[str, Callable[[], Any]] = {
    "refresh": list, "read_metrics": list, "refresh_ids": dict, "follow": dict,
    "refresh_tags": dict,
}  # fmt: skip


@dataclass(frozen=True)
class RefresherNotice:
    """Something the user should know about the refresher itself (the app notifies it)."""

    text: str
    severity: str = "warning"


class RemoteError(RuntimeError):
    """An exception raised in the child that could not be sent as itself."""


class _Call:
    """One request waiting for the child's answer."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.outcome = ""  # "result" | "gone" (child ended: re-run locally) | "stopped"

    def settle(self, outcome: str, value: Any = None, error: BaseException | None = None) -> None:
        self.outcome, self.value, self.error = outcome, value, error
        self.done.set()


class RefresherProcess:
    """The Refresher interface, served by a child process (see the module doc)."""

    def __init__(
        self, spec: Any, local: Any, start_timeout: float = 120.0, stop_wait: float = STOP_WAIT
    ) -> None:
        self.spec = spec
        self.local = local  # built, not started: attributes until the child answers; fallback
        local.on_event = self._emit
        self.on_event: Callable[[Any], None] | None = None
        self.targets: list[Any] = list(local.targets)
        self.kinds: list[str] = list(local.kinds)
        self.discovery = getattr(local, "discovery", None)
        self.start_timeout = start_timeout
        self.stop_wait = stop_wait
        self.fallen_back = False
        self.pid: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()  # the child, the pending calls, fallen_back
        self._send_lock = threading.Lock()
        self._pending: dict[int, _Call] = {}
        self._ids = itertools.count(1)
        self._stopping = False
        self._started = False
        self._tick = 1.0
        self._ready = threading.Event()

    # -- what the UI reads --------------------------------------------------------
    @property
    def running(self) -> bool:
        if self.fallen_back:
            return bool(self.local.running)
        proc = self._proc
        return self._started and proc is not None and proc.poll() is None

    @property
    def metrics_clock(self) -> Callable[[], float]:
        """The local refresher's (the child's is the spec's to set)."""
        return self.local.metrics_clock

    @metrics_clock.setter
    def metrics_clock(self, clock: Callable[[], float]) -> None:
        self.local.metrics_clock = clock

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Start the child if need be and wait until it has built its refresher (benches
        time what follows, not the child's imports). False if it fell back instead."""
        if not self._ensure_child():
            return False
        return self._ready.wait(timeout) and not self.fallen_back

    def _emit(self, event: Any) -> None:
        listener = self.on_event
        if listener is not None:
            try:
                listener(event)
            except Exception:
                pass  # a broken listener must not stop the refresher (as in-process)

    # -- the child ----------------------------------------------------------------
    def _ensure_child(self) -> bool:
        """The child is running (started now if need be); False once fallen back."""
        failure = None
        with self._lock:
            if self.fallen_back:
                return False
            if self._proc is not None:
                return True
            self._stopping = False
            self._ready.clear()
            try:
                self._spawn()
            except Exception as exc:  # cannot pickle the spec, no interpreter, no fds...
                failure = f"could not start ({type(exc).__name__}: {exc})"
        if failure is not None:
            self._fall_back(failure)
            return False
        return True

    def _spawn(self) -> None:
        from multiprocessing.connection import Connection

        payload = pickle.dumps(self.spec)  # before anything starts: unpicklable is a failure
        mine, theirs = socket.socketpair()
        try:
            env = dict(os.environ)
            # The spec's classes must import in the child as they do here.
            path = [p or os.getcwd() for p in sys.path]
            env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(path))
            fd = theirs.fileno()
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD_CODE.format(fd=fd)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(fd,), start_new_session=True, env=env, close_fds=True,
            )  # fmt: skip
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()  # the child has its copy: EOF here means the child ended
        self.pid = self._proc.pid
        self._conn = Connection(mine.detach())
        self._conn.send_bytes(payload)
        self._reader = threading.Thread(
            target=self._read, args=(self._conn, self._proc), name="wstui-refresh-child",
            daemon=True,
        )  # fmt: skip
        self._reader.start()
        threading.Thread(target=self._watch_start, args=(self._proc,), daemon=True,
                         name="wstui-refresh-child-start").start()  # fmt: skip

    def _watch_start(self, proc: subprocess.Popen[bytes]) -> None:
        """A child that never says it is ready (stuck importing, say) counts as failed."""
        if not self._ready.wait(self.start_timeout) and self._proc is proc and not self._stopping:
            proc.kill()  # the reader sees EOF and falls back

    def _send(self, message: tuple[Any, ...]) -> bool:
        conn = self._conn
        if conn is None:
            return False
        try:
            with self._send_lock:
                conn.send(message)
            return True
        except (OSError, EOFError, ValueError):
            return False  # the child is gone: the reader falls back

    def _read(self, conn: Connection, proc: subprocess.Popen[bytes]) -> None:
        reason = "ended"
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # an answer that does not unpickle here
                reason = f"sent what this process cannot read ({type(exc).__name__}: {exc})"
                break
            tag = message[0]
            if tag == "event":
                self._emit(message[1])
            elif tag == "result":
                with self._lock:
                    call = self._pending.pop(message[1], None)
                if call is not None:
                    call.settle("result", message[2], message[3])
            elif tag in ("targets", "ready"):
                self._learn(list(message[1]))
                if tag == "ready":
                    self._ready.set()
            elif tag == "failed":
                reason = f"could not start: {message[1]}"
                break
        with self._lock:
            stopping = self._stopping or self._proc is not proc
        if stopping:
            return
        code = _reap(proc, 2.0)
        if reason == "ended":
            reason = f"ended (exit code {code})" if code is not None else "stopped answering"
        self._fall_back(reason)

    def _learn(self, targets: list[Any]) -> None:
        """The child's targets, accounts resolved (STS) and discovered ones included.

        This process's clients learn the accounts as they would from an in-process
        refresher: the gateway's scope checks rows against them (core.act.scope) and
        STS was asked with the same credentials, by the same code, in the child."""
        remember = getattr(getattr(self.local, "clients", None), "remember", None)
        if remember is not None:
            remember(targets)
        self.targets = targets

    def _fall_back(self, reason: str) -> None:
        """Report the child's end and refresh in this process from now on."""
        with self._lock:
            if self.fallen_back:
                return
            self.fallen_back = True
            self._ready.set()  # wait_ready() answers False now
            pending = list(self._pending.values())
            self._pending.clear()
            proc, conn = self._proc, self._conn
            self._proc = self._conn = None
            started = self._started and not self._stopping
        if conn is not None:
            conn.close()
        if proc is not None and proc.poll() is None:
            proc.kill()
            _reap(proc, 5.0)
        if started:  # before the notice, so that what it says is already true
            self.local.start(self._tick)
        self._emit(RefresherNotice(
            f"The background refresh process {reason}; refreshing in the TUI's process instead"
        ))  # fmt: skip
        for call in pending:
            call.settle("gone")  # the caller re-runs it on the local refresher

    # -- the Refresher interface ----------------------------------------------------
    def start(self, tick: float = 1.0) -> None:
        self._tick = tick
        self._started = True
        if self._ensure_child():
            self._send(("start", tick))  # if this fails, the reader falls back and starts local
            return
        self.local.start(tick)  # fallen back (started twice is harmless: start() checks)

    def stop(self, timeout: float | None = 10.0) -> None:
        """End the child (killed if it has not ended within `stop_wait` seconds)."""
        with self._lock:
            self._stopping = True
            self._started = False
            pending = list(self._pending.values())
            self._pending.clear()
            proc, conn, reader = self._proc, self._conn, self._reader
            self._proc = self._conn = self._reader = None
        for call in pending:
            call.settle("stopped")
        if self.fallen_back:
            self.local.stop(timeout)
            return
        if proc is None:
            return
        wait = self.stop_wait if timeout is None else min(self.stop_wait, timeout)
        if conn is not None:
            with self._send_lock:
                try:
                    conn.send(("stop",))
                except (OSError, EOFError, ValueError):
                    pass
        if _reap(proc, wait) is None:
            proc.kill()
            _reap(proc, 5.0)
        if conn is not None:
            conn.close()
        if reader is not None and reader is not threading.current_thread():
            reader.join(2.0)

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        call, request = _Call(), None
        if self._ensure_child():
            with self._lock:
                if not self.fallen_back and self._proc is not None:
                    request = next(self._ids)
                    self._pending[request] = call
        if request is not None:
            # A failed send means the child is gone: the reader settles the call as such.
            self._send(("call", request, method, args, kwargs))
            call.done.wait()
        if call.outcome == "result":
            if call.error is not None:
                raise call.error
            return call.value
        if call.outcome == "stopped":
            return _STOPPED_ANSWER[method]()
        return getattr(self.local, method)(*args, **kwargs)  # fallen back: run it here

    def refresh(self, kinds: Iterable[str] | None = None) -> list[Any]:
        return self._call("refresh", list(kinds) if kinds else None)

    def refresh_ids(self, target: Any, ids: Iterable[str]) -> dict[str, str]:
        return self._call("refresh_ids", target, list(ids))

    def refresh_tags(self, kind: str, target: Any, ids: Iterable[str]) -> dict[str, list]:
        return self._call("refresh_tags", kind, target, list(ids))

    def follow(self, keys: Iterable[tuple[str, str, str]], **kwargs: Any) -> dict[Any, str]:
        return self._call("follow", list(keys), **kwargs)

    def read_metrics(self) -> list[Any]:
        return self._call("read_metrics")


def _reap(proc: subprocess.Popen[bytes], timeout: float) -> int | None:
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


# ------------------------------------------------------------------------ the child


def _yield_the_cores() -> None:
    try:
        os.nice(CHILD_NICE)
    except (AttributeError, OSError):  # no os.nice (Windows), or not allowed: run as is
        pass


def child_main(fd: int) -> int:
    """The child's whole life: build from the spec, serve, end with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when it ends
    _yield_the_cores()
    from multiprocessing.connection import Connection

    conn = Connection(fd)
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    send_lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        try:
            with send_lock:
                conn.send(message)
        except (OSError, EOFError, ValueError):
            os._exit(0)  # the parent is gone
        except Exception:  # something that does not pickle
            if message[0] == "result":
                error = RemoteError(f"answer could not be sent: {message[2]!r:.200}")
                with send_lock:
                    conn.send(("result", message[1], None, error))

    try:
        spec = pickle.loads(conn.recv_bytes())
        cache, refresher = spec.build()
    except EOFError:
        return 0
    except BaseException as exc:  # reported, then the parent falls back
        send(("failed", f"{type(exc).__name__}: {exc}"[:500]))
        return 1
    sent_targets = list(refresher.targets)

    def targets_moved() -> None:
        nonlocal sent_targets
        now = list(refresher.targets)
        if now != sent_targets:
            sent_targets = now
            send(("targets", now))

    def on_event(event: Any) -> None:
        targets_moved()
        send(("event", event))

    refresher.on_event = on_event
    send(("ready", sent_targets))

    def serve(request: int, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        value, error = None, None
        try:
            value = getattr(refresher, method)(*args, **kwargs)
        except Exception as exc:
            error = _portable(exc)
        targets_moved()  # before the answer: a caller reading .targets sees them
        send(("result", request, value, error))

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the parent ended (or was killed): no orphan, no clean-up to wait for
        tag = message[0]
        if tag == "start":
            refresher.start(tick=message[1])
        elif tag == "call" and message[2] in _STOPPED_ANSWER:
            threading.Thread(target=serve, args=message[1:], daemon=True,
                             name=f"wstui-call-{message[2]}").start()  # fmt: skip
        elif tag == "stop":
            break
    # A pass in flight gets a moment; the parent kills this process after STOP_WAIT anyway.
    stopper = threading.Thread(target=refresher.stop, args=(STOP_WAIT / 2,), daemon=True)
    stopper.start()
    stopper.join(STOP_WAIT / 2)
    try:
        cache.close()
    except Exception:
        pass
    os._exit(0)  # daemon threads still listing must not hold the exit


def _portable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return RemoteError(text[:500])


def _watch_parent(parent: int) -> None:
    # Belt and braces: the socket's EOF ends the child when the parent dies.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)
