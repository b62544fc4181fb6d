"""No code outside core/kinds/ names a resource kind or branches on one.

Each kind is declared once, in its module under wstui/core/kinds/; everything else
reads the registry. This scans wstui/ (except core/kinds/ and the simulator, which
models the service itself) for string literals made of kind names and for
`kind.name ==` / `!=` comparisons with a literal. A file that still needs one is listed
below with how many it holds and why; the counts are exact, so a new literal fails the
test and a removed one asks for the entry to shrink.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from wstui.core.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2] / "wstui"
SKIP = (ROOT / "core" / "kinds", ROOT / "sim")
NAME_COMPARED = re.compile(r"""kind\.name\s*[!=]=\s*["']|["']\s*[!=]=\s*\S*kind\.name\b""")

# path under wstui/ -> (literal kind names or comparisons it holds, why it may)
ALLOWED: dict[str, tuple[int, str]] = {
    "core/act/ops.py": (
        85,
        "the operation table (_DECLARED) names each operation's screens, one row per API "
        "operation; plus the boto3 service name 'workspaces'",
    ),
    "core/aws/clients.py": (1, "the boto3 service is named 'workspaces' (a client, not a kind)"),
    "core/aws/fastparse.py": (1, "botocore's service id 'workspaces' (a service, not a kind)"),
    "core/targets.py": (1, "SERVICE: the boto3 service name, not a kind"),
    "screenshots.py": (4, "the screenshot script names the screens it photographs"),
}


def kind_names_in(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every kind-name literal and literal kind.name comparison."""
    text = path.read_text(encoding="utf-8")
    names = set(KINDS)
    hits = [
        (node.lineno, repr(node.value))
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.split()  # "aliases directories" names two
        and set(node.value.split()) <= names
    ]
    hits += [
        (n, line.strip())
        for n, line in enumerate(text.splitlines(), 1)
        if NAME_COMPARED.search(line)
    ]
    return sorted(hits)


def scan() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        if any(path.is_relative_to(s) for s in SKIP):
            continue
        hits = kind_names_in(path)
        if hits:
            found[path.relative_to(ROOT).as_posix()] = hits
    return found


def test_no_kind_names_outside_the_kind_modules() -> None:
    found = scan()
    unexpected = {p: hits for p, hits in found.items() if len(hits) != ALLOWED.get(p, (0, ""))[0]}
    assert not unexpected, "kind names outside core/kinds (declare it on the kind):\n" + "\n".join(
        f"  wstui/{p}: {len(h)} (allowed {ALLOWED.get(p, (0, ''))[0]}): {h[:6]}"
        for p, h in unexpected.items()
    )
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"allow-list entries with nothing left to allow: {stale}"
    assert all(reason for _, reason in ALLOWED.values())


def test_the_scan_finds_a_kind_branch(tmp_path: Path) -> None:
    """The scanner itself: a literal, a comparison and a membership test are all seen."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(kind, row):\n"
        '    if kind.name == "pools":\n'
        "        return 1\n"
        '    if kind in ("bundles", "images"):\n'
        "        return 2\n"
        '    return "workspaces.bundle"  # part of a longer string: not a kind name\n'
    )
    assert [line for line, _ in kind_names_in(sample)] == [2, 2, 4, 4]
