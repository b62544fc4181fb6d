"""Exit codes (docs/cli.md) and the error a command raises to end with one."""

from __future__ import annotations

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_UNCONFIRMED, EXIT_PARTIAL, EXIT_READ_ONLY = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `ls | head`'s writer


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code
