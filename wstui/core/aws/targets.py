"""Targets: where wstui works (a profile in a region, or a role assumed from it), resolved
from flags, config and the environment the way the AWS CLI and boto3 resolve them.

Nothing here imports boto3: the TUI resolves its targets before its first frame.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """One place wstui manages: a credentials profile in one region.

    `role_arn` set (Organizations discovery, core.org): the credentials are that role,
    assumed with the profile's credentials (boto3's chain) as the source.
    """

    profile: str | None
    region: str
    account: str = ""
    role_arn: str = ""

    @property
    def key(self) -> str:
        return f"{self.account}/{self.region}"

    @property
    def principal(self) -> str | None:
        """Whose credentials: the profile (None = default chain), or the role assumed from it.
        Everything keyed by a target's credentials (clients, status rows) uses this."""
        if not self.role_arn:
            return self.profile
        return f"{self.role_arn}<{self.profile or 'default'}"

    @property
    def label(self) -> str:
        if self.role_arn:
            return f"{role_label(self.role_arn)}@{self.region}"
        return f"{self.profile or 'default'}@{self.region}"


def role_label(role_arn: str) -> str:
    """ "arn:aws:iam::111122223333:role/Admin" -> "111122223333/Admin" (short, for tables)."""
    head, _, name = role_arn.partition(":role/")
    return f"{head.rsplit(':', 1)[-1]}/{name.rsplit('/', 1)[-1]}"




def env_region() -> str | None:
    """The region the environment names: AWS_REGION, then AWS_DEFAULT_REGION (the AWS CLI's
    order; boto3 itself reads only AWS_DEFAULT_REGION)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def profile_region(profile: str | None) -> str | None:
    """The `region` the profile sets in the AWS config (or credentials) file, as
    boto3.Session(profile_name=profile).region_name finds it when no env var names one.

    Read with botocore's own config parser, not a boto3 Session: importing boto3 costs
    ~130 ms, and the TUI resolves its targets before its first frame (botocore.configloader
    is ~10 ms). tests/core/test_aws.py checks the answer against boto3 for each kind of
    profile (default, SSO, assume-role, credentials file).
    """
    from botocore.configloader import load_config, raw_config_parse
    from botocore.exceptions import ConfigNotFound, ConfigParseError

    env = os.environ
    name = profile or env.get("AWS_DEFAULT_PROFILE") or env.get("AWS_PROFILE") or "default"
    config_file = env.get("AWS_CONFIG_FILE") or "~/.aws/config"
    creds_file = env.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    found: dict[str, Any] = {}
    try:
        found.update(load_config(config_file).get("profiles", {}).get(name, {}))
    except (ConfigNotFound, ConfigParseError):
        pass
    try:  # botocore merges the credentials file's profile over the config file's
        found.update(raw_config_parse(creds_file).get(name, {}))
    except (ConfigNotFound, ConfigParseError):
        pass
    region = found.get("region")
    return region if isinstance(region, str) and region else None


def targets_from(
    profiles: list[str] | None,
    regions: list[str] | None,
    config_targets: list[tuple[str | None, str]] | None = None,
) -> list[Target]:
    """Targets from flags, then config, then AWS_PROFILE and the region the AWS CLI would use.

    A profile without a region from --region or the config gets AWS_REGION /
    AWS_DEFAULT_REGION, else its own `region` in ~/.aws/config, else us-east-1.
    """
    env_profile = os.environ.get("AWS_PROFILE") or None

    def own_region(profile: str | None) -> str:
        return env_region() or profile_region(profile) or "us-east-1"

    if profiles or regions:
        ps: list[str | None] = list(profiles) if profiles else [env_profile]
        rs = list(regions) if regions else []
        if not rs and config_targets:
            rs = sorted({r for _, r in config_targets})
        if not rs:
            return _dedupe(Target(p, own_region(p)) for p in ps)
        return _dedupe(Target(p, r) for p in ps for r in rs)
    if config_targets:
        return _dedupe(Target(p, r) for p, r in config_targets)
    return [Target(env_profile, own_region(env_profile))]


def _dedupe(targets: Iterable[Target]) -> list[Target]:
    seen: dict[tuple[str | None, str], Target] = {}
    for t in targets:
        seen.setdefault((t.principal, t.region), t)
    return list(seen.values())
