"""Create WorkSpaces from a CSV file: validate every row, plan calls of 25, map outcomes back.

Columns (header names, any order): DirectoryId, UserName, BundleId (required), and
RunningMode, ComputeTypeName, RootVolumeSizeGib, UserVolumeSizeGib, Tags (`k=v;k2=v2`).
`read_rows` checks every row against the service model and the reference's rules before
anything is sent, naming the file line and column of each problem. `send_rows` sends
CreateWorkspaces with at most 25 requests per call (the API's limit), each call audited
through the gateway (core.act), and reports per row the PendingRequests / FailedRequests answer.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from wstui.core.act.gateway import Mutation, Outcome, Refused, SendingStopped
from wstui.core.act.ops import MAX_TAGS, OPERATIONS
from wstui.core.validate import validate

REQUIRED = ("DirectoryId", "UserName", "BundleId")
OPTIONAL = ("RunningMode", "ComputeTypeName", "RootVolumeSizeGib", "UserVolumeSizeGib", "Tags")
COLUMNS = REQUIRED + OPTIONAL
PER_CALL = 25  # CreateWorkspaces: Workspaces takes 1-25 requests
MAX_ROWS = 10_000  # a larger file is refused whole, before anything is read into requests
MAX_BYTES = 20 * 1024 * 1024
_PROPS = ("RunningMode", "ComputeTypeName", "RootVolumeSizeGib", "UserVolumeSizeGib")
_PATH = re.compile(r"^Workspaces\[0\]\.(?:WorkspaceProperties\.)?([A-Za-z]+)")


@dataclass(frozen=True)
class RowProblem:
    line: int  # line of the file (the header is line 1); 0 = the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return f"{where}: {self.column + ': ' if self.column else ''}{self.message}"


@dataclass(frozen=True)
class Row:
    line: int
    request: dict[str, Any]  # one WorkspaceRequest

    @property
    def key(self) -> tuple[str, str, str]:
        r = self.request
        return (str(r.get("DirectoryId")), str(r.get("UserName")), str(r.get("BundleId")))


@dataclass
class CsvPlan:
    rows: list[Row] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems

    def batches(self) -> list[list[Row]]:
        return [self.rows[i : i + PER_CALL] for i in range(0, len(self.rows), PER_CALL)]


@dataclass(frozen=True)
class RowOutcome:
    line: int
    user: str
    directory: str
    status: str  # "pending" | "failed" | "unknown" | "refused" | "exists" (made earlier)
    workspace_id: str = ""
    state: str = ""
    code: str = ""
    message: str = ""


def read_rows(data: bytes | str) -> CsvPlan:
    """Every row checked; `plan.problems` lists all of them (the file is sent only if none)."""
    plan = CsvPlan()
    text = _decode(data, plan)
    if text is None:
        return plan
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
        if not header:
            plan.problems.append(RowProblem(0, "", "the file is empty; expected a header row"))
            return plan
        columns = _header(header, plan)
        if columns is None:
            return plan
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue  # blank lines are not rows
            if len(plan.rows) + len(plan.problems) >= MAX_ROWS:
                plan.problems.append(RowProblem(line, "", f"more than {MAX_ROWS:,} rows; split the file"))
                return plan
            _row(line, cells, columns, plan)
    except csv.Error as exc:
        plan.problems.append(RowProblem(reader.line_num, "", f"not valid CSV: {exc}"))
    if not plan.rows and not plan.problems:
        plan.problems.append(RowProblem(0, "", "no rows under the header"))
    return plan


def _decode(data: bytes | str, plan: CsvPlan) -> str | None:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_BYTES:
            plan.problems.append(RowProblem(0, "", f"the file is larger than {MAX_BYTES // 2**20} MiB"))
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            plan.problems.append(RowProblem(0, "", f"not UTF-8 text (byte {exc.start})"))
            return None
    if "\x00" in text:
        plan.problems.append(RowProblem(0, "", "the file contains NUL bytes; is it really CSV?"))
        return None
    return text.lstrip("\ufeff")


def _header(header: list[str], plan: CsvPlan) -> list[str] | None:
    names = [h.strip() for h in header]
    by_lower = {c.lower(): c for c in COLUMNS}
    columns: list[str] = []
    for name in names:
        known = by_lower.get(name.lower())
        if known is None:
            plan.problems.append(RowProblem(1, name[:40], f"unknown column; expected {', '.join(COLUMNS)}"))
        elif known in columns:
            plan.problems.append(RowProblem(1, known, "column given twice"))
        columns.append(known or "")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        plan.problems.append(RowProblem(1, "", f"missing required column(s) {', '.join(missing)}"))
    return None if plan.problems else columns


def _row(line: int, cells: list[str], columns: list[str], plan: CsvPlan) -> None:
    if len(cells) > len(columns):
        plan.problems.append(RowProblem(line, "", f"{len(cells)} cells for {len(columns)} columns"))
        return
    values = {c: v.strip() for c, v in zip(columns, cells, strict=False) if c}
    problems: list[RowProblem] = []
    request: dict[str, Any] = {}
    for name in REQUIRED:
        if not values.get(name):
            problems.append(RowProblem(line, name, "required"))
        else:
            request[name] = values[name]
    props: dict[str, Any] = {}
    for name in _PROPS:
        text = values.get(name, "")
        if not text:
            continue
        if name.endswith("Gib"):
            if not re.fullmatch(r"\d{1,6}", text):
                problems.append(RowProblem(line, name, f"{text[:20]!r} is not a whole number of GiB"))
                continue
            props[name] = int(text)
        else:
            props[name] = text.upper()
    if props:
        request["WorkspaceProperties"] = props
    tags = values.get("Tags", "")
    if tags:
        parsed = _tags(tags)
        if isinstance(parsed, str):
            problems.append(RowProblem(line, "Tags", parsed))
        else:
            request["Tags"] = parsed
    # The model's rules (patterns, enums, lengths) for the columns not already reported.
    reported = {p.column for p in problems}
    for p in validate("CreateWorkspaces", {"Workspaces": [request]}):
        found = _PATH.match(p.path)
        column = found.group(1) if found else p.path
        if column not in reported:
            reported.add(column)
            problems.append(RowProblem(line, column, p.message))
    if problems:
        plan.problems.extend(problems)
    else:
        plan.rows.append(Row(line, request))


def _tags(text: str) -> list[dict[str, str]] | str:
    out: list[dict[str, str]] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            return f"expected k=v;k2=v2, got {part[:40]!r}"
        out.append({"Key": key.strip(), "Value": value.strip()})
    if len(out) > MAX_TAGS:
        return f"at most {MAX_TAGS} tags (got {len(out)})"
    if len({t["Key"] for t in out}) != len(out):
        return "a tag key is given twice"
    return out


def send_rows(plan: CsvPlan, gateway: Any, target: Any, on_batch: Any = None,
              on_call: Any = None) -> list[RowOutcome]:  # fmt: skip
    """One CreateWorkspaces per 25 rows through the gateway; each row's answer, in file order.

    `on_batch(outcomes so far)` and `on_call(calls done, calls in all)` follow each call
    (refused ones too): the progress of a long file.

    Each call is audited under its rows' "DirectoryId/UserName" keys. Rows whose last
    create has an unknown outcome (a lost response) are re-read from the service first:
    a WorkSpace that exists for that user is reported, never created a second time.
    """
    if not plan.ok:
        raise ValueError("the CSV has problems; nothing is sent")
    op = OPERATIONS["CreateWorkspaces"]
    try:
        outcomes, rows = _created_already(plan.rows, gateway, target)
    except Refused as exc:  # outside the selected targets: nothing is read or sent
        return [RowOutcome(r.line, r.key[1], r.key[0], "refused", code="Refused", message=str(exc))
                for r in plan.rows]  # fmt: skip
    calls = -(-len(rows) // PER_CALL)  # rows found created earlier are not sent again
    for start in range(0, len(rows), PER_CALL):
        if on_call is not None:
            on_call(start // PER_CALL, calls)
        batch = rows[start : start + PER_CALL]
        request = {"Workspaces": [r.request for r in batch]}
        m = Mutation(op.name, str(target.account or ""), target.region, request,
                     subjects=tuple(_key(r) for r in batch), profile=target.profile,
                     after_unknown=True)  # fmt: skip
        try:
            reply, _ = gateway.send(m, lambda reply, b=batch: _audited(b, reply))
        except SendingStopped as exc:  # name the earlier batches and the later ones too
            later = [_key(r) for r in rows[start + PER_CALL :]]
            raise SendingStopped(exc.reason, _as_sent(outcomes) + exc.outcomes,
                                 exc.not_sent + later, exc.interrupted) from exc  # fmt: skip
        except KeyboardInterrupt as exc:  # this batch may have gone out; later ones did not
            unknown = [Outcome(_key(r), "unknown", "Interrupted", "may have been performed") for r in batch]  # fmt: skip
            later = [_key(r) for r in rows[start + PER_CALL :]]
            raise SendingStopped("interrupted (Ctrl-C)", _as_sent(outcomes) + unknown, later,
                                 interrupted=True) from exc  # fmt: skip
        except Refused as exc:
            outcomes += [RowOutcome(r.line, r.key[1], r.key[0], "refused", code="Refused",
                                    message=str(exc)) for r in batch]  # fmt: skip
            continue
        outcomes += _match(batch, reply)
        if on_batch is not None:
            on_batch(outcomes)
    if on_call is not None and rows:
        on_call(calls, calls)
    return sorted(outcomes, key=lambda o: o.line)


def _as_sent(outcomes: list[RowOutcome]) -> list[Outcome]:
    """Row outcomes as the gateway reports them (rows found created earlier were not sent)."""
    status = {"pending": "sent"}
    return [Outcome(f"{o.directory}/{o.user}", status.get(o.status, o.status), o.code)
            for o in outcomes if o.status != "exists"]  # fmt: skip


def _key(r: Row) -> str:
    return f"{r.key[0]}/{r.key[1]}"


def _created_already(rows: list[Row], gateway: Any, target: Any) -> tuple[list[RowOutcome], list[Row]]:  # fmt: skip
    """Outcomes for rows whose earlier create may have worked, and the rows still to send."""
    where = gateway.scope.target(str(target.account or ""), target.region, target.profile)
    last = gateway.cache.last_calls(where.account, where.region, [_key(r) for r in rows])
    doubtful = {k for k, c in last.items() if c["action"] == "CreateWorkspaces"
                and c["status"] in ("unknown", "pending")}  # fmt: skip
    if not doubtful:
        return [], rows
    client = gateway.clients.workspaces(where)
    done: list[RowOutcome] = []
    todo: list[Row] = []
    for r in rows:
        if _key(r) not in doubtful:
            todo.append(r)
            continue
        found = client.describe_workspaces(DirectoryId=r.key[0], UserName=r.key[1]).get("Workspaces") or []  # fmt: skip
        if found:
            ws = found[0]
            done.append(RowOutcome(r.line, r.key[1], r.key[0], "exists", str(ws.get("WorkspaceId") or ""),
                                   str(ws.get("State") or ""), "AlreadyCreated",
                                   "created by an earlier run whose answer was lost; not sent again"))  # fmt: skip
        else:
            todo.append(r)
    return done, todo


def _audited(batch: list[Row], reply: Any) -> dict[str, Outcome]:
    """Per-row audit outcomes: the new WorkSpace id, or the row's error."""
    out = {}
    for o in _match(batch, reply):
        key = f"{o.directory}/{o.user}"
        status = "sent" if o.status == "pending" else o.status
        out[key] = Outcome(key, status, o.code, o.workspace_id or o.message)
    return out


def _match(batch: list[Row], result: Any) -> list[RowOutcome]:
    body = result.response or {}
    if result.status != "sent":  # the call itself failed: no row was created (or fate unknown)
        status = "unknown" if result.status == "unknown" else "failed"
        return [RowOutcome(r.line, r.key[1], r.key[0], status, code=result.code,
                           message=result.message) for r in batch]  # fmt: skip
    waiting: dict[tuple[str, str, str], deque[Row]] = defaultdict(deque)
    for r in batch:
        waiting[r.key].append(r)
    out: list[RowOutcome] = []
    for p in body.get("PendingRequests") or []:
        key = (str(p.get("DirectoryId")), str(p.get("UserName")), str(p.get("BundleId")))
        if waiting[key]:
            r = waiting[key].popleft()
            out.append(RowOutcome(r.line, key[1], key[0], "pending", str(p.get("WorkspaceId") or ""),
                                  str(p.get("State") or "")))  # fmt: skip
    for f in body.get("FailedRequests") or []:
        req = f.get("WorkspaceRequest") or {}
        key = (str(req.get("DirectoryId")), str(req.get("UserName")), str(req.get("BundleId")))
        if waiting[key]:
            r = waiting[key].popleft()
            out.append(RowOutcome(r.line, key[1], key[0], "failed", code=str(f.get("ErrorCode") or ""),
                                  message=str(f.get("ErrorMessage") or "")))  # fmt: skip
    for rows in waiting.values():  # answered by neither list: say so, never assume success
        out += [RowOutcome(r.line, r.key[1], r.key[0], "unknown",
                           message="not in PendingRequests or FailedRequests") for r in rows]  # fmt: skip
    return out


def summary(outcomes: list[RowOutcome]) -> dict[str, int]:
    counts = {"pending": 0, "failed": 0, "unknown": 0, "refused": 0, "exists": 0}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return counts
