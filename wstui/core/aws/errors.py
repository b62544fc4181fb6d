"""The one error classifier: what a failed AWS call means and what to tell the user.

Throttling, not-sent failures (the endpoint never answered), credentials missing or
expired, and the rest; `classify` turns any exception of a sent call into the outcome
the gateway and the read path report ("failed" when the service provably did not act,
"unknown" when it may have), `describe_error` into one line for a target's status.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from wstui.core.aws.targets import Target


def _bex() -> ModuleType:
    # botocore is imported when an error must be classified: it is slow to import.
    import botocore.exceptions

    return cast(ModuleType, botocore.exceptions)  # botocore ships no stubs


THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
    }
)


def not_sent_exceptions() -> tuple[type[Exception], ...]:
    """Failures where the request provably never reached the service: safe to retry."""
    bex = _bex()
    return (bex.EndpointConnectionError, bex.ConnectTimeoutError)


_CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "RequestExpired",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
    }
)


class CredentialsProblem(RuntimeError):
    """Credentials missing or expired for a profile, with the fix in the message."""

    def __init__(self, profile: str | None, detail: str) -> None:
        self.profile = profile
        name = profile or "default"
        flag = f" --profile {profile}" if profile else ""
        super().__init__(
            f"AWS credentials problem for profile '{name}': {detail}. "
            f"Fix: run `aws sso login{flag}` (SSO) or `aws configure{flag}` "
            "(access keys), or set AWS_PROFILE to a working profile."
        )


def credentials_problem(exc: BaseException, profile: str | None) -> CredentialsProblem | None:
    """Map boto3's many credential failures to one clear error, else None."""
    if isinstance(exc, CredentialsProblem):
        return exc
    bex = _bex()
    if isinstance(exc, bex.NoCredentialsError):
        return CredentialsProblem(profile, "no credentials found")
    if isinstance(exc, bex.ProfileNotFound):
        return CredentialsProblem(profile, "profile not found in ~/.aws/config")
    sso_errors = tuple(
        cls
        for cls in (
            getattr(bex, "SSOTokenLoadError", None),
            getattr(bex, "UnauthorizedSSOTokenError", None),
            getattr(bex, "TokenRetrievalError", None),
            getattr(bex, "SSOError", None),
        )
        if cls is not None
    )
    if sso_errors and isinstance(exc, sso_errors):
        return CredentialsProblem(profile, "the SSO session has expired or is missing")
    if isinstance(exc, bex.ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _CREDENTIAL_CODES:
            return CredentialsProblem(profile, f"the credentials were rejected ({code})")
    return None


def error_code(exc: BaseException) -> str:
    if isinstance(exc, _bex().ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


def is_throttling(exc: BaseException) -> bool:
    return isinstance(exc, _bex().ClientError) and error_code(exc) in THROTTLING_CODES


def classify(exc: BaseException, target: Target | None) -> tuple[str, str, str, str]:
    """(status, code, message, request id) of a call that raised: "failed" when the service
    provably did not act, "unknown" when it may have."""
    bex = _bex()
    problem = credentials_problem(exc, getattr(target, "profile", None))
    if problem is not None:
        return "failed", "CredentialsProblem", str(problem), ""
    if isinstance(exc, (*not_sent_exceptions(), bex.ParamValidationError)):
        return "failed", error_code(exc), f"not sent: {exc}", ""
    if isinstance(exc, bex.ClientError):
        meta = exc.response.get("ResponseMetadata", {})
        rid = str(meta.get("RequestId", ""))
        message = str(exc.response.get("Error", {}).get("Message", exc))
        if int(meta.get("HTTPStatusCode") or 400) >= 500 and not is_throttling(exc):
            return "unknown", error_code(exc), f"service error after sending; not re-sent: {message}", rid  # fmt: skip
        return "failed", error_code(exc), message, rid
    return "unknown", error_code(exc) or type(exc).__name__, f"fate unknown, not re-sent: {exc}", ""  # fmt: skip


def describe_error(exc: BaseException, target: Target) -> str:
    """One line for a target whose call failed (its status row, the CLI's warning)."""
    problem = credentials_problem(exc, target.profile)
    if problem is not None:
        return str(problem)
    if isinstance(exc, _bex().ClientError):
        err = exc.response.get("Error", {})
        text = f"{err.get('Code', 'ClientError')}: {err.get('Message', '')}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:500]
