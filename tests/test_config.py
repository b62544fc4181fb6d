"""config.toml: valid settings apply, every bad one is reported with file:line and ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from wstui.config import (
    DEFAULT_INTERVALS,
    default_cache_path,
    default_config_path,
    load_config,
)

GOOD = """\
theme = "nord"
read_only = true
protect_tag = "keep"

[aws]
profiles = ["prod", "dev"]
regions = ["us-east-1", "eu-west-1"]
retry_mode = "adaptive"
max_attempts = 5
endpoint_url = "http://127.0.0.1:5000"

[[targets]]
profile = "extra"
region = "ap-southeast-2"

[refresh]
workspaces = 30
bundles = 7200
tags_every = 4

[keymap]
refresh = "ctrl+r"

[views.stopped]
query = "state:STOPPED"
sort = "user:desc"
columns = ["id", "user", "state"]
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_env_overrides_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("WSTUI_CACHE_DIR", str(tmp_path / "k"))
    assert default_config_path() == tmp_path / "c" / "config.toml"
    assert default_cache_path() == tmp_path / "k" / "cache.sqlite"


def test_good_file_applies_every_setting(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    assert cfg.errors == []
    assert cfg.theme == "nord" and cfg.read_only is True and cfg.protect_tag == "keep"
    assert cfg.retry_mode == "adaptive" and cfg.max_attempts == 5
    assert cfg.endpoint_url == "http://127.0.0.1:5000"
    assert cfg.targets == [
        ("prod", "us-east-1"),
        ("prod", "eu-west-1"),
        ("dev", "us-east-1"),
        ("dev", "eu-west-1"),
        ("extra", "ap-southeast-2"),
    ]
    assert cfg.intervals["workspaces"] == 30 and cfg.intervals["bundles"] == 7200
    assert cfg.intervals["directories"] == DEFAULT_INTERVALS["directories"]
    assert cfg.tags_every == 4
    assert cfg.keymap == {"refresh": "ctrl+r"}
    view = cfg.views["stopped"]
    assert (view.query, view.sort, view.columns) == (
        "state:STOPPED",
        "user:desc",
        ("id", "user", "state"),
    )


def test_missing_default_file_is_silent_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path))
    cfg = load_config()
    assert cfg.errors == [] and cfg.targets == [] and cfg.read_only is False


def test_missing_explicit_file_is_reported(tmp_path: Path) -> None:
    cfg = load_config(tmp_path / "nope.toml")
    assert len(cfg.errors) == 1 and "not found" in cfg.errors[0]


def test_invalid_toml_gives_line_and_defaults(tmp_path: Path) -> None:
    p = write(tmp_path, 'theme = "x"\nread_only = \n')
    cfg = load_config(p)
    assert cfg.theme == "textual-dark"
    assert len(cfg.errors) == 1
    assert str(p) in cfg.errors[0] and "line 2" in cfg.errors[0]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('theme = "a"\nread_only = "yes"\n', 2, "read_only must be true or false"),
        ('[aws]\nretry_mode = "legacy"\n', 2, "retry_mode"),
        ("[aws]\n\nmax_attempts = 0\n", 3, "max_attempts"),
        ("[refresh]\nworkspaces = -5\n", 2, "refresh.workspaces"),
        ("[keymap]\nquit = 3\n", 2, "keymap.quit"),
        ("colour = 1\n", 1, "unknown setting 'colour'"),
        ('[aws]\nprofiles = ["a"]\n', 2, "without regions"),
    ],
)
def test_bad_values_reported_with_line_and_default_kept(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    p = write(tmp_path, text)
    cfg = load_config(p)
    assert len(cfg.errors) == 1, cfg.errors
    assert cfg.errors[0].startswith(f"{p}:{line}:")
    assert words in cfg.errors[0]
    assert cfg.read_only is False and cfg.retry_mode == "standard" and cfg.max_attempts == 8
    assert cfg.intervals == DEFAULT_INTERVALS and cfg.keymap == {}


def test_binary_garbage_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    p = tmp_path / "config.toml"
    p.write_bytes(b"\xff\xfe\x00garbage[[[")
    cfg = load_config(p)
    assert cfg.errors and cfg.theme == "textual-dark"
