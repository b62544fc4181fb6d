"""AWS Organizations discovery through the simulator: 5 accounts, one refusing the role.

The simulator's Organization is managed by the sim's own account (MAIN, with the `sim`
fixture's fleet); members are created through moto's Organizations with their access role,
except Sandbox, whose role has another name: AssumeRole into it answers AccessDenied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from wstui.cli import Options, main
from wstui.config import OrgSource, load_config
from wstui.core.aws import Clients
from wstui.core.cache import Cache
from wstui.core.org import Discovery, discover
from wstui.core.refresh import Refresher
from wstui.sim.org import ROLE, seed_organization

MAIN = "123456789012"
PROBED = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2")
MEMBERS = (
    ("Prod", 12, ("us-east-1", "eu-west-1"), True),
    ("Dev", 6, ("eu-west-1",), True),
    ("Sandbox", 5, ("us-east-1",), False),  # created without the role: refuses
    ("Data", 8, ("ap-southeast-2",), True),
)
CONFIG = (
    f'[[targets]]\norganization = true\nrole = "{ROLE}"\n'
    f"regions = {json.dumps(list(PROBED))}\n"
)


@pytest.fixture
def org(sim: Any) -> dict[str, Any]:
    accounts = seed_organization(seed=3, now=sim.clock.now(), members=MEMBERS)
    return {a.name: a for a in accounts}


def backend_ids(account: str, region: str) -> set[str]:
    from moto.workspaces.models import workspaces_backends

    return set(workspaces_backends[account][region].workspaces)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_discovery_five_accounts_one_refusing_then_refresh_reads_each_account(
    org: dict[str, Any], sim: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    flags = ("--config", str(tmp_path / "config.toml"), "--cache", str(tmp_path / "c.sqlite"))
    sandbox = org["Sandbox"].account
    usable = {MAIN, org["Prod"].account, org["Dev"].account, org["Data"].account}
    assert len(org) == 5 and sandbox not in usable

    # 1. `wstui targets discover`: 4 accounts with their regions, Sandbox with its reason.
    code, out, err = run(capsys, "targets", "discover", "-o", "json", *flags)
    assert code == 4, err  # partial: one account cannot be used
    found = {r["account"]: r for r in json.loads(out)}
    assert set(found) == usable | {sandbox}
    assert {a for a, r in found.items() if r["status"] == "ok"} == usable
    assert found[MAIN]["regions"] == ["eu-west-1", "us-east-1"]
    assert found[org["Prod"].account]["regions"] == ["eu-west-1", "us-east-1"]
    assert found[org["Dev"].account]["regions"] == ["eu-west-1"]
    assert found[org["Data"].account]["regions"] == ["ap-southeast-2"]
    refused = found[sandbox]
    assert refused["status"] == "error" and refused["regions"] == []
    assert "AccessDenied" in refused["error"]
    assert f"arn:aws:iam::{sandbox}:role/{ROLE}" in refused["error"]

    # 2. The discovered targets: each usable account x each region where it has WorkSpaces.
    opts = Options(config=load_config(tmp_path / "config.toml"), cache_path=tmp_path / "c.sqlite")
    cache = opts.make_cache()
    targets = opts.targets(cache)
    assert {(t.role_arn.split(":")[4], t.region) for t in targets} == {
        (a, r) for a, row in found.items() for r in row["regions"]
    }
    assert all(t.profile is None and t.role_arn.endswith(f":role/{ROLE}") for t in targets)

    # 3. A refresh reads the WorkSpaces of each account through its role.
    sim.clear_calls()
    code, out, err = run(capsys, "refresh", "--kinds", "workspaces", *flags)
    assert code == 0, err
    for account, row in found.items():
        for region in PROBED:
            rows = cache.keys("ws", "account = ? AND region = ?", (account, region))
            want = backend_ids(account, region) if region in row["regions"] else set()
            assert {i for _, _, i in rows} == want, (account, region)
    accounts_in_cache = {r["account"] for r in cache.query("ws", limit=None)}
    assert accounts_in_cache == usable
    assert len(cache.keys("ws", "account = ?", (org["Prod"].account,))) == 12
    called = {(c.account, c.region) for c in sim.calls_to("DescribeWorkspaces")}
    assert called == {(a, r) for a, row in found.items() for r in row["regions"]}
    assert all(c.account != sandbox for c in sim.calls)  # never reached: the role refused

    # 4. `wstui targets`: every target ok, and Sandbox shown as an error with the reason.
    code, out, err = run(capsys, "targets", *flags)
    assert code == 1  # one line is an error
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["STATUS", "PROFILE", "ACCOUNT", "REGION"]
    sandbox_lines = [ln for ln in lines if sandbox in ln]
    assert len(sandbox_lines) == 1
    assert sandbox_lines[0].split()[:4] == ["ERROR", "org:Sandbox", sandbox, "-"]
    assert "AccessDenied" in sandbox_lines[0] and "sts:AssumeRole" in sandbox_lines[0]
    ok = [ln.split() for ln in lines[1:] if ln.startswith("OK")]
    assert {c[1] for c in ok} == {"org:master", "org:Prod", "org:Dev", "org:Data"}
    assert {(c[2], c[3]) for c in ok} == {(a, r) for a, row in found.items() for r in row["regions"]}
    code, out, _ = run(capsys, "targets", "-o", "json", *flags)
    by_account = {(r["account"], r["region"]): r for r in json.loads(out)}
    assert by_account[(sandbox, "-")]["status"] == "error"
    assert by_account[(org["Prod"].account, "eu-west-1")]["rows"] == len(
        backend_ids(org["Prod"].account, "eu-west-1")
    )

    # 5. A discovered account is in scope: an action goes to it, with its role's credentials.
    prod = org["Prod"].account
    (wid,) = [r["id"] for r in cache.query("ws", "account = ? AND region = ? AND state = ?",
                                           (prod, "eu-west-1", "AVAILABLE"), limit=1)]  # fmt: skip
    sim.clear_calls()
    code, out, err = run(capsys, "act", "reboot", "--ids", wid, "--yes", *flags)
    assert code == 0, err
    (call,) = sim.calls_to("RebootWorkspaces")
    assert (call.account, call.region) == (prod, "eu-west-1")
    assert call.params["RebootWorkspaceRequests"] == [{"WorkspaceId": wid}]
    cache.close()


def test_rediscovery_on_interval_adds_a_new_account(
    org: dict[str, Any], sim: Any, tmp_path: Path
) -> None:
    now = [1_000_000.0]
    source = OrgSource(None, ROLE, PROBED)
    discovery = Discovery([source], interval=3600, now=lambda: now[0])
    cache = Cache(tmp_path / "c.sqlite")
    refresher = Refresher(cache, Clients(), [], kinds=["workspaces"], discovery=discovery)
    assert refresher.targets == []  # nothing stored yet
    assert all(r.ok for r in refresher.refresh())  # discovers first (due), then lists
    first = {t.role_arn.split(":")[4] for t in refresher.targets}
    assert first == {MAIN, org["Prod"].account, org["Dev"].account, org["Data"].account}
    late = seed_organization(seed=4, now=sim.clock.now(), members=[("Late", 3, ("us-west-2",), True)])
    new = late[-1].account
    now[0] += 600  # not due yet: the stored list stands
    refresher.refresh()
    assert new not in {t.role_arn.split(":")[4] for t in refresher.targets}
    now[0] += 3600
    sim.clear_calls()
    refresher.refresh()
    assert (new, "us-west-2") in {(t.role_arn.split(":")[4], t.region) for t in refresher.targets}
    assert len(cache.keys("ws", "account = ?", (new,))) == 3
    assert any(c.account == new for c in sim.calls_to("DescribeWorkspaces"))
    cache.close()


def test_a_failed_discovery_keeps_the_known_accounts_and_says_why(
    org: dict[str, Any], sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = OrgSource(None, ROLE, ("us-east-1",))
    cache = Cache(tmp_path / "c.sqlite")
    now = [1_000_000.0]
    discovery = Discovery([source], interval=60, now=lambda: now[0])
    discovery.run(cache, Clients(), source)
    before = discovery.targets(cache)
    assert before
    from moto.organizations.exceptions import AWSOrganizationsNotInUseException
    from moto.organizations.models import OrganizationsBackend

    def not_in_use(self: Any, **_: Any) -> Any:  # the profile is no longer in an Organization
        raise AWSOrganizationsNotInUseException

    monkeypatch.setattr(OrganizationsBackend, "list_accounts", not_in_use)
    now[0] += 120
    assert discovery.refresh_if_due(cache, Clients()) is False
    assert discovery.targets(cache) == before  # kept: a failed listing deletes nothing
    (failure,) = [r for r in discovery.refused(cache) if not r["account"]]
    assert "ListAccounts failed" in failure["error"]
    assert "AWSOrganizationsNotInUse" in failure["error"]
    assert discovery.due(cache, source) is False  # retried later, not on every pass
    cache.close()


def test_discover_skips_suspended_accounts(org: dict[str, Any], sim: Any) -> None:
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[MAIN]["aws"]
    dev = next(a for a in backend.accounts if a.id == org["Dev"].account)
    dev.status = dev.state = "SUSPENDED"
    found = discover(Clients(), OrgSource(None, ROLE, ("eu-west-1",)))
    assert org["Dev"].account not in {f.account for f in found}
    assert org["Prod"].account in {f.account for f in found}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[[targets]]\norganization = true\n", 'needs role = "NAME"'),
        ('[[targets]]\norganization = true\nrole = "arn:aws:iam::1:role/x"\n',
         "is not an IAM role name"),
        ('[[targets]]\norganization = true\nrole = "' + "r" * 65 + '"\n', "is not an IAM role name"),
        ('[[targets]]\norganization = "yes"\nrole = "R"\n', "organization must be true or false"),
        ('[[targets]]\norganization = true\nrole = "R"\nregion = "us-east-1"\n',
         "takes regions = [...]"),
    ],
)  # fmt: skip
def test_bad_organization_config_is_a_clear_message_and_read_only(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    config = load_config(path)
    assert config.organizations == []
    assert len(config.errors) == 1 and message in config.errors[0]
    assert re.match(rf"{re.escape(str(path))}:\d+: ", config.errors[0])  # file and line
    policy = Options(config=config, cache_path=tmp_path / "c.sqlite").policy()
    assert policy.read_only  # a config error fails closed


def test_organization_config_parsed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG + 'profile = "mgmt"\n[refresh]\ndiscovery = 7200\n')
    config = load_config(path)
    assert config.errors == []
    assert config.organizations == [OrgSource("mgmt", ROLE, PROBED)]
    assert config.discovery_interval == 7200
    # Only an organization target: the default profile is not also a target.
    assert Options(config=config).targets() == []
    # --region replaces the config's targets, the organization's too.
    flagged = Options(config=config, regions=["eu-west-1"])
    assert [(t.region, t.role_arn) for t in flagged.targets()] == [("eu-west-1", "")]
    assert flagged.make_refresher(Cache(tmp_path / "c.sqlite"), Clients()).discovery is None


def test_discover_without_organization_config_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text("")
    code, _, err = run(capsys, "targets", "discover", "--config", str(tmp_path / "config.toml"),
                       "--cache", str(tmp_path / "c.sqlite"))  # fmt: skip
    assert code == 2 and "organization = true" in err


def test_role_targets_have_their_own_refreshable_assume_role_credentials(sim: Any) -> None:
    from botocore.credentials import RefreshableCredentials

    from wstui.core.aws import Target

    clients = Clients()
    plain = Target(None, "us-east-1")
    a = Target(None, "us-east-1", role_arn="arn:aws:iam::111111111111:role/R")
    b = Target(None, "us-east-1", role_arn="arn:aws:iam::222222222222:role/R")
    assert clients.resolve_account(plain).account == MAIN
    assert clients.resolve_account(a).account == "111111111111"  # STS through the role
    assert clients.resolve_account(b).account == "222222222222"
    assert len({id(clients.workspaces(t)) for t in (plain, a, b)}) == 3
    creds = clients.workspaces(a)._request_signer._credentials
    assert isinstance(creds, RefreshableCredentials) and creds.method == "assume-role"
    assert creds.get_frozen_credentials().access_key != "testing"  # not the source's keys
    assert a.label == "111111111111/R@us-east-1"
