"""Check a request against botocore's service model before it is sent.

The model gives required members, string `pattern`, `min`/`max` lengths, enums, list
sizes and number ranges. The API reference adds rules the model does not carry: a
connection string is a fully qualified domain name, shared account ids have 12 digits,
IP rules are CIDR blocks, and a resource has at most 50 tags. Each problem names the
parameter path the form shows (`ConnectionAliasPermission.SharedAccountId`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from wstui.core.act.ops import MAX_TAGS, service_model

ACCOUNT_ID = re.compile(r"^\d{12}$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# Members whose value is another AWS account (reference: 12 digits).
ACCOUNT_MEMBERS = {"SharedAccountId", "TargetAccountId", "SourceAccountId", "LinkedAccountId"}


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def validate(operation: str, request: dict[str, Any]) -> list[Problem]:
    """Every problem found (empty list = the request may be sent)."""
    shape = service_model().operation_model(operation).input_shape
    problems: list[Problem] = []
    if shape is not None:
        _check(shape, request, "", problems)
    special: list[Problem] = []
    _special(operation, request, special)
    # The reference's wording is clearer than a regular expression: it replaces it.
    explained = {p.path for p in special}
    return [p for p in problems if p.path not in explained] + special


def _check(shape: Any, value: Any, path: str, out: list[Problem]) -> None:
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        if not isinstance(value, dict):
            out.append(Problem(path, "expected an object"))
            return
        for name in shape.required_members:
            if value.get(name) in (None, "", [], {}):
                out.append(Problem(_join(path, name), "required"))
        for name, item in value.items():
            member = shape.members.get(name)
            if member is None:
                out.append(Problem(_join(path, name), "not a parameter of this operation"))
            elif item is not None:
                _check(member, item, _join(path, name), out)
    elif t == "list":
        if not isinstance(value, list):
            out.append(Problem(path, "expected a list"))
            return
        _size(len(value), meta, path, "item", out)
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]", out)
    elif t == "map":
        if not isinstance(value, dict):
            out.append(Problem(path, "expected KEY=VALUE pairs"))
            return
        _size(len(value), meta, path, "entry", out)
        for k, v in value.items():
            _check(shape.key, k, f"{path}.{k}", out)
            _check(shape.value, v, f"{path}.{k}", out)
    elif t == "string":
        _string(shape, value, path, out)
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            out.append(Problem(path, "expected a whole number"))
            return
        _range(value, meta, path, out)
    elif t == "double":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append(Problem(path, "expected a number"))
            return
        _range(value, meta, path, out)
    elif t == "boolean":
        if not isinstance(value, bool):
            out.append(Problem(path, "expected true or false"))
    elif t == "blob":
        if not isinstance(value, (bytes, bytearray, str)):
            out.append(Problem(path, "expected file contents"))
            return
        _size(len(value), meta, path, "byte", out)


def _string(shape: Any, value: Any, path: str, out: list[Problem]) -> None:
    if not isinstance(value, str):
        out.append(Problem(path, "expected text"))
        return
    meta = shape.metadata
    if shape.enum and value not in shape.enum:
        out.append(Problem(path, f"must be one of {', '.join(shape.enum)}"))
        return
    _size(len(value), meta, path, "character", out)
    pattern = meta.get("pattern")
    if pattern and not _matches(pattern, value):
        out.append(Problem(path, f"{_show(value)} does not match the pattern {pattern}"))


def _matches(pattern: str, value: str) -> bool:
    # Java semantics: an anchored pattern must match all of the value (no trailing newline).
    if "\n" in value and "\n" not in pattern:
        return False
    if pattern.startswith("^"):
        return re.search(pattern, value) is not None
    return re.fullmatch(pattern, value) is not None


def _size(n: int, meta: dict[str, Any], path: str, unit: str, out: list[Problem]) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and n < lo:
        out.append(Problem(path, f"needs at least {lo} {unit}{'s' if lo != 1 else ''}"))
    if hi is not None and n > hi:
        out.append(Problem(path, f"takes at most {hi} {unit}{'s' if hi != 1 else ''} (got {n})"))


def _range(n: float, meta: dict[str, Any], path: str, out: list[Problem]) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and n < lo:
        out.append(Problem(path, f"must be at least {lo}"))
    if hi is not None and n > hi:
        out.append(Problem(path, f"must be at most {hi}"))


def _show(value: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    return repr(shown)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# -- the reference's rules beyond the model ----------------------------------------------------
def is_fqdn(name: str) -> bool:
    """A fully qualified domain name: dot-separated labels of letters, digits and hyphens."""
    if not name or len(name) > 255 or name.endswith("."):
        return False
    labels = name.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    return all(_LABEL.match(label) for label in labels)


def is_cidr(text: str) -> bool:
    """An IPv4 address or CIDR block (the IP access groups are IPv4)."""
    try:
        ipaddress.IPv4Network(text, strict=False)
    except (ValueError, TypeError):
        return False
    return bool(re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?", text))


def _special(operation: str, request: dict[str, Any], out: list[Problem]) -> None:
    conn = request.get("ConnectionString")
    fqdn_rule = operation == "CreateConnectionAlias" and isinstance(conn, str) and conn
    if fqdn_rule and not is_fqdn(str(conn)):
        out.append(Problem(
            "ConnectionString",
            f"{_show(str(conn))} is not a fully qualified domain name (e.g. desktop.example.com)",
        ))  # fmt: skip
    _walk_accounts(request, "", out)
    rules = request.get("UserRules")
    if isinstance(rules, list):
        for i, rule in enumerate(rules):
            cidr = rule.get("ipRule") if isinstance(rule, dict) else rule
            if isinstance(cidr, str) and not is_cidr(cidr):
                out.append(Problem(f"UserRules[{i}]", f"{_show(cidr)} is not a CIDR block "
                                   "(e.g. 203.0.113.0/24)"))  # fmt: skip
    for key in ("Tags", "TagKeys"):
        tags = request.get(key)
        if isinstance(tags, list) and len(tags) > MAX_TAGS:
            out.append(Problem(key, f"a resource has at most {MAX_TAGS} tags (got {len(tags)})"))
    if isinstance(request.get("Workspaces"), list):
        for i, ws in enumerate(request["Workspaces"]):
            tags = ws.get("Tags") if isinstance(ws, dict) else None
            if isinstance(tags, list) and len(tags) > MAX_TAGS:
                out.append(Problem(f"Workspaces[{i}].Tags", f"at most {MAX_TAGS} tags"))


def _walk_accounts(value: Any, path: str, out: list[Problem]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            here = _join(path, k)
            if k in ACCOUNT_MEMBERS and isinstance(v, str) and not ACCOUNT_ID.match(v):
                out.append(Problem(here, f"{_show(v)} is not a 12-digit AWS account id"))
            else:
                _walk_accounts(v, here, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk_accounts(v, f"{path}[{i}]", out)
