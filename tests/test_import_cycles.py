"""No import cycle between wstui modules (issue 15), lazy imports inside functions included.

import-linter's contracts say who may import whom; this says nothing imports itself back.
grimp (which import-linter runs on) gives the import graph, TYPE_CHECKING imports too.
"""

from __future__ import annotations

import grimp
import pytest


def cycles(graph: grimp.ImportGraph, ignore: set[tuple[str, str]] = frozenset()) -> list[list[str]]:
    """Every group of modules that import each other round (strongly connected), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def edges(module: str) -> list[str]:
        return sorted(m for m in graph.find_modules_directly_imported_by(module)
                      if (module, m) not in ignore)  # fmt: skip

    for root in sorted(graph.modules):
        if root in index:
            continue
        # Tarjan's algorithm, iterative: a deep import chain must not hit the recursion limit.
        work = [(root, iter(edges(root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(edges(target))))
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == module:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
    return sorted(found)


@pytest.fixture(scope="module")
def wstui_graph() -> grimp.ImportGraph:
    return grimp.build_graph("wstui", cache_dir=None)


def test_no_import_cycle_between_wstui_modules(wstui_graph: grimp.ImportGraph) -> None:
    found = cycles(wstui_graph)
    assert found == [], "import cycles (break one import):\n" + "\n".join(
        " <-> ".join(group) for group in found
    )


def test_the_graph_holds_lazy_imports(wstui_graph: grimp.ImportGraph) -> None:
    # Imports inside functions count: the app opens the resource screen lazily.
    assert "wstui.ui.screens.resource" in wstui_graph.find_modules_directly_imported_by(
        "wstui.ui.app"
    )


def test_the_check_finds_a_three_module_cycle_and_ignores_a_chain() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")):
        graph.add_import(importer=importer, imported=imported)
    assert cycles(graph) == [["p.a", "p.b", "p.c"]]
    assert cycles(graph, {("p.c", "p.a")}) == []
