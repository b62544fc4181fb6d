"""Wait for what a test asserts on, never for a fixed time."""

from __future__ import annotations

import asyncio
from typing import Any


async def wait_for(pilot: Any, predicate: Any, timeout: float = 10.0) -> None:
    """Pause until `predicate()` holds (what the screen shows settles in a few frames)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)
