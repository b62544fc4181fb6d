"""Pilot tests of the operations picker and forms: keys in, simulator calls and screen out."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Input

from tests.ui.conftest import screen_text, wait_for
from wstui.ui.screens.form import ConfirmOperation, FormScreen
from wstui.ui.screens.ops_picker import OperationsScreen
from wstui.ui.screens.resource import ResourceScreen

SIZE = (120, 44)
REGION = "us-east-1"
SHARED = "111122223333"


async def refresh(pilot: Any, app: Any, kind: str) -> None:
    """What the background refresher does, made synchronous for the test."""
    await asyncio.to_thread(app.ctx.refresher.refresh, [kind])
    for screen in app.screen_stack:
        if isinstance(screen, ResourceScreen):
            screen.reload()
    await pilot.pause()


async def fill(pilot: Any, app: Any, name: str, text: str) -> None:
    """Tab to the field called `name`, erase it, type `text` — keys only."""
    form = app.screen
    assert isinstance(form, FormScreen)
    index = next(i for i, f in enumerate(form.fields) if f.name == name)
    target = form.query_one(f"#field-{index}", Input)
    for _ in range(30):
        if app.focused is target:
            break
        await pilot.press("tab")
    assert app.focused is target, name
    await pilot.press("end", *["backspace"] * len(target.value), *text)


async def open_op(pilot: Any, app: Any, key: str) -> FormScreen:
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, OperationsScreen))
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
    return app.screen


async def send(pilot: Any, app: Any, sim: Any, operation: str) -> None:
    """ctrl+s, confirm with y, and wait for the simulator to receive the call."""
    before = len(sim.calls_to(operation))
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOperation))
    confirm = app.screen
    if confirm.typed:
        # Destructive: y does nothing; the resource id must be typed.
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is confirm and len(sim.calls_to(operation)) == before
        await pilot.press("backspace", *confirm.accepted[0], "enter")
    else:
        await pilot.press("y")
    await wait_for(pilot, lambda: len(sim.calls_to(operation)) == before + 1)
    await wait_for(pilot, lambda: not isinstance(app.screen, (FormScreen, ConfirmOperation)))
    # The form re-reads the kind after a mutation; wait for it instead of reading twice.
    await app.workers.wait_for_complete()
    for screen in app.screen_stack:
        if isinstance(screen, ResourceScreen):
            screen.reload()
    await pilot.pause()


async def focus_row(pilot: Any, alias_id: str) -> None:
    await pilot.press("slash", *alias_id)
    await wait_for(pilot, lambda: pilot.app.screen.query_text == alias_id)  # debounced
    await pilot.press("enter")
    await pilot.pause()


def dialog_text(app: Any) -> str:
    """The text inside the dialog's border, wrapped lines joined (what the user reads)."""
    inner = []
    for line in screen_text(app).splitlines():
        if line.count("│") >= 2:
            inner.append(line[line.index("│") + 1 : line.rindex("│")].strip())
    return " ".join(" ".join(inner).split())


def alias_row(app: Any, alias_id: str) -> dict | None:
    return next((r for r in app.ctx.cache.query("aliases", limit=None, with_raw=True)
                 if r["id"] == alias_id), None)  # fmt: skip


async def refused(pilot: Any, app: Any, sim: Any, operation: str, words: str) -> str:
    """ctrl+s is refused before sending: the form explains why; nothing reaches the service."""
    before = len(sim.calls_to(operation))
    await pilot.press("ctrl+s")
    await pilot.pause()
    text = dialog_text(app)
    assert isinstance(app.screen, FormScreen)
    assert words in text, text
    assert len(sim.calls_to(operation)) == before
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
    return text


class TestConnectionAliasFlow:
    async def test_create_share_associate_unshare_disassociate_delete_by_keys(self, make_app, sim):
        app = make_app(start_kind="aliases")
        async with app.run_test(size=SIZE) as pilot:
            # create: the FQDN rule is checked before sending
            form = await open_op(pilot, app, "c")
            assert form.op.name == "CreateConnectionAlias"
            await fill(pilot, app, "ConnectionString", "not a host[bold red]x[/]")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "is not a fully qualified domain name" in dialog_text(app)
            assert sim.calls_to("CreateConnectionAlias") == []
            await fill(pilot, app, "ConnectionString", "desk.example.com")
            await send(pilot, app, sim, "CreateConnectionAlias")
            assert sim.calls_to("CreateConnectionAlias")[-1].params == {
                "ConnectionString": "desk.example.com"
            }
            alias = next(r for r in app.ctx.cache.query("aliases", limit=None)
                         if r["connection_string"] == "desk.example.com")  # fmt: skip
            alias_id = alias["id"]
            # created where the cursor row was; associate with a directory of that region
            directory = sim.report.directories[alias["region"]][0]
            assert alias["state"] == "CREATING"
            await focus_row(pilot, alias_id)
            assert alias_id in screen_text(app)

            # associate while CREATING: explained, not sent
            await open_op(pilot, app, "a")
            await fill(pilot, app, "ResourceId", directory)
            await refused(pilot, app, sim, "AssociateConnectionAlias", "it must be CREATED")

            sim.clock.advance(10)
            await refresh(pilot, app, "aliases")
            assert alias_row(app, alias_id)["state"] == "CREATED"

            # share with another account: 12 digits validated
            form = await open_op(pilot, app, "s")
            assert form.values()["AliasId"] == alias_id  # prefilled from the cursor row
            await fill(pilot, app, "ConnectionAliasPermission.SharedAccountId", "1234")
            await fill(pilot, app, "ConnectionAliasPermission.AllowAssociation", "true")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "is not a 12-digit AWS account id" in dialog_text(app)
            assert sim.calls_to("UpdateConnectionAliasPermission") == []
            await fill(pilot, app, "ConnectionAliasPermission.SharedAccountId", SHARED)
            await send(pilot, app, sim, "UpdateConnectionAliasPermission")
            assert sim.calls_to("UpdateConnectionAliasPermission")[-1].params == {
                "AliasId": alias_id,
                "ConnectionAliasPermission": {"SharedAccountId": SHARED, "AllowAssociation": True},
            }

            # associate with a directory
            await open_op(pilot, app, "a")
            await fill(pilot, app, "ResourceId", directory)
            await send(pilot, app, sim, "AssociateConnectionAlias")
            row = alias_row(app, alias_id)
            assert row["associations"] == 1 and SHARED in (row["shared_with"] or "")

            # delete is explained while associated, then while shared
            await open_op(pilot, app, "x")
            await refused(pilot, app, sim, "DeleteConnectionAlias", "disassociate it first")
            await open_op(pilot, app, "d")
            await send(pilot, app, sim, "DisassociateConnectionAlias")
            await open_op(pilot, app, "x")
            await refused(pilot, app, sim, "DeleteConnectionAlias", f"shared with {SHARED}")

            # unshare, then delete
            await open_op(pilot, app, "s")
            await fill(pilot, app, "ConnectionAliasPermission.SharedAccountId", SHARED)
            await fill(pilot, app, "ConnectionAliasPermission.AllowAssociation", "false")
            await send(pilot, app, sim, "UpdateConnectionAliasPermission")
            await open_op(pilot, app, "x")
            await send(pilot, app, sim, "DeleteConnectionAlias")
            assert sim.calls_to("DeleteConnectionAlias")[-1].params == {"AliasId": alias_id}
            assert alias_row(app, alias_id) is None
            # every mutation is in the audit log
            audited = [a["action"] for a in app.ctx.cache.audit(limit=20)]
            for op in ("CreateConnectionAlias", "UpdateConnectionAliasPermission",
                       "AssociateConnectionAlias", "DisassociateConnectionAlias",
                       "DeleteConnectionAlias"):  # fmt: skip
                assert op in audited

    async def test_service_error_shows_code_and_message_and_keeps_what_was_typed(
        self, make_app, sim
    ):
        app = make_app(start_kind="aliases")
        async with app.run_test(size=SIZE) as pilot:
            existing = app.ctx.cache.query("aliases", limit=1)[0]
            await open_op(pilot, app, "c")
            # the seeded alias's connection string already exists: the service refuses it
            await fill(pilot, app, "ConnectionString", existing["connection_string"])
            await fill(pilot, app, "Tags", "Team=[bold]ops[/], Env=prod")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOperation))
            await pilot.press("y")
            await wait_for(pilot, lambda: "failed" in dialog_text(app))
            text = dialog_text(app)
            assert "ResourceAlreadyExistsException" in text
            assert "already exists" in text
            form = app.screen
            assert isinstance(form, FormScreen)
            assert form.values()["ConnectionString"] == existing["connection_string"]
            assert form.values()["Tags"] == "Team=[bold]ops[/], Env=prod"
            assert len(sim.calls_to("CreateConnectionAlias")) == 1
            audit = app.ctx.cache.audit(limit=1)[0]
            assert audit["action"] == "CreateConnectionAlias"
            assert audit["items"][0]["code"] == "ResourceAlreadyExistsException"
