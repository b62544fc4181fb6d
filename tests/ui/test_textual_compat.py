"""Textual internals are touched only in `wstui/ui/textual_compat.py`.

Every other module of `wstui/ui` keeps to Textual's public API, so a Textual upgrade
that moves an internal breaks one small module, not the UI. The scan is static (AST):

- a class that subclasses a Textual class may not define, read or write a private name
  that one of its Textual base classes defines (an override or a clash), nor define a
  private handler (`_on_click`, `_watch_x`: Textual's own naming for its internals);
- no module reaches into another object's private attributes (`obj._x`, `getattr(obj,
  "_x")`), except the few of our own listed in `OWN_ATTRIBUTES`.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import textwrap
from functools import cache

import textual

import wstui.ui

UI = pathlib.Path(wstui.ui.__file__).parent
COMPAT = UI / "textual_compat.py"

# `obj._name` reads of our own attributes on our own objects (not Textual's).
OWN_ATTRIBUTES: dict[str, str] = {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _modules() -> list[pathlib.Path]:
    return sorted(p for p in UI.rglob("*.py") if p != COMPAT)


@cache
def _textual_names(cls: type) -> frozenset[str]:
    """The private names a Textual class defines: class attributes, methods, `self._x`."""
    names = {n for n in vars(cls) if _private(n)}
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return frozenset(names)
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and isinstance(node.ctx, ast.Store)
            and _private(node.attr)
        ):
            names.add(node.attr)
    return frozenset(names)


def _textual_bases(cls: type) -> list[type]:
    root = pathlib.Path(textual.__file__).parent
    bases = []
    for base in cls.__mro__[1:]:
        module = inspect.getmodule(base)
        path = getattr(module, "__file__", None)
        if path and pathlib.Path(path).is_relative_to(root):
            bases.append(base)
    return bases


def _module_name(path: pathlib.Path) -> str:
    relative = path.relative_to(UI.parent.parent).with_suffix("")
    return ".".join(relative.parts)


def _own_class_names(tree: ast.Module) -> dict[str, ast.ClassDef]:
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}


# Textual dispatches to `_on_<event>`, `_watch_<reactive>`... before the public names.
PRIVATE_HANDLERS = ("_on_", "_watch_", "_compute_", "_validate_")


def _self_names(node: ast.ClassDef) -> list[tuple[str, int]]:
    """Private names a class body defines or touches on `self`."""
    found: list[tuple[str, int]] = []
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(item.name):
            found.append((item.name, item.lineno))
            if item.name.startswith(PRIVATE_HANDLERS):
                found.append((f"handler {item.name}", item.lineno))
        for target in getattr(item, "targets", [getattr(item, "target", None)]):
            if isinstance(target, ast.Name) and _private(target.id):
                found.append((target.id, item.lineno))
    for sub in ast.walk(node):
        if (
            isinstance(sub, ast.Attribute)
            and isinstance(sub.value, ast.Name)
            and sub.value.id in ("self", "cls")
            and _private(sub.attr)
        ):
            found.append((sub.attr, sub.lineno))
    return found


def _reaching_in(tree: ast.Module) -> list[tuple[str, int]]:
    """`obj._x` and `getattr(obj, "_x")` where obj is not `self`/`cls` or a module."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls", "os"):
                continue
            found.append((node.attr, node.lineno))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            found.append((node.args[1].value, node.lineno))
    return found


def test_textual_internals_are_touched_only_in_textual_compat() -> None:
    problems: list[str] = []
    for path in _modules():
        tree = ast.parse(path.read_text())
        where = path.relative_to(UI.parent.parent)
        module = importlib.import_module(_module_name(path))
        for name, node in _own_class_names(tree).items():
            cls = getattr(module, name, None)
            if not isinstance(cls, type):
                continue
            bases = _textual_bases(cls)
            if not bases:
                continue
            textual_names = set().union(*map(_textual_names, bases))
            for attr, line in _self_names(node):
                if attr in textual_names or attr.startswith("handler "):
                    problems.append(f"{where}:{line}: {name} uses Textual's private {attr}")
        for attr, line in _reaching_in(tree):
            if attr not in OWN_ATTRIBUTES:
                problems.append(f"{where}:{line}: reaches into another object's {attr}")
    assert not problems, "\n".join(problems)
