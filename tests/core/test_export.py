"""Export of a view: contents equal the filtered query; hostile strings neutralised."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wstui import cli
from wstui.core import export
from wstui.core.cache import Cache
from wstui.core.query import compile as compile_query
from wstui.core.text import plain

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "[bold red]x[/]",
    "[link=file:///etc/passwd]click[/link]",
    "\x1b[31mred\x1b]0;title\x07\x1b[2J",
    "\u202egnp.exe",
    "山田太郎🦄 مرحبا",
    "W" * 1000,
]


@dataclass(frozen=True)
class Target:
    profile: str | None
    region: str
    account: str = "111111111111"


def item(n: int, state: str, user: str) -> dict[str, Any]:
    return {
        "WorkspaceId": f"ws-{n:08d}",
        "UserName": user,
        "State": state,
        "DirectoryId": "d-1",
        "WorkspaceProperties": {"RunningMode": "AUTO_STOP", "RootVolumeSizeGib": 80 + n % 3},
        "ConnectionStatus": {"LastKnownUserConnectionTimestamp": 1_700_000_000 + n},
        "Tags": [],
    }


@pytest.fixture
def cache(tmp_path: Path) -> Any:
    c = Cache(tmp_path / "c.sqlite")
    items = [
        item(n, "STOPPED" if n % 3 == 0 else "AVAILABLE", HOSTILE[n % len(HOSTILE)])
        for n in range(3000)
    ]
    c.replace_snapshot("ws", Target(None, "us-east-1"), items[:1500])
    c.replace_snapshot("ws", Target(None, "eu-west-1", "222222222222"), items[1500:])
    yield c
    c.close()


def query(cache: Cache, text: str, order_by: str | None = None, desc: bool = False) -> list[dict]:
    where, params = compile_query(text, "workspaces")
    return cache.query("ws", where, params, order_by=order_by, desc=desc, limit=None)


def test_csv_export_equals_the_filtered_query_every_row(cache: Cache, tmp_path: Path) -> None:
    where, params = compile_query("state:STOPPED", "workspaces")
    path = tmp_path / "out.csv"
    n = export.export_view(
        cache, "ws", path, where, params, order_by="root_gb", desc=True,
        columns=["user", "state", "root"],
    )  # fmt: skip
    expected = query(cache, "state:STOPPED", order_by="root_gb", desc=True)
    assert n == len(expected) == 1000  # all of them, not a visible window
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    assert got[0] == ["account", "region", "id", "user", "state", "root_gb"]
    assert [(r[0], r[1], r[2], r[4], int(r[5])) for r in got[1:]] == [
        (e["account"], e["region"], e["id"], e["state"], e["root_gb"]) for e in expected
    ]
    for row, e in zip(got[1:], expected, strict=True):
        assert row[3] == export.csv_cell(e["user"])


def test_csv_guards_formulas_and_strips_escapes() -> None:
    assert export.csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert export.csv_cell("+1+cmd") == "'+1+cmd"
    assert export.csv_cell("-2+3") == "'-2+3"
    assert export.csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert export.csv_cell("-42") == "-42" and export.csv_cell(-42) == -42
    assert export.csv_cell("\x1b[31mred\x1b]0;title\x07\x1b[2J") == "red"
    assert export.csv_cell("\u202egnp.exe") == "gnp.exe"
    assert export.csv_cell("[bold red]x[/]") == "[bold red]x[/]"  # plain text in a file
    assert export.csv_cell("山田太郎🦄") == "山田太郎🦄"
    assert export.csv_cell(None) == ""


def test_json_export_equals_the_filtered_query(cache: Cache, tmp_path: Path) -> None:
    where, params = compile_query("user:*W* | region:eu-west-1", "workspaces")
    path = tmp_path / "out.json"
    n = export.export_view(cache, "ws", path, where, params, columns=["user", "connected"])
    data = json.loads(path.read_text(encoding="utf-8"))
    expected = query(cache, "user:*W* | region:eu-west-1")
    assert n == len(data) == len(expected) > 1500
    assert [d["id"] for d in data] == [e["id"] for e in expected]
    assert all(
        d["user"] == plain(e["user"], keep_lines=True) for d, e in zip(data, expected, strict=True)
    )
    assert data[0]["last_connected"].endswith("Z")  # ISO time, not epoch seconds
    text = path.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\\u001b" not in text


def test_empty_view_is_valid_json_and_a_header_only_csv() -> None:
    out = io.StringIO()
    assert export.write(out, "json", "ws", iter(()), ["user"]) == 0
    assert json.loads(out.getvalue()) == []
    out = io.StringIO()
    export.write(out, "csv", "ws", iter(()), ["user"])
    assert out.getvalue() == "account,region,id,user\n"
    with pytest.raises(ValueError):
        export.write(io.StringIO(), "xml", "ws", iter(()))


def test_export_reads_one_snapshot_while_a_refresh_commits(cache: Cache, tmp_path: Path) -> None:
    source = cache.iter_query("ws", "1", (), order_by="id")
    first = next(source)  # the stream has started: its snapshot is fixed
    done = threading.Event()

    def wipe() -> None:
        writer = Cache(cache.path)
        writer.replace_snapshot("ws", Target(None, "us-east-1"), [])
        writer.close()
        done.set()

    t = threading.Thread(target=wipe)
    t.start()
    t.join(30)
    assert done.is_set()
    rest = list(source)
    assert 1 + len(rest) == 3000 and first["id"] == "ws-00000000"
    assert cache.count("ws") == 1500


def test_wstui_ls_exports_every_filtered_row(cache: Cache, tmp_path: Path, capsys) -> None:
    out = tmp_path / "ls.csv"
    code = cli.main(
        ["--cache", str(cache.path), "--config", str(tmp_path / "none.toml"), "ls", "ws",
         "--filter", "state:STOPPED", "--columns", "user,state", "--out-file", str(out)]
    )  # fmt: skip
    assert code == 0
    with open(out, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    expected = query(cache, "state:STOPPED")
    assert [r[2] for r in got[1:]] == [e["id"] for e in expected]
    assert all(not r[3].startswith(("=", "+", "@")) for r in got[1:])
    code = cli.main(
        ["--cache", str(cache.path), "--config", str(tmp_path / "none.toml"), "ls", "ws",
         "--filter", "state:STOPPED", "--format", "json", "--limit", "7"]
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == [e["id"] for e in expected[:7]]
