"""Fault matrix: missing/expired credentials, expired SSO token, AccessDenied per operation."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import EU, US, make_app, screen_text
from tests.gw import gateway
from wstui.core import act
from wstui.core.aws import Clients, Target
from wstui.core.refresh import Refresher

START_URL = "https://example.awsapps.com/start"


def _aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, token_expires: float | None) -> None:
    """A ~/.aws with an SSO profile "corp" (token absent or expired) and nothing else."""
    home = tmp_path / "home"
    (home / ".aws" / "sso" / "cache").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "[profile corp]\n"
        f"sso_start_url = {START_URL}\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\n"
    )
    if token_expires is not None:
        import hashlib

        name = hashlib.sha1(START_URL.encode()).hexdigest() + ".json"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(token_expires))
        (home / ".aws" / "sso" / "cache" / name).write_text(
            json.dumps(
                {
                    "startUrl": START_URL,
                    "region": "us-east-1",
                    "accessToken": "expired-token",
                    "expiresAt": stamp,
                }
            )
        )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)


CASES = {
    "SSO token missing": ("corp", None, "aws sso login --profile corp"),
    "SSO token expired": ("corp", time.time() - 3600, "aws sso login --profile corp"),
    "profile missing": ("nosuch", None, "aws configure --profile nosuch"),
    "no credentials at all": (None, None, "aws configure"),
}


@pytest.mark.parametrize(
    "case",
    [c if c == "SSO token expired" else pytest.param(c, marks=pytest.mark.slow) for c in CASES],
)
async def test_credentials_problem_names_profile_and_fix_tui_opens_on_cache(
    sim: Any, fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, reliability
) -> None:
    cache, _, _ = fleet
    rows_before = cache.query("workspaces", limit=None)
    profile, expires, fix = CASES[case]
    _aws_home(tmp_path, monkeypatch, expires)
    clients = Clients(max_attempts=1)
    refresher = Refresher(cache, clients, [Target(profile, US)], kinds=["workspaces"])
    [result] = refresher.refresh()
    name = profile or "default"
    assert result.error and f"profile '{name}'" in result.error and fix in result.error
    assert cache.query("workspaces", limit=None) == rows_before
    app = make_app(cache, clients, refresher)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        # Header: "! credentials N s ago: account/region: AWS credentials problem ..."
        assert "! credentials" in text and "AWS credentials problem" in text
        assert rows_before[0]["id"] in text or any(r["id"] in text for r in rows_before)
    reliability.record(
        "fault", f"credentials: {case}",
        f"message names profile '{name}' and the fix ({fix}); cache untouched; TUI opens on it",
        inputs=len(rows_before),
    )  # fmt: skip


async def test_access_denied_on_some_operations_only(sim: Any, fleet, reliability) -> None:
    cache, clients, refresher = fleet
    denied = {"DescribeWorkspaceBundles", "RebootWorkspaces"}
    bundles_before = cache.count("bundles")
    victim = cache.query("workspaces", "region = ?", [US], limit=1)[0]
    sim.set_state(US, victim["id"], "AVAILABLE", running_mode="AUTO_STOP")
    sim.faults.configure(denied=denied)
    results = {(r.target.region, r.kind): r for r in refresher.refresh()}
    bad = {k for k, r in results.items() if r.error}
    assert bad == {(US, "bundles"), (EU, "bundles")}
    assert all("AccessDeniedException" in results[k].error for k in bad)
    assert cache.count("bundles") == bundles_before  # kept, not emptied
    assert cache.get("workspaces", (victim["account"], US, victim["id"]))["state"] == "AVAILABLE"
    row = cache.get("workspaces", (victim["account"], US, victim["id"]))
    sim.clear_calls()
    outcomes = act.execute(act.plan("reboot", [row]), gateway(clients, cache, caller=""))
    assert [(o.status, o.code) for o in outcomes] == [("failed", "AccessDeniedException")]
    assert len(sim.calls_to("RebootWorkspaces")) == 1  # not retried
    assert cache.audit(limit=1)[0]["items"][0]["code"] == "AccessDeniedException"
    stop = act.execute(act.plan("stop", [row]), gateway(clients, cache, caller=""))
    assert [o.status for o in stop] == ["sent"]  # a permitted action still works
    app = make_app(cache, clients, refresher)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        assert "AccessDenied" not in screen_text(app)  # WorkSpaces screen is fine
        await pilot.press("colon", *"bundles", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "! access denied" in text and "AccessDeniedException" in text
    reliability.record(
        "fault", "AccessDenied on DescribeWorkspaceBundles and RebootWorkspaces only",
        "bundles screen shows AccessDeniedException, rows kept; reboot fails per id with the "
        "code, sent once; other kinds and actions work", inputs=len(results) + 2,
    )  # fmt: skip
