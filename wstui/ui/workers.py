"""Failed workers reach the user: one handler on the App shows every one.

Workers are started with `exit_on_error=False` (a failed refresh must not end the app),
so nothing would say that one failed. Textual posts `Worker.StateChanged` only to the
node that started the worker, and it does not bubble: screens that start workers mix
in `ReportsFailedWorkers`, which hands failures to the App as `WorkerFailed`. A screen
that shows its workers' failures itself (the results screen) handles
`Worker.StateChanged` instead (`tests/ui/test_worker_errors.py` checks that each does).
"""

from __future__ import annotations

import logging

from textual.message import Message
from textual.worker import Worker, WorkerState

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 300  # a notification is a few lines at 80 columns

# What each worker group does, as the user would say it (by `group=` of the worker).
TASKS = {
    "csv-create": "Creating from CSV",
    "execute": "Sending",
    "export": "Export",
    "ip-rules": "Updating IP rules",
    "operation": "The operation",
    "operation-refresh": "Re-reading after the operation",
    "recheck": "Re-checking the plan",
    "refresh-now": "Refresh",
    "refresher": "Stopping the refresher",
    "retry": "Retry",
    "summary": "The summary",
    "tags": "Tag changes",
}


class WorkerFailed(Message):
    """A worker started by a screen failed (sent to the App)."""

    def __init__(self, worker: Worker[object]) -> None:
        super().__init__()
        self.worker = worker


def failure_text(worker: Worker[object]) -> str:
    """What failed and why, in one line: the worker's description and the error."""
    what = TASKS.get(worker.group) or worker.name or "A background task"
    error = worker.error
    reason = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
    reason = " ".join(reason.split())  # one line: no traceback-like blocks on screen
    if len(reason) > MAX_ERROR_CHARS:
        reason = reason[: MAX_ERROR_CHARS - 1] + "…"
    return f"{what} failed: {reason}"


def log_failure(worker: Worker[object]) -> None:
    """The traceback goes to the log, never on screen."""
    error = worker.error
    log.error("worker %r (group %s) failed", worker.name, worker.group, exc_info=error)


class ReportsFailedWorkers:
    """Mixin for screens that start workers: failed ones are shown by the App."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.post_message(WorkerFailed(event.worker))  # type: ignore[attr-defined]
