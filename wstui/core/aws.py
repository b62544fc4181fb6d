"""Targets (profile, region, account) and the boto3 client factory.

Credentials come only from boto3's own chain (env, profiles, SSO, assume-role);
nothing here stores or logs a secret.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from wstui import __version__
from wstui.core import fastparse

if TYPE_CHECKING:
    import boto3

# boto3 and botocore are imported when first needed (a client, an error to classify):
# importing boto3 costs ~130 ms of CPU, which the TUI's first frame must not wait for.


def _bex() -> ModuleType:
    import botocore.exceptions

    return botocore.exceptions

def is_mutating(operation: str) -> bool:
    """Every operation that is not a read changes something (the rule of botocore's model:
    reads are named Describe*, List* or Get*). Used for the retry veto and the guard."""
    return not operation.startswith(("Describe", "List", "Get"))


class UngatedMutation(RuntimeError):
    """A mutating API call was attempted outside the gateway (core.act.gateway)."""


# Set only by core.act.gateway while it sends one audited, checked call. Every client made
# here refuses a mutating operation unless it is set (see `_refuse_ungated`), so there is
# no way to send a mutation that skips the gateway's policy, scope and audit.
MUTATION_PASS: ContextVar[bool] = ContextVar("wstui_mutation_pass", default=False)


def _refuse_ungated(model: Any = None, **_: Any) -> None:
    name = getattr(model, "name", "")
    if is_mutating(name) and not MUTATION_PASS.get():
        raise UngatedMutation(f"{name} refused: mutations are sent only through the gateway")


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


def __getattr__(name: str) -> Any:
    # NOT_SENT_EXCEPTIONS stays importable by name; it imports botocore on first use.
    if name == "NOT_SENT_EXCEPTIONS":
        return not_sent_exceptions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

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


def _veto_ambiguous_retry(
    response: Any = None, caught_exception: BaseException | None = None, **_: Any
) -> bool | None:
    """needs-retry hook for mutating operations.

    Returning False stops botocore from retrying; None lets its retry mode decide.
    """
    if caught_exception is not None:
        if isinstance(caught_exception, not_sent_exceptions()):
            return None
        return False  # read timeout, dropped connection: fate unknown
    if response is not None:
        http, parsed = response
        status = getattr(http, "status_code", 200)
        code = (parsed or {}).get("Error", {}).get("Code", "")
        if code in THROTTLING_CODES or status == 429:
            return None  # refused before it was performed: safe to retry
        if code or status >= 400:
            # 5xx: the service may have acted before failing; other errors botocore would
            # retry (RequestTimeoutException, PriorRequestNotComplete...) are not provably
            # unperformed either. Once-only wins: report it, never resend.
            return False
    return None


def iso_timestamp(value: Any) -> str:
    """A timestamp as the wire sends it (epoch seconds, or ISO text) -> ISO 8601 UTC text."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return str(value)  # already text (query/XML protocols); to_epoch() reads it
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return str(value)


class Clients:
    """Thread-safe factory of boto3 clients, one per (profile, region, service).

    boto3 clients are thread-safe and sessions are not, so one session per profile
    creates every client under a lock, and the clients are shared by all threads. (A
    client per thread would cost a session and a client for every worker of every
    listing: hundreds of milliseconds of CPU each time.)
    """

    def __init__(
        self,
        endpoint_url: str | None = None,
        retry_mode: str = "standard",
        max_attempts: int = 8,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_pool_connections: int = 32,
        config_endpoint_url: str | None = None,
    ) -> None:
        if retry_mode not in ("standard", "adaptive"):
            raise ValueError(f"retry_mode must be 'standard' or 'adaptive', not {retry_mode!r}")
        # Only an endpoint the user gave explicitly (--endpoint-url) is passed to boto3;
        # otherwise botocore resolves it as the AWS CLI does (endpoint_for).
        self.endpoint_url = endpoint_url or None
        self.config_endpoint_url = config_endpoint_url or None
        self._config_args = dict(
            # total_max_attempts counts the first try too (botocore's max_attempts counts retries).
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            user_agent_extra=f"wstui/{__version__}",
            max_pool_connections=max_pool_connections,
        )
        self._config: Any = None
        self._lock = threading.Lock()
        self._create_lock = threading.Lock()  # guards sessions and clients
        self._sessions: dict[str | None, boto3.Session] = {}  # by Target.principal
        self._clients: dict[tuple[str | None, str, str], Any] = {}
        self._resolved: dict[tuple[str | None, str], Target] = {}
        self._callers: dict[tuple[str | None, str], str] = {}

    @property
    def config(self) -> Any:
        """The botocore Config of every client (built on first use: botocore is slow to import)."""
        if self._config is None:
            from botocore.config import Config

            self._config = Config(**self._config_args)
        return self._config

    # -- clients -------------------------------------------------------------
    def _session(self, profile: str | None) -> boto3.Session:
        # Called with _create_lock held.
        if profile not in self._sessions:
            import boto3

            bex = _bex()
            try:
                session = boto3.Session(profile_name=profile)
            except bex.ProfileNotFound as exc:
                raise CredentialsProblem(profile, "profile not found in ~/.aws/config") from exc
            _iso_timestamps(session)
            self._sessions[profile] = session
        return self._sessions[profile]

    def _session_of(self, target: Target) -> boto3.Session:
        """The session whose credentials are the target's (called with _create_lock held)."""
        if not target.role_arn:
            return self._session(target.profile)
        key = target.principal
        if key not in self._sessions:
            self._sessions[key] = self._role_session(target)
        return self._sessions[key]

    def _role_session(self, target: Target) -> boto3.Session:
        """A session on `target.role_arn`, assumed with the profile's credentials.

        botocore's own assume-role machinery (what a `role_arn` + `source_profile` profile
        uses): AssumeRoleCredentialFetcher + DeferredRefreshableCredentials, so the role is
        assumed on first use and re-assumed before the credentials expire. Nothing stored.
        """
        import boto3
        import botocore.session
        from botocore.credentials import (
            AssumeRoleCredentialFetcher,
            CredentialProvider,
            CredentialResolver,
            DeferredRefreshableCredentials,
        )

        source = self._session(target.profile)
        source_creds = source._session.get_credentials()
        if source_creds is None:
            raise CredentialsProblem(target.profile, "no credentials found")
        sts_url = endpoint_for("sts", self.endpoint_url, self.config_endpoint_url)
        config = self.config

        def client_creator(service: str, **kwargs: Any) -> Any:
            kwargs.setdefault("region_name", target.region)
            kwargs.setdefault("config", config)
            if sts_url:
                kwargs.setdefault("endpoint_url", sts_url)
            return source._session.create_client(service, **kwargs)

        fetcher = AssumeRoleCredentialFetcher(
            client_creator, source_creds, target.role_arn,
            extra_args={"RoleSessionName": f"wstui-{__version__}".replace("+", "-")[:64]},
        )  # fmt: skip
        creds = DeferredRefreshableCredentials(
            method="assume-role", refresh_using=fetcher.fetch_credentials
        )

        class _Role(CredentialProvider):  # the only provider: never another chain's keys
            METHOD = CANONICAL_NAME = "wstui-assume-role"

            def load(self) -> Any:
                return creds

        core = botocore.session.Session()
        core.register_component("credential_provider", CredentialResolver([_Role()]))
        session = boto3.Session(botocore_session=core, region_name=target.region)
        _iso_timestamps(session)
        return session

    def client(self, service: str, target: Target) -> Any:
        key = (target.principal, target.region, service)
        client = self._clients.get(key)
        if client is not None:
            return client
        with self._create_lock:
            if key not in self._clients:
                client = self._session_of(target).client(
                    service,
                    region_name=target.region,
                    endpoint_url=endpoint_for(service, self.endpoint_url, self.config_endpoint_url),
                    config=self.config,
                )
                events = client.meta.events
                sid = client.meta.service_model.service_id.hyphenize()
                events.register_first(f"before-parameter-build.{sid}", _refuse_ungated)
                # Once-only: botocore may retry a mutation only when it provably was not
                # performed (throttled, never connected); see _veto_ambiguous_retry.
                for op in client.meta.service_model.operation_names:
                    if is_mutating(op):
                        events.register_first(f"needs-retry.{sid}.{op}", _veto_ambiguous_retry)
                fastparse.install(client, iso_timestamp)  # the hot reads: plain json.loads
                self._clients[key] = client
            return self._clients[key]

    def workspaces(self, target: Target) -> Any:
        return self.client("workspaces", target)

    # -- identity ------------------------------------------------------------
    def resolve_account(self, target: Target) -> Target:
        """Fill target.account through STS GetCallerIdentity, once per (profile, region)."""
        key = (target.principal, target.region)
        with self._lock:
            known = self._resolved.get(key)
        if known is not None:
            return known
        try:
            ident = self.client("sts", target).get_caller_identity()
        except Exception as exc:
            problem = credentials_problem(exc, target.profile)
            if problem is not None:
                raise problem from exc
            raise
        resolved = replace(target, account=str(ident["Account"]))
        with self._lock:
            self._resolved[key] = resolved
            self._callers[key] = str(ident.get("Arn", ""))
        return resolved

    def known(self, target: Target) -> Target | None:
        """The target with its account if already resolved (never calls STS)."""
        with self._lock:
            return self._resolved.get((target.principal, target.region))

    def caller_arn(self, target: Target) -> str:
        with self._lock:
            return self._callers.get((target.principal, target.region), "")

    def target_for(self, account: str, region: str) -> Target | None:
        """The resolved target that owns (account, region), if any."""
        with self._lock:
            for t in self._resolved.values():
                if t.account == account and t.region == region:
                    return t
        return None

    def remember(self, targets: Iterable[Target]) -> None:
        """Register targets whose account is already known (e.g. from the cache)."""
        with self._lock:
            for t in targets:
                if t.account:
                    self._resolved.setdefault((t.principal, t.region), t)


def _iso_timestamps(session: Any) -> None:
    # Timestamps as ISO 8601 UTC text: botocore's default builds a datetime in the local
    # zone through dateutil for every field (a sixth of a listing's client CPU), and the
    # cache stores text and epoch seconds anyway.
    factory = session._session.get_component("response_parser_factory")
    factory.set_parser_defaults(timestamp_parser=iso_timestamp)


def endpoint_for(
    service: str, explicit: str | None, config_url: str | None = None
) -> str | None:
    """The endpoint_url argument for a client of `service`, or None to let botocore decide.

    Precedence, as botocore's plus wstui's config in between: --endpoint-url (explicit)
    > AWS_ENDPOINT_URL_<SERVICE> > AWS_ENDPOINT_URL > config.toml `aws.endpoint_url` >
    ~/.aws/config `endpoint_url` / `services`. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
    ignores everything but --endpoint-url. Only the explicit flag and the wstui config are
    resolved here; the env vars and ~/.aws/config are botocore's to read.
    """
    if explicit:
        return explicit
    if not config_url:
        return None
    env = os.environ
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() == "true":
        return None
    # botocore's name for the service's variable: its service id, upper case, "_" for " "/"-"
    # (WorkSpaces -> WORKSPACES, STS -> STS).
    specific = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_").replace(" ", "_")
    if env.get(specific) or env.get("AWS_ENDPOINT_URL"):
        return None  # an env var ranks above the wstui config: botocore applies it
    return config_url


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
