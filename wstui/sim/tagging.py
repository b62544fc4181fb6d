"""The Resource Groups Tagging API's GetResources, as the simulator answers it.

moto serves the tagging API from every backend's ``iter_tagged_resources``; the simulator
adds what a WorkSpaces fleet needs on top:

- every tagging call goes through the same gate as WorkSpaces calls: recorded in the call
  log, and subject to every fault (latency, throttling, AccessDenied, a dying endpoint,
  injected rules);
- ``ResourceARNList`` (1 to 100 ARNs, never with the paging parameters) is answered by
  looking each WorkSpace up, as the service does. moto scans every resource of the region
  for each such call, which at 100,000 WorkSpaces made tag reads quadratic.

Lookups by ARN return the WorkSpaces that exist in the caller's account and region, each
with its tags (possibly none); ARNs of gone or foreign WorkSpaces are left out. A list
naming any other kind of resource is answered by moto.
"""

from __future__ import annotations

import json
from typing import Any

from moto.resourcegroupstaggingapi.exceptions import ResourceGroupsTaggingAPIError
from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
from moto.workspaces.models import workspaces_backends

from wstui.sim.gate import gate
from wstui.sim.model import LOCK

MAX_ARNS = 100
PAGING_PARAMETERS = ("PaginationToken", "ResourcesPerPage", "TagsPerPage")

_original_call_action = ResourceGroupsTaggingAPIResponse.call_action
_original_get_resources = ResourceGroupsTaggingAPIResponse.get_resources


def _invalid(message: str) -> ResourceGroupsTaggingAPIError:
    return ResourceGroupsTaggingAPIError("InvalidParameterException", message)


def _params(resp: ResourceGroupsTaggingAPIResponse) -> dict[str, Any]:
    try:
        params = json.loads(resp.body or "{}")
    except ValueError:
        return {}
    return params if isinstance(params, dict) else {}


def _call_action(self: ResourceGroupsTaggingAPIResponse) -> Any:
    operation = self._get_action()
    return gate(self, operation, _params(self), f"tag:{operation}",
                lambda: _original_call_action(self))  # fmt: skip


def _workspace_id(arn: str, partition_region_account: tuple[str, str]) -> str | None:
    """The WorkSpace id an ARN names in this region and account, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "workspaces":
        return None
    region, account = partition_region_account
    resource = parts[5]
    if parts[3] != region or parts[4] != account or not resource.startswith("workspace/"):
        return None
    return resource.removeprefix("workspace/")


def _is_workspace_arn(arn: Any) -> bool:
    parts = str(arn).split(":", 5)
    return len(parts) == 6 and parts[2] == "workspaces" and parts[5].startswith("workspace/")


def get_resources(self: ResourceGroupsTaggingAPIResponse) -> Any:
    params = _params(self)
    arns = params.get("ResourceARNList")
    if not arns:
        return _original_get_resources(self)
    if not isinstance(arns, list) or len(arns) > MAX_ARNS:
        raise _invalid(f"ResourceARNList must hold 1 to {MAX_ARNS} ARNs.")
    if any(params.get(p) not in (None, "") for p in PAGING_PARAMETERS):
        raise _invalid(
            "ResourceARNList cannot be combined with PaginationToken, ResourcesPerPage "
            "or TagsPerPage."
        )
    if not all(_is_workspace_arn(a) for a in arns):
        return _original_get_resources(self)
    backend = workspaces_backends[self.current_account][self.region]
    found = []
    with LOCK:
        for arn in dict.fromkeys(arns):
            wid = _workspace_id(str(arn), (self.region, self.current_account))
            ws = backend.workspaces.get(wid) if wid else None
            if ws is not None:
                tags = [{"Key": t["Key"], "Value": t.get("Value", "")} for t in ws.tags or []]
                found.append({"ResourceARN": arn, "Tags": tags})
    return json.dumps({"ResourceTagMappingList": found, "PaginationToken": ""})


def install() -> None:
    ResourceGroupsTaggingAPIResponse.call_action = _call_action  # type: ignore[method-assign,assignment]
    ResourceGroupsTaggingAPIResponse.get_resources = get_resources  # type: ignore[method-assign]
