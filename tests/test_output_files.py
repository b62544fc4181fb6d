"""Files wstui writes are private and never half-written; its cache directory is 0700
(issue 14): `ls -O`, the TUI's export (core.export.export_view), the cache directory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli_habits import ROOT, US, child_env, item
from wstui import cli
from wstui.core import export, files
from wstui.core.aws import Target
from wstui.core.cache import Cache


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def cache_file(tmp_path: Path) -> Path:
    c = Cache(tmp_path / "c.sqlite")
    c.replace_snapshot("ws", Target(None, US, "111111111111"), [item(n) for n in range(50)])
    c.close()
    return tmp_path / "c.sqlite"


@pytest.fixture
def umask_022() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_ls_out_file_is_0600_under_umask_022(tmp_path: Path, cache_file: Path) -> None:
    out = tmp_path / "fleet.csv"
    done = subprocess.run(
        ["sh", "-c", 'umask 022; exec "$0" -m wstui.cli "$@"', sys.executable,
         "--cache", str(cache_file), "ls", "ws", "-O", str(out)],
        capture_output=True, text=True, env=child_env(tmp_path), cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert mode(out) == 0o600
    assert out.read_text().count("\n") == 51  # header + 50 rows
    assert "wrote 50 rows" in done.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_ls_out_file_replacing_a_0644_file_leaves_it_0600(
    tmp_path: Path, cache_file: Path, capsys: pytest.CaptureFixture[str], umask_022: object
) -> None:
    out = tmp_path / "fleet.json"
    out.write_text("old")
    out.chmod(0o644)
    assert cli.main(["--cache", str(cache_file), "ls", "ws", "-O", str(out)]) == 0
    assert mode(out) == 0o600 and out.read_text().startswith("[")


def test_a_failure_mid_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, cache_file: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    out = tmp_path / "fleet.csv"
    out.write_text("the previous export\n")
    real_write = export.write

    def disk_full_after_some_rows(stream, fmt, kind, source, names, **kw):  # type: ignore[no-untyped-def]
        def rows():
            for n, row in enumerate(source):
                if n == 20:
                    raise OSError(28, "No space left on device")
                yield row

        return real_write(stream, fmt, kind, rows(), names, **kw)

    monkeypatch.setattr(export, "write", disk_full_after_some_rows)
    code = cli.main(["--cache", str(cache_file), "ls", "ws", "-O", str(out)])
    err = capsys.readouterr().err
    assert code != 0 and "No space left on device" in err and "Traceback" not in err
    assert out.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if "fleet" in p.name] == ["fleet.csv"]


def test_tui_export_view_is_0600_and_atomic(tmp_path: Path, cache_file: Path, umask_022: object,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    cache = Cache(cache_file)
    try:
        out = tmp_path / "view.json"
        assert export.export_view(cache, "ws", out) == 50
        assert mode(out) == 0o600
        before = out.read_bytes()

        def boom(*_a: object, **_k: object) -> int:
            raise KeyboardInterrupt  # as a kill would stop it mid-write

        monkeypatch.setattr(export, "write", boom)
        with pytest.raises(KeyboardInterrupt):
            export.export_view(cache, "ws", out)
        assert out.read_bytes() == before
        assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    finally:
        cache.close()


def test_a_killed_export_leaves_the_old_file(tmp_path: Path) -> None:
    """SIGKILL mid-write: the target still holds the old content (the temp file may stay)."""
    out = tmp_path / "big.csv"
    out.write_text("old\n")
    code = (
        "import os, sys\n"
        "from wstui.core.files import atomic_text\n"
        "with atomic_text(sys.argv[1]) as f:\n"
        "    f.write('x' * 100000); f.flush()\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(out)], env=child_env(tmp_path),
                          cwd=ROOT, timeout=60)  # fmt: skip
    assert done.returncode == -9
    assert out.read_text() == "old\n"


def test_wstuis_cache_directory_is_created_0700_and_tightened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    umask_022: object,
) -> None:  # fmt: skip
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    new = tmp_path / "new-cache"
    monkeypatch.setenv("WSTUI_CACHE_DIR", str(new))
    assert cli.main(["ls", "ws"]) == 0
    assert mode(new) == 0o700 and mode(new / "cache.sqlite") == 0o600

    old = tmp_path / "old-cache"
    old.mkdir()
    old.chmod(0o755)  # as an older wstui (or a umask) left it
    monkeypatch.setenv("WSTUI_CACHE_DIR", str(old))
    assert cli.main(["ls", "ws"]) == 0
    assert mode(old) == 0o700


def test_a_directory_named_with_cache_keeps_its_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    assert cli.main(["--cache", str(shared / "team.sqlite"), "ls", "ws"]) == 0
    assert mode(shared) == 0o755 and mode(shared / "team.sqlite") == 0o600


def test_private_dir_leaves_sticky_shared_directories_alone(tmp_path: Path) -> None:
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    assert files.private_dir(sticky) is False
    assert mode(sticky) == 0o1777
