"""The resource-kind registry: every kind, each declared once in its own module.

A kind module (``workspaces.py``, ...) is the only declaration of that kind: columns,
lister, states and their colours, transitional states, relations (jumps), actions and
their keys, taggability, preflight rules, write extras and refresh intervals. The cache
tables, `wstui ls`, query fields, TUI screens, `:ops`, jumps, state colours and refresh
intervals are derived from this registry, so adding a kind is adding a module and one
`register` call (tests register a toy kind to prove it).
"""

from __future__ import annotations

import re

from wstui.core.kinds.aliases import ALIASES
from wstui.core.kinds.base import (
    COLUMN_TYPES,
    KEY_COLUMNS,
    STYLE_GROUPS,
    Column,
    Kind,
    Lister,
    Preflight,
    Relation,
    count_of,
    dig,
    joined,
    tags_of,
    unknown,
)
from wstui.core.kinds.bundles import BUNDLES
from wstui.core.kinds.directories import DIRECTORIES
from wstui.core.kinds.images import IMAGES
from wstui.core.kinds.ipgroups import IPGROUPS
from wstui.core.kinds.pools import POOLS
from wstui.core.kinds.workspaces import WORKSPACES

KINDS: dict[str, Kind] = {}  # name -> kind, in registration order (mutated in place)
_LOOKUP: dict[str, Kind] = {}  # name or alias -> kind
_NAME = re.compile(r"[a-z][a-z0-9_]*")  # a kind's name is also an SQL table name
# Values of other state-like columns (connection state, association state) that share the
# STATE colours; a kind's own states are declared on the kind.
_SHARED_STATES: dict[str, str] = {
    **dict.fromkeys(("ACTIVE", "CONNECTED"), "available"),
    **dict.fromkeys(("DISCONNECTED", "INACTIVE"), "stopped"),
    "FAILED": "error",
}
_STATES: dict[str, str] = dict(_SHARED_STATES)  # state value -> style group, every kind


def register(kind: Kind) -> Kind:
    """Add a kind; ValueError when its name, an alias or a state colour clashes."""
    if not _NAME.fullmatch(kind.name):
        raise ValueError(f"kind name {kind.name!r}: lower-case letters, digits and _ only")
    for n in (kind.name, *kind.aliases):
        if n != n.lower() or n in _LOOKUP:
            raise ValueError(f"kind {kind.name}: name {n!r} is lower-case and unique")
    if kind.interval <= 0 or kind.demo_interval <= 0:
        raise ValueError(f"kind {kind.name}: refresh intervals are positive seconds")
    if "id" not in kind.field_names():
        raise ValueError(f"kind {kind.name}: declares no id column")
    for state, group in kind.states.items():
        if _STATES.get(state, group) != group:
            raise ValueError(f"kind {kind.name}: state {state} is {_STATES[state]} elsewhere")
    KINDS[kind.name] = kind
    _LOOKUP.update({n: kind for n in (kind.name, *kind.aliases)})
    _STATES.update(kind.states)
    return kind


def unregister(name: str) -> None:
    """Remove a kind (tests that register a toy kind); its state colours go with it."""
    kind = KINDS.pop(name)
    for n in (kind.name, *kind.aliases):
        _LOOKUP.pop(n, None)
    _STATES.clear()
    _STATES.update(_SHARED_STATES)
    for k in KINDS.values():
        _STATES.update(k.states)


for _kind in (WORKSPACES, DIRECTORIES, BUNDLES, IMAGES, IPGROUPS, ALIASES, POOLS):
    register(_kind)

# The kind a bare `wstui`, a view without `kind =` or a `:changes` starts on.
DEFAULT_KIND = WORKSPACES.name


def resolve(name: str | Kind) -> Kind:
    """Kind by name or alias, case-insensitive; KeyError naming close matches."""
    if isinstance(name, Kind):
        return name
    kind = _LOOKUP.get(str(name).strip().lower())
    if kind is None:
        raise KeyError(unknown("kind", str(name), _LOOKUP))
    return kind


def state_group(value: object) -> str | None:
    """'available' | 'stopped' | 'error' | 'transition' for a state value, else None."""
    return _STATES.get(value.upper()) if isinstance(value, str) else None


def default_intervals() -> dict[str, int]:
    """Refresh seconds per kind (config.toml [intervals] overrides them)."""
    return {k.name: k.interval for k in KINDS.values()}


def demo_intervals() -> dict[str, int]:
    """Refresh seconds per kind in `wstui demo`."""
    return {k.name: k.demo_interval for k in KINDS.values()}


def taggable() -> tuple[str, ...]:
    """Kinds whose ids CreateTags/DeleteTags take."""
    return tuple(k.name for k in KINDS.values() if k.taggable)


def tag_editable() -> tuple[str, ...]:
    """Kinds whose tags wstui reads, so it can plan an edit against them."""
    return tuple(k.name for k in KINDS.values() if k.tag_editable)


def by_shape(shape: str) -> str | None:
    """The kind whose ids have this botocore shape (DirectoryId -> directories)."""
    return next((k.name for k in KINDS.values() if shape in k.pick_shapes), None)


def preflight_rule(operation: str) -> Preflight | None:
    """The cache check a kind declares for an API operation, if any."""
    return next((k.preflight[operation] for k in KINDS.values() if operation in k.preflight),
                None)  # fmt: skip


__all__ = [
    "ALIASES", "BUNDLES", "COLUMN_TYPES", "DEFAULT_KIND", "DIRECTORIES", "IMAGES", "IPGROUPS",
    "KEY_COLUMNS", "KINDS", "POOLS", "STYLE_GROUPS", "WORKSPACES", "Column", "Kind", "Lister",
    "Preflight", "Relation", "by_shape", "count_of", "default_intervals", "demo_intervals",
    "dig", "joined", "preflight_rule", "register", "resolve", "state_group", "tag_editable",
    "taggable", "tags_of", "unregister",
]  # fmt: skip
