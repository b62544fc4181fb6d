"""The filter language, shared by the CLI (``--filter``) and the TUI (``/``).

``compile(text, kind)`` parses a query and returns ``(where_sql, params)`` for the kind's
cache table. User text only ever travels as bound parameters; the SQL text is built
from registry names and fixed fragments. Any malformed input raises ``QueryError`` with
the position and what was expected. The grammar is documented in docs/query.md.
It lives in ``core.store`` because it emits SQL; over 400 lines because it is one
recursive-descent parser whose productions return SQL directly (splitting parser from
SQL would need an AST between them, a change of its own).

    query   := or
    or      := and (("|" | "OR") and)*
    and     := unary (["AND"] unary)*
    unary   := ["-"] (group | term)
    group   := "(" or ")"
    term    := FIELD OP value | value            (a lone value = bare-word search)
    OP      := ":" | "=" | "!=" | ">" | ">=" | "<" | "<="
    value   := (WORDCHARS | '"' ... '"')+        (unquoted "*" globs, "," separates)
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from wstui.core.kinds import Column, Kind, resolve
from wstui.core.timefmt import parse_datetime, parse_duration

MAX_DEPTH = 32  # nested parentheses
MAX_ATOMS = 256  # terms + alternatives: keeps SQL under SQLite's expression/variable limits
# SQLite refuses a LIKE pattern over SQLITE_MAX_LIKE_PATTERN_LENGTH bytes (50,000 by
# default, lower in some builds) at run time with "pattern too complex"; refuse long
# glob values here, with a position, well below any build's limit.
MAX_PATTERN_BYTES = 10_000
_FIELD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = ("!=", ">=", "<=", ":", "=", ">", "<")
_STOP = set(" \t\r\n\f\v()|")
_NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SIZE_RE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(g|gb|gib|t|tb|tib)?$", re.IGNORECASE)
_NEVER = {"never", "none", "null"}
# The cache keeps one precomputed text per row for bare words: the search columns,
# ASCII-lower-cased (what LIKE ignores, and only that), joined by a separator no
# bare word can span. One instr() per row instead of a LIKE per search column.
SEARCH_SEP = "\x1f"
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def search_columns(kind: Kind) -> tuple[Column, ...]:
    return kind.search_columns or tuple(c for c in kind.columns if c.name == "id")


def search_column(kind: Kind) -> str | None:
    """Name of the cache's precomputed search column for `kind` (None: plain LIKEs).

    The name carries a digest of the search columns, so a registry change gets a new,
    fully back-filled column instead of stale text.
    """
    cols = search_columns(kind)
    if not cols or any(c.type != "text" for c in cols):
        return None
    digest = hashlib.sha1(",".join(c.name for c in cols).encode()).hexdigest()[:8]
    return f"_search_{digest}"


def _search_part(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    # SQLite's LIKE reads a text value up to its first NUL; match what it would see.
    return text.split("\x00", 1)[0].translate(_ASCII_LOWER)


def search_text(kind: Kind, row: dict[str, Any]) -> str:
    """The search column's value for a row of stored values (plus ``id``)."""
    return SEARCH_SEP.join(_search_part(row.get(c.name)) for c in search_columns(kind))


class QueryError(ValueError):
    """Malformed query. ``pos`` is the 0-based offset; the message counts columns from 1."""

    def __init__(self, pos: int, expected: str) -> None:
        self.pos = pos
        self.expected = expected
        super().__init__(f"at {pos + 1}: expected {expected}")


@dataclass
class _Value:
    """A value as typed: each character with whether it was inside quotes."""

    chars: list[tuple[str, bool]]
    pos: int
    end: int

    @property
    def text(self) -> str:
        return "".join(c for c, _ in self.chars)

    @property
    def quoted(self) -> bool:
        return any(q for _, q in self.chars)

    def split(self, sep: str) -> list[_Value]:
        """Split on an unquoted separator character."""
        parts: list[_Value] = []
        current: list[Any] = []
        start = self.pos
        for c, q in self.chars:
            if c == sep and not q:
                parts.append(_Value(current, start, self.end))
                current = []
            else:
                current.append((c, q))
        parts.append(_Value(current, start, self.end))
        return parts

    def split_once(self, sep: str) -> tuple[_Value, _Value | None]:
        for i, (c, q) in enumerate(self.chars):
            if c == sep and not q:
                return _Value(self.chars[:i], self.pos, self.end), _Value(
                    self.chars[i + 1 :], self.pos, self.end
                )
        return self, None

    @property
    def has_glob(self) -> bool:
        return any(c == "*" and not q for c, q in self.chars)

    def like_pattern(self, contains: bool = False) -> str:
        """LIKE pattern (escape char ``\\``): unquoted ``*`` -> ``%``, the rest literal."""
        out = []
        for c, q in self.chars:
            if c == "*" and not q:
                out.append("%")
            elif c in "%_\\":
                out.append("\\" + c)
            else:
                out.append(c)
        body = "".join(out)
        return f"%{body}%" if contains else body


class _Parser:
    def __init__(self, text: str, kind: Kind, now: float) -> None:
        self.text = text
        self.kind = kind
        self.now = now
        self.pos = 0
        self.params: list[Any] = []
        self.atoms = 0
        self.depth = 0
        self.table = '"' + kind.table.replace('"', '""') + '"'

    # ---- scanning helpers

    def error(self, expected: str, pos: int | None = None) -> QueryError:
        return QueryError(self.pos if pos is None else pos, expected)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        self.skip_ws()
        return self.pos >= len(self.text)

    def peek_keyword(self, word: str) -> bool:
        """An uppercase keyword (OR, AND) standing alone."""
        end = self.pos + len(word)
        if self.text[self.pos : end] != word:
            return False
        return end >= len(self.text) or self.text[end] in _STOP

    def atom(self, pos: int) -> None:
        self.atoms += 1
        if self.atoms > MAX_ATOMS:
            raise self.error(f"at most {MAX_ATOMS} terms and alternatives", pos)

    def bind(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def like(self, value: _Value, contains: bool = False) -> str:
        """The bound LIKE pattern for `value`, refused when SQLite would find it too long."""
        pattern = value.like_pattern(contains)
        if len(pattern.encode("utf-8", "surrogatepass")) > MAX_PATTERN_BYTES:
            raise self.error(
                f"a shorter value here (at most {MAX_PATTERN_BYTES:,} bytes)", value.pos
            )
        return self.bind(pattern)

    # ---- grammar

    def parse(self) -> str:
        if self.at_end():
            return "1"
        sql = self.parse_or()
        if not self.at_end():
            if self.text[self.pos] == ")":
                raise self.error('a term (no "(" is open for this ")")')
            raise self.error("a term")
        return sql

    def parse_or(self) -> str:
        parts = [self.parse_and()]
        while not self.at_end():
            if self.text[self.pos] == "|":
                sep = "|"
            elif self.peek_keyword("OR"):
                sep = "OR"
            else:
                break
            self.pos += len(sep)
            if self.at_end() or self.text[self.pos] in ")|" or self.peek_keyword("OR"):
                raise self.error(f'a term after "{sep}"')
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def parse_and(self) -> str:
        parts: list[str] = []
        while not self.at_end():
            ch = self.text[self.pos]
            if ch in ")|" or self.peek_keyword("OR"):
                break
            if self.peek_keyword("AND"):
                if not parts:
                    raise self.error('a term before "AND"')
                self.pos += 3
                if self.at_end() or self.text[self.pos] in ")|" or self.peek_keyword("OR"):
                    raise self.error('a term after "AND"')
                continue
            parts.append(self.parse_unary())
        if not parts:
            raise self.error("a term")
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def parse_unary(self) -> str:
        if self.text[self.pos] == "-":
            start = self.pos
            self.pos += 1
            if self.pos >= len(self.text) or self.text[self.pos] in _STOP - {"("}:
                raise self.error('a term after "-"', start + 1)
            return f"NOT COALESCE({self.parse_primary()}, 0)"
        return self.parse_primary()

    def parse_primary(self) -> str:
        if self.text[self.pos] == "(":
            open_pos = self.pos
            self.pos += 1
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"at most {MAX_DEPTH} nested parentheses", open_pos)
            if self.at_end():
                raise self.error('a term after "("')
            if self.text[self.pos] == ")":
                raise self.error('a term inside "()"')
            inner = self.parse_or()
            if self.at_end() or self.text[self.pos] != ")":
                raise self.error(f'")" to close the "(" at {open_pos + 1}')
            self.pos += 1
            self.depth -= 1
            return f"({inner})"
        return self.parse_term()

    def parse_term(self) -> str:
        start = self.pos
        match = _FIELD_RE.match(self.text, self.pos)
        if match:
            after = match.end()
            op = next((o for o in _OPS if self.text.startswith(o, after)), None)
            if op is not None:
                name = match.group(0)
                self.pos = after + len(op)
                value_pos = self.pos
                value = self.read_value()
                if value is None:
                    raise self.error(f'a value after "{name}{op}"', value_pos)
                self.atom(start)
                return self.field_term(name, start, op, value)
        value = self.read_value()
        if value is None:  # a stray operator character such as ":" or "="
            raise self.error("a search word or field:value", start)
        self.atom(start)
        return self.bare_word(value)

    def read_value(self) -> _Value | None:
        """Unquoted characters and "quoted" runs up to whitespace, "(", ")" or "|"."""
        start = self.pos
        chars: list[tuple[str, bool]] = []
        text = self.text
        parens = 0  # "(" inside a value (e.g. a name "a(1)") keeps its ")" in the value
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "(" and chars:
                parens += 1
            elif ch == ")" and parens:
                parens -= 1
            elif ch in _STOP:
                break
            if ch == '"':
                open_pos = self.pos
                self.pos += 1
                while True:
                    if self.pos >= len(text):
                        raise self.error(f"a closing quote for the quote at {open_pos + 1}")
                    ch = text[self.pos]
                    if ch == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in '"\\':
                        chars.append((text[self.pos + 1], True))
                        self.pos += 2
                    elif ch == '"':
                        self.pos += 1
                        break
                    else:
                        chars.append((ch, True))
                        self.pos += 1
                continue
            chars.append((ch, False))
            self.pos += 1
        if self.pos == start:
            return None
        if not chars and text[start] != '"':
            return None
        return _Value(chars, start, self.pos)

    # ---- compiling terms

    def bare_word(self, value: _Value) -> str:
        search = search_column(self.kind)
        text = value.text
        if search and text and not value.has_glob and not set(text) & {SEARCH_SEP, "\x00"}:
            # Same rows as the LIKEs below: a literal, case-insensitive (ASCII) substring
            # of one search column; instr() on the precomputed text is one test per row.
            word = text.translate(_ASCII_LOWER)
            return f"instr({self.col_sql(search)}, {self.bind(word)}) > 0"
        cols = search_columns(self.kind)
        return (
            "("
            + " OR ".join(
                f"{self.col_sql(c)} LIKE {self.like(value, contains=True)} ESCAPE '\\'"
                for c in cols
            )
            + ")"
        )

    def col_sql(self, col: Column | str) -> str:
        name = col if isinstance(col, str) else col.name
        return f'{self.table}."{name}"'

    def field_term(self, name: str, pos: int, op: str, value: _Value) -> str:
        if name.lower() in ("tag", "tags"):
            if op not in (":", "="):
                raise self.error(f'":" after "{name}" (tag:Key or tag:Key=Value)', pos + len(name))
            return self.tag_term(value)
        try:
            col = self.kind.column(name)
        except KeyError:
            raise self.error(self.unknown_field(name), pos) from None
        if op == "!=":
            return f"NOT COALESCE({self.field_term(name, pos, '=', value)}, 0)"
        if col.age_of:
            return self.age_term(col, op, value)
        if col.type == "ts":
            return self.ts_term(col, op, value)
        if col.type in ("int", "float"):
            return self.number_term(col, op, value)
        if op in (">", ">=", "<", "<="):
            raise self.error(
                f'":" or "=" after "{name}" (a text field has no order)', pos + len(name)
            )
        return self.text_term(col, value)

    def unknown_field(self, name: str) -> str:
        names = [*self.kind.field_names(), "tag"]
        close = difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.6)
        hint = f"did you mean {' or '.join(close)}?" if close else f"fields: {', '.join(names)}"
        return f'a known field instead of "{name}" ({hint})'

    def alternatives(self, value: _Value) -> list[_Value]:
        alts = value.split(",")
        for alt in alts[1:]:
            self.atom(alt.pos)
        return alts

    def text_term(self, col: Column, value: _Value) -> str:
        parts = []
        for alt in self.alternatives(value):
            if not alt.chars:
                parts.append(f"({self.col_sql(col)} IS NULL OR {self.col_sql(col)} = '')")
            elif alt.has_glob:
                parts.append(f"{self.col_sql(col)} LIKE {self.like(alt)} ESCAPE '\\'")
            else:
                parts.append(f"{self.col_sql(col)} = {self.bind(alt.text)} COLLATE NOCASE")
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def number(self, col: Column, value: _Value) -> float:
        """A number in the column's unit: sizes (80G, 1T) for GB, durations (2h, 30d) for time."""
        text = value.text.strip()
        unit = col.unit
        result: float | None = None
        if unit == "gb":
            m = _SIZE_RE.match(text)
            if m:
                result = float(m.group(1)) * (1024 if (m.group(2) or "g")[0].lower() == "t" else 1)
            expected = f'a size for "{col.name}" such as 80, 80G or 1T'
        elif unit in ("min", "d"):
            per = 60 if unit == "min" else 86400
            if _NUMBER_RE.fullmatch(text):
                result = float(text)
            else:
                seconds = parse_duration(text)
                result = None if seconds is None else seconds / per
            plain = "minutes" if unit == "min" else "days"
            expected = f'a duration for "{col.name}" such as 30d, 12h, 90m or a number of {plain}'
        else:
            result = float(text) if _NUMBER_RE.fullmatch(text) else None
            expected = f'a number for "{col.name}"'
        if result is None or not math.isfinite(result) or value.has_glob:
            raise self.error(expected, value.pos)
        return result

    def number_term(self, col: Column, op: str, value: _Value) -> str:
        if op in (":", "="):
            parts = []
            for alt in self.alternatives(value):
                if not alt.chars or alt.text.lower() in _NEVER:
                    parts.append(f"{self.col_sql(col)} IS NULL")
                else:
                    parts.append(f"{self.col_sql(col)} = {self.bind(self.number(col, alt))}")
            return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        return f"{self.col_sql(col)} {op} {self.bind(self.number(col, value))}"

    def timestamp(self, col: Column, value: _Value) -> float:
        ts = parse_datetime(value.text) if not value.has_glob else None
        if ts is None or not math.isfinite(ts):
            raise self.error(f'a date for "{col.name}" such as 2024-05-01 (or "never")', value.pos)
        return ts

    def ts_term(self, col: Column, op: str, value: _Value) -> str:
        c = self.col_sql(col)
        if op in (":", "="):
            parts = []
            for alt in self.alternatives(value):
                if not alt.chars or alt.text.lower() in _NEVER:
                    parts.append(f"{c} IS NULL")
                    continue
                start = self.timestamp(col, alt)
                # A bare date means that whole (UTC) day; a date-time means that instant.
                span = 86400.0 if len(alt.text.strip()) <= 10 else 1.0
                parts.append(f"({c} >= {self.bind(start)} AND {c} < {self.bind(start + span)})")
            return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        return f"{c} {op} {self.bind(self.timestamp(col, value))}"

    def age_term(self, col: Column, op: str, value: _Value) -> str:
        """Idle-style terms: compare the age of ``col.age_of`` with ``now``.

        Never-connected rows (NULL) count as infinitely idle: ``idle>30d`` includes them,
        ``idle<30d`` does not; ``idle:never`` selects only them.
        """
        ts = self.col_sql(col.age_of or "")
        if op in (":", "="):
            parts = []
            for alt in self.alternatives(value):
                if not alt.chars or alt.text.lower() in _NEVER:
                    parts.append(f"{ts} IS NULL")
                    continue
                days = math.floor(self.number(col, alt))
                # Same whole-day figure the idle column shows.
                hi = self.now - days * 86400.0
                parts.append(f"({ts} <= {self.bind(hi)} AND {ts} > {self.bind(hi - 86400.0)})")
            return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        cutoff = self.now - self.number(col, value) * 86400.0
        if op == ">":
            return f"({ts} IS NULL OR {ts} < {self.bind(cutoff)})"
        if op == ">=":
            return f"({ts} IS NULL OR {ts} <= {self.bind(cutoff)})"
        if op == "<":
            return f"{ts} > {self.bind(cutoff)}"
        return f"{ts} >= {self.bind(cutoff)}"

    def tag_term(self, value: _Value) -> str:
        key, wanted = value.split_once("=")
        if not key.chars:
            raise self.error("a tag key (tag:Key or tag:Key=Value)", value.pos)
        sub = (
            f"SELECT 1 FROM tags WHERE tags.kind = {self.bind(self.kind.name)}"
            f" AND tags.account = {self.table}.account AND tags.region = {self.table}.region"
            f" AND tags.id = {self.table}.id"
        )
        if key.has_glob:
            sub += f" AND tags.key LIKE {self.like(key)} ESCAPE '\\'"
        else:
            sub += f" AND tags.key = {self.bind(key.text)} COLLATE NOCASE"
        if wanted is not None:
            alts = []
            for alt in self.alternatives(wanted):
                if alt.has_glob:
                    alts.append(f"tags.value LIKE {self.like(alt)} ESCAPE '\\'")
                else:
                    alts.append(f"tags.value = {self.bind(alt.text)} COLLATE NOCASE")
            sub += " AND (" + " OR ".join(alts) + ")"
        return f"EXISTS ({sub})"


def compile(text: str, kind: Kind | str, now: float | None = None) -> tuple[str, list[Any]]:
    """Query text -> (SQL WHERE clause for the kind's table, bound parameters)."""
    kind = resolve(kind)
    parser = _Parser(text or "", kind, time.time() if now is None else float(now))
    sql = parser.parse()
    return sql, parser.params
