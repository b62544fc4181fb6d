"""Every documented shell command runs (issue 14: docs can't drift).

The rule: a line in a fenced code block of README.md or docs/*.md, in a block tagged
``sh``/``bash``/``console``/``shell`` or untagged (``python``, ``toml`` and the like are
not shell), whose command is ``wstui`` (after an optional ``$ `` prompt and a path such
as ``.venv/bin/``), or ``$(wstui ...)`` inside another command. Each one runs against
the simulator over HTTP (``AWS_ENDPOINT_URL`` of the ``sim_url`` fixture, dummy
credentials, a ``prod`` profile, a temp cache) and must exit 0 unless EXPECTED_EXIT says
otherwise. Lines that cannot run headless are in SKIP, with the reason. Other programs'
commands in shell blocks (``pipx``, ``make``, ``aws``, ``export``) must be in SKIP too,
or be an ``export`` whose variables the harness sets (ENV_SET_BY_HARNESS).

Synopses with placeholders (KIND, Q, FILE) belong in inline code, not in fenced blocks.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wstui import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_TAGS = {"", "sh", "bash", "console", "shell", "shell-session"}

# Exact command text (as extracted: prompt and comment removed) -> why it is not run.
SKIP: dict[str, str] = {
    "pipx install wstui[demo]": "installs from PyPI; the test runs the checkout",
    "wstui demo": "the TUI on its own simulator: needs a terminal (tests/e2e/test_demo_pty.py)",
    "wstui --profile prod": "opens the TUI: needs a terminal (tests/terminal/)",
    "wstui --profile prod --region eu-west-1 --region us-east-1": "opens the TUI: needs a terminal",
    "wstui --cache /srv/wstui/cache.sqlite": "opens the TUI: needs a terminal",
    "wstui --cache /srv/wstui/cache.sqlite refresh --watch": "--watch refreshes until stopped",
    "make demo": "the TUI on the simulator: needs a terminal",
    "make test": "the whole suite (this test is part of it)",
    "wstui [GLOBAL FLAGS] [COMMAND ...] [GLOBAL FLAGS]": "a synopsis with placeholders",
    "wstui sim serve --port 4566 --size 10000 --seed 1 --regions us-east-1,eu-west-1":
        "serves until stopped; the harness serves the same simulator (sim_url fixture)",
    "aws workspaces describe-workspaces --max-items 5": "the AWS CLI is not a dependency",
    "wstui targets discover": "needs an organization target and an Organization in the "
        "simulator: run with both in tests/core/test_org_discovery.py",
}  # fmt: skip
# `export` lines whose variables the harness sets itself (pointing at its simulator).
ENV_SET_BY_HARNESS = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                      "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"}  # fmt: skip
EXPECTED_EXIT: dict[str, int] = {}


@dataclass(frozen=True)
class DocCommand:
    where: str  # FILE:LINE
    words: tuple[str, ...]  # as the shell splits it: prompt, path prefix, comment removed

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def argv(self) -> list[str]:
        return list(self.words[1:])


def _shell_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, logical line) of each shell line in fenced blocks; "\\" joins lines."""
    out: list[tuple[int, str]] = []
    fence: str | None = None
    pending: tuple[int, str] | None = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = re.match(r"^\s*(```+|~~~+)\s*([\w-]*)", line)
        if m and fence is None:
            fence, tag = m.group(1), m.group(2).lower()
            shell = tag in SHELL_TAGS
            continue
        if m and fence is not None and line.strip().startswith(fence):
            fence = None
            continue
        if fence is None or not shell:
            continue
        pending = (pending[0], pending[1] + " " + line.strip()) if pending else (n, line.strip())
        if pending[1].endswith("\\"):
            pending = (pending[0], pending[1][:-1].rstrip())
            continue
        out.append(pending)
        pending = None
    return out


def _command(line: str) -> tuple[str, ...] | None:
    """The command's words on a shell line (None for blank lines and comments)."""
    line = re.sub(r"^\$\s+", "", line)
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return None
    if not words:
        return None
    inner = re.search(r"\$\((wstui[^)]*)\)", line)
    if inner:  # eval "$(wstui completion bash)"
        return tuple(shlex.split(inner.group(1)))
    first = words[0].rsplit("/", 1)[-1]
    return (first, *words[1:]) if first == "wstui" else tuple(words)


def documented_commands() -> list[DocCommand]:
    found = []
    for path in DOCS:
        rel = path.relative_to(ROOT)
        for n, line in _shell_lines(path):
            words = _command(line)
            if words is None or not _is_shell_command(words[0], line):
                continue
            found.append(DocCommand(f"{rel}:{n}", words))
    return found


def _is_shell_command(program: str, line: str) -> bool:
    # Untagged blocks also hold query examples and error output ("state:  at 7: ...");
    # only a line naming a known program is a command there.
    return program in {"wstui", "pipx", "make", "aws", "export", "eval"} or "$(" in line


COMMANDS = documented_commands()


def test_the_docs_hold_the_commands_this_test_runs() -> None:
    texts = {c.text for c in COMMANDS}
    # A rule that silently matched nothing would pass every doc; these must be found.
    assert "wstui refresh" in texts and "wstui log" in texts
    assert "wstui completion bash" in texts  # from eval "$(wstui completion bash)"
    assert "wstui ls ws --filter state:STOPPED" in texts  # docs/query.md
    assert len([c for c in COMMANDS if c.text not in SKIP]) >= 12
    stale = sorted(set(SKIP) - texts)
    assert not stale, f"SKIP lists commands no doc holds any more: {stale}"


def test_every_other_program_in_a_shell_block_is_skipped_with_a_reason() -> None:
    unknown = [
        c for c in COMMANDS
        if not c.text.startswith("wstui ") and c.text != "wstui" and c.text not in SKIP
        and not (c.text.startswith("export ") and _exported(c.text) <= ENV_SET_BY_HARNESS)
    ]  # fmt: skip
    assert not unknown, [f"{c.where}: {c.text}" for c in unknown]


def _exported(text: str) -> set[str]:
    return {w.split("=", 1)[0] for w in text.split()[1:]}


@pytest.fixture
def doc_env(sim: Any, sim_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment a reader has after the README's simulator block, plus a `prod`
    profile (the docs' example profile) on the simulator's account."""
    aws = tmp_path / "aws"
    aws.mkdir()
    (aws / "config").write_text(
        "[default]\nregion = us-east-1\n\n[profile prod]\nregion = us-east-1\n"
    )
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n"
        "[prod]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", sim_url)
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("WSTUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return sim_url


def test_every_documented_wstui_command_runs_against_the_simulator(
    doc_env: str, sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    runnable = [c for c in COMMANDS if c.text.startswith("wstui") and c.text not in SKIP]
    # Commands that read the cache expect it filled, as the README's `wstui refresh` does.
    assert cli.main(["--region", "us-east-1", "--region", "eu-west-1", "refresh"]) == 0
    capsys.readouterr()
    failures = []
    for command in runnable:
        code = cli.main(command.argv)
        out, err = capsys.readouterr()
        expected = EXPECTED_EXIT.get(command.text, cli.EXIT_OK)
        if code != expected:
            failures.append(f"{command.where}: `{command.text}` exited {code} "
                            f"(expected {expected}): {err.strip()[-300:]}")  # fmt: skip
        elif command.argv[:1] == ["completion"]:
            assert out.strip(), command  # a script for eval, not nothing
    assert not failures, "\n".join(failures)
    # Nothing a documented command did was a mutation: the docs show --dry-run for act.
    from wstui.core.aws import is_mutating

    assert [c.operation for c in sim.calls if is_mutating(c.operation)] == []


def test_the_readme_simulator_example_runs_as_a_process(doc_env: str, tmp_path: Path) -> None:
    """The README's last simulator line, as a reader runs it: a separate process over HTTP."""

    line = next(c for c in COMMANDS if c.where.startswith("README.md") and c.argv[-1:] == ["refresh"]
                and "--region" in c.argv)  # fmt: skip
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "wstui.cli", *line.argv], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "us-east-1 workspaces:" in done.stdout and "eu-west-1 workspaces:" in done.stdout
    assert "FAILED" not in done.stdout + done.stderr


def test_completion_line_from_the_readme_evaluates_in_bash(doc_env: str, tmp_path: Path) -> None:
    import shutil

    if shutil.which("bash") is None:
        pytest.skip("no bash")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "wstui").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m wstui.cli "$@"\n')
    (shim / "wstui").chmod(0o755)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PATH=f"{shim}:{os.environ['PATH']}")
    line = 'eval "$(wstui completion bash)" && complete -p wstui'
    done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "wstui" in done.stdout
