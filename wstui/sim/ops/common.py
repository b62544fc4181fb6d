"""What the operation modules share: id patterns, new ids, parameter checks, paging, lookups.

Every handler runs under ``model.LOCK`` (see ``wstui.sim.install``) with a request botocore's
model has already accepted; the checks here are the service's own rules on top of it.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from typing import Any

from moto.workspaces.responses import WorkSpacesResponse

from wstui.sim import states
from wstui.sim.catalogue import AMAZON_BUNDLES
from wstui.sim.errors import InvalidParameterValues, ResourceNotFound
from wstui.sim.model import LOCK, BadToken, SimWorkspace, extras, page
from wstui.sim.runtime import current

Params = dict[str, Any]
Resp = WorkSpacesResponse

WS_ID = re.compile(r"^ws-[0-9a-z]{8,63}$")
DIR_ID = re.compile(r"^(d-[0-9a-f]{8,63}$)|(wsd-[0-9a-z]{8,63}$)")
BUNDLE_ID = re.compile(r"^wsb-[0-9a-z]{8,63}$")
IPG_ID = re.compile(r"^wsipg-[0-9a-z]{8,24}$")
ALIAS_ID = re.compile(r"^wsca-[0-9a-z]{8,63}$")
POOL_ID = re.compile(r"^wspool-[0-9a-z]{9}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")

# New ids (and the addresses CreateWorkspaces makes up) come from one seeded generator, so
# a simulator with a given seed hands out the same ids in every run.
ID_RANDOM = random.Random(0)
_ALNUM = string.digits + string.ascii_lowercase


def new_id(prefix: str, n: int = 9, alphabet: str = _ALNUM) -> str:
    with LOCK:
        return prefix + "".join(ID_RANDOM.choices(alphabet, k=n))


def reseed_ids(seed: int) -> None:
    with LOCK:
        ID_RANDOM.seed(f"api-ids/{seed}")


@dataclass
class ServiceState:
    """Per (account, region) state of the operations moto keeps no state for."""

    dedicated: str = "DISABLED"
    # "Enabled for BYOL" is granted by AWS out of band (a support request), before
    # ModifyAccount turns dedicated tenancy on; tests switch it off to meet the refusal.
    byol_enabled: bool = True
    management_cidr: str = ""
    modifications: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    branding: dict[str, dict[str, Any]] = field(default_factory=dict)  # directory -> platform -> attrs
    add_ins: dict[str, dict[str, Any]] = field(default_factory=dict)  # AddInId -> add-in
    encryption: dict[str, str] = field(default_factory=dict)  # directory -> mode
    streaming: dict[str, dict[str, Any]] = field(default_factory=dict)
    imports: dict[str, dict[str, Any]] = field(default_factory=dict)  # image id -> import status
    app_assoc: dict[tuple[str, str], str] = field(default_factory=dict)  # (ws, app) -> state
    image_apps: dict[str, list[str]] = field(default_factory=dict)  # image -> apps installed
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # session -> session


def service_state(backend: Any) -> ServiceState:
    found = backend.__dict__.get("_wstui_service")
    if found is None:
        with LOCK:
            found = backend.__dict__.setdefault("_wstui_service", ServiceState())
    return found


# -- parameters ---------------------------------------------------------------------------
def page_limit(params: Params, key: str = "Limit", default: int = 25) -> int:
    value = params.get(key, default)
    if not isinstance(value, int) or not 1 <= value <= 25:
        raise InvalidParameterValues(f"The value for {key} must be between 1 and 25.")
    return value


def id_list(params: Params, key: str, pattern: re.Pattern[str]) -> list[str] | None:
    ids = params.get(key)
    if ids is None:
        return None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 25:
        raise InvalidParameterValues(f"{key} must contain between 1 and 25 items.")
    for i in ids:
        check_id(i, pattern, key)
    return ids


def check_id(value: Any, pattern: re.Pattern[str], name: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidParameterValues(f"The {name} value {value!r} is not valid.")
    return value


def page_token(params: Params) -> str | None:
    token = params.get("NextToken")
    if token is not None and (not isinstance(token, str) or not 1 <= len(token) <= 2048):
        raise InvalidParameterValues("The NextToken value is not valid.")
    return token


def paged(keys: list[str], fetch: Any, limit: int, token: str | None, keep: Any = None) -> Any:
    try:
        if keep is None:
            return page(keys, fetch, limit, token)
        return page(keys, fetch, limit, token, keep)
    except BadToken as e:
        raise InvalidParameterValues("The NextToken value is not valid.") from e


def listing(keys: list[str], fetch: Any, params: Params, default: int, key: str) -> dict[str, Any]:
    """One page of ``keys`` honouring MaxResults (the model has bounded it) and NextToken."""
    items, token = paged(keys, fetch, int(params.get("MaxResults") or default), page_token(params))
    out: dict[str, Any] = {key: items}
    if token:
        out["NextToken"] = token
    return out


# -- lookups ------------------------------------------------------------------------------
def sim_now() -> float:
    return current().clock.now()


def backend_of(resp: Resp) -> Any:
    return resp.workspaces_backend


def live_workspace(backend: Any, ws_id: str, now: float) -> SimWorkspace | None:
    ws = backend.workspaces.get(ws_id)
    if ws is None or not isinstance(ws, SimWorkspace) or ws.state_at(now) == states.GONE:
        return None
    return ws


def require_workspace(backend: Any, params: Params, key: str = "WorkspaceId") -> SimWorkspace:
    ws_id = check_id(params.get(key), WS_ID, key)
    ws = live_workspace(backend, ws_id, sim_now())
    if ws is None:
        raise ResourceNotFound(f"The WorkSpace {ws_id} could not be found.")
    return ws


def all_bundles(backend: Any) -> dict[str, dict[str, Any]]:
    return {**AMAZON_BUNDLES, **extras(backend).bundles}


def find_directory(backend: Any, directory_id: str) -> Any:
    found = backend.workspace_directories.get(directory_id)
    if found is None:
        raise ResourceNotFound(f"The directory {directory_id} could not be found.")
    return found


def directory_param(resp: Resp, params: Params, key: str = "ResourceId") -> Any:
    """The registered directory a request names in ``key``."""
    return find_directory(backend_of(resp), check_id(params.get(key), DIR_ID, key))
