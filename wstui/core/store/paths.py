"""Where the cache lives by default."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_path() -> Path:
    """``$WSTUI_CACHE_DIR/cache.sqlite``, else the platform's user cache dir."""
    env = os.environ.get("WSTUI_CACHE_DIR")
    if env:
        base = Path(env).expanduser()
    else:
        import platformdirs  # here, not at import: it pulls in tempfile and shutil (~5 ms)

        base = Path(platformdirs.user_cache_dir("wstui"))
    return base / "cache.sqlite"
