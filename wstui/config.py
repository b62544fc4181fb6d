"""Paths and config.toml.

A bad config file never stops wstui: each problem becomes a message naming the file
and line, and the affected setting keeps its default.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wstui.core.kinds import DEFAULT_KIND, default_intervals
from wstui.core.org import OrgSource as OrgSource  # [[targets]] organization = true
from wstui.core.store.paths import default_cache_path as default_cache_path  # the one

APP = "wstui"

# Each kind declares its own refresh interval (core.kinds); plus the metrics pass.
DEFAULT_INTERVALS: dict[str, int] = {
    **default_intervals(),
    "metrics": 3600,  # CloudWatch metrics pass (core.metrics)
}


def _platformdirs() -> Any:
    # Imported when needed: it pulls in tempfile and shutil (~5 ms of start-up).
    import platformdirs

    return platformdirs


def config_dir() -> Path:
    return Path(os.environ.get("WSTUI_CONFIG_DIR") or _platformdirs().user_config_dir(APP))


def default_config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(frozen=True)
class View:
    name: str
    query: str = ""
    sort: str = ""
    columns: tuple[str, ...] = ()
    kind: str = DEFAULT_KIND


# IAM's roleNameType (botocore's iam model): 1-64 of these characters.
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
DISCOVERY_INTERVAL = 86400  # Organizations re-discovery, seconds ([refresh] discovery)


@dataclass
class Config:
    path: Path | None = None
    targets: list[tuple[str | None, str]] = field(default_factory=list)
    organizations: list[OrgSource] = field(default_factory=list)
    discovery_interval: int = DISCOVERY_INTERVAL
    endpoint_url: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = 8
    intervals: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    tags_every: int = 10  # full WorkSpaces tag re-read every Nth refresh (see listers)
    refresh_process: str = "child"  # [refresh] process: the TUI refresher in "child"/"thread"
    theme: str = "textual-dark"
    keymap: dict[str, str] = field(default_factory=dict)
    read_only: bool = False
    protect_tag: str = "wstui:protect"
    views: dict[str, View] = field(default_factory=dict)
    # [prices."REGION".COMPUTE] monthly / hourly / fixed: overrides of core/data/prices.json
    prices: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class _Problems:
    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.items: list[str] = []

    def add(self, key: str, msg: str) -> None:
        self.items.append(f"{self.path}{self._line(key)}: {msg}")

    def _line(self, key: str) -> str:
        # tomllib gives no positions for values; find the key's first assignment.
        leaf = re.escape(key.split(".")[-1])
        pat = re.compile(rf'^\s*("?){leaf}\1\s*=|^\s*\[+\s*{re.escape(key)}\s*\]+')
        for n, line in enumerate(self.lines, 1):
            if pat.search(line):
                return f":{n}"
        return ""


def load_config(path: str | Path | None = None) -> Config:
    """Read config.toml (or `path`); defaults for anything missing or invalid."""
    explicit = path is not None
    p = Path(path) if path is not None else default_config_path()
    cfg = Config(path=p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            cfg.errors.append(f"{p}: file not found; using defaults")
        return cfg
    except (OSError, UnicodeDecodeError) as exc:
        cfg.errors.append(f"{p}: cannot read ({exc}); using defaults")
        return cfg
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        cfg.errors.append(f"{p}: invalid TOML: {exc}; using defaults")
        return cfg
    except RecursionError:  # tomllib recurses per nested array/inline table
        cfg.errors.append(f"{p}: {TOO_DEEP}; using defaults")
        return cfg
    probs = _Problems(p, text)
    try:
        _apply(cfg, data, probs)
    except RecursionError:  # a dotted [a.b.c...] header thousands of parts deep
        fresh = Config(path=p)
        fresh.errors.append(f"{p}: {TOO_DEEP}; using defaults")
        return fresh
    cfg.errors.extend(probs.items)
    return cfg


# A config error makes the read-only policy fail closed (core/act/policy.py), so a
# file too deep to read still refuses mutations.
TOO_DEEP = "tables or arrays nested too deeply to read"


_KNOWN = {
    "aws", "targets", "refresh", "theme", "keymap", "read_only", "protect_tag", "views",
    "prices",
}  # fmt: skip


_AWS_KEYS = {"endpoint_url", "retry_mode", "max_attempts", "profiles", "regions"}
_TARGET_KEYS = {"region", "profile"}
_ORG_KEYS = {"organization", "role", "regions", "profile", "region"}  # region: own message
_VIEW_KEYS = {"query", "sort", "kind", "columns"}


def _looks_like_read_only(key: str) -> bool:
    return re.sub(r"[\s_\-]", "", str(key)).casefold() == "readonly"


def _misplaced_read_only(value: Any, path: str, probs: _Problems) -> None:
    """read_only (or read-only, ReadOnly...) anywhere but the top level is an error: in TOML
    a line after a [table] header belongs to that table, so `read_only = true` appended at
    the end of the file would otherwise be ignored and leave mutations allowed."""
    if isinstance(value, dict):
        for k, v in value.items():
            where = f"{path}.{k}" if path else str(k)
            if path and _looks_like_read_only(k):
                probs.add(str(k), f"'{where}' is not read: read_only must be at the top of "
                                  "config.toml, before any [table]")  # fmt: skip
            _misplaced_read_only(v, where, probs)
    elif isinstance(value, list):
        for v in value:
            _misplaced_read_only(v, path, probs)


def _unknown_keys(table: Any, known: set[str], where: str, probs: _Problems) -> None:
    if isinstance(table, dict):
        for key in sorted(set(table) - known):
            probs.add(str(key), f"unknown setting '{key}' in {where} ignored")


def _apply(cfg: Config, data: dict[str, Any], probs: _Problems) -> None:
    for key in sorted(set(data) - _KNOWN):
        probs.add(key, f"unknown setting '{key}' ignored")
    _misplaced_read_only(data, "", probs)
    _unknown_keys(data.get("aws"), _AWS_KEYS, "[aws]", probs)
    targets = data.get("targets")
    for t in targets if isinstance(targets, list) else []:
        org = isinstance(t, dict) and "organization" in t
        _unknown_keys(t, _ORG_KEYS if org else _TARGET_KEYS, "[[targets]]", probs)
    views = data.get("views")
    for name, v in views.items() if isinstance(views, dict) else []:
        _unknown_keys(v, _VIEW_KEYS, f"[views.{name}]", probs)
    _apply_aws(cfg, data.get("aws", {}), probs)
    _apply_targets(cfg, data, probs)
    _apply_refresh(cfg, data.get("refresh", {}), probs)
    if "theme" in data:
        if isinstance(data["theme"], str) and data["theme"].strip():
            cfg.theme = data["theme"].strip()
        else:
            probs.add("theme", "theme must be a non-empty string")
    if "read_only" in data:
        if isinstance(data["read_only"], bool):
            cfg.read_only = data["read_only"]
        else:
            probs.add("read_only", "read_only must be true or false")
    if "protect_tag" in data:
        if isinstance(data["protect_tag"], str) and data["protect_tag"].strip():
            cfg.protect_tag = data["protect_tag"].strip()
        else:
            probs.add("protect_tag", "protect_tag must be a non-empty string")
    _apply_keymap(cfg, data.get("keymap", {}), probs)
    _apply_views(cfg, data.get("views", {}), probs)
    _apply_prices(cfg, data.get("prices", {}), probs)


_PRICE_KEYS = ("monthly", "hourly", "fixed")


def _apply_prices(cfg: Config, prices: Any, probs: _Problems) -> None:
    """[prices."us-east-1".STANDARD] monthly = 35.0 (any of monthly, hourly, fixed)."""
    if not isinstance(prices, dict):
        probs.add("prices", '[prices] must be tables: [prices."REGION".COMPUTE]')
        return
    for region, computes in prices.items():
        if not isinstance(computes, dict):
            probs.add("prices", f'[prices."{region}"] must hold COMPUTE tables')
            continue
        for compute, entry in computes.items():
            where = f'prices."{region}".{compute}'
            if not isinstance(entry, dict) or not entry:
                probs.add("prices", f"{where} must set monthly, hourly and/or fixed")
                continue
            good = {}
            for key, value in entry.items():
                if key not in _PRICE_KEYS:
                    probs.add("prices", f"unknown setting '{key}' in [{where}] ignored")
                elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    probs.add("prices", f"{where}.{key} must be a number >= 0")
                else:
                    good[key] = float(value)
            if good:
                cfg.prices.setdefault(str(region), {})[str(compute).upper()] = good


def _apply_aws(cfg: Config, aws: Any, probs: _Problems) -> None:
    if not isinstance(aws, dict):
        probs.add("aws", "[aws] must be a table")
        return
    if "endpoint_url" in aws:
        if isinstance(aws["endpoint_url"], str) and re.match(r"https?://", aws["endpoint_url"]):
            cfg.endpoint_url = aws["endpoint_url"]
        else:
            probs.add("endpoint_url", "endpoint_url must be an http(s):// URL")
    if "retry_mode" in aws:
        if aws["retry_mode"] in ("standard", "adaptive"):
            cfg.retry_mode = aws["retry_mode"]
        else:
            probs.add("retry_mode", "retry_mode must be 'standard' or 'adaptive'")
    if "max_attempts" in aws:
        v = aws["max_attempts"]
        if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 20:
            cfg.max_attempts = v
        else:
            probs.add("max_attempts", "max_attempts must be an integer from 1 to 20")
    profiles = _str_list(aws.get("profiles", []), "profiles", probs)
    regions = _str_list(aws.get("regions", []), "regions", probs)
    if regions:
        chosen: list[str | None] = [*profiles] or [None]
        cfg.targets.extend((p, r) for p in chosen for r in regions)
    elif profiles:
        probs.add("profiles", "profiles given without regions; add regions = [...]")


def _apply_targets(cfg: Config, data: dict[str, Any], probs: _Problems) -> None:
    targets = data.get("targets", [])
    if not isinstance(targets, list):
        probs.add("targets", "targets must be an array of tables: [[targets]]")
        return
    for t in targets:
        if isinstance(t, dict) and "organization" in t:
            _apply_org_target(cfg, t, probs)
            continue
        if not isinstance(t, dict) or not isinstance(t.get("region"), str):
            probs.add("targets", 'each [[targets]] needs region = "..." (and optional profile)')
            continue
        profile = t.get("profile")
        if profile is not None and not isinstance(profile, str):
            probs.add("profile", "target profile must be a string")
            continue
        if (profile, t["region"]) not in cfg.targets:
            cfg.targets.append((profile, t["region"]))


def _apply_org_target(cfg: Config, t: dict[str, Any], probs: _Problems) -> None:
    """`[[targets]] organization = true, role = "NAME"` (+ optional regions, profile)."""
    if t.get("organization") is not True:
        if t.get("organization") is not False:
            probs.add("organization", "organization must be true or false")
        return
    role = t.get("role")
    if not isinstance(role, str) or not role:
        probs.add("organization", 'organization = true needs role = "NAME" (the IAM role '
                                  "to assume in each account, e.g. OrganizationAccountAccessRole)")  # fmt: skip
        return
    if not ROLE_NAME.fullmatch(role):
        probs.add("role", f"role {role!r} is not an IAM role name (1-64 of letters, digits "
                          "and +=,.@_-; the name only, not an ARN)")  # fmt: skip
        return
    profile = t.get("profile")
    if profile is not None and not (isinstance(profile, str) and profile):
        probs.add("profile", "target profile must be a non-empty string")
        return
    regions = _str_list(t.get("regions", []), "regions", probs) if "regions" in t else []
    if "region" in t:
        probs.add("region", 'an organization target takes regions = [...] (or none: every '
                            "region with WorkSpaces), not region")  # fmt: skip
        return
    source = OrgSource(profile, role, tuple(dict.fromkeys(regions)))
    if source not in cfg.organizations:
        cfg.organizations.append(source)


def _apply_refresh(cfg: Config, refresh: Any, probs: _Problems) -> None:
    if not isinstance(refresh, dict):
        probs.add("refresh", "[refresh] must be a table of kind = seconds")
        return
    for key, value in refresh.items():
        if key == "process":  # where the TUI's refresher runs (wstui.refresh_process)
            if value in ("child", "thread"):
                cfg.refresh_process = value
            else:
                probs.add(key, 'refresh.process must be "child" or "thread"')
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            probs.add(key, f"refresh.{key} must be a positive integer (seconds)")
        elif key == "tags_every":
            cfg.tags_every = value
        elif key == "discovery":  # Organizations re-discovery; at least a minute
            cfg.discovery_interval = max(60, value)
        else:
            cfg.intervals[key] = max(5, value)


def _apply_keymap(cfg: Config, keymap: Any, probs: _Problems) -> None:
    if not isinstance(keymap, dict):
        probs.add("keymap", '[keymap] must be a table of binding_id = "keys"')
        return
    for key, value in keymap.items():
        if isinstance(value, str) and value.strip():
            cfg.keymap[key] = value.strip()
        else:
            probs.add(key, f'keymap.{key} must be a non-empty string like "ctrl+r"')


def _apply_views(cfg: Config, views: Any, probs: _Problems) -> None:
    if not isinstance(views, dict):
        probs.add("views", "[views.NAME] tables expected")
        return
    for name, v in views.items():
        if not isinstance(v, dict):
            probs.add(name, f"views.{name} must be a table with query/sort/columns")
            continue
        cols = _str_list(v.get("columns", []), "columns", probs)
        fields = {k: v.get(k, "") for k in ("query", "sort", "kind")}
        bad = [k for k, val in fields.items() if not isinstance(val, str)]
        if bad:
            probs.add(name, f"views.{name}: {', '.join(bad)} must be strings")
            continue
        cfg.views[name] = View(
            name, fields["query"], fields["sort"], tuple(cols), fields["kind"] or DEFAULT_KIND
        )


def _str_list(value: Any, key: str, probs: _Problems) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        probs.add(key, f"{key} must be a list of strings")
        return []
    return list(value)
