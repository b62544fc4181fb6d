"""An AWS Organization for the simulator: several accounts, each with its own WorkSpaces,
and an assumable role -- except in the accounts created without it, which refuse.

moto's Organizations creates each member account with its access role (RoleName, by
default OrganizationAccountAccessRole) and moto keys every backend by the account of
the caller's credentials, assumed roles included. moto's STS lets anyone assume any
role, even one that does not exist; `install` makes AssumeRole into an account of a
simulated Organization answer AccessDenied when that account has no role of that name,
as AWS does (a role missing or not trusting the caller looks the same from outside).
Account ids are deterministic (from the seed), so tests and the demo are repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wstui.sim.seed import DEFAULT_ACCOUNT, seed_fleet

ROLE = "OrganizationAccountAccessRole"
_installed = False


@dataclass(frozen=True)
class OrgAccount:
    account: str
    name: str
    role_ok: bool
    regions: tuple[str, ...]
    workspace_ids: dict[str, list[str]] = field(default_factory=dict, compare=False)


def _in_simulated_org(account: str) -> bool:
    from moto.organizations.models import organizations_backends

    owner = organizations_backends.master_accounts.get(account)
    master = owner[0] if owner else account
    try:
        org_backend = organizations_backends[master]["aws"]
    except KeyError:
        return False
    return org_backend.org is not None and any(a.id == account for a in org_backend.accounts)


def _has_role(account: str, role_name: str) -> bool:
    from moto.iam.models import iam_backends

    roles = iam_backends[account]["global"].roles.values()
    return any(r.name == role_name for r in roles)


def _create_role(account: str, role: str) -> None:
    import json

    from moto.iam.models import iam_backends

    if not _has_role(account, role):
        iam_backends[account]["global"].create_role(
            role_name=role, assume_role_policy_document=json.dumps({"Version": "2012-10-17"}),
            path="/", permissions_boundary=None, description="", tags=[],
            max_session_duration="3600",
        )  # fmt: skip


def install() -> None:
    """Patch moto's STS AssumeRole to refuse a role missing from an Organization account
    (idempotent; other accounts keep moto's anything-goes behaviour other tests rely on)."""
    global _installed
    if _installed:
        return
    import warnings

    from moto.sts.exceptions import STSClientError
    from moto.sts.models import STSBackend

    # botocore's STS model declares no AccessDenied shape; AWS answers it all the same.
    warnings.filterwarnings("ignore", r"Exception\(STSClientError\) with code AccessDenied")

    original = STSBackend.assume_role

    def assume_role(self: Any, region_name: str, role_session_name: str, role_arn: str,
                    **kwargs: Any) -> Any:  # fmt: skip
        parts = str(role_arn).split(":")
        account = parts[4] if len(parts) > 5 else ""
        name = str(role_arn).rsplit("/", 1)[-1]
        if account and _in_simulated_org(account) and not _has_role(account, name):
            raise STSClientError(
                "AccessDenied",
                f"User: arn:aws:iam::{self.account_id}:user/sim is not authorized to perform: "
                f"sts:AssumeRole on resource: {role_arn}",
            )
        return original(self, region_name, role_session_name, role_arn, **kwargs)

    STSBackend.assume_role = assume_role  # type: ignore[method-assign,assignment]
    _installed = True


def seed_organization(
    *,
    seed: int,
    now: float,
    members: Sequence[tuple[str, int, Sequence[str], bool]],
    management: str = DEFAULT_ACCOUNT,
    role: str = ROLE,
    directories_per_region: int = 1,
) -> list[OrgAccount]:
    """Create an Organization managed by `management` with `members`: (name, WorkSpaces,
    regions, role_ok). A member with role_ok False is created without `role` (it has
    another one), so assuming `role` there is refused. The management account gets `role`
    too (moto creates it there), so it is discovered like any member (its own fleet is
    whatever was seeded for it). Returns every account, management first."""
    from moto.organizations import utils as org_utils
    from moto.organizations.models import organizations_backends

    install()
    rng = random.Random(f"wstui-sim-org/{seed}")
    backend = organizations_backends[management]["aws"]
    if backend.org is None:
        backend.create_organization(region="us-east-1", FeatureSet="ALL")
    _create_role(management, role)  # moto makes the master's role under a random id
    taken = {a.id for a in backend.accounts}
    out = [OrgAccount(management, "master", True, ())]
    original = org_utils.make_random_account_id
    try:
        for n, (name, size, regions, role_ok) in enumerate(members, 1):
            account = "".join(rng.choices("0123456789", k=12))
            while account in taken or account == management:
                account = "".join(rng.choices("0123456789", k=12))
            taken.add(account)
            org_utils.make_random_account_id = lambda a=account: a  # type: ignore[misc]
            backend.create_account(
                AccountName=name, Email=f"{name.lower()}@example.com",
                RoleName=role if role_ok else f"{role}-not-this-one",
            )  # fmt: skip
            ids: dict[str, list[str]] = {}
            if size > 0 and regions:
                report = seed_fleet(
                    size=size, seed=seed * 100 + n, now=now, regions=tuple(regions),
                    directories_per_region=directories_per_region, account=account,
                )  # fmt: skip
                ids = report.workspace_ids
            out.append(OrgAccount(account, name, role_ok, tuple(regions), ids))
    finally:
        org_utils.make_random_account_id = original
    return out
