"""Images: describe, create from a WorkSpace, update, copy, import (BYOL, custom), delete,
share, and the applications an image carries.
"""

from __future__ import annotations

import re
from typing import Any

from moto.workspaces.models import WorkspaceImage

from wstui.sim.errors import (
    InvalidParameterValues,
    InvalidResourceState,
    ResourceAlreadyExists,
    ResourceAssociated,
    ResourceNotFound,
)
from wstui.sim.model import extras
from wstui.sim.ops.common import (
    ACCOUNT_ID,
    Params,
    Resp,
    backend_of,
    check_id,
    listing,
    new_id,
    require_workspace,
    service_state,
    sim_now,
)
from wstui.sim.ops.registry import op

IMAGE_ID = r"^wsi-[0-9a-z]{9,63}$"


_IMAGE = re.compile(IMAGE_ID)


def find_image(resp: Resp, image_id: Any, key: str = "ImageId") -> Any:
    check_id(image_id, _IMAGE, key)
    found = backend_of(resp).workspace_images.get(image_id)
    if found is None:
        raise ResourceNotFound(f"The image {image_id} could not be found.")
    return found


def _new_image(resp: Resp, name: str, description: str, state: str = "PENDING") -> Any:
    backend = backend_of(resp)
    if any(i.name == name for i in backend.workspace_images.values()):
        raise ResourceAlreadyExists(f"An image named {name} already exists.")
    image = WorkspaceImage(name, description, [], backend.account_id)
    image.image_id = new_id("wsi-")
    image.state = state
    backend.workspace_images[image.image_id] = image
    return image


@op("DescribeWorkspaceImages")
def describe_images(resp: Resp, params: Params) -> dict[str, Any]:
    # moto's handler ignored MaxResults and NextToken: every image came back in one page.
    images = {i["ImageId"]: i for i in backend_of(resp).describe_workspace_images(
        image_ids=params.get("ImageIds"), image_type=params.get("ImageType"))}  # fmt: skip
    return listing(sorted(images), images.get, params, 25, "Images")


@op("CreateWorkspaceImage")
def create_image_from_workspace(resp: Resp, params: Params) -> dict[str, Any]:
    ws = require_workspace(backend_of(resp), params)
    if ws.state_at(sim_now()) != "AVAILABLE":
        raise InvalidResourceState(f"The WorkSpace is {ws.state}; it must be AVAILABLE.")
    image = _new_image(resp, str(params.get("Name") or ""), str(params.get("Description") or ""))
    image.tags = [dict(t) for t in params.get("Tags") or []]
    image.operating_system = {"Type": "WINDOWS"}
    m = service_state(backend_of(resp))
    # The image carries the applications installed on the WorkSpace (DescribeImageAssociations).
    m.image_apps[image.image_id] = sorted(a for (w, a), s in m.app_assoc.items()
                                          if w == ws.workspace_id and s == "COMPLETED")  # fmt: skip
    return {**image.to_dict(), "State": image.state}


@op("CreateUpdatedWorkspaceImage")
def create_updated_image(resp: Resp, params: Params) -> dict[str, Any]:
    source = find_image(resp, params.get("SourceImageId"), "SourceImageId")
    if not source.updates.get("UpdateAvailable"):
        raise OperationNotSupportedHere("The image has no updates available.")
    image = _new_image(resp, params.get("Name", ""), params.get("Description", ""))
    return {"ImageId": image.image_id}


class OperationNotSupportedHere(InvalidParameterValues):  # type: ignore[valid-type,misc]
    error_type = "OperationNotSupportedException"


@op("CopyWorkspaceImage")
def copy_image(resp: Resp, params: Params) -> dict[str, Any]:
    region = params.get("SourceRegion")
    if not region:
        raise InvalidParameterValues("SourceRegion is required.")
    from moto.workspaces.models import workspaces_backends

    source_backend = workspaces_backends[backend_of(resp).account_id][region]
    source = source_backend.workspace_images.get(str(params.get("SourceImageId")))
    if source is None:
        raise ResourceNotFound(f"The image {params.get('SourceImageId')} was not found in {region}.")
    image = _new_image(resp, params.get("Name", ""), params.get("Description", source.description))
    return {"ImageId": image.image_id}


@op("ImportWorkspaceImage")
def import_image(resp: Resp, params: Params) -> dict[str, Any]:
    ec2 = str(params.get("Ec2ImageId") or "")
    if not ec2.startswith("ami-"):
        raise InvalidParameterValues("Ec2ImageId must be an AMI id (ami-...).")
    if service_state(backend_of(resp)).dedicated != "ENABLED":
        # Reference: BYOL images need the account enabled for dedicated tenancy first.
        raise OperationNotSupportedHere("Enable BYOL for the account (ModifyAccount) first.")
    image = _new_image(resp, params.get("ImageName", ""), params.get("ImageDescription", ""))
    image.required_tenancy = "DEDICATED"
    return {"ImageId": image.image_id}


@op("ImportCustomWorkspaceImage")
def import_custom_image(resp: Resp, params: Params) -> dict[str, Any]:
    image = _new_image(resp, params.get("ImageName", ""), params.get("ImageDescription", ""))
    service_state(backend_of(resp)).imports[image.image_id] = {
        "ImageId": image.image_id, "State": "PENDING", "Created": sim_now(),
        "ImageSource": params.get("ImageSource") or {},
    }  # fmt: skip
    return {"ImageId": image.image_id, "State": "PENDING"}


@op("DescribeCustomWorkspaceImageImport")
def describe_custom_import(resp: Resp, params: Params) -> dict[str, Any]:
    found = service_state(backend_of(resp)).imports.get(str(params.get("ImageId")))
    if found is None:
        raise ResourceNotFound(f"No custom image import {params.get('ImageId')}.")
    return dict(found)


@op("DeleteWorkspaceImage")
def delete_image(resp: Resp, params: Params) -> dict[str, Any]:
    # The operation declares no ResourceNotFoundException: deleting an image that is not
    # there (already deleted) succeeds with nothing to do, as AWS's idempotent deletes do.
    image = backend_of(resp).workspace_images.get(params.get("ImageId"))
    if image is None:
        return {}
    users = [b["BundleId"] for b in extras(backend_of(resp)).bundles.values()
             if b.get("ImageId") == image.image_id]  # fmt: skip
    if users:
        raise ResourceAssociated(f"The image is used by bundle(s) {', '.join(users)}.")
    if image.image_permissions:
        raise InvalidResourceState("Unshare the image from every account before deleting it.")
    del backend_of(resp).workspace_images[image.image_id]
    return {}


@op("UpdateWorkspaceImagePermission")
def update_image_permission(resp: Resp, params: Params) -> dict[str, Any]:
    # moto's own handler raised KeyError for an unknown image.
    image = find_image(resp, params.get("ImageId"))
    account = check_id(params.get("SharedAccountId"), ACCOUNT_ID, "SharedAccountId")
    allow = params.get("AllowCopyImage")
    if not isinstance(allow, bool):
        raise InvalidParameterValues("AllowCopyImage must be true or false.")
    backend_of(resp).update_workspace_image_permission(image.image_id, allow, account)
    return {}


@op("DescribeImageAssociations")
def describe_image_associations(resp: Resp, params: Params) -> dict[str, Any]:
    image = find_image(resp, params.get("ImageId"))
    apps = service_state(backend_of(resp)).image_apps.get(image.image_id, [])
    return {"Associations": [{"AssociatedResourceId": a, "AssociatedResourceType": "APPLICATION",
                              "ImageId": image.image_id, "State": "COMPLETED", "Created": sim_now(),
                              "LastUpdatedTime": sim_now()} for a in apps]}  # fmt: skip
