"""Start-up as a user experiences it: process spawn -> first frame that shows rows.

    python -m bench.startup minimal        child: a Textual app that shows one word
    python -m bench.startup wstui DB       child: `wstui --cache DB` (cli.main -> run_tui)

The parent (`measure`) spawns each child N times, alternating the two so both meet the
same machine load, and times spawn -> the marker line the child prints. Both children
install the same hooks before anything else runs:

- `App.run` is made headless (120x40), so no terminal is needed;
- `App._display` renders each compositor update to the bytes a terminal would be sent
  (headless runs skip that step) and, at the first frame whose text matches the side's
  pattern ("hello" / a WorkSpace id), prints a marker line and ends the process.

The marker carries `time.perf_counter()` stamps of the child (CLOCK_MONOTONIC, so they
compare with the parent's): when the hooks were installed (interpreter up), when
`App.run` was called (imports, config, cache open and app construction done) and the
frame. `wstui` runs with an empty config dir, fake credentials and an endpoint that
refuses connections, so nothing can reach AWS.
"""

from __future__ import annotations

# The child imports only what Textual imports anyway, so the bench adds no import time
# to either side; the parent's modules are imported inside its functions.
import os
import re
import sys
from time import perf_counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess
    from pathlib import Path

SIZE = (120, 40)
MARKER = "WSTUI-BENCH-FRAME "
PATTERNS = {"minimal": r"hello", "wstui": r"ws-[0-9a-f]{9}"}
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")


# ----------------------------------------------------------------------------- child


def _install_hooks(pattern: str, stamps: dict[str, float]) -> None:
    """Patch `App` when `textual.app` is first imported, by whichever code imports it: so
    the hooks import nothing early and the child imports in the order the real program does
    (wstui imports Textual inside `cli.main`, after it has tuned the GC)."""
    needle = re.compile(pattern)

    def patch(app_class: Any) -> None:
        from textual._compositor import CompositorUpdate

        run, display = app_class.run, app_class._display

        def headless_run(self: Any, *args: Any, **kwargs: Any) -> Any:
            stamps["run"] = perf_counter()
            kwargs.update(headless=True, size=SIZE)
            return run(self, *args, **kwargs)

        def spy(self: Any, screen: Any, renderable: Any) -> None:
            if isinstance(renderable, CompositorUpdate) and not self._batch_count:
                text = _CSI.sub("", renderable.render_segments(self.console))
                if needle.search(text):
                    stamps["frame"] = perf_counter()
                    fields = ",".join(f'"{k}": {v!r}' for k, v in stamps.items())
                    sys.stdout.write(MARKER + "{" + fields + "}\n")
                    sys.stdout.flush()
                    os._exit(0)  # measured: the parent does not wait for a clean shutdown
            display(self, screen, renderable)

        app_class.run = headless_run
        app_class._display = spy

    sys.meta_path.insert(0, _PatchOnImport("textual.app", lambda module: patch(module.App)))


class _PatchOnImport:
    """A meta path finder that runs `after(module)` once `name` has been executed."""

    def __init__(self, name: str, after: Any) -> None:
        self.name, self.after = name, after

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != self.name:
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        exec_module = spec.loader.exec_module

        def exec_then_patch(module: Any) -> None:
            exec_module(module)
            self.after(module)

        spec.loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


def _minimal() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class MinimalApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

    MinimalApp().run()


def _wstui(db: str) -> None:
    from wstui import cli

    # stdout is the parent's pipe, so wstui would refuse to start the TUI; App.run is
    # headless here (see _install_hooks), so no terminal is needed.
    cli.launching.has_terminal = lambda: True
    cli.main(["--cache", db])


def child(argv: list[str]) -> int:
    stamps = {"hooks": perf_counter()}
    side = argv[0]
    _install_hooks(PATTERNS[side], stamps)
    if side == "minimal":
        _minimal()
    else:
        _wstui(argv[1])
    print("exited without a frame that matched", file=sys.stderr)
    return 1


# ---------------------------------------------------------------------------- parent


def child_env(tmp: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TEXTUAL"))}
    # An installed wstui has bytecode (pip compiles it); without it every module of ours
    # would be compiled from source at each start. Writing it under a prefix of our own
    # keeps the tree clean; the warm-up start writes it, the measured starts read it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
    config_dir = os.path.join(tmp, "config")
    os.makedirs(config_dir, exist_ok=True)
    env.update(
        WSTUI_CONFIG_DIR=config_dir,  # no user config, themes or keymap
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",  # discard port: connections are refused
    )
    return env


def spawn(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """One start: ms from spawn to the marker, and the child's stages relative to spawn."""
    import json
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    start = perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.startup", *argv],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(MARKER):
            seen = perf_counter()
            stamps = json.loads(line[len(MARKER) :])
            cpu = _reap(proc)
            return {
                "cpu": cpu,
                "total": (seen - start) * 1000,
                "interpreter": (stamps["hooks"] - start) * 1000,
                "to_run": (stamps["run"] - start) * 1000,
                "frame": (stamps["frame"] - start) * 1000,
            }
    _reap(proc)
    raise RuntimeError(f"{argv[0]}: no frame marker; stderr:\n{proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]


def _reap(proc: subprocess.Popen[str]) -> float:
    """Wait for the child; its CPU time in ms (user + system, all its threads). It exits
    at the marker, so this is the CPU its start-up cost: unlike wall-clock time, it
    hardly moves when other processes compete for the CPU."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return (usage.ru_utime + usage.ru_stime) * 1000


def measure(db: Path, runs: int = 7) -> dict[str, Any]:
    """Per side, the samples of each stage (ms since spawn); one warm-up start each."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="wstui-bench-startup-") as tmp:
        env = child_env(tmp)
        sides = {"minimal": ["minimal"], "wstui": ["wstui", str(db)]}
        for argv in sides.values():  # warm the page cache (.pyc files, the cache file)
            spawn(argv, env)
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
        for _ in range(runs):
            for name, argv in sides.items():
                samples[name].append(spawn(argv, env))
    return {
        f"{name}_{stage}": [s[stage] for s in runs_]
        for name, runs_ in samples.items()
        for stage in ("total", "interpreter", "to_run", "frame", "cpu")
    }


def main(argv: list[str]) -> int:
    if argv and argv[0] in PATTERNS:
        return child(argv)
    # python -m bench.startup measure DB [RUNS]: print the samples as JSON
    import json
    from pathlib import Path

    result = measure(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 7)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
