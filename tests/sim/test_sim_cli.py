"""``wstui sim serve`` flags: parsing into fault settings/rules, regions, the start-up text."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from wstui.cli import build_parser
from wstui.sim.cli import (
    FaultPlan,
    describe_faults,
    fault_plan,
    parse_inject,
    parse_regions,
    startup_lines,
)
from wstui.sim.faults import Faults

OPS = {"RebootWorkspaces", "StopWorkspaces", "DescribeWorkspaces", "GetResources"}
KNOWN_REGIONS = {"us-east-1", "eu-west-1", "us-west-2"}


def _args(*flags: str):
    return build_parser().parse_args(["sim", "serve", *flags])


def _plan(*flags: str) -> FaultPlan:
    return fault_plan(_args(*flags), OPS)


def test_no_fault_flags_configure_nothing():
    faults = Faults()
    _plan().apply(faults)
    assert faults.settings == Faults().settings and faults.injections == []
    assert describe_faults(_plan()) == "none"


def test_every_fault_flag_reaches_faults():
    plan = _plan(
        "--latency-ms", "25", "--throttle-rate", "0.1", "--rps-cap", "DescribeWorkspaces=5",
        "--rps-cap", "StopWorkspaces=2", "--deny", "RebootWorkspaces", "--deny", "GetResources",
        "--fail-after", "100", "--inject", "503:DescribeWorkspaces@2",
        "--inject", "drop-after:RebootWorkspaces,StopWorkspaces", "--inject", "expired-token",
    )  # fmt: skip
    faults = Faults()
    plan.apply(faults)
    s = faults.settings
    assert (s.latency_ms, s.throttle_rate, s.fail_after) == (25.0, 0.1, 100)
    assert s.rps_cap == {"DescribeWorkspaces": 5.0, "StopWorkspaces": 2.0}
    assert s.denied == {"RebootWorkspaces", "GetResources"}
    assert [(r.kind, r.operations, r.remaining) for r in faults.injections] == [
        ("503", frozenset({"DescribeWorkspaces"}), 2),
        ("drop-after", frozenset({"RebootWorkspaces", "StopWorkspaces"}), None),
        ("expired-token", None, None),
    ]
    assert "503 on DescribeWorkspaces x2" in describe_faults(plan)


def test_rps_cap_number_alone_caps_every_operation():
    assert _plan("--rps-cap", "3").configure["rps_cap"] == 3.0


@pytest.mark.parametrize("flags", [
    ["--rps-cap", "3", "--rps-cap", "StopWorkspaces=1"],  # both shapes at once
    ["--deny", "RebootWorkspace"],  # typo: not an operation
    ["--inject", "503:Nope"],
    ["--rps-cap", "Nope=2"],
    ["--throttle-rate", "1.5"],
])  # fmt: skip
def test_inconsistent_fault_flags_are_value_errors(flags):
    with pytest.raises(ValueError):
        _plan(*flags)


@pytest.mark.parametrize("spec", ["boom", "503:", "503@x", "503@-1", "drop-after:@1"])
def test_malformed_inject_is_a_usage_error(spec, capsys):
    with pytest.raises(SystemExit) as exc:
        _args("--inject", spec)
    assert exc.value.code == 2 and "--inject" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["=3", "x", "Op=0", "Op=-1"])
def test_malformed_rps_cap_is_a_usage_error(value):
    with pytest.raises(SystemExit):
        _args("--rps-cap", value)


def test_cli_knows_the_same_kinds_as_faults():
    from wstui.sim import cli, faults

    assert cli.INJECTION_KINDS == faults.INJECTION_KINDS


def test_parse_inject_shapes():
    assert parse_inject("500-after") == ("500-after", None, None)
    assert parse_inject("503@3") == ("503", None, 3)
    assert parse_inject("drop-after:A,B@1") == ("drop-after", ("A", "B"), 1)


@pytest.mark.parametrize("values", [
    ["us-east-1,eu-west-1"], ["us-east-1", "eu-west-1"], ["us-east-1, eu-west-1", "us-east-1"],
])  # fmt: skip
def test_regions_space_or_comma_separated(values):
    assert parse_regions(values, KNOWN_REGIONS) == ["us-east-1", "eu-west-1"]


def test_unknown_region_is_named():
    with pytest.raises(ValueError, match=r"unknown region.*xx-east-9"):
        parse_regions(["us-east-1,xx-east-9"], KNOWN_REGIONS)


def test_unknown_region_from_the_command_is_a_message_not_a_traceback(capsys):
    from wstui.cli import main

    assert main(["sim", "serve", "--regions", "us-east-1,mars-1", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "unknown region(s) mars-1" in err and "Traceback" not in err


def test_startup_lines_give_the_exact_environment():
    lines = startup_lines("http://127.0.0.1:5000", ["eu-west-1", "us-east-1"], FaultPlan())
    assert (
        "  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=eu-west-1 "
        "AWS_DEFAULT_REGION=eu-west-1 AWS_ENDPOINT_URL=http://127.0.0.1:5000"
    ) in lines
    assert "  wstui --region eu-west-1 --region us-east-1" in lines


def test_sim_serve_with_faults_and_comma_regions():
    cmd = [sys.executable, "-c", "import sys; from wstui.cli import main; sys.exit(main())",
           "sim", "serve", "--port", "0", "--size", "20", "--regions", "eu-west-1,us-east-1",
           "--inject", "503:DescribeWorkspaces@1",
           "--deny", "DescribeWorkspaceDirectories"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        env: dict[str, str] = {}
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.strip().startswith("export "):
                env = dict(w.split("=", 1) for w in line.split()[1:])
                break
        client = boto3.client(
            "workspaces", region_name=env["AWS_REGION"], endpoint_url=env["AWS_ENDPOINT_URL"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=Config(retries={"total_max_attempts": 1}),
        )  # fmt: skip
        with pytest.raises(ClientError) as first:
            client.describe_workspaces()
        assert first.value.response["Error"]["Code"] == "ServiceUnavailable"
        assert client.describe_workspaces()["Workspaces"]  # the rule was for one call
        with pytest.raises(ClientError) as denied:
            client.describe_workspace_directories()
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
