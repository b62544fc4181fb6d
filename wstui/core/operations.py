"""Every operation of the WorkSpaces API, declared once: where it lives and how it is sent.

`OPERATIONS` holds one `Operation` per operation of botocore's `workspaces` model: the
screens whose operations picker offers it (and the key there), the parameter the cursor
row fills in, whether it mutates, whether it is destructive, and whether a core action
(`core.actions`, with plan/skip reasons for many rows) or a cache lister already covers it.
Parameters come from the service model (`fields()`), so the form, the CLI and validation
never drift from what botocore sends. `send()` runs one call audited before and after,
exactly like `actions.execute`; `preflight()` explains, from the cache, what the service
would refuse (alias not CREATED, still shared, IP group still associated, ...).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.session

from wstui.core.act.gateway import Gateway, Mutation, Outcome, Refused, Reply, classify
from wstui.core.act.policy import ReadOnlyError
from wstui.core.cache import raw_of
from wstui.core.kinds import KINDS, by_shape, preflight_rule, taggable

# Every kind has an operations screen, plus the account's (core.kinds declares the kinds).
SCREENS = (*KINDS, "account")
# Kinds whose resources take tags (CreateTags/DeleteTags/DescribeTags ResourceId).
TAGGABLE = taggable()
MAX_TAGS = 50


@cache
def service_model() -> Any:
    return botocore.session.get_session().get_service_model("workspaces")


def snake(name: str) -> str:
    """boto3 method name: CreateConnectionAlias -> create_connection_alias."""
    from botocore import xform_name

    return xform_name(name)


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")


@dataclass(frozen=True)
class Operation:
    name: str  # API name: "CreateConnectionAlias"
    title: str  # what the picker says: "Create alias"
    screens: tuple[str, ...]  # where the picker offers it ("account" = :ops account)
    ids: dict[str, str] = field(default_factory=dict)  # screen -> param the cursor row fills
    destructive: bool = False
    action: str | None = None  # a core.actions action already sends it (plan over many rows)
    lister: str | None = None  # the refresher reads it for this kind
    key: str = ""  # picker key (assigned by _assign_keys when empty)
    note: str = ""

    @property
    def mutates(self) -> bool:
        return not self.name.startswith(("Describe", "List", "Get"))

    @property
    def cli(self) -> str:
        return kebab(self.name)

    @property
    def method(self) -> str:
        return snake(self.name)


def _o(name: str, title: str, screens: str, ids: str = "", **kw: Any) -> Operation:
    """screens "aliases directories"; ids "aliases=AliasId directories=ResourceId" (or one
    bare param for every screen)."""
    where = tuple(screens.split())
    id_map: dict[str, str] = {}
    for part in ids.split():
        if "=" in part:
            s, p = part.split("=", 1)
            id_map[s] = p
        else:
            id_map.update({s: part for s in where})
    return Operation(name, title, where, id_map, **kw)


_ALL = " ".join(TAGGABLE)

_DECLARED: tuple[Operation, ...] = (
    # -- WorkSpaces ------------------------------------------------------------------
    _o("DescribeWorkspaces", "List WorkSpaces", "workspaces", lister="workspaces"),
    _o("DescribeWorkspacesConnectionStatus", "Connection status", "workspaces",
       lister="workspaces"),
    _o("CreateWorkspaces", "Create WorkSpaces", "workspaces", key="C"),
    _o("CreateStandbyWorkspaces", "Create standby WorkSpaces", "workspaces"),
    _o("StartWorkspaces", "Start", "workspaces", action="start"),
    _o("StopWorkspaces", "Stop", "workspaces", action="stop"),
    _o("RebootWorkspaces", "Reboot", "workspaces", action="reboot"),
    _o("RebuildWorkspaces", "Rebuild", "workspaces", action="rebuild", destructive=True),
    _o("TerminateWorkspaces", "Terminate", "workspaces", action="terminate", destructive=True),
    _o("RestoreWorkspace", "Restore from snapshot", "workspaces", "WorkspaceId", destructive=True),
    _o("DescribeWorkspaceSnapshots", "Snapshots", "workspaces", "WorkspaceId"),
    _o("MigrateWorkspace", "Migrate to a bundle", "workspaces", "SourceWorkspaceId",
       destructive=True),
    _o("ModifyWorkspaceProperties", "Modify properties", "workspaces", "WorkspaceId"),
    _o("ModifyWorkspaceState", "Maintenance state", "workspaces", "WorkspaceId"),
    _o("DescribeWorkspaceAssociations", "Associations", "workspaces", "WorkspaceId"),
    _o("CreateWorkspaceImage", "Create image from WorkSpace", "workspaces images",
       "workspaces=WorkspaceId"),
    _o("AssociateWorkspaceApplication", "Associate application", "workspaces", "WorkspaceId"),
    _o("DisassociateWorkspaceApplication", "Disassociate application", "workspaces",
       "WorkspaceId"),
    _o("DeployWorkspaceApplications", "Deploy applications", "workspaces", "WorkspaceId"),
    # -- tags (every taggable kind) -------------------------------------------------------
    _o("DescribeTags", "Tags", _ALL, "ResourceId", key="t"),
    _o("CreateTags", "Add tags", _ALL, "ResourceId", key="T"),
    _o("DeleteTags", "Remove tags", _ALL, "ResourceId", key="D"),
    # -- directories ----------------------------------------------------------------
    _o("DescribeWorkspaceDirectories", "List directories", "directories", lister="directories"),
    _o("RegisterWorkspaceDirectory", "Register directory", "directories"),
    _o("DeregisterWorkspaceDirectory", "Deregister directory", "directories", "DirectoryId",
       destructive=True),
    _o("ModifySelfservicePermissions", "Self-service permissions", "directories", "ResourceId"),
    _o("ModifyWorkspaceCreationProperties", "Creation properties", "directories",
       "ResourceId"),
    _o("ModifyWorkspaceAccessProperties", "Access properties (devices)", "directories",
       "ResourceId"),
    _o("DescribeClientProperties", "Client properties", "directories", "ResourceIds"),
    _o("ModifyClientProperties", "Modify client properties", "directories", "ResourceId"),
    _o("ModifySamlProperties", "SAML properties", "directories", "ResourceId"),
    _o("ModifyCertificateBasedAuthProperties", "Certificate-based auth", "directories",
       "ResourceId"),
    _o("ModifyStreamingProperties", "Streaming properties", "directories", "ResourceId"),
    _o("ModifyEndpointEncryptionMode", "Endpoint encryption mode", "directories",
       "DirectoryId"),
    _o("AssociateIpGroups", "Associate IP groups", "directories ipgroups",
       "directories=DirectoryId ipgroups=GroupIds"),
    _o("DisassociateIpGroups", "Disassociate IP groups", "directories ipgroups",
       "directories=DirectoryId ipgroups=GroupIds"),
    _o("DescribeClientBranding", "Client branding", "directories", "ResourceId"),
    _o("ImportClientBranding", "Import client branding", "directories", "ResourceId"),
    _o("DeleteClientBranding", "Delete client branding", "directories", "ResourceId",
       destructive=True),
    _o("DescribeConnectClientAddIns", "Connect client add-ins", "directories", "ResourceId"),
    _o("CreateConnectClientAddIn", "Add Connect client add-in", "directories", "ResourceId"),
    _o("UpdateConnectClientAddIn", "Update Connect client add-in", "directories",
       "ResourceId"),
    _o("DeleteConnectClientAddIn", "Delete Connect client add-in", "directories",
       "ResourceId", destructive=True),
    # -- bundles --------------------------------------------------------------------
    _o("DescribeWorkspaceBundles", "List bundles", "bundles", lister="bundles"),
    _o("CreateWorkspaceBundle", "Create bundle", "bundles"),
    _o("UpdateWorkspaceBundle", "Update bundle image", "bundles", "BundleId"),
    _o("DeleteWorkspaceBundle", "Delete bundle", "bundles", "BundleId", destructive=True),
    _o("DescribeBundleAssociations", "Bundle associations", "bundles", "BundleId"),
    # -- images ---------------------------------------------------------------------
    _o("DescribeWorkspaceImages", "List images", "images", lister="images"),
    _o("CreateUpdatedWorkspaceImage", "Create updated image", "images", "SourceImageId"),
    _o("CopyWorkspaceImage", "Copy image", "images", "SourceImageId"),
    _o("ImportWorkspaceImage", "Import image (BYOL)", "images"),
    _o("ImportCustomWorkspaceImage", "Import custom image", "images"),
    _o("DescribeCustomWorkspaceImageImport", "Custom import status", "images", "ImageId"),
    _o("DescribeWorkspaceImagePermissions", "Image permissions", "images", "ImageId"),
    _o("UpdateWorkspaceImagePermission", "Share / unshare image", "images", "ImageId"),
    _o("DescribeImageAssociations", "Image associations", "images", "ImageId"),
    _o("DeleteWorkspaceImage", "Delete image", "images", "ImageId", destructive=True),
    # -- IP access control groups ---------------------------------------------------------
    _o("DescribeIpGroups", "List IP groups", "ipgroups", lister="ipgroups"),
    _o("CreateIpGroup", "Create IP group", "ipgroups", key="c"),
    _o("AuthorizeIpRules", "Add rules", "ipgroups", "GroupId", key="a"),
    _o("RevokeIpRules", "Revoke rules", "ipgroups", "GroupId", key="r"),
    _o("UpdateRulesOfIpGroup", "Edit rules", "ipgroups", "GroupId", key="e"),
    _o("DeleteIpGroup", "Delete IP group", "ipgroups", "GroupId", destructive=True, key="x"),
    # -- connection aliases ---------------------------------------------------------------
    _o("DescribeConnectionAliases", "List aliases", "aliases", lister="aliases"),
    _o("CreateConnectionAlias", "Create alias", "aliases", key="c"),
    _o("UpdateConnectionAliasPermission", "Share / unshare with account", "aliases", "AliasId",
       key="s"),
    _o("DescribeConnectionAliasPermissions", "Permissions (shared with)", "aliases", "AliasId",
       key="p"),
    _o("AssociateConnectionAlias", "Associate with directory", "aliases", "AliasId", key="a"),
    _o("DisassociateConnectionAlias", "Disassociate from directory", "aliases", "AliasId",
       key="d"),
    _o("DeleteConnectionAlias", "Delete alias", "aliases", "AliasId", destructive=True, key="x"),
    # -- pools ----------------------------------------------------------------------
    _o("DescribeWorkspacesPools", "List pools", "pools", lister="pools"),
    _o("CreateWorkspacesPool", "Create pool", "pools", key="c"),
    _o("UpdateWorkspacesPool", "Update pool", "pools", "PoolId", key="e"),
    _o("StartWorkspacesPool", "Start pool", "pools", "PoolId", key="u"),
    _o("StopWorkspacesPool", "Stop pool", "pools", "PoolId", key="d"),
    _o("TerminateWorkspacesPool", "Terminate pool", "pools", "PoolId", destructive=True,
       key="x"),
    _o("DescribeWorkspacesPoolSessions", "Sessions", "pools", "PoolId", key="s"),
    _o("TerminateWorkspacesPoolSession", "Terminate session", "pools", destructive=True),
    # -- account --------------------------------------------------------------------
    _o("DescribeAccount", "BYOL settings", "account"),
    _o("ModifyAccount", "Modify BYOL settings", "account"),
    _o("DescribeAccountModifications", "BYOL modifications", "account"),
    _o("ListAvailableManagementCidrRanges", "Management CIDR ranges", "account"),
    _o("ListAccountLinks", "Account links", "account"),
    _o("GetAccountLink", "Account link", "account"),
    _o("CreateAccountLinkInvitation", "Invite account link", "account"),
    _o("AcceptAccountLinkInvitation", "Accept link invitation", "account"),
    _o("RejectAccountLinkInvitation", "Reject link invitation", "account"),
    _o("DeleteAccountLinkInvitation", "Delete link invitation", "account", destructive=True),
    _o("DescribeApplications", "Applications (WAM)", "account"),
    _o("DescribeApplicationAssociations", "Application associations", "account"),
)  # fmt: skip

# Operations deliberately not reachable, with the reason (none today: keep the mechanism).
EXCLUDED: dict[str, str] = {}

_KEY_POOL = "abcdefghijklmnprstuvwxzABCEFGHIJKLMNOPQRSUVWXYZ0123456789"


def _assign_keys(ops: Iterable[Operation]) -> dict[str, Operation]:
    """Give every operation a picker key unique on each of its screens (declared keys first)."""
    from dataclasses import replace

    taken: dict[str, set[str]] = {s: set() for s in SCREENS}
    out: dict[str, Operation] = {}
    ops = list(ops)
    for o in ops:
        if o.key:
            for s in o.screens:
                if o.key in taken[s]:
                    raise ValueError(f"key {o.key!r} used twice on {s}")
                taken[s].add(o.key)
    for o in ops:
        if not o.key:
            first = o.name[len(re.match(r"[A-Z][a-z]+", o.name).group(0)) :]  # type: ignore[union-attr]
            prefer = [c.lower() for c in first if c.isupper()] + [o.name[0].lower()]
            choices = prefer + [c for c in _KEY_POOL if c not in prefer]
            key = next(c for c in choices if all(c not in taken[s] for s in o.screens))
            for s in o.screens:
                taken[s].add(key)
            o = replace(o, key=key)
        out[o.name] = o
    return out


OPERATIONS: dict[str, Operation] = _assign_keys(_DECLARED)
_BY_CLI = {o.cli: o for o in OPERATIONS.values()}


class OperationError(ValueError):
    """Unknown operation or malformed parameters; the message says why."""


def resolve(name: str) -> Operation:
    """By API name (CreateConnectionAlias) or CLI name (create-connection-alias)."""
    found = OPERATIONS.get(name) or _BY_CLI.get(name.strip().lower())
    if found is None:
        lowered = name.replace("-", "").replace("_", "").lower()
        found = next((o for o in OPERATIONS.values() if o.name.lower() == lowered), None)
    if found is None:
        close = [o.cli for o in OPERATIONS.values() if lowered[:6] in o.name.lower()][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise OperationError(f"unknown operation {name!r}{hint}")
    return found


def for_screen(screen: str) -> list[Operation]:
    """The picker's list for a screen, in declaration order."""
    return [o for o in OPERATIONS.values() if screen in o.screens]


# -- parameters from the service model ------------------------------------------------------
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


def format_value(shape: Any, value: Any) -> str:
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


def prefill(op: Operation, screen: str, row: dict | None) -> dict[str, str]:
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
        values["UserRules"] = format_value(shape, raw.get("userRules") or [])
    return values


# -- before sending: what the cache says the service would refuse ------------------------------
# Each rule is declared by its kind (core.kinds: aliases, bundles, directories, ipgroups).


def preflight(op: Operation, row: dict | None, request: dict, cache: Any = None) -> str | None:
    """Why the service would refuse this call, judged from the cache; None = go ahead."""
    check = preflight_rule(op.name)
    if check is None:
        return None
    try:
        return check(row, request, cache)
    except Exception:  # an unreadable cache never blocks: the service has the last word
        return None


# -- sending -----------------------------------------------------------------------------
@dataclass
class Result:
    op: Operation
    request: dict
    ok: bool
    response: dict = field(default_factory=dict)
    code: str = ""
    message: str = ""
    request_id: str = ""
    status: str = "sent"  # "sent" | "failed" | "unknown" | "read"

    def summary(self) -> str:
        if self.ok:
            return f"{self.op.name}: done"
        return f"{self.op.name} failed: {self.code}: {self.message}"


ReadOnlyRefusal = ReadOnlyError  # the name callers used before the gateway


def send(op: Operation, request: dict, gateway: Gateway, target: Any,
         after_unknown: bool = False) -> Result:  # fmt: skip
    """One call. Reads go straight to the target's client; mutations through the gateway
    (policy, scope, protect tag, audit, once-only), which raises ReadOnlyError when
    read-only. A refusal comes back as a Result with status "refused": nothing was sent."""
    if not op.mutates:
        try:  # reads, too, go only to a selected target with its own credentials
            where = gateway.scope.target(str(getattr(target, "account", "") or ""),
                                         str(target.region), getattr(target, "profile", None))  # fmt: skip
        except Refused as exc:
            return Result(op, request, False, {}, "Refused", f"not sent: {exc}", "", "refused")
        return _read(op, request, gateway.clients, where)
    subject = _subject(op, request)
    m = Mutation(
        op.name, str(getattr(target, "account", "") or ""), str(target.region), request,
        subjects=() if subject == op.cli else (subject,), destructive=op.destructive,
        profile=getattr(target, "profile", None), after_unknown=after_unknown,
    )  # fmt: skip
    try:
        reply, _ = gateway.send(m, lambda r: _outcomes(r, m.audit_ids))
    except Refused as exc:
        return Result(op, request, False, {}, "Refused", f"not sent: {exc}", "", "refused")
    if reply.status != "sent":
        return Result(op, request, False, {}, reply.code, reply.message, reply.request_id, reply.status)  # fmt: skip
    failed = reply.response.get("FailedRequests") or []
    if failed:
        # Batch calls answer partial failure in FailedRequests: report it as failure.
        first = failed[0] if isinstance(failed[0], dict) else {}
        return Result(op, request, False, reply.response, str(first.get("ErrorCode") or "FailedRequests"),
                      f"{len(failed)} request(s) failed: {first.get('ErrorMessage', '')}",
                      reply.request_id, "failed")  # fmt: skip
    return Result(op, request, True, reply.response, request_id=reply.request_id, status="sent")


def _outcomes(reply: Reply, ids: tuple[str, ...]) -> dict[str, Outcome]:
    if reply.status != "sent":
        return {i: Outcome(i, reply.status, reply.code, reply.message) for i in ids}
    failed = {}
    for f in reply.response.get("FailedRequests") or []:
        if isinstance(f, dict):
            fid = str(f.get("WorkspaceId") or (f.get("WorkspaceRequest") or {}).get("UserName") or "")
            failed[fid] = f
    out = {}
    for i in ids:
        f = failed.get(i)
        if f is not None:
            out[i] = Outcome(i, "failed", str(f.get("ErrorCode") or ""), str(f.get("ErrorMessage") or ""))  # fmt: skip
        else:
            out[i] = Outcome(i, "sent", "", _brief_body(reply.response))
    return out


def confirm_words(op: Operation, request: dict, row: dict | None = None) -> list[str]:
    """What a user may type to confirm a destructive call: the resource id, or its name."""
    specific = next((request[k] for k in ("AddInId", "SessionId", "LinkId")
                     if isinstance(request.get(k), str) and request[k]), None)  # fmt: skip
    subject = _subject(op, request)
    if specific is None and subject == op.cli:
        # The call names its resources inside lists (TerminateWorkspaceRequests[]): confirm
        # one by its id, many by their count -- like `act --confirm N`, never a fixed word.
        named = Mutation(op.name, "", "", request).audit_ids
        if len(named) == 1 and named[0].startswith(f"{op.name}#"):
            return [op.cli]
        return [named[0]] if len(named) == 1 else [str(len(named))]
    words = [specific or subject]
    raw = raw_of(row)
    for key in ("name", "connection_string"):
        value = (row or {}).get(key)
        if isinstance(value, str) and value.strip() and value not in words:
            words.append(value)
    for key in ("groupName", "Name", "PoolName", "DirectoryName"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip() and value not in words:
            words.append(value)
    return words


_SUBJECT_PARAMS = ("AliasId", "GroupId", "ResourceId", "DirectoryId", "BundleId", "ImageId",
                   "PoolId", "SessionId", "LinkId", "AddInId", "WorkspaceId")  # fmt: skip


def _subject(op: Operation, request: dict) -> str:
    for param in (*op.ids.values(), *_SUBJECT_PARAMS):
        value = request.get(param)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
    return op.cli


def _brief_body(body: dict) -> str:
    text = json.dumps(body, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _read(op: Operation, request: dict, clients: Any, target: Any) -> Result:
    try:
        response = getattr(clients.workspaces(target), op.method)(**request)
    except Exception as exc:  # reported, never re-sent
        _status, code, message, rid = classify(exc, target)
        return Result(op, request, False, {}, code, message, rid, "failed")
    rid = str(response.get("ResponseMetadata", {}).get("RequestId", ""))
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return Result(op, request, True, body, request_id=rid, status="read")


def coverage() -> list[dict[str, Any]]:
    """One row per model operation: where it is reachable, or why it is excluded."""
    rows = []
    for name in service_model().operation_names:
        o = OPERATIONS.get(name)
        rows.append({"operation": name, "op": o, "excluded": EXCLUDED.get(name)})
    return rows
