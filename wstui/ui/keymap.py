"""Every key binding of the TUI, each with a stable `id` so users can rebind it.

Users remap keys in config.toml:

    [keymap]
    "wstui.reboot" = "ctrl+b"
    "wstui.filter" = "slash,f"

`keymap_from_config` validates that table; the app passes it to `App.set_keymap`.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from wstui.core.kinds import KINDS

# Mutating actions: binding id suffix == core action name. Read-only mode hides them.
# Each kind declares its actions' keys and titles (core.kinds).
MUTATION_KEYS: dict[str, str] = {
    name: key for kind in KINDS.values() for name, (key, _) in kind.action_keys.items()
}
ACTION_TITLES: dict[str, str] = {
    name: title for kind in KINDS.values() for name, (_, title) in kind.action_keys.items()
}

# Shown in the footer (the rest stay in `?` and the palette): at 80 columns the
# footer holds about eight entries, and these are the everyday ones.
FOOTER_ACTIONS = frozenset({"start", "stop", "reboot"})


def _b(key: str, action: str, description: str, id: str, show: bool = True, **kw) -> Binding:
    return Binding(key, action, description, show=show, id=f"wstui.{id}", **kw)


APP_BINDINGS: list[Binding] = [
    _b("question_mark", "help", "Help", "help"),
    # priority: handled as the key arrives, so keys typed right after it find the bar open
    _b("colon", "command_prompt", "Cmd", "command", priority=True),
    _b("ctrl+q", "quit", "Quit", "quit", show=False, priority=True),
]

RESOURCE_BINDINGS: list[Binding] = [
    _b("slash", "filter", "Filter", "filter", priority=True),
    _b("escape", "escape", "Clear", "clear", show=False),
    _b("enter", "details", "Details", "details"),
    _b("J", "jump", "Jump to related", "jump", show=False),
    _b("s", "sort_next", "Sort", "sort.next", show=False),
    _b("S", "sort_reverse", "Reverse sort", "sort.reverse", show=False),
    _b("c", "columns", "Columns", "columns", show=False),
    _b("y", "copy_id", "Copy id", "copy", show=False),
    _b("ctrl+r", "refresh_now", "Refresh", "refresh", show=False),
    _b("q", "quit", "Quit", "quit.q", show=False),
    _b("o", "app.operations", "Ops", "operations"),  # every API operation of the kind
    _b("T", "edit_tags", "Edit tags", "tags", show=False),  # marked rows, planned + audited
    *(
        _b(key, f"act('{name}')", ACTION_TITLES[name], name, show=name in FOOTER_ACTIONS)
        for name, key in MUTATION_KEYS.items()
    ),
]

PLAN_BINDINGS: list[Binding] = [
    _b("enter,y", "confirm", "Confirm", "plan.confirm"),
    _b("escape", "cancel", "Cancel", "plan.cancel"),
    _b("r", "retry_failed", "Retry failed", "results.retry"),
    _b("escape,q", "back", "Back", "results.back"),
]

DETAILS_BINDINGS: list[Binding] = [
    _b("escape,q", "close", "Back", "details.close"),
    _b("j", "toggle_raw", "Raw JSON", "details.raw"),
    _b("y", "copy_id", "Copy id", "details.copy"),
]


def keymap_from_config(table: Mapping[str, object] | None) -> tuple[dict[str, str], list[str]]:
    """The config's `[keymap]` table as {binding id: keys}, plus problems found.

    Ids may be given with or without the `wstui.` prefix; unknown ids are reported, not fatal.
    """
    known = {b.id for _, group in all_bindings() for b in group if b.id}
    if table is None:
        return {}, []
    if not isinstance(table, Mapping):
        return {}, ["keymap: expected a table of binding id = keys"]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for raw_id, keys in table.items():
        binding_id = str(raw_id)
        if binding_id not in known and f"wstui.{binding_id}" in known:
            binding_id = f"wstui.{binding_id}"
        if binding_id not in known:
            problems.append(f"keymap: unknown binding id {raw_id!r}")
            continue
        if isinstance(keys, list):
            keys = ",".join(str(k) for k in keys)
        if not isinstance(keys, str) or not keys.strip():
            problems.append(f"keymap: {raw_id!r} needs a key string")
            continue
        keymap[binding_id] = keys
    return keymap, problems


def binding_scopes() -> dict[str, list[Binding]]:
    """The bindings active together on each screen: a key may mean one thing per scope."""
    from wstui.ui.widgets.fleet_table import FleetTable

    table = [b for b in FleetTable.BINDINGS if isinstance(b, Binding)]
    plan = [b for b in PLAN_BINDINGS if b.action in {"confirm", "cancel"}]
    results = [b for b in PLAN_BINDINGS if b.action in {"back", "retry_failed"}]
    return {
        "fleet screen": [*APP_BINDINGS, *table, *RESOURCE_BINDINGS],
        "details": [*APP_BINDINGS, *DETAILS_BINDINGS],
        "plan": [*APP_BINDINGS, *plan],
        "results": [*APP_BINDINGS, *results],
    }


def _keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def resolve_conflicts(keymap: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Refuse keymap keys that another binding of the same screen already holds.

    Textual would bind both silently and one would shadow the other ("wstui.reboot" =
    "b,B" took B from rebuild). The keymap entry loses the taken key, not the other
    binding: a remap must never turn a key the user knows into a different mutation.
    To move a key, rebind its current holder too (the whole keymap is applied first).
    Keys two bindings share by default (enter: table.select and wstui.details) are fine.
    Returns the keymap to install and one notice per refused key.
    """
    out = dict(keymap)
    notices: list[str] = []
    for binding_id, keys in keymap.items():
        refused: dict[str, str] = {}
        for scope, bindings in binding_scopes().items():
            mine = [b for b in bindings if b.id == binding_id]
            if not mine:
                continue
            default_mine = set(_keys(mine[0].key))
            for other in bindings:
                if other.id in (None, binding_id):
                    continue
                effective = set(_keys(keymap.get(other.id, other.key)))
                shared_by_default = set(_keys(other.key)) & default_mine
                for key in _keys(keys):
                    if key in effective and key not in shared_by_default:
                        title = other.description or other.action
                        refused.setdefault(key, f"{other.id} ({title}) on the {scope}")
        if not refused:
            continue
        kept = [k for k in _keys(keys) if k not in refused]
        for key, holder in refused.items():
            notices.append(
                f"keymap: {binding_id} = {key!r} refused: {key} is already {holder}; "
                f"rebind that too to move it"
            )
        if kept:
            out[binding_id] = ",".join(kept)
        else:
            del out[binding_id]  # nothing left: the binding keeps its default keys
    return out, notices


def all_bindings() -> list[tuple[str, list[Binding]]]:
    """Groups shown by the help screen (the table's own keys come from the widget)."""
    from wstui.ui.widgets.fleet_table import FleetTable

    table = [b for b in FleetTable.BINDINGS if isinstance(b, Binding)]
    return [
        ("Global", APP_BINDINGS),
        ("Fleet table", table),
        ("Fleet screen", RESOURCE_BINDINGS),
        ("Details", DETAILS_BINDINGS),
        ("Plan / results", PLAN_BINDINGS),
    ]
