"""The filter language's public name (``compile``, ``QueryError``, the search text).

The compiler emits SQL for the cache's tables, so it lives in ``core.store.query``
(no SQL outside ``core/store``); callers keep importing it from here.
"""

from __future__ import annotations

from wstui.core.store.query import (
    MAX_ATOMS,
    MAX_DEPTH,
    MAX_PATTERN_BYTES,
    SEARCH_SEP,
    QueryError,
    compile,
    search_column,
    search_columns,
    search_text,
)

__all__ = [
    "MAX_ATOMS",
    "MAX_DEPTH",
    "MAX_PATTERN_BYTES",
    "SEARCH_SEP",
    "QueryError",
    "compile",
    "search_column",
    "search_columns",
    "search_text",
]
