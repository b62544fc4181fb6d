"""DescribeWorkspaces & friends: paging, filters and validation, as the API Reference says."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"


def _all_pages(client, **kwargs):
    pages, token = [], None
    while True:
        page = client.describe_workspaces(**kwargs, **({"NextToken": token} if token else {}))
        pages.append(page)
        token = page.get("NextToken")
        if not token:
            return pages


def _error(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def test_default_page_is_25_and_chain_yields_every_workspace_once(sim, sim_client):
    sim.seed(size=120, regions=(REGION,), directories_per_region=2)  # on top of the fixture
    expected = {w for w in sim.backend(REGION).workspaces}
    pages = _all_pages(sim_client(REGION))
    sizes = [len(p["Workspaces"]) for p in pages]
    assert all(s == 25 for s in sizes[:-1]) and 0 < sizes[-1] <= 25
    ids = [w["WorkspaceId"] for p in pages for w in p["Workspaces"]]
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    assert "NextToken" not in pages[-1]


@pytest.mark.parametrize("limit", [1, 7, 25])
def test_limit_sets_page_size(sim, sim_client, limit):
    total = len(sim.report.workspace_ids[REGION])
    pages = _all_pages(sim_client(REGION), Limit=limit)
    assert [len(p["Workspaces"]) for p in pages[:-1]] == [limit] * (len(pages) - 1)
    assert len(pages) == -(-total // limit)  # ceil: no empty trailing page
    assert sum(len(p["Workspaces"]) for p in pages) == total


@pytest.mark.parametrize("limit", [0, 26, -1])
def test_limit_out_of_range_is_invalid_parameter(sim_client, limit):
    with pytest.raises(ClientError) as exc:
        sim_client(REGION, validate=False).describe_workspaces(Limit=limit)
    assert _error(exc) == "InvalidParameterValuesException"


@pytest.mark.parametrize(
    "combo",
    [
        {"WorkspaceIds": ["ws-abcdefghi"], "DirectoryId": "d-0123456789"},
        {"DirectoryId": "d-0123456789", "BundleId": "wsb-abcdefghi"},
        {"WorkspaceIds": ["ws-abcdefghi"], "BundleId": "wsb-abcdefghi"},
        {"WorkspaceName": "desk1", "BundleId": "wsb-abcdefghi"},
        {"UserName": "alex"},  # UserName needs DirectoryId
    ],
)
def test_one_filter_at_a_time(sim_client, combo):
    with pytest.raises(ClientError) as exc:
        sim_client(REGION).describe_workspaces(**combo)
    assert _error(exc) == "InvalidParameterValuesException"


def test_directory_filter_pages_only_that_directory(sim, sim_client):
    directory = sim.report.directories[REGION][0]
    pages = _all_pages(sim_client(REGION), DirectoryId=directory, Limit=5)
    got = [w for p in pages for w in p["Workspaces"]]
    want = [w for w in sim.backend(REGION).workspaces.values() if w.directory_id == directory]
    assert got and len(got) == len(want)
    assert {w["DirectoryId"] for w in got} == {directory}


def test_directory_and_user_name(sim, sim_client):
    ws = sim.workspace(REGION, sim.report.workspace_ids[REGION][0])
    got = sim_client(REGION).describe_workspaces(DirectoryId=ws.directory_id, UserName=ws.user_name)
    assert [w["WorkspaceId"] for w in got["Workspaces"]] == [ws.workspace_id]


def test_bundle_filter(sim, sim_client):
    ws = sim.workspace(REGION, sim.report.workspace_ids[REGION][0])
    got = _all_pages(sim_client(REGION), BundleId=ws.bundle_id)
    items = [w for p in got for w in p["Workspaces"]]
    assert ws.workspace_id in {w["WorkspaceId"] for w in items}
    assert {w["BundleId"] for w in items} == {ws.bundle_id}


def test_workspace_ids_up_to_25(sim, sim_client):
    client = sim_client(REGION)
    ids = [*sim.report.workspace_ids[REGION][:3], "ws-doesnotexist0"]
    got = client.describe_workspaces(WorkspaceIds=ids)["Workspaces"]
    assert {w["WorkspaceId"] for w in got} == set(ids[:3])
    with pytest.raises(ClientError) as exc:
        client.describe_workspaces(WorkspaceIds=[f"ws-{i:09d}" for i in range(26)])
    assert _error(exc) == "InvalidParameterValuesException"


def test_garbage_next_token_is_invalid_parameter(sim_client):
    with pytest.raises(ClientError) as exc:
        sim_client(REGION).describe_workspaces(NextToken="not-a-token!")
    assert _error(exc) == "InvalidParameterValuesException"


def test_workspace_shape(sim, sim_client):
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, "AVAILABLE")
    item = sim_client(REGION).describe_workspaces(WorkspaceIds=[ws_id])["Workspaces"][0]
    assert item["State"] == "AVAILABLE"
    props = item["WorkspaceProperties"]
    assert props["RunningMode"] in ("AUTO_STOP", "ALWAYS_ON", "MANUAL")
    assert props["ComputeTypeName"] and props["RootVolumeSizeGib"] > 0
    assert item["ComputerName"] and item["IpAddress"].startswith("10.")


def test_connection_status_pages_region_or_takes_25_ids(sim, sim_client):
    client = sim_client(REGION)
    seen, token = [], None
    while True:
        page = client.describe_workspaces_connection_status(**({"NextToken": token} if token else {}))
        assert len(page["WorkspacesConnectionStatus"]) <= 25
        seen += page["WorkspacesConnectionStatus"]
        token = page.get("NextToken")
        if not token:
            break
    assert {s["WorkspaceId"] for s in seen} == set(sim.report.workspace_ids[REGION])
    assert {s["ConnectionState"] for s in seen} <= {"CONNECTED", "DISCONNECTED", "UNKNOWN"}
    never = [s for s in seen if "LastKnownUserConnectionTimestamp" not in s]
    assert never, "the seeder plants never-connected WorkSpaces"
    ids = sim.report.workspace_ids[REGION][:2]
    assert len(client.describe_workspaces_connection_status(WorkspaceIds=ids)[
        "WorkspacesConnectionStatus"]) == 2  # fmt: skip
    with pytest.raises(ClientError) as exc:
        client.describe_workspaces_connection_status(WorkspaceIds=[f"ws-{i:09d}" for i in range(26)])
    assert _error(exc) == "InvalidParameterValuesException"


def test_directories_visible_and_paged(sim, sim_client):
    client = sim_client(REGION)
    first = client.describe_workspace_directories(Limit=1)
    assert len(first["Directories"]) == 1 and first["NextToken"]
    second = client.describe_workspace_directories(Limit=1, NextToken=first["NextToken"])
    ids = {first["Directories"][0]["DirectoryId"], second["Directories"][0]["DirectoryId"]}
    assert ids == set(sim.report.directories[REGION])
    assert "NextToken" not in second
    assert first["Directories"][0]["State"] == "REGISTERED"


def test_bundles_amazon_catalogue_pages_and_account_bundles(sim_client):
    client = sim_client(REGION)
    amazon, token = [], None
    while True:
        page = client.describe_workspace_bundles(Owner="AMAZON", **({"NextToken": token} if token else {}))
        amazon += page["Bundles"]
        token = page.get("NextToken")
        if not token:
            break
    assert len(amazon) > 25 and {b["Owner"] for b in amazon} == {"Amazon"}
    own = client.describe_workspace_bundles()["Bundles"]
    assert own and all(b["Owner"] != "Amazon" for b in own)
    one = client.describe_workspace_bundles(BundleIds=[amazon[0]["BundleId"]])["Bundles"]
    assert [b["BundleId"] for b in one] == [amazon[0]["BundleId"]]
    with pytest.raises(ClientError):
        client.describe_workspace_bundles(BundleIds=[amazon[0]["BundleId"]], Owner="AMAZON")
