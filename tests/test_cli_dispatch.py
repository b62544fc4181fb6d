"""How the CLI calls a command: once, with (args, opts), whatever it raises."""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wstui import cli


def _commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, Any]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                func = sub.get_default("func")
                if func is not None:
                    yield f"{path}{name}", func
                yield from _commands(sub, f"{path}{name} ")


def test_every_command_takes_args_and_opts() -> None:
    found = dict(_commands(cli.build_parser()))
    assert {"act", "op", "create-workspaces", "ls", "refresh", "log"} <= set(found)
    for name, func in found.items():
        try:
            inspect.signature(func).bind(argparse.Namespace(), cli.Options())
        except TypeError as exc:
            raise AssertionError(f"`wstui {name}` cannot be called with (args, opts): {exc}") from None


def test_a_type_error_inside_a_command_is_reported_not_run_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any
) -> None:
    """A command that fails with a TypeError about positional arguments (what the old
    dispatcher took for "this command takes only args") runs once: a re-run could send
    its mutations twice."""
    runs = []

    def broken(args: argparse.Namespace, opts: cli.Options) -> int:
        runs.append(args)
        raise TypeError("f() takes 1 positional argument but 2 were given")

    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setattr(cli.reading, "cmd_log", broken)
    code = cli.main(["--cache", str(tmp_path / "c.sqlite"), "log"])
    assert len(runs) == 1
    assert code == cli.EXIT_ERROR
    assert "TypeError: f() takes 1 positional argument" in capsys.readouterr().err


def test_the_light_parser_reads_every_other_command_line_the_same() -> None:
    """Without "sim" among the arguments the CLI builds its parser with a stand-in for
    `wstui sim` (the simulator's parsers stay unimported): the user must not see a
    difference in --help, and every other command parses alike."""
    full, light = cli.build_parser(), cli.build_parser(sim=False)
    assert light.format_help() == full.format_help()
    assert "sim serve" in dict(_commands(full))
    for line in (["ls", "workspaces", "-f", "state:AVAILABLE"], ["act", "reboot", "--ids", "ws-0123456789"],
                 ["--region", "eu-west-1"], ["refresh", "--watch"], []):  # fmt: skip
        assert vars(light.parse_args(line)) == vars(full.parse_args(line)), line


def test_wstui_sim_help_is_the_simulators_own(capsys: Any) -> None:
    assert cli.main(["sim", "serve", "--help"]) == 0
    assert "--throttle-rate" in capsys.readouterr().out
