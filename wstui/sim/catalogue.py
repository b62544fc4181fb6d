"""The AMAZON-owned bundle catalogue the simulator serves (ids are stable across runs)."""

from __future__ import annotations

import hashlib
from typing import Any

COMPUTE_TYPES = (
    "VALUE", "STANDARD", "PERFORMANCE", "POWER", "POWERPRO", "GRAPHICS_G4DN",
    "GRAPHICSPRO_G4DN",
)  # fmt: skip

_OSES = (
    ("Windows 10 (Server 2019 based)", "WINDOWS_SERVER_2019", "PCOIP"),
    ("Windows 11", "WINDOWS_11", "WSP"),
    ("Windows Server 2022", "WINDOWS_SERVER_2022", "WSP"),
    ("Amazon Linux 2", "AMAZON_LINUX_2", "WSP"),
    ("Ubuntu 22.04", "UBUNTU_22_04", "WSP"),
)

_ROOT_USER = {"VALUE": (80, 10), "STANDARD": (80, 50), "PERFORMANCE": (80, 100)}
CATALOGUE_EPOCH = 1_600_000_000.0


def bundle_id(name: str) -> str:
    return "wsb-" + hashlib.sha1(name.encode()).hexdigest()[:9]


def make_bundle(
    name: str, compute: str, owner: str, description: str, created: float, os_name: str
) -> dict[str, Any]:
    root, user = _ROOT_USER.get(compute, (175, 100))
    return {
        "BundleId": bundle_id(f"{owner}/{name}"),
        "Name": name,
        "Owner": owner,
        "Description": description,
        "ImageId": "wsi-" + hashlib.sha1(os_name.encode()).hexdigest()[:9],
        "RootStorage": {"Capacity": str(root)},
        "UserStorage": {"Capacity": str(user)},
        "ComputeType": {"Name": compute},
        "LastUpdatedTime": created,
        "CreationTime": created,
        "State": "AVAILABLE",
        "BundleType": "REGULAR",
    }


def amazon_bundles() -> list[dict[str, Any]]:
    out = []
    for os_label, os_name, proto in _OSES:
        for compute in COMPUTE_TYPES:
            name = f"{compute.title().replace('_', ' ')} with {os_label}"
            if proto == "PCOIP" and compute.startswith("GRAPHICS"):
                name += " (PCoIP)"
            out.append(
                make_bundle(name, compute, "Amazon", f"{os_label} bundle", CATALOGUE_EPOCH, os_name)
            )
    return out


AMAZON_BUNDLES: dict[str, dict[str, Any]] = {b["BundleId"]: b for b in amazon_bundles()}
