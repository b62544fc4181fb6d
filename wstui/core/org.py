"""AWS Organizations discovery: accounts -> assumed role -> regions with WorkSpaces -> targets.

`[[targets]] organization = true, role = "NAME"` (OrgSource below) lists the
Organization's ACTIVE accounts (ListAccounts, paginated) with the source profile's
credentials, assumes `arn:aws:iam::<account>:role/NAME` in each through botocore's own
assume-role credentials (core.aws.Clients, refreshable), and probes every region for
WorkSpaces directories (DescribeWorkspaceDirectories, Limit=1; in parallel, bounded).

The result is stored per source in the cache (`org_accounts`), so start-up rebuilds the
targets without any AWS call, and it is re-discovered when older than the interval
(`[refresh] discovery`, a day by default). An account that refuses the role or where no
region answers is stored with the reason and shown by `wstui targets` and `:targets`:
never silently skipped. A discovered target is an ordinary Target with `role_arn`: its
account is the one STS answers for the assumed role, as for any other target.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from wstui.core.aws import Clients, Target
from wstui.core.targets import workspaces_regions

ORG_REGION = "us-east-1"  # Organizations answers in us-east-1 (aws partition)
MAX_WORKERS = 8  # parallel AssumeRole / region probes
RETRY_FAILED = 600  # a discovery that failed (ListAccounts refused) is retried after this



@dataclass(frozen=True)
class OrgSource:
    """`[[targets]] organization = true`: every ACTIVE account of the Organization that
    `profile` (the management or a delegated account; None = default chain) can list,
    through the role `role` in each, in `regions` (empty = every WorkSpaces region)."""

    profile: str | None
    role: str
    regions: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """How the cache names this source (org_accounts.source)."""
        return f"{self.profile or ''}|{self.role}"


def role_arn(account: str, role: str) -> str:
    return f"arn:aws:iam::{account}:role/{role}"


@dataclass(frozen=True)
class Found:
    """One account of the Organization: the regions with WorkSpaces, or why not usable."""

    account: str
    name: str
    role: str
    regions: tuple[str, ...]
    error: str | None
    at: float

    def row(self) -> dict[str, Any]:
        return {"account": self.account, "name": self.name, "role": self.role,
                "regions": list(self.regions), "error": self.error, "at": self.at}  # fmt: skip


class DiscoveryFailed(RuntimeError):
    """The Organization's accounts could not be listed: nothing was changed."""


def _describe(exc: BaseException, target: Target) -> str:
    from wstui.core.aws import describe_error

    return describe_error(exc, target)


def list_accounts(clients: Clients, source: OrgSource) -> list[dict[str, Any]]:
    """Every account ListAccounts returns (all pages), with the source's credentials."""
    org = clients.client("organizations", Target(source.profile, ORG_REGION))
    out: list[dict[str, Any]] = []
    for page in org.get_paginator("list_accounts").paginate():
        out.extend(page.get("Accounts") or [])
    return out


def is_active(account: dict[str, Any]) -> bool:
    # `State` replaces the deprecated `Status` (botocore's organizations model); both ACTIVE.
    return str(account.get("State") or account.get("Status") or "") == "ACTIVE"


def discover(
    clients: Clients,
    source: OrgSource,
    regions: Sequence[str] | None = None,
    workers: int = MAX_WORKERS,
    now: Callable[[], float] = time.time,
) -> list[Found]:
    """Discover `source`'s accounts; raises DiscoveryFailed if the accounts cannot be listed."""
    try:
        accounts = [a for a in list_accounts(clients, source) if is_active(a)]
    except Exception as exc:
        who = Target(source.profile, ORG_REGION)
        raise DiscoveryFailed(f"ListAccounts failed: {_describe(exc, who)}") from exc
    wanted = list(regions or source.regions or workspaces_regions())
    if not wanted:
        raise DiscoveryFailed("no regions to probe")
    names = {str(a["Id"]): str(a.get("Name") or "") for a in accounts}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="wstui-org") as pool:
        # 1. Assume the role in each account once (STS GetCallerIdentity through it: the
        #    AssumeRole call happens here, and a refusal is this account's reason).
        def assume(account: str) -> tuple[str, str | None]:
            t = Target(source.profile, wanted[0], role_arn=role_arn(account, source.role))
            try:
                got = clients.resolve_account(t).account
            except Exception as exc:  # the reason first: a narrow table still shows it
                op = getattr(exc, "operation_name", "") or "AssumeRole"
                return account, f"{op} failed: {_describe(exc, t)}"
            if got != account:  # never act on an account other than the one listed
                return account, f"{t.role_arn} answered as account {got}"
            return account, None

        assumed = dict(pool.map(assume, sorted(names)))
        usable = [a for a, err in assumed.items() if err is None]

        # 2. Probe each usable (account, region) for WorkSpaces directories.
        def probe(job: tuple[str, str]) -> tuple[str, str, bool, str | None]:
            account, region = job
            t = Target(source.profile, region, role_arn=role_arn(account, source.role))
            try:
                ws = clients.workspaces(t)
                found = ws.describe_workspace_directories(Limit=1).get("Directories") or []
                return account, region, bool(found), None
            except Exception as exc:  # e.g. a region not enabled in this account
                return account, region, False, _describe(exc, t)

        probes = list(pool.map(probe, [(a, r) for a in usable for r in wanted]))
    at = now()
    out: list[Found] = []
    for account in sorted(names):
        error = assumed[account]
        mine = [p for p in probes if p[0] == account]
        found = tuple(sorted(r for _, r, yes, _ in mine if yes))
        if error is None and mine and all(p[3] is not None for p in mine):
            error = f"no region answered: {mine[0][1]}: {mine[0][3]}"
        out.append(Found(account, names[account], source.role, found if not error else (),
                         error, at))  # fmt: skip
    return out


def targets_of(source: OrgSource, rows: Sequence[dict[str, Any]]) -> list[Target]:
    """The targets of a stored discovery: each usable account x each region it has."""
    return [
        Target(source.profile, region, role_arn=role_arn(str(r["account"]), source.role))
        for r in rows
        if r.get("account") and not r.get("error")
        for region in r.get("regions") or ()
    ]


class Discovery:
    """Organizations discovery for every configured source, kept fresh on an interval.

    The refresher calls `refresh_if_due` at the start of a pass (on its own thread);
    `targets` reads the stored result (no AWS call).
    """

    def __init__(
        self,
        sources: Sequence[OrgSource],
        interval: int = 86400,
        regions: Sequence[str] | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.sources = list(sources)
        self.interval = interval
        self.regions = list(regions) if regions else None
        self.now = now

    def __bool__(self) -> bool:
        return bool(self.sources)

    def stored(self, cache: Any, source: OrgSource) -> list[dict[str, Any]]:
        return list(cache.org_accounts(source.key))

    def targets(self, cache: Any) -> list[Target]:
        out: list[Target] = []
        for source in self.sources:
            out.extend(targets_of(source, self.stored(cache, source)))
        return out

    def names(self, cache: Any) -> dict[str, str]:
        """account -> its name in the Organization (for the PROFILE cell)."""
        return {str(r["account"]): str(r["name"]) for s in self.sources
                for r in self.stored(cache, s) if r.get("account") and r.get("name")}  # fmt: skip

    def refused(self, cache: Any) -> list[dict[str, Any]]:
        """Stored accounts that cannot be used, and (account "") sources whose last
        discovery failed as a whole (ListAccounts refused)."""
        return [r for s in self.sources for r in self.stored(cache, s) if r.get("error")]

    def due(self, cache: Any, source: OrgSource) -> bool:
        now = self.now()
        rows = self.stored(cache, source)
        failed = [float(r["at"] or 0) for r in rows if not r["account"]]
        if failed:  # the last attempt failed: retry sooner than the interval
            return now - failed[0] >= min(RETRY_FAILED, self.interval)
        return not rows or now - min(float(r["at"] or 0) for r in rows) >= self.interval

    def run(self, cache: Any, clients: Clients, source: OrgSource) -> list[Found]:
        """Discover one source now and store it; DiscoveryFailed leaves the stored result."""
        try:
            found = discover(clients, source, self.regions, now=self.now)
        except DiscoveryFailed as exc:
            # Kept next to the accounts found last time (they stay targets): account "".
            cache.note_org_failure(source.key, source.role, str(exc), self.now())
            raise
        cache.replace_org_accounts(source.key, [f.row() for f in found])
        return found

    def refresh_if_due(self, cache: Any, clients: Clients) -> bool:
        """Re-discover each source that is due; True if any stored result changed."""
        changed = False
        for source in self.sources:
            if not self.due(cache, source):
                continue
            try:
                self.run(cache, clients, source)
                changed = True
            except DiscoveryFailed:
                pass  # stored: shown as a line of `wstui targets` / `:targets`
        return changed
