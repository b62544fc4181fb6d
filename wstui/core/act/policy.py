"""The read-only policy: one object, passed in, that fails closed.

Mutations are refused when read-only is asked for anywhere (the --read-only flag, the
WSTUI_READ_ONLY environment variable, config.toml) and also when config.toml, which
could have asked for it, has any error: a typo must never turn read-only off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ENV = "WSTUI_READ_ONLY"
_FALSE = frozenset({"", "0", "false", "no", "off"})


class ReadOnlyError(PermissionError):
    """A mutation was refused by the read-only policy; the message says why."""


@dataclass(frozen=True)
class Policy:
    """`reasons` empty = mutations allowed; else each reason refuses them."""

    reasons: tuple[str, ...] = ()

    @property
    def read_only(self) -> bool:
        return bool(self.reasons)

    @classmethod
    def from_sources(
        cls,
        flag: bool = False,
        env: Mapping[str, str] | None = None,
        config_read_only: bool = False,
        config_errors: Iterable[str] = (),
        cache_read_only: bool = False,
    ) -> Policy:
        reasons: list[str] = []
        if flag:
            reasons.append("--read-only")
        value = (env or {}).get(ENV)
        if value is not None and value.strip().lower() not in _FALSE:
            reasons.append(f"{ENV}={value.strip()[:20]}")
        if config_read_only:
            reasons.append("read_only = true in config.toml")
        errors = list(config_errors)
        if errors:
            reasons.append(
                f"config.toml has {len(errors)} error(s) (it could set read_only): "
                f"{errors[0]}; fix it to allow changes"
            )
        if cache_read_only:
            reasons.append("the cache could not be opened for writing (nothing could be audited)")
        return cls(tuple(reasons))

    def check(self, what: str) -> None:
        """Raise ReadOnlyError naming `what` and why, when mutations are refused."""
        if self.reasons:
            raise ReadOnlyError(f"read-only mode ({'; '.join(self.reasons)}): refusing {what}")

    def add(self, reason: str) -> Policy:
        return Policy((*self.reasons, reason))
