"""Complete reads of one kind for one target: `list_<kind>(clients, target) -> list[dict]`.

Every lister returns the raw API items or raises; a listing that raised midway must
not be used (the refresher then records the error and changes nothing).

WorkSpaces are listed per directory in parallel. Connection status comes from the
id-less paged DescribeWorkspacesConnectionStatus (one call per 25) -- or, in a region
with more than STATUS_BY_IDS_MIN WorkSpaces, 25 ids per call in parallel as the directory
pages arrive (same number of calls, no 1,000-page chain) -- merged under
"ConnectionStatus". Tags, merged under "Tags", come from the Resource Groups Tagging
API: GetResources with a list of 100 WorkSpace ARNs per call, also sent as the directory
pages arrive (a WorkSpace it does not return has no tags).

A caller may pass `known_tags` (id -> tag list from an earlier read); only ids missing
from it are fetched. Likewise `known_status` (id -> the ConnectionStatus read while that
WorkSpace was STOPPED): the reference says "the connection state is unknown if the
WorkSpace is stopped", and nobody connects to a stopped WorkSpace, so one still STOPPED in
this listing keeps that status instead of being asked again (by-ids path only; one that
left STOPPED, or is not in the map, is read as usual).

Where the tagging API is denied or unavailable, the fallback is DescribeTags, one call per
resource, in parallel. The refresher passes None for both every Nth pass (config
`refresh.tags_every`) so they are re-read in full now and then, and new WorkSpaces get
their tags on the pass that first sees them. At most `tag_budget`
DescribeTags calls are made per listing (so a first refresh of a large fleet is not
dominated by tags); the rest are read on later passes. An item whose tags are not known
yet has no "Tags" key, and plan() refuses destructive actions on it (its protect tag is
unknown).

Over 400 lines because list_workspaces and its helpers (directories in parallel, connection
status, tags by ARN with the DescribeTags fallback) are one listing whose parts start as
each directory page arrives; every other kind's lister is a few lines.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from wstui.core.aws import Clients, Target
from wstui.core.chunking import chunks

MAX_WORKERS = 8
TAG_BUDGET = 2000  # DescribeTags calls per WorkSpaces listing (fallback path)
TAGGING_PAGE = 100  # GetResources' largest page
# Errors meaning "this principal or endpoint cannot use the tagging API": fall back.
TAGGING_UNAVAILABLE = {"AccessDeniedException", "AccessDenied", "UnrecognizedClientException",
                       "InvalidAction", "UnknownOperationException", "NotImplemented"}  # fmt: skip
IDS_PER_DESCRIBE = 25
STATUS_BY_IDS_MIN = 1000  # see list_workspaces: when to stop paging connection status

T = TypeVar("T")
R = TypeVar("R")
TagList = list[dict[str, str]]


def _paginate(
    clients: Clients, target: Target, op: str, key: str, **kw: Any
) -> list[dict[str, Any]]:
    paginator = clients.workspaces(target).get_paginator(op)
    return [item for page in paginator.paginate(**kw) for item in page.get(key) or []]


def _next_token_loop(
    client_call: Callable[..., dict[str, Any]], key: str, **kw: Any
) -> list[dict[str, Any]]:
    """For operations botocore has no paginator for."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = client_call(**kw, **({"NextToken": token} if token else {}))
        items.extend(page.get(key) or [])
        token = page.get("NextToken")
        if not token:
            return items


def _parallel(fn: Callable[[T], R], args: Iterable[T], workers: int = MAX_WORKERS) -> list[R]:
    """Map in a bounded pool; the first exception cancels the rest and propagates."""
    args = list(args)
    if not args:
        return []
    with ThreadPoolExecutor(
        max_workers=min(workers, len(args)), thread_name_prefix="wstui-list"
    ) as pool:
        futures: list[Future[R]] = [pool.submit(fn, a) for a in args]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for f in done:
            if f.exception() is not None:
                for p in pending:
                    p.cancel()
                raise f.exception()  # type: ignore[misc]
        return [f.result() for f in futures]


# -- WorkSpaces ------------------------------------------------------------
def list_workspaces(
    clients: Clients,
    target: Target,
    known_tags: dict[str, TagList] | None = None,
    workers: int = MAX_WORKERS,
    tag_budget: int = TAG_BUDGET,
    tag_source: str = "tagging",
    on_call: Callable[[int], None] | None = None,
    known_status: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """All WorkSpaces of the target, with "ConnectionStatus" and "Tags" merged in.

    `tag_source` is "tagging" (Resource Groups Tagging API, DescribeTags if denied) or
    "describe" (DescribeTags only). `on_call(n)` is called (from worker threads) after
    each call that returned: n WorkSpaces listed by a DescribeWorkspaces page, 0 for the
    other reads (connection status, tags) -- live progress (core.progress).
    """
    counted = _counting(on_call)
    directories = [
        d["DirectoryId"]
        for d in _paginate(clients, target, "describe_workspace_directories", "Directories")
    ]
    # Two pools of `workers`: one walks the directories' page chains (and, for a small
    # region, the region-wide connection-status chain); the other reads by id as the
    # directory pages arrive -- connection status 25 ids per call once the region proves
    # big (a chain of 1,000 sequential pages would otherwise bound a 25,000-WorkSpace
    # region's refresh), tags 100 ARNs per call.
    status: dict[str, dict[str, Any]] = {}
    carried: dict[str, dict[str, Any]] = {}  # from known_status: still STOPPED, not asked
    backlog: list[str] = []
    unread: list[str] = []  # ids waiting for a full call of IDS_PER_DESCRIBE
    untagged: list[str] = []
    asked: set[str] = set()  # ids whose tags this listing reads through the tagging API
    listed = [0]
    cut = threading.Event()
    lock = threading.Lock()
    by_ids = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wstui-by-ids")
    status_reads: list[Future[dict[str, dict[str, Any]]]] = []
    tag_reads: list[Future[dict[str, TagList]]] = []
    by_tagging = tag_source == "tagging" and target.account is not None

    def read_tags(ids: list[str]) -> None:
        for chunk in chunks(ids, TAGGING_PAGE):
            tag_reads.append(by_ids.submit(counted(tags_by_arn), clients, target, chunk))

    def listed_page(ids: list[str], last: bool = False, stopped: Iterable[str] = ()) -> None:
        with lock:
            listed[0] += len(ids)
            if known_status:
                carried.update((i, known_status[i]) for i in stopped if i in known_status)
            if by_tagging:
                # Only ids whose tags are not known (new, or flagged by the refresher).
                fresh = ids if known_tags is None else [i for i in ids if i not in known_tags]
                asked.update(fresh)
                untagged.extend(fresh)
                ready = len(untagged) if last else len(untagged) // TAGGING_PAGE * TAGGING_PAGE
                tag_now, untagged[:] = untagged[:ready], untagged[ready:]
                read_tags(tag_now)
            if not cut.is_set():
                if listed[0] - len(status) <= STATUS_BY_IDS_MIN:
                    backlog.extend(ids)
                    return
                cut.set()
                ids, backlog[:] = [*backlog, *ids], []
            # Full calls across pages: a page's carried ids must not leave its call part-empty.
            unread.extend(i for i in ids if i not in status and i not in carried)
            ready = len(unread) if last else len(unread) // IDS_PER_DESCRIBE * IDS_PER_DESCRIBE
            todo, unread[:] = unread[:ready], unread[ready:]
        for chunk in chunks(todo, IDS_PER_DESCRIBE):
            status_reads.append(by_ids.submit(counted(_status_by_ids), clients, target, chunk))

    def one_directory(directory_id: str) -> list[dict[str, Any]]:
        client = clients.workspaces(target)
        got: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = client.describe_workspaces(
                DirectoryId=directory_id, **({"NextToken": token} if token else {})
            )
            batch = page.get("Workspaces") or []
            got.extend(batch)
            stopped = [w["WorkspaceId"] for w in batch if w.get("State") == "STOPPED"]
            listed_page([w["WorkspaceId"] for w in batch], stopped=stopped)
            if on_call is not None:
                on_call(len(batch))
            token = page.get("NextToken")
            if not token:
                return got

    def connection_status(_: object) -> list[dict[str, Any]]:
        client = clients.workspaces(target)
        token: str | None = None
        while not cut.is_set():
            page = client.describe_workspaces_connection_status(
                **({"NextToken": token} if token else {})
            )
            for s in page.get("WorkspacesConnectionStatus") or []:
                status[s.get("WorkspaceId")] = s
            if on_call is not None:
                on_call(0)
            token = page.get("NextToken")
            if not token:
                break
        return []

    # One pool for the directory listings and the region-wide connection-status pages.
    jobs: list[tuple[Callable[[Any], list[dict[str, Any]]], Any]] = [
        (one_directory, d) for d in directories
    ]
    jobs.append((connection_status, None))
    try:
        results = _parallel(lambda job: job[0](job[1]), jobs, workers)
        listed_page([], last=True)  # the last partial batch of tags
        for future in list(status_reads):
            status.update(future.result())
        tagged = _gather_tags(tag_reads) if by_tagging else None
    finally:
        by_ids.shutdown(wait=True, cancel_futures=True)
    results.pop()  # the chain filled `status` in place
    items = _dedupe(w for chunk in results for w in chunk)
    status = {**carried, **status}  # a fresh read (the region-wide chain's) wins
    missing = [w["WorkspaceId"] for w in items if w["WorkspaceId"] not in status]
    if cut.is_set() and missing:  # ids the chain and the pipelined reads both missed
        for found in _parallel(
            lambda ids: counted(_status_by_ids)(clients, target, ids),
            list(chunks(missing, IDS_PER_DESCRIBE)),
            workers,
        ):
            status.update(found)
    for ws in items:
        cs = status.get(ws["WorkspaceId"])
        if cs is not None:
            ws["ConnectionStatus"] = cs
    if tagged is not None:
        for ws in items:
            wid = ws["WorkspaceId"]
            if wid in asked or known_tags is None:
                ws["Tags"] = list(tagged.get(wid, []))  # not returned: no tags
            else:
                ws["Tags"] = list(known_tags[wid] or [])
    else:
        _merge_tags(clients, target, items, known_tags, workers, tag_budget, on_call)
    return items


def _counting(
    on_call: Callable[[int], None] | None,
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Wraps a by-id read so that each call that returned is reported as one call."""

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        if on_call is None:
            return fn

        def counted(*args: Any) -> T:
            result = fn(*args)
            on_call(0)
            return result

        return counted

    return wrap


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


def tags_by_arn(clients: Clients, target: Target, ids: list[str]) -> dict[str, TagList]:
    """id -> tags of these WorkSpaces (at most 100) from the Resource Groups Tagging API.

    A WorkSpace the API does not return has no tags.
    """
    prefix = f"arn:{_partition(target.region)}:workspaces:{target.region}:{target.account}"
    page = clients.client("resourcegroupstaggingapi", target).get_resources(
        ResourceARNList=[f"{prefix}:workspace/{i}" for i in ids]
    )
    return {
        str(m.get("ResourceARN", "")).rsplit("/", 1)[-1]: list(m.get("Tags") or [])
        for m in page.get("ResourceTagMappingList") or []
    }


def _gather_tags(reads: list[Future[dict[str, TagList]]]) -> dict[str, TagList] | None:
    """Every batch's tags merged; None if the tagging API is unavailable to this principal."""
    from botocore.exceptions import ClientError

    found: dict[str, TagList] = {}
    try:
        for future in reads:
            found.update(future.result())
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in TAGGING_UNAVAILABLE:
            return None
        raise
    return found


def _status_by_ids(clients: Clients, target: Target, ids: list[str]) -> dict[str, dict[str, Any]]:
    resp = clients.workspaces(target).describe_workspaces_connection_status(WorkspaceIds=ids)
    return {s.get("WorkspaceId"): s for s in resp.get("WorkspacesConnectionStatus") or []}


def _dedupe(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for ws in items:
        seen.setdefault(ws["WorkspaceId"], ws)
    return list(seen.values())


def _merge_tags(
    clients: Clients,
    target: Target,
    items: list[dict[str, Any]],
    known: dict[str, TagList] | None,
    workers: int,
    budget: int,
    on_call: Callable[[int], None] | None = None,
) -> None:
    known = known or {}
    missing = [ws["WorkspaceId"] for ws in items if ws["WorkspaceId"] not in known][:budget]

    def tags(resource_id: str) -> TagList:
        resp = clients.workspaces(target).describe_tags(ResourceId=resource_id)
        if on_call is not None:
            on_call(0)
        return list(resp.get("TagList") or [])

    fetched = dict(zip(missing, _parallel(tags, missing, workers), strict=True))
    for ws in items:
        wid = ws["WorkspaceId"]
        if wid in fetched:
            ws["Tags"] = fetched[wid]
        elif wid in known:
            ws["Tags"] = list(known[wid] or [])
        # else: tags not read yet; the key stays absent so nobody mistakes it for "no tags"


def describe_workspaces_by_ids(
    clients: Clients, target: Target, ids: list[str]
) -> list[dict[str, Any]]:
    """Re-read specific WorkSpaces (25 per call) with their connection status.

    Ids that no longer exist are simply absent from the result.
    """
    ws_client = clients.workspaces(target)
    items: list[dict[str, Any]] = []
    status: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(ids)), IDS_PER_DESCRIBE):
        got = ws_client.describe_workspaces(WorkspaceIds=chunk).get("Workspaces") or []
        items.extend(got)
        found = [w["WorkspaceId"] for w in got]
        if found:
            resp = ws_client.describe_workspaces_connection_status(WorkspaceIds=found)
            for s in resp.get("WorkspacesConnectionStatus") or []:
                status[s.get("WorkspaceId")] = s
    for ws in items:
        if ws["WorkspaceId"] in status:
            ws["ConnectionStatus"] = status[ws["WorkspaceId"]]
    return items


# -- other kinds -----------------------------------------------------------
# DescribeTags takes "WorkSpaces, registered directories, images, custom bundles, IP access
# control groups, and connection aliases" (API Reference, CreateTags/DescribeTags): one
# call per resource. These kinds count tens of resources and refresh every 10-60 minutes,
# so at most OTHER_TAG_BUDGET calls per listing stay cheap.
OTHER_TAG_BUDGET = 500


def _with_tags(
    clients: Clients, target: Target, items: list[dict[str, Any]], id_field: str,
    taggable: Callable[[dict[str, Any]], bool] = lambda _item: True,
) -> list[dict[str, Any]]:
    """Merge each item's DescribeTags answer under "Tags" (in parallel, bounded).

    An item whose tags could not be read (denied, gone meanwhile, over budget) gets no
    "Tags" key: unknown, never mistaken for "no tags".
    """
    from botocore.exceptions import ClientError

    wanted = [i for i in items if taggable(i) and i.get(id_field)][:OTHER_TAG_BUDGET]

    def tags(item: dict[str, Any]) -> TagList | None:
        try:
            resp = clients.workspaces(target).describe_tags(ResourceId=str(item[id_field]))
        except ClientError:
            return None
        return list(resp.get("TagList") or [])

    for item, found in zip(wanted, _parallel(tags, wanted), strict=True):
        if found is not None:
            item["Tags"] = found
    return items


def list_directories(clients: Clients, target: Target) -> list[dict[str, Any]]:
    items = _paginate(clients, target, "describe_workspace_directories", "Directories")
    return _with_tags(clients, target, items, "DirectoryId")


def _custom_bundle(bundle: dict[str, Any]) -> bool:
    return str(bundle.get("Owner") or "").upper() != "AMAZON"  # public bundles take no tags


def list_bundles(clients: Clients, target: Target) -> list[dict[str, Any]]:
    """The account's own bundles (with their tags) and the AMAZON public ones."""
    own = _paginate(clients, target, "describe_workspace_bundles", "Bundles")
    amazon = _paginate(clients, target, "describe_workspace_bundles", "Bundles", Owner="AMAZON")
    seen: dict[str, dict[str, Any]] = {}
    for b in [*own, *amazon]:
        seen.setdefault(b["BundleId"], b)
    return _with_tags(clients, target, list(seen.values()), "BundleId", _custom_bundle)


def list_images(clients: Clients, target: Target) -> list[dict[str, Any]]:
    items = _paginate(clients, target, "describe_workspace_images", "Images")
    return _with_tags(clients, target, items, "ImageId")


def list_ip_groups(clients: Clients, target: Target) -> list[dict[str, Any]]:
    items = _paginate(clients, target, "describe_ip_groups", "Result")
    return _with_tags(clients, target, items, "groupId")


def list_connection_aliases(clients: Clients, target: Target) -> list[dict[str, Any]]:
    """Aliases with "ConnectionAliasPermissions" (who they are shared with) and "Tags"."""
    client = clients.workspaces(target)
    aliases = _next_token_loop(client.describe_connection_aliases, "ConnectionAliases")

    def permissions(alias_id: str) -> list[dict[str, Any]]:
        c = clients.workspaces(target)
        return _next_token_loop(
            c.describe_connection_alias_permissions, "ConnectionAliasPermissions", AliasId=alias_id
        )

    perms = _parallel(permissions, [a["AliasId"] for a in aliases])
    for alias, p in zip(aliases, perms, strict=True):
        alias["ConnectionAliasPermissions"] = p
    return _with_tags(clients, target, aliases, "AliasId")


def list_pools(clients: Clients, target: Target) -> list[dict[str, Any]]:
    # Pools are not among DescribeTags' documented resource types: their tags are not read.
    client = clients.workspaces(target)
    return _next_token_loop(client.describe_workspaces_pools, "WorkspacesPools")
