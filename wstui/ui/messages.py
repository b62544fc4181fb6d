"""Messages the app posts to its screens (from the refresher thread and workers)."""

from __future__ import annotations

from textual.message import Message


class CacheChanged(Message):
    """The refresher wrote to the cache; `keys` are the changed (account, region, id)."""

    def __init__(self, kind: str, keys: frozenset[tuple[str, str, str]] | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.keys = keys

    def can_replace(self, message: Message) -> bool:
        # A flood of changes for one kind collapses into one reload with all their keys.
        if isinstance(message, CacheChanged) and message.kind == self.kind:
            if self.keys is not None and message.keys is not None:
                self.keys = self.keys | message.keys
            return True
        return False


class RefreshActivity(Message):
    """Refresher started or finished something: shown in the header."""

    def __init__(self, text: str, busy: bool) -> None:
        super().__init__()
        self.text = text
        self.busy = busy

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshActivity)


class ForScreens(Message):
    """A message from the refresher's threads, posted to the app, which hands it to the
    screens on its own thread (the refresher never waits for the UI)."""

    def __init__(self, message: Message) -> None:
        super().__init__()
        self.message = message


class RefreshProgressed(Message):
    """How far the running refresh pass is (core.progress), posted to the app from the
    refresher's threads; the app shows `text` in the header while `active`."""

    def __init__(self, text: str, active: bool) -> None:
        super().__init__()
        self.text = text
        self.active = active

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgressed)  # only the latest matters


class RefresherNoticed(Message):
    """The refresher itself has news (its process ended and this one took over)."""

    def __init__(self, text: str, severity: str = "warning") -> None:
        super().__init__()
        self.text = text
        self.severity = severity


class ActionFinished(Message):
    """An executed plan came back; outcomes as returned by core.act.sending."""

    def __init__(self, action: str, outcomes: list) -> None:
        super().__init__()
        self.action = action
        self.outcomes = outcomes
