"""Tags of every taggable kind (issue 12): directories, IP groups, images, aliases and
custom bundles have their tags read by DescribeTags on their own refresh, cached in the
generic tags table, shown in details and filterable with tag:Key=Value."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import screen_text, wait_for
from wstui.core import listers
from wstui.core.aws import Clients, Target
from wstui.core.query import compile as compile_query
from wstui.ui.screens.details import DetailsScreen

US = "us-east-1"
SMALL = (80, 24)


def tag_one_of_each(sim_client: Any, ctx: Any) -> dict[str, str]:
    """Tag one cached directory, IP group and image in the simulator; kind -> id."""
    client = sim_client(US)
    chosen = {}
    for kind, value in (("directories", "dir"), ("ipgroups", "ipg"), ("images", "img")):
        rid = ctx.cache.keys(kind, "region = ?", [US])[0][2]
        client.create_tags(ResourceId=rid, Tags=[{"Key": "Owner", "Value": f"team-{value}"}])
        chosen[kind] = rid
    return chosen


def test_listers_merge_describe_tags_for_each_taggable_kind(sim: Any, sim_client: Any) -> None:
    client = sim_client(US)
    clients = Clients(max_attempts=1)
    target = clients.resolve_account(Target(None, US))
    group = client.describe_ip_groups()["Result"][0]["groupId"]
    client.create_tags(ResourceId=group, Tags=[{"Key": "Site", "Value": "paris"}])
    sim.clear_calls()
    groups = {g["groupId"]: g for g in listers.list_ip_groups(clients, target)}
    assert groups[group]["Tags"] == [{"Key": "Site", "Value": "paris"}]
    assert all("Tags" in g for g in groups.values())
    asked = sorted(c.params["ResourceId"] for c in sim.calls_to("DescribeTags"))
    assert asked == sorted(groups)  # one call per group, no more
    dirs = listers.list_directories(clients, target)
    assert all(any(t["Key"] == "Environment" for t in d["Tags"]) for d in dirs)  # seeded tags
    bundles = listers.list_bundles(clients, target)
    assert all("Tags" in b for b in bundles if str(b.get("Owner")).upper() != "AMAZON")
    assert not any("Tags" in b for b in bundles if str(b.get("Owner")).upper() == "AMAZON")
    asked = {c.params["ResourceId"] for c in sim.calls_to("DescribeTags")}
    assert not {b["BundleId"] for b in bundles if str(b.get("Owner")).upper() == "AMAZON"} & asked
    # Listing WorkSpaces does not re-read the directories' tags.
    sim.clear_calls()
    listers.list_workspaces(clients, target)
    assert not [c for c in sim.calls_to("DescribeTags") if c.params["ResourceId"].startswith("d-")]


async def test_tags_of_directory_ipgroup_image_show_in_details_and_filter(
    make_app: Any, ctx: Any, sim: Any, sim_client: Any
) -> None:
    chosen = tag_one_of_each(sim_client, ctx)
    ctx.refresher.refresh(["directories", "ipgroups", "images"])
    for kind, rid in chosen.items():
        key = next(k for k in ctx.cache.keys(kind, "region = ?", [US]) if k[2] == rid)
        assert ctx.cache.get(kind, key)["tags"]["Owner"].startswith("team-")
        # The query language's tag filter works on every kind.
        where, params = compile_query("tag:Owner", kind)
        hits = ctx.cache.keys(kind, where, params)
        assert [k[2] for k in hits] == [rid]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        for kind, short in (("directories", "dir"), ("ipgroups", "ipg"), ("images", "img")):
            app.run_command(f":{kind}")
            await wait_for(pilot, lambda k=kind: getattr(app.screen, "kind", None) is not None
                           and app.screen.kind.name == k)  # fmt: skip
            await pilot.pause()
            await pilot.press("slash")
            for ch in f"tag:Owner=team-{short}":
                await pilot.press(ch)
            await pilot.press("enter")
            await wait_for(pilot, lambda k=kind: app.screen.table.cursor_key is not None
                           and app.screen.table.cursor_key[2] == chosen[k])  # fmt: skip
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen))
            n = len(ctx.cache.get(kind, app.screen.key)["tags"])
            await wait_for(pilot, lambda n=n: f"Tags ({n})" in screen_text(app))
            assert f"team-{short}" in screen_text(app) and "Owner" in screen_text(app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, DetailsScreen))


async def test_a_pool_says_its_tags_are_not_read(make_app: Any, ctx: Any) -> None:
    """Pools are not a DescribeTags resource type: never "Tags (0)" for tags never read."""
    app = make_app(start_kind="pools")
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: getattr(app.screen, "kind", None) is not None)
        await wait_for(pilot, lambda: app.screen.table.cursor_key is not None)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen))
        await wait_for(pilot, lambda: "Tags (not read)" in screen_text(app))
        assert "Tags (0)" not in screen_text(app)
