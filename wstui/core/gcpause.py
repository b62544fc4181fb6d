"""Pausing the cyclic garbage collector around bulk work (nests across threads)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = True


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while listings run (nests across threads).

    A listing builds hundreds of thousands of acyclic dicts; each of them counts toward the
    collector's thresholds, and every full collection walks the whole fleet held so far.
    That was a sixth of a 100,000-WorkSpace refresh's CPU, for no garbage (refcounting frees
    these). Whatever cyclic garbage a pass makes is collected once it ends.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()
