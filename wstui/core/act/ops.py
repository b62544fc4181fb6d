"""The operation catalogue: every operation of the WorkSpaces API, declared once.

`OPERATIONS` holds one `Operation` per operation of botocore's `workspaces` model: the
screens whose operations picker offers it (and the key there), the parameter the cursor
row fills in, whether it mutates (`core.aws.is_mutating`, the model's naming rule: the
one source the clients' guard uses too), whether it is destructive, and whether an
action (core.act.specs, planned over many rows) or a cache lister already covers it.
`preflight()` explains, from the cache, what the service would refuse (alias not
CREATED, still shared, IP group still associated, ...); `confirm_words()` what a user
types to confirm a destructive call. Parameters: core.act.forms; sending:
core.act.sending.send.

Over 400 lines because the declaration table of 91 operations is one list to read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from wstui.core.act.gateway import Mutation
from wstui.core.aws import is_mutating
from wstui.core.cache import raw_of
from wstui.core.kinds import KINDS, preflight_rule, taggable

# Every kind has an operations screen, plus the account's (core.kinds declares the kinds).
SCREENS = (*KINDS, "account")
# Kinds whose resources take tags (CreateTags/DeleteTags/DescribeTags ResourceId).
TAGGABLE = taggable()
MAX_TAGS = 50


@cache
def service_model() -> Any:
    import botocore.session  # lazily: botocore is slow to import

    return botocore.session.get_session().get_service_model("workspaces")


def snake(name: str) -> str:
    """boto3 method name: CreateConnectionAlias -> create_connection_alias."""
    from botocore import xform_name

    return cast(str, xform_name(name))  # botocore ships no stubs


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")


@dataclass(frozen=True)
class Operation:
    name: str  # API name: "CreateConnectionAlias"
    title: str  # what the picker says: "Create alias"
    screens: tuple[str, ...]  # where the picker offers it ("account" = :ops account)
    ids: dict[str, str] = field(default_factory=dict)  # screen -> param the cursor row fills
    destructive: bool = False
    action: str | None = None  # an action (core.act.specs) already sends it (plan over many rows)
    lister: str | None = None  # the refresher reads it for this kind
    key: str = ""  # picker key (assigned by _assign_keys when empty)
    note: str = ""

    @property
    def mutates(self) -> bool:
        return is_mutating(self.name)

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


# -- before sending: what the cache says the service would refuse ------------------------------
# Each rule is declared by its kind (core.kinds: aliases, bundles, directories, ipgroups).


def preflight(
    op: Operation, row: dict[str, Any] | None, request: dict[str, Any], cache: Any = None
) -> str | None:
    """Why the service would refuse this call, judged from the cache; None = go ahead."""
    check = preflight_rule(op.name)
    if check is None:
        return None
    try:
        return check(row, request, cache)
    except Exception:  # an unreadable cache never blocks: the service has the last word
        return None


def confirm_words(
    op: Operation, request: dict[str, Any], row: dict[str, Any] | None = None
) -> list[str]:
    """What a user may type to confirm a destructive call: the resource id, or its name."""
    specific = next((request[k] for k in ("AddInId", "SessionId", "LinkId")
                     if isinstance(request.get(k), str) and request[k]), None)  # fmt: skip
    subject = subject_of(op, request)
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


def subject_of(op: Operation, request: dict[str, Any]) -> str:
    """The resource a call is about (what it audits and confirms), else the op's CLI name."""
    for param in (*op.ids.values(), *_SUBJECT_PARAMS):
        value = request.get(param)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
    return op.cli


def coverage() -> list[dict[str, Any]]:
    """One row per model operation: where it is reachable, or why it is excluded."""
    rows = []
    for name in service_model().operation_names:
        o = OPERATIONS.get(name)
        rows.append({"operation": name, "op": o, "excluded": EXCLUDED.get(name)})
    return rows
