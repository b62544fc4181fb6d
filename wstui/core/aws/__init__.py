"""The AWS service layer: where (`targets`), with what (`clients`), and what a failure
means (`errors`, the one classifier). Every name is importable from `wstui.core.aws`."""

from typing import Any

from wstui.core.aws.clients import (
    MUTATION_PASS,
    Clients,
    UngatedMutation,
    endpoint_for,
    is_mutating,
    iso_timestamp,
)
from wstui.core.aws.errors import (
    THROTTLING_CODES,
    CredentialsProblem,
    classify,
    credentials_problem,
    describe_error,
    error_code,
    is_throttling,
    not_sent_exceptions,
)
from wstui.core.aws.targets import (
    Target,
    env_region,
    profile_region,
    role_label,
    targets_from,
)

__all__ = [
    "MUTATION_PASS", "THROTTLING_CODES", "Clients", "CredentialsProblem", "Target",
    "UngatedMutation", "classify", "credentials_problem", "describe_error", "endpoint_for",
    "env_region", "error_code", "is_mutating", "is_throttling", "iso_timestamp",
    "not_sent_exceptions", "profile_region", "role_label", "targets_from",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    # NOT_SENT_EXCEPTIONS stays importable by name; it imports botocore on first use.
    if name == "NOT_SENT_EXCEPTIONS":
        return not_sent_exceptions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
