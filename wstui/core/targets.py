"""Many targets: expand config targets and report each one's refresh status.

A target is (profile, region). Profiles are plain boto3 profiles, so assume-role
(``role_arn`` + ``source_profile``/``credential_source``) and SSO (``sso_session``)
work without wstui knowing about them. ``region = "all"`` means every region where
WorkSpaces is offered, from botocore's bundled endpoint data (no network call).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, cast

from wstui.core.kinds import DEFAULT_KIND

ALL = "all"
SERVICE = "workspaces"


@lru_cache(maxsize=1)
def workspaces_regions() -> tuple[str, ...]:
    """Every region botocore knows a WorkSpaces endpoint for (aws partition)."""
    import boto3

    return tuple(sorted(boto3.session.Session().get_available_regions(SERVICE)))


def expand(targets: Iterable[Any]) -> list[Any]:
    """Replace each ``region == "all"`` target by one per WorkSpaces region; dedupe."""
    out: dict[tuple[Any, str], Any] = {}
    for t in targets:
        regions = workspaces_regions() if str(t.region).lower() == ALL else (t.region,)
        for region in regions:
            out.setdefault((getattr(t, "principal", t.profile), region), replace(t, region=region))
    return list(out.values())


@dataclass(frozen=True)
class TargetStatus:
    profile: str | None
    account: str
    region: str
    status: str  # "ok" | "stale" | "error" | "pending"
    reason: str  # the last error, or why stale, or ""
    rows: int
    last_success: float | None
    last_attempt: float | None
    configured: bool = True  # False: cached rows no configured target covers

    @property
    def label(self) -> str:
        if not self.configured:
            return f"{self.account}@{self.region}"
        return f"{self.profile or 'default'}@{self.region}"

    @property
    def profile_text(self) -> str:
        """The PROFILE cell: the target's profile, "default" for boto3's default chain,
        "-" for cached rows of no configured target (their profile is not known)."""
        return (self.profile or "default") if self.configured else "-"


def statuses(
    status_rows: Sequence[Mapping[str, Any]],
    targets: Sequence[Any],
    kind: str = DEFAULT_KIND,
    interval: int = 60,
    now: float | None = None,
    names: Mapping[str, str] | None = None,
) -> list[TargetStatus]:
    """One line per target for `kind`: ok, stale (older than 2 intervals), error, pending.

    `names`: account -> name (from Organizations discovery): a discovered target's
    PROFILE cell is "org:NAME" (else "org:ROLE").

    A target whose account is not resolved yet is matched by (profile, region) to the
    cache's unresolved-failure row (which carries the account it last resolved to, if
    any), so it is one line, not one for its failure and one for its cached rows.
    Cached (account, region) pairs no configured target covers are listed too (as the
    cache still shows their rows), with configured False.
    """
    now = time.time() if now is None else now
    rows = [r for r in status_rows if r.get("kind") == kind]
    mine = {(r["account"], r["region"]): r for r in rows if r.get("account")}
    unresolved = {(r.get("profile"), r["region"]): r for r in rows if r.get("unresolved")}
    out: list[TargetStatus] = []
    covered: set[tuple[str, str]] = set()
    for t in targets:
        account = str(getattr(t, "account", "") or "")
        role_arn = str(getattr(t, "role_arn", "") or "")
        if account:
            row = mine.get((account, t.region))
        else:
            who = getattr(t, "principal", t.profile) if role_arn else t.profile
            row = unresolved.get((who or None, t.region))
            # A discovered target names its account in its role ARN before STS confirms it.
            account = str((row or {}).get("account") or _arn_account(role_arn))
        covered.add((account, t.region))
        out.append(_one(_shown_profile(t, names), account, t.region, row, interval, now))
    for key, row in sorted(mine.items()):
        if key not in covered:
            line = _one(None, key[0], key[1], row, interval, now)
            out.append(replace(line, configured=False))
    return out


def _arn_account(role_arn: str) -> str:
    parts = role_arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _shown_profile(t: Any, names: Mapping[str, str] | None = None) -> str | None:
    """The PROFILE cell: the profile, or "org:NAME" (the account's name in the
    Organization, else the role's) for a target found by discovery."""
    role_arn = str(getattr(t, "role_arn", "") or "")
    if role_arn:
        name = (names or {}).get(_arn_account(role_arn))
        return f"org:{name or role_arn.rsplit('/', 1)[-1]}"
    return cast(str | None, t.profile)


def refused_statuses(refused: Iterable[Mapping[str, Any]]) -> list[TargetStatus]:
    """Accounts Organizations discovery found but could not use (the role refused, or no
    region answered), from the cache's org_accounts rows: one error line each, with the
    reason -- never silently skipped. Account "" is a discovery that failed as a whole."""
    out = []
    for r in refused:
        who = f"org:{r.get('name') or r.get('role') or '?'}"
        account = str(r.get("account") or "")
        reason = str(r.get("error") or "")
        out.append(TargetStatus(who, account, "-", "error", reason, 0, None, r.get("at")))
    return out


def _one(
    profile: str | None,
    account: str,
    region: str,
    row: Mapping[str, Any] | None,
    interval: int,
    now: float,
) -> TargetStatus:
    if row is None:
        return TargetStatus(profile, account, region, "pending", "not refreshed yet", 0, None, None)
    success, attempt = row.get("last_success"), row.get("last_attempt")
    error = row.get("last_error")
    rows = int(row.get("rows") or 0)
    if error and (attempt or 0) >= (success or 0):
        status, reason = "error", str(error)
    elif success is None:
        status, reason = "pending", "not refreshed yet"
    elif now - float(success) > 2 * max(1, interval):
        status, reason = "stale", f"last success {int(now - float(success))} s ago"
    else:
        status, reason = "ok", ""
    return TargetStatus(profile, account, region, status, reason, rows, success, attempt)


def narrow_query(keys: Iterable[tuple[str, str]]) -> str:
    """Query-language text selecting rows of the given (account, region) pairs."""
    parts = [
        f"(account:{a} region:{r})" if a else f"region:{r}" for a, r in sorted(set(keys))
    ]
    return " | ".join(parts)
