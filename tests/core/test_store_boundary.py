"""No SQL outside ``wstui/core/store``: every statement the app runs lives in the store,
behind the ``Cache`` facade (issue 15). An AST scan of every other module of wstui."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import wstui

ROOT = Path(wstui.__file__).parent
STORE = ROOT / "core" / "store"
RUNS_SQL = {"execute", "executemany", "executescript", "cursor"}
# A statement's first word, as it opens a SQL string (upper case: prose is not flagged).
SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|PRAGMA|BEGIN|COMMIT|ROLLBACK|"
    r"SAVEPOINT|RELEASE|WITH)\s"
)

# (path under wstui/, what the scan reports) -> why it is not SQL outside the store.
ALLOWED = {
    ("cli/acting.py", "call act.execute"): "core.act.sending sends an action plan, not SQL",
    ("core/cache.py", "attribute self.conn"): (
        "the Cache facade owns the per-thread connections and hands them to the store's "
        "functions; it runs no statement itself"
    ),
}


def _receiver(node: ast.expr) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every expression
        return "?"


def findings(path: Path) -> list[tuple[int, str]]:
    """(line, what) for each SQL-ish thing in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name, owner = node.func.attr, _receiver(node.func.value)
            if name in RUNS_SQL:
                found.append((node.lineno, f"call {owner}.{name}"))
            elif name == "connect" and owner == "sqlite3":
                found.append((node.lineno, "call sqlite3.connect"))
        elif isinstance(node, ast.Attribute) and node.attr == "conn":
            found.append((node.lineno, f"attribute {_receiver(node.value)}.conn"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_TEXT.match(node.value)
        ):
            found.append((node.lineno, f"SQL text {node.value.strip()[:30]!r}"))
    return found


def outside_store() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if STORE not in p.parents)


def test_no_module_outside_core_store_runs_or_builds_sql() -> None:
    offences = []
    used = set()
    for path in outside_store():
        rel = path.relative_to(ROOT).as_posix()
        for line, what in findings(path):
            if (rel, what) in ALLOWED:
                used.add((rel, what))
                continue
            offences.append(f"wstui/{rel}:{line}: {what}")
    assert offences == [], "SQL outside wstui/core/store:\n" + "\n".join(offences)
    assert used == set(ALLOWED), f"stale allow-list entries: {set(ALLOWED) - used}"


def test_the_scan_sees_sql_it_is_meant_to_catch(tmp_path: Path) -> None:
    """The scan is not blind: each shape of SQL use is reported (so a pass means something)."""
    module = tmp_path / "m.py"
    module.write_text(
        "import sqlite3\n"
        "def f(cache):\n"
        "    cache.conn.execute('SELECT 1')\n"
        "    c = sqlite3.connect(':memory:')\n"
        "    c.executemany(q, rows)\n"
        "    c.executescript(s)\n"
        "    sql = f'UPDATE t SET x = {1}'\n"
        "    note = 'select the rows you want'\n",
        encoding="utf-8",
    )
    whats = [what for _, what in findings(module)]
    assert "attribute cache.conn" in whats
    assert "call cache.conn.execute" in whats
    assert "call sqlite3.connect" in whats
    assert "call c.executemany" in whats and "call c.executescript" in whats
    assert "SQL text 'SELECT 1'" in whats
    assert any(w.startswith("SQL text 'UPDATE t SET") for w in whats)
    assert not any("select the rows" in w for w in whats)  # prose is not SQL


def test_the_store_is_where_the_sql_is() -> None:
    """The rule is about where SQL lives, so the store itself must hold some."""
    assert any(findings(p) for p in STORE.glob("*.py"))
