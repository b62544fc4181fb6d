"""Every SQL statement of wstui: the cache's SQLite store (``core.cache.Cache`` is its
facade; no module outside this package builds or runs SQL -- tests/core/test_store_boundary.py).

- ``paths``: where the cache lives; ``connection``: opening, pragmas, per-thread
  connections, transactions, the integrity check; ``sql``: quoting;
- ``schema``: tables and MIGRATIONS v1-v11, kind tables kept in step with the registry;
- ``writes``: the compare-first write path, with ``lookups`` (what it reads first) and
  ``extras`` (per-kind write hooks: ``usage``, ``metrics``);
- ``reads``: rows, streams, counts, keys, history; ``window``: paging for the UI table;
  ``summary``: aggregates; ``query``: the filter language compiled to a WHERE clause;
- ``status``, ``audit``, ``tags``, ``org``, ``usage``, ``metrics``, ``watch``,
  ``changelog``, ``frozen``: one table family each.
"""
