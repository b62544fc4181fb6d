"""Files wstui writes for the user: private (0600) and never half-written.

Exports list user names, hosts and IPs, so they are created 0600 whatever the umask,
in a temp file next to the target that replaces it only once complete: a full disk,
an exception or a kill mid-write leaves the old file (or none), never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

FILE_MODE = 0o600
DIR_MODE = 0o700


@contextlib.contextmanager
def atomic_text(path: str | Path) -> Iterator[TextIO]:
    """Open a text stream whose content becomes `path` (mode 0600) when the block ends.

    On an exception the temp file is removed and `path` is left as it was.
    """
    path = Path(path)
    # mkstemp: O_EXCL and mode 0600 from the start (no window where it is 0644, and no
    # following a planted symlink); same directory, so the rename cannot cross devices.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())  # the data is on disk before the name points at it
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def private_dir(path: str | Path) -> bool:
    """Create `path` 0700, or tighten it to 0700 if it is ours and open to others.

    Only for wstui's own directories (the cache directory): a directory the user named
    (`--cache /shared/x.sqlite`) keeps its mode. Returns True when the mode was changed.
    """
    path = Path(path)
    if not path.exists():
        path.mkdir(parents=True, mode=DIR_MODE)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask
        return True
    info = path.stat()
    owner = os.getuid() if hasattr(os, "getuid") else info.st_uid
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != owner or info.st_mode & stat.S_ISVTX:
        return False  # not ours, or a shared sticky directory such as /tmp
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, DIR_MODE)
        return True
    return False
