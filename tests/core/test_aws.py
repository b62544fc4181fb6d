"""Targets and the client factory: config, identity, credential errors, retry policy."""

from __future__ import annotations

import threading

import boto3
import botocore.exceptions as bex
import pytest
from moto import mock_aws

from tests.conftest import skip_retry_backoff
from wstui import __version__
from wstui.core.aws import (
    Clients,
    CredentialsProblem,
    Target,
    credentials_problem,
    targets_from,
)

ENDPOINT_VARS = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_WORKSPACES",
    "AWS_ENDPOINT_URL_STS",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", *ENDPOINT_VARS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_client_config_retry_timeouts_user_agent(aws_env: None) -> None:
    clients = Clients(retry_mode="adaptive", max_attempts=4, connect_timeout=2, read_timeout=9)
    c = clients.workspaces(Target(None, "eu-west-1"))
    cfg = c.meta.config
    assert cfg.retries == {"mode": "adaptive", "total_max_attempts": 4}
    assert (cfg.connect_timeout, cfg.read_timeout) == (2, 9)
    assert f"wstui/{__version__}" in cfg.user_agent_extra
    assert c.meta.region_name == "eu-west-1"
    with pytest.raises(ValueError, match="retry_mode"):
        Clients(retry_mode="legacy")


def test_endpoint_url_from_flag_or_env(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Target(None, "us-east-1")
    assert Clients(endpoint_url="http://127.0.0.1:9").workspaces(ws).meta.endpoint_url == (
        "http://127.0.0.1:9"
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:7")
    assert Clients().workspaces(ws).meta.endpoint_url == "http://127.0.0.1:7"
    # The flag beats every env var, as an explicit client argument does in botocore.
    monkeypatch.setenv("AWS_ENDPOINT_URL_WORKSPACES", "http://127.0.0.1:8")
    assert Clients(endpoint_url="http://127.0.0.1:9").workspaces(ws).meta.endpoint_url == (
        "http://127.0.0.1:9"
    )


@pytest.mark.parametrize(
    "env",
    [
        {"AWS_ENDPOINT_URL": "http://generic:1", "AWS_ENDPOINT_URL_WORKSPACES": "http://ws:2"},
        {"AWS_ENDPOINT_URL_WORKSPACES": "http://ws:2"},
        {"AWS_ENDPOINT_URL": "http://generic:1"},
        {
            "AWS_ENDPOINT_URL": "http://generic:1",
            "AWS_ENDPOINT_URL_WORKSPACES": "http://ws:2",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        },
        {},
    ],
)
@pytest.mark.parametrize("config_url", [None, "http://wstui-config:3"])
def test_endpoint_precedence_matches_botocore(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path, env: dict, config_url: str | None
) -> None:
    """Without --endpoint-url, the WorkSpaces and STS endpoints are what a plain boto3 client
    gets in the same environment; config.toml's aws.endpoint_url only fills in when no env
    var names one (and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops it too)."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    clients = Clients(config_endpoint_url=config_url)
    t = Target(None, "eu-west-1")
    for service in ("workspaces", "sts"):
        plain = boto3.client(service, region_name="eu-west-1").meta.endpoint_url
        got = clients.client(service, t).meta.endpoint_url
        configured = {"AWS_ENDPOINT_URL", f"AWS_ENDPOINT_URL_{service.upper()}"} & set(env)
        ignored = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == "true"
        if config_url and (ignored or not configured):
            expected = plain if ignored else config_url
        else:
            expected = plain
        assert got == expected, (service, env, config_url)
    if env.get("AWS_ENDPOINT_URL_WORKSPACES") and not env.get(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
    ):
        assert clients.workspaces(t).meta.endpoint_url == "http://ws:2"  # specific beats generic
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
        assert "amazonaws.com" in clients.workspaces(t).meta.endpoint_url


def test_endpoint_from_aws_config_services_section(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    cfg = tmp_path / "config"
    cfg.write_text(
        "[default]\nservices = local\n\n[services local]\nworkspaces =\n"
        "  endpoint_url = http://from-aws-config:4\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(cfg))
    t = Target(None, "us-east-1")
    assert Clients().workspaces(t).meta.endpoint_url == "http://from-aws-config:4"
    # config.toml's aws.endpoint_url is wstui's own setting: it ranks above ~/.aws/config.
    assert Clients(config_endpoint_url="http://c:5").workspaces(t).meta.endpoint_url == "http://c:5"


AWS_CONFIG = """\
[default]
region = eu-central-1

[profile sso-dev]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Admin
region = eu-west-1

[profile assumer]
role_arn = arn:aws:iam::444455556666:role/Admin
source_profile = default
region = ap-southeast-2

[profile noregion]
role_arn = arn:aws:iam::444455556666:role/Admin
source_profile = default

[profile credsonly]
region = sa-east-1
"""
CREDENTIALS = """\
[default]
aws_access_key_id = testing
aws_secret_access_key = testing

[credsonly]
region = ca-central-1

[keyfile]
aws_access_key_id = testing
aws_secret_access_key = testing
region = me-south-1
"""


@pytest.fixture
def aws_files(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "config").write_text(AWS_CONFIG)
    (tmp_path / "credentials").write_text(CREDENTIALS)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


PROFILES = [None, "default", "sso-dev", "assumer", "noregion", "credsonly", "keyfile"]


def _boto3_region(profile: str | None) -> str | None:
    return boto3.Session(profile_name=profile).region_name


def test_profile_region_is_what_boto3_resolves(aws_files: None) -> None:
    """--profile P without --region: the region boto3 (and the AWS CLI) would use for P."""
    for p in PROFILES:
        expected = _boto3_region(p) or "us-east-1"
        assert targets_from([p] if p else None, None) == [Target(p, expected)], p
    assert targets_from(["sso-dev"], None)[0].region == "eu-west-1"
    assert targets_from(["assumer"], None)[0].region == "ap-southeast-2"
    assert targets_from(None, None) == [Target(None, "eu-central-1")]
    # several profiles: each in its own region
    assert targets_from(["sso-dev", "assumer"], None) == [
        Target("sso-dev", "eu-west-1"), Target("assumer", "ap-southeast-2"),
    ]  # fmt: skip


def test_profile_region_follows_env_like_boto3(
    aws_files: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "assumer")
    assert targets_from(None, None) == [Target("assumer", _boto3_region(None))]
    assert _boto3_region(None) == "ap-southeast-2"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    assert targets_from(["sso-dev"], None)[0].region == _boto3_region("sso-dev") == "us-west-2"
    # AWS_REGION wins over AWS_DEFAULT_REGION, as in the AWS CLI v2 (boto3 reads only the latter)
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")
    assert targets_from(["sso-dev"], None)[0].region == "ap-northeast-1"
    # --region and config targets still win over everything
    assert targets_from(["sso-dev"], ["eu-north-1"])[0].region == "eu-north-1"
    assert targets_from(["sso-dev"], None, [("x", "af-south-1")])[0].region == "af-south-1"


def test_clients_created_once_and_shared_by_threads(aws_env: None) -> None:
    clients = Clients()
    t = Target(None, "us-east-1")
    a = clients.workspaces(t)
    assert clients.workspaces(t) is a
    assert clients.workspaces(Target(None, "eu-west-1")) is not a
    # Worker threads (a new pool per listing) reuse it: no session or client per thread.
    fresh = Clients()
    got: list[object] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        got.append(fresh.workspaces(t))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(got) == 8 and all(c is got[0] for c in got)


def test_resolve_account_once_through_sts(aws_env: None) -> None:
    clients = Clients()
    calls: list[str] = []
    with mock_aws():
        t = Target(None, "us-east-1")
        sts = clients.client("sts", t)
        sts.meta.events.register(
            "before-call.sts.GetCallerIdentity", lambda **kw: calls.append("x")
        )
        resolved = clients.resolve_account(t)
        again = clients.resolve_account(t)
    assert resolved.account == "123456789012" and again == resolved
    assert resolved.key == "123456789012/us-east-1"
    assert calls == ["x"]
    assert clients.target_for("123456789012", "us-east-1") == resolved
    assert clients.caller_arn(t).startswith("arn:aws:")


def test_missing_credentials_name_profile_and_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(CredentialsProblem) as err:
        Clients(connect_timeout=1, max_attempts=1).resolve_account(Target(None, "us-east-1"))
    assert "aws configure" in str(err.value) and "'default'" in str(err.value)
    with pytest.raises(CredentialsProblem) as err:
        Clients().resolve_account(Target("prod-sso", "us-east-1"))
    assert "'prod-sso'" in str(err.value)
    assert "aws sso login --profile prod-sso" in str(err.value)


def test_expired_token_and_sso_errors_are_credentials_problems() -> None:
    expired = bex.ClientError({"Error": {"Code": "ExpiredTokenException", "Message": "x"}}, "Op")
    p = credentials_problem(expired, "dev")
    assert p is not None and "ExpiredTokenException" in str(p) and "--profile dev" in str(p)
    sso = bex.UnauthorizedSSOTokenError()
    assert "SSO" in str(credentials_problem(sso, "dev"))
    other = bex.ClientError({"Error": {"Code": "ValidationException", "Message": "x"}}, "Op")
    assert credentials_problem(other, "dev") is None


def test_targets_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "envp")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    monkeypatch.delenv("AWS_REGION", raising=False)
    cfg = [("cfgp", "eu-west-1")]
    assert targets_from(["a", "b"], ["r1", "r2"], cfg) == [
        Target("a", "r1"),
        Target("a", "r2"),
        Target("b", "r1"),
        Target("b", "r2"),
    ]
    assert targets_from(["a"], None, cfg) == [Target("a", "eu-west-1")]
    assert targets_from(None, ["r9"], cfg) == [Target("envp", "r9")]
    assert targets_from(None, None, cfg) == [Target("cfgp", "eu-west-1")]
    assert targets_from(None, None, None) == [Target("envp", "ap-south-1")]


def _count_sends(client, op: str, exc: Exception) -> list[int]:
    sends: list[int] = []

    def boom(**kw):
        sends.append(1)
        raise exc

    client.meta.events.register_first(f"before-send.workspaces.{op}", boom)
    return sends


def test_mutations_not_resent_after_timeout_reads_are(aws_env, monkeypatch, request) -> None:
    from wstui.core.aws import MUTATION_PASS

    skip_retry_backoff(monkeypatch)
    clients = Clients(max_attempts=5)
    c = clients.workspaces(Target(None, "us-east-1"))
    token = MUTATION_PASS.set(True)  # as the gateway does around its one send
    request.addfinalizer(lambda: MUTATION_PASS.reset(token))
    timeout = bex.ReadTimeoutError(endpoint_url="http://x")
    sends = _count_sends(c, "RebootWorkspaces", timeout)
    with pytest.raises(bex.ReadTimeoutError):
        c.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": "ws-abcdefgh1"}])
    assert len(sends) == 1  # fate unknown: never sent twice
    reads = _count_sends(c, "DescribeWorkspaces", timeout)
    with pytest.raises(bex.ReadTimeoutError):
        c.describe_workspaces()
    assert len(reads) == 5  # a read is safe to retry
    # A connection that never opened was not sent: mutations may be retried then.
    refused = _count_sends(
        c, "StopWorkspaces", bex.EndpointConnectionError(endpoint_url="http://x")
    )
    with pytest.raises(bex.EndpointConnectionError):
        c.stop_workspaces(StopWorkspaceRequests=[{"WorkspaceId": "ws-abcdefgh1"}])
    assert len(refused) == 5


def test_every_mutating_operation_is_refused_outside_the_gateway(aws_env) -> None:
    """The guard: a wstui client sends no mutating operation unless the gateway sends it."""
    from wstui.core.aws import UngatedMutation, is_mutating

    clients = Clients(max_attempts=1)
    c = clients.workspaces(Target(None, "us-east-1"))
    sent: list[str] = []
    c.meta.events.register_first("before-send.workspaces", lambda **kw: sent.append("x"))
    mutating = [o for o in c.meta.service_model.operation_names if is_mutating(o)]
    assert len(mutating) >= 60
    for op in mutating:
        from botocore import xform_name

        with pytest.raises(UngatedMutation, match=op):
            getattr(c, xform_name(op))()
    assert sent == []


def test_boto3_session_untouched(aws_env) -> None:
    # wstui never writes credentials anywhere: the factory only reads boto3's chain.
    clients = Clients()
    creds = clients._session(None).get_credentials()
    assert creds is not None and creds.access_key == "testing"
    assert boto3.DEFAULT_SESSION is None or boto3.DEFAULT_SESSION is not clients._session(None)
