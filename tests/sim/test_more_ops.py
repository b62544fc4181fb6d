"""Operations the simulator serves beyond moto (wstui/sim/ops/): state kept, refusals from the reference."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

US = "us-east-1"


def code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_every_model_operation_is_served(sim: Any) -> None:
    import botocore.session
    from moto.workspaces.responses import WorkSpacesResponse

    from wstui.sim.ops.registry import method_name

    model = botocore.session.get_session().get_service_model("workspaces")
    assert [o for o in model.operation_names if not hasattr(WorkSpacesResponse, method_name(o))] == []


def test_every_registered_handler_is_a_model_operation_and_is_what_moto_dispatches(sim: Any) -> None:
    # A misspelt @op name would leave moto's own handler (or none) answering, silently.
    import botocore.session
    from moto.workspaces.responses import WorkSpacesResponse

    from wstui.sim.ops import OPERATIONS
    from wstui.sim.ops.registry import method_name

    model = set(botocore.session.get_session().get_service_model("workspaces").operation_names)
    assert sorted(set(OPERATIONS) - model) == []
    not_dispatched = [name for name, fn in OPERATIONS.items() if getattr(
        getattr(WorkSpacesResponse, method_name(name)), "__wrapped__", None) is not fn]  # fmt: skip
    assert not_dispatched == []
    assert len(OPERATIONS) >= 85  # the simulator serves nearly all of the model itself


def test_byol_account_modify_then_describe_and_modifications(sim: Any, sim_client) -> None:
    c = sim_client(US)
    assert c.describe_account()["DedicatedTenancySupport"] == "DISABLED"
    ranges = c.list_available_management_cidr_ranges(ManagementCidrRangeConstraint="10.0.0.0/8",
                                                     MaxResults=3)["ManagementCidrRanges"]  # fmt: skip
    assert ranges == ["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.modify_account(DedicatedTenancySupport="ENABLED")
    assert code(e) == "InvalidParameterValuesException"
    c.modify_account(DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange=ranges[1])
    acct = c.describe_account()
    assert acct["DedicatedTenancySupport"] == "ENABLED"
    assert acct["DedicatedTenancyManagementCidrRange"] == ranges[1]
    mods = c.describe_account_modifications()["AccountModifications"]
    assert [m["DedicatedTenancySupport"] for m in mods] == ["ENABLED"]


def test_account_link_lifecycle(sim: Any, sim_client) -> None:
    c = sim_client(US)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.create_account_link_invitation(TargetAccountId=sim.account)
    assert code(e) == "InvalidParameterValuesException"
    link = c.create_account_link_invitation(TargetAccountId="111122223333")["AccountLink"]
    assert link["AccountLinkStatus"] == "PENDING_ACCEPTANCE_BY_TARGET_ACCOUNT"
    c.accept_account_link_invitation(LinkId=link["AccountLinkId"])
    assert c.get_account_link(LinkId=link["AccountLinkId"])["AccountLink"]["AccountLinkStatus"] == "LINKED"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.reject_account_link_invitation(LinkId=link["AccountLinkId"])
    assert code(e) == "InvalidResourceStateException"
    assert [x["TargetAccountId"] for x in c.list_account_links()["AccountLinks"]] == ["111122223333"]
    c.delete_account_link_invitation(LinkId=link["AccountLinkId"])
    assert c.list_account_links()["AccountLinks"] == []
    other = c.create_account_link_invitation(TargetAccountId="444455556666")["AccountLink"]
    c.reject_account_link_invitation(LinkId=other["AccountLinkId"])
    assert c.get_account_link(LinkedAccountId="444455556666")["AccountLink"]["AccountLinkStatus"] == "REJECTED"


def test_directory_properties_branding_and_add_ins(sim: Any, sim_client) -> None:
    c = sim_client(US)
    d = sim.report.directories[US][0]
    c.modify_workspace_access_properties(ResourceId=d, WorkspaceAccessProperties={"DeviceTypeWeb": "ALLOW"})
    c.modify_saml_properties(ResourceId=d, SamlProperties={"Status": "ENABLED", "UserAccessUrl": "https://idp.example.com/x"})
    c.modify_certificate_based_auth_properties(ResourceId=d, CertificateBasedAuthProperties={
        "Status": "ENABLED", "CertificateAuthorityArn": "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/abc"})
    c.modify_streaming_properties(ResourceId=d, StreamingProperties={"StreamingExperiencePreferredProtocol": "UDP"})
    c.modify_endpoint_encryption_mode(DirectoryId=d, EndpointEncryptionMode="FIPS_VALIDATED")
    got = c.describe_workspace_directories(DirectoryIds=[d])["Directories"][0]
    assert got["WorkspaceAccessProperties"]["DeviceTypeWeb"] == "ALLOW"
    assert got["SamlProperties"]["Status"] == "ENABLED"
    assert got["CertificateBasedAuthProperties"]["Status"] == "ENABLED"
    assert sim.backend(US).workspace_directories[d].endpoint_encryption_mode == "FIPS_VALIDATED"
    c.import_client_branding(ResourceId=d, DeviceTypeWindows={"SupportEmail": "help@example.com"})
    assert c.describe_client_branding(ResourceId=d)["DeviceTypeWindows"]["SupportEmail"] == "help@example.com"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.import_client_branding(ResourceId=d, DeviceTypeWindows={"SupportEmail": "x@example.com"})
    assert code(e) == "ResourceAlreadyExistsException"
    c.delete_client_branding(ResourceId=d, Platforms=["DeviceTypeWindows"])
    assert "DeviceTypeWindows" not in c.describe_client_branding(ResourceId=d)
    add_in = c.create_connect_client_add_in(ResourceId=d, Name="chat", URL="https://connect.example.com")["AddInId"]
    c.update_connect_client_add_in(ResourceId=d, AddInId=add_in, Name="chat2")
    assert [a["Name"] for a in c.describe_connect_client_add_ins(ResourceId=d)["AddIns"]] == ["chat2"]
    c.delete_connect_client_add_in(ResourceId=d, AddInId=add_in)
    assert c.describe_connect_client_add_ins(ResourceId=d)["AddIns"] == []


def test_images_and_bundles(sim: Any, sim_client) -> None:
    c = sim_client(US)
    ws = sim.report.workspace_ids[US][0]
    sim.set_state(US, ws, "AVAILABLE")
    image = c.create_workspace_image(Name="gold", Description="gold image", WorkspaceId=ws)["ImageId"]
    bundle = c.create_workspace_bundle(BundleName="gold-b", BundleDescription="d", ImageId=image,
                                       ComputeType={"Name": "STANDARD"},
                                       UserStorage={"Capacity": "50"})["WorkspaceBundle"]["BundleId"]  # fmt: skip
    assert [b["BundleId"] for b in c.describe_workspace_bundles(BundleIds=[bundle])["Bundles"]] == [bundle]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.delete_workspace_image(ImageId=image)
    assert code(e) == "ResourceAssociatedException"
    # No application was installed on the source WorkSpace: the bundle carries none.
    assert c.describe_bundle_associations(BundleId=bundle, AssociatedResourceTypes=["APPLICATION"])["Associations"] == []
    copy = c.copy_workspace_image(Name="gold-copy", SourceImageId=image, SourceRegion=US)["ImageId"]
    c.update_workspace_bundle(BundleId=bundle, ImageId=copy)
    assert c.describe_workspace_bundles(BundleIds=[bundle])["Bundles"][0]["ImageId"] == copy
    c.delete_workspace_image(ImageId=image)
    assert image not in {i["ImageId"] for i in c.describe_workspace_images()["Images"]}
    c.delete_workspace_bundle(BundleId=bundle)
    assert c.describe_workspace_bundles(BundleIds=[bundle])["Bundles"] == []
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.import_workspace_image(Ec2ImageId="ami-0123456789abcdef0", IngestionProcess="BYOL_REGULAR",
                                 ImageName="byol", ImageDescription="d")  # fmt: skip
    # BYOL not enabled on the account; the operation declares no InvalidResourceStateException
    assert code(e) == "OperationNotSupportedException"
    custom = c.import_custom_workspace_image(
        ImageName="custom", ImageDescription="d", ComputeType="BASE", Protocol="DCV",
        ImageSource={"Ec2ImportTaskId": "import-ami-0123456789abcdef0"},
        InfrastructureConfigurationArn="arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/x",
        Platform="WINDOWS", OsVersion="Windows_11")["ImageId"]  # fmt: skip
    assert c.describe_custom_workspace_image_import(ImageId=custom)["State"] == "PENDING"


def test_applications_snapshots_and_standby(sim: Any, sim_client) -> None:
    c = sim_client(US)
    ws = sim.report.workspace_ids[US][1]
    sim.set_state(US, ws, "AVAILABLE")
    app = c.describe_applications()["Applications"][0]["ApplicationId"]
    c.associate_workspace_application(WorkspaceId=ws, ApplicationId=app)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.associate_workspace_application(WorkspaceId=ws, ApplicationId=app)
    assert code(e) == "ResourceAlreadyExistsException"
    c.deploy_workspace_applications(WorkspaceId=ws)
    states = [a["State"] for a in c.describe_workspace_associations(
        WorkspaceId=ws, AssociatedResourceTypes=["APPLICATION"])["Associations"]]  # fmt: skip
    assert states == ["COMPLETED"]
    assert len(c.describe_application_associations(ApplicationId=app, AssociatedResourceTypes=["WORKSPACE"])["Associations"]) == 1
    c.disassociate_workspace_application(WorkspaceId=ws, ApplicationId=app)
    assert c.describe_workspace_associations(WorkspaceId=ws, AssociatedResourceTypes=["APPLICATION"])["Associations"] == []
    snaps = c.describe_workspace_snapshots(WorkspaceId=ws)
    assert snaps["RestoreSnapshots"] and snaps["RebuildSnapshots"]
    d = sim.report.directories[US][1]
    out = c.create_standby_workspaces(PrimaryRegion=US, StandbyWorkspaces=[
        {"PrimaryWorkspaceId": ws, "DirectoryId": d},
        {"PrimaryWorkspaceId": "ws-000000000", "DirectoryId": d}])  # fmt: skip
    assert [f["ErrorCode"] for f in out["FailedStandbyRequests"]] == ["ResourceNotFound.Workspace"]
    new_id = out["PendingStandbyRequests"][0]["WorkspaceId"]
    assert c.describe_workspaces(WorkspaceIds=[new_id])["Workspaces"][0]["DirectoryId"] == d


def test_pool_create_update_sessions(sim: Any, sim_client) -> None:
    c = sim_client(US)
    d = sim.report.directories[US][0]
    bundle = c.describe_workspace_bundles(Owner="AMAZON")["Bundles"][0]["BundleId"]
    pool = c.create_workspaces_pool(PoolName="pool1", Description="d", BundleId=bundle, DirectoryId=d,
                                    Capacity={"DesiredUserSessions": 2})["WorkspacesPool"]  # fmt: skip
    pid = pool["PoolId"]
    c.update_workspaces_pool(PoolId=pid, Capacity={"DesiredUserSessions": 4})
    got = c.describe_workspaces_pools(PoolIds=[pid])["WorkspacesPools"][0]
    assert got["CapacityStatus"]["DesiredUserSessions"] == 4
    c.start_workspaces_pool(PoolId=pid)
    sim.clock.advance(3600)
    sessions = c.describe_workspaces_pool_sessions(PoolId=pid)["Sessions"]
    assert len(sessions) == 3
    c.terminate_workspaces_pool_session(SessionId=sessions[0]["SessionId"])
    assert len(c.describe_workspaces_pool_sessions(PoolId=pid)["Sessions"]) == 2
    with pytest.raises(botocore.exceptions.ClientError) as e:
        c.terminate_workspaces_pool_session(SessionId=sessions[0]["SessionId"])
    assert code(e) == "ResourceNotFoundException"


# -- regressions (issue 13): paging and declared errors --------------------------------------
def test_management_cidr_ranges_page_with_next_token(sim: Any, sim_client) -> None:
    c = sim_client(US)
    pages, token = [], None
    while True:
        kw = {"NextToken": token} if token else {}
        out = c.list_available_management_cidr_ranges(
            ManagementCidrRangeConstraint="172.16.0.0/12", MaxResults=5, **kw)
        pages.append(out["ManagementCidrRanges"])
        token = out.get("NextToken")
        if not token:
            break
    # A /12 holds 16 /16 ranges: pages of 5, 5, 5, 1, in order, none repeated.
    assert [len(p) for p in pages] == [5, 5, 5, 1]
    flat = [r for p in pages for r in p]
    assert flat == [f"172.{n}.0.0/16" for n in range(16, 32)]


def test_management_cidr_ranges_refused_when_account_not_enabled_for_byol(
    sim: Any, sim_client
) -> None:
    from wstui.sim.ops.common import service_state

    service_state(sim.backend(US)).byol_enabled = False
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sim_client(US).list_available_management_cidr_ranges(
            ManagementCidrRangeConstraint="10.0.0.0/8")
    assert code(e) == "AccessDeniedException"


def test_describe_workspace_images_honours_max_results(sim: Any, sim_client) -> None:
    c = sim_client(US)
    first = c.describe_workspace_images(MaxResults=1)
    assert len(first["Images"]) == 1 and first["NextToken"]
    second = c.describe_workspace_images(MaxResults=1, NextToken=first["NextToken"])
    assert len(second["Images"]) == 1 and "NextToken" not in second  # two seeded images
    assert first["Images"][0]["ImageId"] < second["Images"][0]["ImageId"]


def test_describe_applications_honours_max_results(sim: Any, sim_client) -> None:
    c = sim_client(US)
    seen, token = [], None
    while True:
        out = c.describe_applications(MaxResults=2, **({"NextToken": token} if token else {}))
        assert len(out["Applications"]) <= 2
        seen += [a["ApplicationId"] for a in out["Applications"]]
        token = out.get("NextToken")
        if not token:
            break
    assert len(seen) == 3 and len(set(seen)) == 3


@pytest.mark.parametrize("operation, key", [
    ("StartWorkspaces", "StartWorkspaceRequests"), ("StopWorkspaces", "StopWorkspaceRequests"),
    ("TerminateWorkspaces", "TerminateWorkspaceRequests"),
    ("RebootWorkspaces", "RebootWorkspaceRequests"),
    ("RebuildWorkspaces", "RebuildWorkspaceRequests"),
])  # fmt: skip
def test_batch_actions_answer_only_declared_or_common_errors(
    sim: Any, sim_client, operation: str, key: str
) -> None:
    from botocore import xform_name

    from wstui.sim import shapes

    c = sim_client(US, validate=False)
    for bad in ([{"WorkspaceId": "not-an-id"}], [{}], []):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            getattr(c, xform_name(operation))(**{key: bad})
        assert code(e) == "ValidationException"  # these declare no InvalidParameterValues
        assert code(e) in shapes.declared_errors(operation) | shapes.COMMON_ERRORS


def test_delete_missing_image_answers_no_undeclared_not_found(sim: Any, sim_client) -> None:
    # DeleteWorkspaceImage declares no ResourceNotFoundException: an absent image is a no-op.
    sim_client(US).delete_workspace_image(ImageId="wsi-nosuchimg1")


def test_modify_creation_properties_unknown_directory_is_resource_not_found(
    sim: Any, sim_client
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sim_client(US).modify_workspace_creation_properties(
            ResourceId="d-0000000000", WorkspaceCreationProperties={"EnableInternetAccess": True})
    assert code(e) == "ResourceNotFoundException"  # moto answered ValidationException


def test_register_directory_without_id_is_refused_not_crashed(sim: Any, sim_client) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as e:
        sim_client(US).register_workspace_directory()
    assert code(e) == "InvalidParameterValuesException"  # was InternalFailure (TypeError)
