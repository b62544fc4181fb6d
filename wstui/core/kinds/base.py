"""What a resource kind is: `Kind`, `Column`, `Relation`, and the extractor helpers.

Each kind is declared once, in its own module of this package (``workspaces.py``, ...);
the registry (``__init__.py``) collects them. Extractors take a raw API item (as boto3
returns it, plus the ``Tags`` and ``ConnectionStatus`` keys the listers merge in) and
must survive any missing key by returning None.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from wstui.core.store.jsontext import raw_of as raw_of  # a cached row's raw item
from wstui.core.timefmt import to_epoch

# Every cached row is keyed by these; they are filled from the target, not the item.
KEY_COLUMNS: tuple[str, ...] = ("account", "region", "id")
COLUMN_TYPES = ("text", "int", "float", "ts")


@dataclass(frozen=True)
class Column:
    name: str  # SQL column name: "state", "root_gb"
    title: str  # header: "STATE"
    extract: Callable[[dict[str, Any]], Any]  # raw API item -> value
    type: str = "text"  # "text" | "int" | "float" | "ts" (epoch seconds, UTC)
    width: int = 12
    default: bool = True  # shown by default in the TUI
    search: bool = False  # bare words in the query language match it
    aliases: tuple[str, ...] = ()  # other names the query language and --sort accept
    index: bool = False  # people filter/sort by it: the cache indexes it
    unit: str | None = None  # "gb" | "min" | "d": how the query reads 80G / 2h / 30d
    age_of: str | None = None  # derived at query time: whole days since that ts column

    @property
    def stored(self) -> bool:
        """True if the cache keeps this column in the kind's table."""
        return self.age_of is None and self.name not in KEY_COLUMNS


# The four colours themes set for a state value (ui/widgets/fleet_table.py paints them).
STYLE_GROUPS = ("available", "stopped", "error", "transition")

# (clients, target) -> every raw item of the kind in the target, or raise.
Lister = Callable[..., list[dict[str, Any]]]
# (cursor row or None, request, cache) -> why the service would refuse the call, or None.
Preflight = Callable[[dict[str, Any] | None, dict[str, Any], Any], str | None]


@dataclass(frozen=True)
class Relation:
    """Where a row leads (`J` on a resource screen): a filtered screen of another kind.

    `reads` is the raw-item path of the ids it follows (a list on the way is walked item
    by item); empty means the row's own id. `label` and `query` are templates: ``{rid}``
    is the row's id, ``{values}`` the ids read (the UI quotes them for the query).
    """

    label: str  # "Bundle {values}", "WorkSpaces in {rid}"
    kind: str  # target kind name
    query: str  # "id:{values}", "directory:{rid}"
    reads: tuple[str, ...] = ()  # ("Associations", "ResourceId")

    def values(self, raw: dict[str, Any], rid: str) -> list[str]:
        """The ids this relation follows from one row; [] = it does not apply."""
        if not self.reads:
            return [rid]
        found: list[Any] = [raw]
        for step in self.reads:
            nxt: list[Any] = []
            for v in found:
                for item in v if isinstance(v, list) else [v]:
                    if isinstance(item, dict) and item.get(step) is not None:
                        nxt.append(item[step])
            found = nxt
        out: list[str] = []
        for v in found:
            if isinstance(v, list):
                out += [s for s in v if isinstance(s, str) and s]
            elif isinstance(v, str) and v:
                out.append(v)
        return out


@dataclass(frozen=True)
class Kind:
    name: str  # "workspaces": also its cache table, its `:` screen and `wstui ls` name
    aliases: tuple[str, ...]  # ("ws", "workspace")
    title: str  # "WorkSpaces"
    id_field: str  # key of the raw item: "WorkspaceId"
    columns: tuple[Column, ...]
    list_items: Lister  # the refresher's complete read: core.listers.list_<kind>
    interval: int  # default refresh seconds (config [intervals] overrides)
    demo_interval: int  # refresh seconds in `wstui demo` (a simulator answers at once)
    actions: tuple[str, ...] = ()  # action names from core.act.specs
    # action name -> (default key, key label in the footer and help)
    action_keys: Mapping[str, tuple[str, str]] = field(
        default_factory=dict, compare=False, hash=False
    )
    # state value -> one of STYLE_GROUPS (how the STATE column is coloured)
    states: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    transitional: frozenset[str] = frozenset()  # a followed resource is polled while in one
    relations: tuple[Relation, ...] = ()  # `J` jumps
    taggable: bool = True  # CreateTags/DeleteTags take its ids (:ops offers them)
    tags_unread: str = ""  # why its tags are never read ("" = the lister reads them)
    no_tags: Callable[[dict[str, Any], dict[str, Any]], str | None] | None = (
        None  # (raw, row) -> why not taggable
    )
    id_param: str = ""  # request parameter naming one resource in its actions
    pick_shapes: tuple[str, ...] = ()  # botocore shapes whose values are its ids (form pickers)
    # operation name -> what the cache says the service would refuse (core.act.ops)
    preflight: Mapping[str, Preflight] = field(default_factory=dict, compare=False, hash=False)
    write_extras: tuple[str, ...] = ()  # extra data the cache writes with it ("usage", ...)
    # The lister takes known_tags/tag_source/on_call: the refresher keeps a tag memo for it.
    incremental_tags: bool = False
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False, hash=False)
    _stored: tuple[Column, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Column] = {}
        for col in self.columns:
            if col.type not in COLUMN_TYPES:
                raise ValueError(f"{self.name}.{col.name}: unknown type {col.type!r}")
            for n in (col.name, *col.aliases):
                if n in by_name:
                    raise ValueError(f"{self.name}: field name {n!r} declared twice")
                by_name[n] = col
        for state, group in self.states.items():
            if group not in STYLE_GROUPS:
                raise ValueError(f"{self.name}: state {state!r} has unknown style {group!r}")
        for action in self.action_keys:
            if action not in self.actions:
                raise ValueError(f"{self.name}: key for undeclared action {action!r}")
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_stored", tuple(c for c in self.columns if c.stored))

    @property
    def table(self) -> str:
        return self.name

    @property
    def tag_editable(self) -> bool:
        """Its tags are read, so a tag edit can be planned (and its protect tag known)."""
        return self.taggable and not self.tags_unread

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        return self._stored

    @property
    def search_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.search)

    @property
    def default_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.default)

    def field_names(self) -> list[str]:
        """Every name (column names and their aliases) the query language accepts."""
        return sorted(self._by_name)

    def column(self, name: str) -> Column:
        """Column by name or alias (case-insensitive); KeyError with suggestions."""
        col = self._by_name.get(name) or self._by_name.get(name.lower())
        if col is None:
            raise KeyError(unknown(f"{self.name} field", name, self._by_name))
        return col

    def item_id(self, item: dict[str, Any]) -> str | None:
        value = item.get(self.id_field) if isinstance(item, dict) else None
        return str(value) if value not in (None, "") else None

    def extract_row(self, item: dict[str, Any]) -> dict[str, Any]:
        """Stored column values of one raw item (never raises on odd shapes)."""
        row: dict[str, Any] = {}
        for col in self._stored:
            try:
                value = col.extract(item)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError):
                value = None
            # Fast path: most values already have the stored type.
            if value is None or (col.type == "text" and type(value) is str):
                row[col.name] = value
            else:
                row[col.name] = _coerce(value, col.type)
        return row


def _coerce(value: Any, type_: str) -> Any:
    if value is None:
        return None
    try:
        if type_ == "int":
            return int(float(value))
        if type_ == "float":
            return float(value)
        if type_ == "ts":
            return to_epoch(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def unknown(what: str, name: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    close = difflib.get_close_matches(name.lower(), choices, n=3, cutoff=0.5)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(choices))}"
    )
    shown = name if len(name) <= 60 else name[:60] + "…"  # a pasted 50,000 characters
    return f"unknown {what} {shown!r}{hint}"


# ----------------------------------------------------------------- extractor helpers


def dig(*path: str | int) -> Callable[[dict[str, Any]], Any]:
    """Extractor for a nested key path; None when any step is missing."""
    # Fast paths for the common shapes: these run once per column per item.
    if len(path) == 1 and isinstance(path[0], str):
        key = path[0]
        return lambda item: item.get(key) if isinstance(item, dict) else None
    if len(path) == 2 and all(isinstance(p, str) for p in path):
        outer, inner = cast(tuple[str, str], path)  # checked just above

        def get2(item: dict[str, Any]) -> Any:
            sub = item.get(outer) if isinstance(item, dict) else None
            return sub.get(inner) if isinstance(sub, dict) else None

        return get2

    def get(item: dict[str, Any]) -> Any:
        value: Any = item
        for step in path:
            if isinstance(step, int):
                if not isinstance(value, list) or len(value) <= step:
                    return None
                value = value[step]
            else:
                if not isinstance(value, dict):
                    return None
                value = value.get(step)
            if value is None:
                return None
        return value

    return get


def joined(*path: str) -> Callable[[dict[str, Any]], Any]:
    """Extractor for a list of strings, stored comma-joined (sorted for stable diffs)."""
    inner = dig(*path)

    def get(item: dict[str, Any]) -> str | None:
        value = inner(item)
        if not isinstance(value, list) or not value:
            return None
        return ",".join(sorted(str(v) for v in value))

    return get


def count_of(*path: str) -> Callable[[dict[str, Any]], int | None]:
    inner = dig(*path)

    def get(item: dict[str, Any]) -> int | None:
        value = inner(item)
        return len(value) if isinstance(value, list) else None

    return get


def tags_of(item: dict[str, Any]) -> list[tuple[str, str]]:
    """``Tags`` as (key, value) pairs; malformed entries are skipped."""
    tags = item.get("Tags") if isinstance(item, dict) else None
    pairs: list[tuple[str, str]] = []
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict) and tag.get("Key") is not None:
                value = tag.get("Value")
                pairs.append((str(tag["Key"]), "" if value is None else str(value)))
    elif isinstance(tags, dict):  # tolerate a {key: value} mapping
        pairs = [(str(k), "" if v is None else str(v)) for k, v in tags.items()]
    return sorted(set(pairs))


def tags_text(item: dict[str, Any]) -> str | None:
    pairs = tags_of(item)
    return " ".join(f"{k}={v}" for k, v in pairs) if pairs else None


def target_only(_item: dict[str, Any]) -> None:
    return None  # account/region come from the target, not from the item


def capacity_gb(*path: str) -> Callable[[dict[str, Any]], int | None]:
    """Bundle storage capacities are strings ("80"); keep the integer."""
    inner = dig(*path)

    def get(item: dict[str, Any]) -> int | None:
        value = inner(item)
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None

    return get


def account_col() -> Column:
    return Column("account", "ACCOUNT", target_only, width=12, default=False)


def description_col() -> Column:
    return Column(
        "description", "DESCRIPTION", dig("Description"), width=30, default=False, aliases=("desc",)
    )


def region_col() -> Column:
    return Column("region", "REGION", target_only, width=14, default=False)


def tags_col() -> Column:
    return Column("tags", "TAGS", tags_text, width=30, default=False)
