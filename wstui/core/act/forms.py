"""An operation's parameters from botocore's service model: the form's fields, the text
each field takes, and the typed request built from that text (`build_request`).

One reading of the model serves the TUI form, `wstui op --param` and validation, so
they never drift from what botocore sends. `unparse_value` is `parse_value`'s inverse
(to prefill a form from a cached item).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from wstui.core.act.ops import (
    Operation,
    OperationError,
    resolve,
    service_model,
)
from wstui.core.kinds import by_shape, taggable


@dataclass(frozen=True)
class Field:
    """One input of a form: a scalar, or a whole list/map/structure typed as text."""

    path: tuple[str, ...]  # ("ConnectionAliasPermission", "SharedAccountId")
    shape: Any  # botocore Shape
    required: bool
    doc: str = ""

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def type(self) -> str:
        return str(self.shape.type_name)

    @property
    def enum(self) -> tuple[str, ...]:
        return tuple(self.shape.enum or ()) if self.type == "string" else ()

    def pick_kind(self, screen: str = "") -> str | None:
        """The resource kind whose cached ids may fill this field, else None.

        One rule for every form: the botocore shape of the value (of its items, for a
        list) names the kind -- DirectoryId, BundleId, WorkspaceImageId, IpGroupId, ... --
        so ResourceId typed DirectoryId picks directories. The tag operations' ResourceId
        (NonEmptyString, "the WorkSpaces resource") picks from the screen's own kind; an
        untyped ResourceId documented as a directory id picks directories.
        """
        shape = self.shape.member if self.type == "list" else self.shape
        kind = by_shape(str(shape.name))
        if kind is None and self.path[-1] in ("ResourceId", "ResourceIds"):
            # Untyped ResourceId: the model's own words say what it names.
            if "directory" in self.doc.lower():
                kind = by_shape("DirectoryId")
            elif "WorkSpaces resource" in self.doc and screen in taggable():
                kind = screen
        return kind

    @property
    def syntax(self) -> str:
        """How to type the value (shown under the input)."""
        if self.enum:
            return " | ".join(self.enum)
        return _SYNTAX.get(self.shape.name) or _TYPE_SYNTAX.get(self.type, "")


_TYPE_SYNTAX = {
    "boolean": "true | false",
    "integer": "a number",
    "long": "a number",
    "double": "a number",
    "timestamp": "ISO date/time",
    "blob": "@/path/to/file, or text",
    "list": "comma-separated values",
    "map": "KEY=VALUE, ...",
    "structure": "JSON object",
}
# Friendlier text forms for the list shapes that forms meet most.
_SYNTAX = {
    "TagList": "Key=Value, Key2=Value2",
    "TagKeyList": "Key, Key2",
    "IpRuleList": "CIDR [description], CIDR2 ... (e.g. 203.0.113.0/24 office)",
    "IpRevokedRuleList": "CIDR, CIDR2",
}

_MAX_DEPTH = 2


def _doc(shape: Any) -> str:
    text = re.sub(r"<[^>]+>", "", shape.documentation or "")
    return " ".join(text.split())[:300]


def fields(op: Operation | str) -> list[Field]:
    """The form's inputs: structure members flattened to depth 2, lists and maps as text."""
    o = resolve(op) if isinstance(op, str) else op
    shape = service_model().operation_model(o.name).input_shape
    out: list[Field] = []
    if shape is not None:
        _flatten(shape, (), True, 0, out)
    return out


def _flatten(shape: Any, path: tuple[str, ...], required: bool, depth: int, out: list[Field]) -> None:
    needed = set(shape.required_members)
    for name, member in shape.members.items():
        if name in {"NextToken"}:
            continue  # paging is the client's business, not the user's
        here = (*path, name)
        req = required and name in needed
        if member.type_name == "structure" and depth < _MAX_DEPTH and member.members:
            _flatten(member, here, req, depth + 1, out)
        else:
            out.append(Field(here, member, req, _doc(member)))


def build_request(op: Operation | str, values: dict[str, str]) -> dict[str, Any]:
    """Typed request from the form's text values (blank = not sent); OperationError on bad text."""
    o = resolve(op) if isinstance(op, str) else op
    by_name = {f.name: f for f in fields(o)}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise OperationError(
            f"{o.cli}: unknown parameter(s) {', '.join(unknown)}; known: {', '.join(by_name)}"
        )
    request: dict[str, Any] = {}
    for name, text in values.items():
        if text is None or str(text).strip() == "":
            continue
        f = by_name[name]
        value = parse_value(f.shape, str(text), f.name)
        node = request
        for part in f.path[:-1]:
            node = node.setdefault(part, {})
        node[f.path[-1]] = value
    return request


def parse_value(shape: Any, text: str, name: str = "") -> Any:
    t = shape.type_name
    raw = text.strip()
    try:
        if t == "string":
            return text
        if t in ("integer", "long"):
            return int(raw)
        if t == "double":
            return float(raw)
        if t == "boolean":
            if raw.lower() in ("true", "yes", "1", "on"):
                return True
            if raw.lower() in ("false", "no", "0", "off"):
                return False
            raise ValueError("expected true or false")
        if t == "timestamp":
            return raw
        if t == "blob":
            if raw.startswith("@"):
                with open(raw[1:], "rb") as fh:
                    return fh.read()
            return text.encode()
        if raw.startswith(("[", "{")):
            return json.loads(raw)
        if t == "list":
            return _parse_list(shape, raw, name)
        if t == "map":
            return dict(_pairs(raw))
        raise ValueError("expected a JSON object")
    except (ValueError, OSError) as exc:
        raise OperationError(f"{name}: {exc}") from None


def _parse_list(shape: Any, raw: str, name: str) -> list[Any]:
    items = [p.strip() for p in raw.split(",") if p.strip()]
    member = shape.member
    if shape.name == "TagList" or member.name == "Tag":
        return [{"Key": k, "Value": v} for k, v in _pairs(raw)]
    if member.name == "IpRuleItem":
        out = []
        for item in items:
            cidr, _, desc = item.partition(" ")
            rule = {"ipRule": cidr}
            if desc.strip():
                rule["ruleDesc"] = desc.strip()
            out.append(rule)
        return out
    if member.type_name == "structure":
        raise ValueError("give a JSON list of objects")
    return [parse_value(member, item, name) for item in items]


def _pairs(raw: str) -> list[tuple[str, str]]:
    out = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected KEY=VALUE, got {part!r}")
        out.append((key.strip(), value.strip()))
    return out


def unparse_value(shape: Any, value: Any) -> str:
    """The inverse of parse_value, to prefill a form from a cached item."""
    if value is None:
        return ""
    t = shape.type_name
    if t == "boolean":
        return "true" if value else "false"
    if t == "list" and isinstance(value, list):
        member = shape.member
        if member.name == "Tag":
            return ", ".join(f"{v.get('Key')}={v.get('Value', '')}" for v in value)
        if member.name == "IpRuleItem":
            return ", ".join(
                " ".join(x for x in (str(r.get("ipRule", "")), str(r.get("ruleDesc") or "")) if x)
                for r in value
            )
        if member.type_name != "structure":
            return ", ".join(str(v) for v in value)
    if t in ("list", "map", "structure"):
        return json.dumps(value)
    return str(value)


def prefill(op: Operation, screen: str, row: dict[str, Any] | None) -> dict[str, str]:
    """Form values from the cursor row: its id, and current values the edit starts from."""
    values: dict[str, str] = {}
    if row is None:
        return values
    param = op.ids.get(screen)
    rid = str(row.get("id") or "")
    if param and rid:
        values[param] = rid  # a list parameter (GroupIds) reads one id as a one-item list
    raw: dict[str, Any] = row["raw"] if isinstance(row.get("raw"), dict) else {}
    if op.name == "UpdateRulesOfIpGroup":
        # The rules editor starts from the group's current rules.
        shape = service_model().operation_model(op.name).input_shape.members["UserRules"]
        values["UserRules"] = unparse_value(shape, raw.get("userRules") or [])
    return values


