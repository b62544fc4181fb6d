"""`J` jumps come from the relations each kind declares: what every kind's row leads to."""

from __future__ import annotations

import json

import pytest

from wstui.core.kinds import KINDS, resolve
from wstui.ui.jumps import Jump, related

WHERE = "account:111122223333 region:us-east-1"


def row(rid: str, raw: dict) -> dict:
    return {"id": rid, "account": "111122223333", "region": "us-east-1", "raw": json.dumps(raw)}


CASES = [
    ("workspaces", row("ws-1", {"DirectoryId": "d-1", "BundleId": "wsb-1"}), [
        Jump("Directory d-1", "directories", f"id:d-1 {WHERE}"),
        Jump("Bundle wsb-1", "bundles", f"id:wsb-1 {WHERE}"),
    ]),
    ("workspaces", row("ws-2", {"DirectoryId": "d-1"}), [
        Jump("Directory d-1", "directories", f"id:d-1 {WHERE}"),
    ]),
    ("pools", row("wspool-1", {"DirectoryId": "d-2", "BundleId": "wsb-2"}), [
        Jump("Directory d-2", "directories", f"id:d-2 {WHERE}"),
        Jump("Bundle wsb-2", "bundles", f"id:wsb-2 {WHERE}"),
    ]),
    ("directories", row("d-1", {"ipGroupIds": ["wsipg-1", "wsipg-2", 7, ""]}), [
        Jump("WorkSpaces in d-1", "workspaces", f"directory:d-1 {WHERE}"),
        Jump("IP groups of d-1", "ipgroups", f"id:wsipg-1,wsipg-2 {WHERE}"),
    ]),
    ("directories", row("d-2", {}), [
        Jump("WorkSpaces in d-2", "workspaces", f"directory:d-2 {WHERE}"),
    ]),
    ("bundles", row("wsb-1", {"ImageId": "wsi-1"}), [
        Jump("WorkSpaces using wsb-1", "workspaces", f"bundle:wsb-1 {WHERE}"),
        Jump("Image wsi-1", "images", f"id:wsi-1 {WHERE}"),
    ]),
    ("images", row("wsi-1", {}), [
        Jump("Bundles using wsi-1", "bundles", f"image:wsi-1 {WHERE}"),
    ]),
    ("aliases", row("wsca-1", {"Associations": [{"ResourceId": "d-1"}, {"ResourceId": "d 2"},
                                                 "junk", {"ResourceId": None}]}), [
        Jump("Directories associated with wsca-1", "directories", f'id:d-1,"d 2" {WHERE}'),
    ]),
    ("aliases", row("wsca-2", {"Associations": []}), []),
    ("ipgroups", row("wsipg-1", {}), [
        Jump("Directories using wsipg-1", "directories", f"ip_groups:*wsipg-1* {WHERE}"),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "cursor", "expected"), CASES)
def test_each_kind_leads_where_it_declares(kind: str, cursor: dict, expected: list[Jump]) -> None:
    assert related(kind, cursor) == expected


def test_every_relation_targets_a_registered_kind_and_one_of_its_fields() -> None:
    for kind in KINDS.values():
        for rel in kind.relations:
            target = resolve(rel.kind)
            field = rel.query.split(":", 1)[0]
            target.column(field)  # KeyError if the query names no field of the target
