"""Scope: a call may only go to one of the user's selected targets, with its credentials.

The selection is what the user chose (--profile, --region, [[targets]]), never what the
cache happens to hold: rows of other regions or accounts stay visible but are skipped.
A selected target's account is what STS GetCallerIdentity answers for its credentials,
so matching a row's account against it is also the caller-identity check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wstui.core.act.refusal import Refused
from wstui.core.aws import Target

OUTSIDE = "outside the selected targets"


class Scope:
    """`discovered`: the targets Organizations discovery found (config `organization =
    true`), read at each check -- a re-discovery adds or drops accounts while running."""

    def __init__(
        self,
        targets: Sequence[Target],
        clients: Any,
        discovered: Callable[[], Sequence[Target]] | None = None,
    ) -> None:
        self._selected = _bare(targets)
        self._discovered = discovered
        self.clients = clients

    @property
    def targets(self) -> list[Target]:
        if self._discovered is None:
            return self._selected
        found = [t for t in _bare(self._discovered()) if t.role_arn]  # discovery's own only
        return list(dict.fromkeys([*self._selected, *found]))

    def _known(self, t: Target) -> Target | None:
        return self.clients.known(t) if self.clients is not None else None

    def resolve_all(self) -> list[tuple[Target, BaseException]]:
        """Resolve every selected target's account (STS, once each); the failures."""
        failures: list[tuple[Target, BaseException]] = []
        for t in self.targets:
            try:
                self.clients.resolve_account(t)
            except Exception as exc:  # reported by the caller; that target stays unverified
                failures.append((t, exc))
        return failures

    def reason(self, account: str, region: str) -> str | None:
        """Why a row may not be acted on, from what is known now (no network); None = ok."""
        here = [t for t in self.targets if t.region == region]
        if not here:
            return f"{OUTSIDE} (region {region} not selected)"
        known = [self._known(t) for t in here]
        if any(k is not None and k.account == account for k in known):
            return None
        if all(k is not None for k in known):
            return f"{OUTSIDE} (account {account or '?'} not selected)"
        return "the selected target's account is not verified yet (credentials?)"

    def target(self, account: str, region: str, profile: str | None = None) -> Target:
        """The selected target that owns (account, region), resolved; Refused if none.

        `account` "" (an account-level call with no row) takes the selected target of
        that region, which must then be unique (or named by `profile`).
        """
        here = [t for t in self.targets if t.region == region]
        if not account and profile is not None:
            here = [t for t in here if t.profile == profile] or here
        if not here:
            raise Refused(f"{OUTSIDE} (region {region} not selected)")
        resolved: list[Target] = []
        problems: list[str] = []
        for t in here:
            try:
                resolved.append(self.clients.resolve_account(t))
            except Exception as exc:  # this target's credentials fail: it cannot be the one
                problems.append(f"{t.label}: {exc}")
        if not resolved:
            raise Refused(f"cannot verify the caller identity: {'; '.join(problems)}")
        if not account:
            if len(resolved) > 1:
                raise Refused(f"several selected targets in {region}: say which account")
            return resolved[0]
        for t in resolved:
            if t.account == account:
                return t
        unverified = f"; unverified: {'; '.join(problems)}" if problems else ""
        raise Refused(f"{OUTSIDE} (account {account} not selected){unverified}")


def _bare(targets: Sequence[Target]) -> list[Target]:
    """Who and where only: the account is always what STS answers for the credentials."""
    return list(dict.fromkeys(Target(t.profile, t.region, role_arn=t.role_arn) for t in targets))
