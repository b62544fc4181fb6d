"""wstui.core must run without a UI: importing all of it loads neither Textual nor Rich."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import wstui.core


def core_modules() -> list[str]:
    return sorted(f"wstui.core.{m.name}" for m in pkgutil.iter_modules(wstui.core.__path__))


def test_core_modules_exist() -> None:
    names = core_modules()
    for required in ("wstui.core.kinds", "wstui.core.cache", "wstui.core.query"):
        assert required in names


def test_importing_every_core_module_loads_no_ui_library() -> None:
    modules = ["wstui.core", *core_modules()]
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')"
        " or m.startswith(('wstui.ui', 'wstui.sim')))\n"
        "print(json.dumps(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
