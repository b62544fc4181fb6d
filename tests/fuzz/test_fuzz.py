"""Bad input, fuzzed: query language, config TOML, theme files, hostile API strings.

Never a crash, never markup executed, never an escape sequence passed to the terminal.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wstui.config import load_config
from wstui.core.aws import Target
from wstui.core.cache import Cache
from wstui.core.query import QueryError, compile
from wstui.sim.seed import HOSTILE_STRINGS
from wstui.ui.themes import load_themes

US = "us-east-1"
T = Target(None, US, "123456789012")
EXAMPLES = 300
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
QUERY_ALPHABET = (
    string.ascii_letters + string.digits + " :=!<>~*?()\"'-_.,|&/\\[]{}@#$%^+" + "é山\u202e\x1b"
)
TOKENS = ["state:", "user:", "st=", "idle>", "30d", "80G", "tag:", "Team=", "OR", "AND", "NOT", "-",
          "(", ")", '"', "*", "?", ",", "|", " ", "STOPPED", "ws-", "root_gb>=", "2h", "!="]  # fmt: skip
queries = st.one_of(
    st.text(alphabet=QUERY_ALPHABET, max_size=60),
    st.lists(st.sampled_from(TOKENS), max_size=12).map("".join),
)
COUNTS: dict[str, int] = {}


def _count(name: str) -> None:
    COUNTS[name] = COUNTS.get(name, 0) + 1


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Any:
    c = Cache(tmp_path_factory.mktemp("fuzz") / "cache.sqlite")
    items = [
        {"WorkspaceId": f"ws-{i:09d}", "State": "AVAILABLE", "UserName": h,
         "ComputerName": h[::-1], "Tags": [{"Key": "Team", "Value": h}]}
        for i, h in enumerate(HOSTILE_STRINGS)
    ]  # fmt: skip
    c.replace_snapshot("workspaces", T, items)
    yield c
    c.close()


def test_query_language_never_crashes(cache: Cache, reliability) -> None:
    outcomes = {"compiled": 0, "rejected": 0}

    @SETTINGS
    @given(text=queries)
    def check(text: str) -> None:
        _count("query")
        try:
            where, params = compile(text, "workspaces")
        except QueryError as exc:
            assert 0 <= exc.pos <= len(text) and str(exc).startswith("at ")
            outcomes["rejected"] += 1
            return
        cache.query("workspaces", where, params, limit=5)  # the SQL is valid and bound
        outcomes["compiled"] += 1

    check()
    assert outcomes["compiled"] and outcomes["rejected"]
    reliability.record("fuzz", "query language (Hypothesis: characters and token soup)",
                       "QueryError with a position, or SQL that runs; never another exception",
                       inputs=COUNTS["query"],
                       figure=f"{outcomes['compiled']} compiled, {outcomes['rejected']} rejected")  # fmt: skip


TOML_VALUES = st.recursive(
    st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.floats(allow_nan=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)  # fmt: skip
CONFIG_KEYS = ["theme", "read_only", "protect_tag", "aws", "targets", "refresh", "keymap", "views",
               "profiles", "regions", "retry_mode", "max_attempts", "endpoint_url", "workspaces",
               "tags_every", "query", "sort", "columns"]  # fmt: skip


def _toml(value: Any, key: str = "") -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def test_config_toml_never_crashes(tmp_path: Path, reliability) -> None:
    path = tmp_path / "config.toml"

    @SETTINGS
    @given(
        doc=st.one_of(
            st.dictionaries(st.sampled_from(CONFIG_KEYS), TOML_VALUES, max_size=6).map(
                lambda d: "\n".join(f"{k} = {_toml(v)}" for k, v in d.items())
            ),
            st.text(max_size=200),
        )
    )
    def check(doc: str) -> None:
        _count("config")
        path.write_text(doc, encoding="utf-8")
        cfg = load_config(path)
        assert cfg.max_attempts >= 1 and cfg.retry_mode in ("standard", "adaptive")
        assert all(isinstance(e, str) for e in cfg.errors)

    check()
    reliability.record("fuzz", "config.toml (Hypothesis: typed trees over real keys, raw text)",
                       "defaults kept, problems listed as FILE:LINE messages; never a crash",
                       inputs=COUNTS["config"])  # fmt: skip


THEME_KEYS = ["name", "primary", "secondary", "accent", "background", "surface", "panel",
              "foreground", "error", "warning", "success", "dark", "variables"]  # fmt: skip


def test_theme_files_never_crash(tmp_path: Path, reliability) -> None:
    colours = st.one_of(st.sampled_from(["#ff0000", "red", "rgb(1,2,3)", "#12", "ansi_red", ""]),
                        st.text(max_size=12))  # fmt: skip

    @SETTINGS
    @given(
        doc=st.dictionaries(
            st.sampled_from(THEME_KEYS), st.one_of(colours, TOML_VALUES), max_size=8
        )
    )
    def check(doc: dict) -> None:
        _count("theme")
        d = tmp_path / "themes"
        d.mkdir(exist_ok=True)
        (d / "t.toml").write_text("\n".join(f"{k} = {_toml(v)}" for k, v in doc.items()))
        loaded = load_themes([d])
        assert len(loaded.themes) + len(loaded.errors) == 1

    check()
    reliability.record("fuzz", "theme files (Hypothesis: colours, junk, nested values)",
                       "either a theme or one error naming the file; never a crash",
                       inputs=COUNTS["theme"])  # fmt: skip


ESCAPE = re.compile(r"[\x1b\x9b\x07]")


def test_hostile_strings_and_10k_tags_in_cli_output(
    tmp_path: Path, capsys, monkeypatch, reliability
) -> None:
    from wstui import cli

    big = "".join(HOSTILE_STRINGS) * 20
    tag = (big * 10)[:10_000]
    items = [{"WorkspaceId": f"ws-{i:09d}", "State": "STOPPED", "UserName": h,
              "Tags": [{"Key": h[:128] or "k", "Value": tag}]} for i, h in enumerate(HOSTILE_STRINGS)]  # fmt: skip
    cache = Cache(tmp_path / "c.sqlite")
    cache.replace_snapshot("workspaces", T, items)
    cache.close()
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    outputs = []
    for fmt in ("table", "csv"):
        assert cli.main(["--cache", str(tmp_path / "c.sqlite"), "ls", "ws", "--format", fmt]) == 0
        out, _ = capsys.readouterr()
        outputs.append(out)
    assert cli.main(["--cache", str(tmp_path / "c.sqlite"), "ls", "ws", "--format", "json"]) == 0
    raw_json = capsys.readouterr()[0]
    outputs.append(raw_json)
    assert len(json.loads(raw_json)) == len(items)  # every hostile row is listed
    escapes = sum(len(ESCAPE.findall(o)) for o in outputs)
    assert escapes == 0
    reliability.record("fuzz", "hostile API strings + 10,000-char tags through `wstui ls` table/csv/json",
                       "every row listed; no ESC/CSI/BEL reaches the terminal in any format",
                       inputs=len(items) * 3, lost=escapes)  # fmt: skip


async def test_hostile_strings_and_10k_tags_in_the_tui(tmp_path: Path, reliability) -> None:
    from tests.faults.conftest import make_app
    from tests.support.screen import screen_ansi

    tag = ("[bold red]x[/]\x1b]0;pwned\x07" * 500)[:10_000]
    items = [{"WorkspaceId": f"ws-{i:09d}", "State": "AVAILABLE", "UserName": h,
              "ComputerName": h, "Tags": [{"Key": "Team", "Value": tag}]}
             for i, h in enumerate(HOSTILE_STRINGS)]  # fmt: skip
    cache = Cache(tmp_path / "c.sqlite")
    cache.replace_snapshot("workspaces", T, items)
    app = make_app(cache)
    frames = []
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for key in ("enter", "escape", "j", "j", "enter"):  # details of hostile rows
            await pilot.press(key)
            await pilot.pause()
            frames.append(screen_ansi(app, color_system="auto"))
    cache.close()
    text = "".join(frames)
    # Rich emits its own CSI for colour; no OSC (title/hyperlink), BEL or clear-screen from data.
    assert "\x1b]" not in text and "\x07" not in text and "\x1b[2J" not in text
    assert "[bold red]x[/]" in text or "[bold red]" in text  # markup shown literally
    reliability.record("fuzz", "hostile strings + 10,000-char tag in the TUI table and details",
                       "markup shown literally, no OSC/BEL/clear-screen in the frames",
                       inputs=len(items) * len(frames))  # fmt: skip
