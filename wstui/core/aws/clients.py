"""The boto3 client factory: one client per (credentials, region, service), retry config,
and the two guards every client carries: a mutating call made outside the gateway is
refused (`UngatedMutation`), and botocore never retries a mutation whose request may
have reached AWS.

Credentials come only from boto3's own chain (env, profiles, SSO, assume-role);
nothing here stores or logs a secret.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wstui import __version__
from wstui.core.aws import fastparse
from wstui.core.aws.errors import (
    THROTTLING_CODES,
    CredentialsProblem,
    _bex,
    credentials_problem,
    not_sent_exceptions,
)
from wstui.core.aws.targets import Target

if TYPE_CHECKING:
    import boto3

# boto3 and botocore are imported when first needed (a client, an error to classify):
# importing boto3 costs ~130 ms of CPU, which the TUI's first frame must not wait for.


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

        # The only provider: never another chain's keys. botocore ships no stubs, so
        # its base class is Any to mypy (strict's disallow_subclassing_any).
        class _Role(CredentialProvider):  # type: ignore[misc]
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


