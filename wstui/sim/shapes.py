"""Check values against botocore's WorkSpaces model: requests on the way in, answers on the way out.

The simulator calls ``input_problems`` for every request before its handler runs (see
``handlers._call_action``), so all operations get the service's declared constraints from
one place: required members, enums, ``pattern``, min/max length, min/max value, list and
map sizes, unions (exactly one member), recursively. ``output_problems`` is the same walk
over a raw JSON answer; the contract test uses it to prove the simulator never answers
what the real service could not.

Why not reuse ``wstui.core.validate``: the simulator may not import ``wstui.core``, and the
client-side checker has different duties (it treats "" as missing for a form, adds the
reference's prose rules, words problems for people). The walk here is the server's: what
AWS's front end rejects, worded as AWS's validation messages are.

Patterns are Smithy/ECMAScript regular expressions: not implicitly anchored, and ``$``
means the very end (Python's ``$`` also matches before a final newline, so it becomes
``\\Z``). Members the model does not define are ignored, as AWS's JSON front end does.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

# Errors any operation may answer (AWS "Common Errors") besides those the model declares.
COMMON_ERRORS = frozenset({
    "AccessDeniedException", "ExpiredTokenException", "IncompleteSignature",
    "InternalFailure", "InvalidAction", "InvalidClientTokenId",
    "MissingAuthenticationTokenException", "NotAuthorized", "RequestExpired",
    "ServiceUnavailable", "ThrottlingException", "UnrecognizedClientException",
    "UnknownOperationException", "ValidationException",
})  # fmt: skip
MAX_SHOWN = 3  # problems quoted in one message (AWS lists them all; a few are enough)


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("workspaces")


def operation(name: str) -> OperationModel:
    return service_model().operation_model(name)


def declared_errors(name: str) -> frozenset[str]:
    return frozenset(e.name for e in operation(name).error_shapes)


def validation_error_code(name: str) -> str:
    """The error a malformed request gets: the one the operation declares for bad input.

    InvalidParameterValuesException where declared, else ValidationException where
    declared; an operation that declares neither (Start/Stop/TerminateWorkspaces declare
    no errors at all) gets ValidationException, the common error AWS's JSON front end
    answers for input that fails the model's constraints.
    """
    declared = declared_errors(name)
    if "InvalidParameterValuesException" in declared:
        return "InvalidParameterValuesException"
    return "ValidationException"


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def matches(pattern: str, value: str) -> bool:
    return _regex(pattern).search(value) is not None


def _show(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _at(path: str, name: str) -> str:
    # AWS names members lowerCamel in its messages ("workspaceIds.1.member").
    member = name[:1].lower() + name[1:]
    return f"{path}.{member}" if path else member


class _Walk:
    """One recursive walk; ``output`` switches the few rules that differ for answers."""

    def __init__(self, output: bool) -> None:
        self.output = output
        self.problems: list[str] = []

    def fail(self, value: Any, path: str, rule: str) -> None:
        shown = "null" if value is None else _show(value)
        self.problems.append(f"Value {shown} at '{path}' failed to satisfy constraint: "
                             f"Member must {rule}")  # fmt: skip

    def check(self, shape: Shape, value: Any, path: str) -> None:
        t = shape.type_name
        if t == "structure":
            self.structure(shape, value, path)
        elif t == "list":
            if not isinstance(value, list):
                self.fail(value, path, "be a list")
                return
            self.size(len(value), shape.metadata, value, path)
            for i, item in enumerate(value, 1):
                self.check(shape.member, item, f"{path}.{i}.member")
        elif t == "map":
            if not isinstance(value, dict):
                self.fail(value, path, "be a map")
                return
            self.size(len(value), shape.metadata, value, path)
            for k, v in value.items():
                self.check(shape.key, k, f"{path}.{k}.key")
                self.check(shape.value, v, f"{path}.{k}.value")
        elif t == "string":
            self.string(shape, value, path)
        elif t in ("integer", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(value, path, "be a whole number")
                return
            self.range(value, shape.metadata, path)
        elif t in ("double", "float"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                self.fail(value, path, "be a number")
                return
            self.range(value, shape.metadata, path)
        elif t == "boolean":
            if not isinstance(value, bool):
                self.fail(value, path, "be a boolean")
        elif t == "timestamp":
            # The JSON protocol sends timestamps as epoch seconds; an ISO string is a bug.
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                self.fail(value, path, "be a timestamp in epoch seconds")
        elif t == "blob":
            if not isinstance(value, (str, bytes, bytearray)):  # base64 text on the wire
                self.fail(value, path, "be base64-encoded data")
                return
            self.size(len(value), shape.metadata, value, path)

    def structure(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(value, path, "be an object")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                self.fail(None, _at(path, name), "not be null")
        members = shape.members
        if shape.metadata.get("union"):
            given = [k for k, v in value.items() if k in members and v is not None]
            if len(given) != 1:
                self.fail(sorted(given), path or shape.name,
                          f"set exactly one of {', '.join(members)}")  # fmt: skip
        for name, item in value.items():
            member = members.get(name)
            if member is None:
                if self.output:  # an answer may carry only what the model defines
                    self.fail(item, _at(path, name), f"be a member of {shape.name}")
                continue
            if item is not None:
                self.check(member, item, _at(path, name))

    def string(self, shape: Shape, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(value, path, "be a string")
            return
        if shape.enum and value not in shape.enum:
            self.fail(value, path, f"satisfy enum value set: [{', '.join(shape.enum)}]")
            return
        self.size(len(value), shape.metadata, value, path)
        pattern = shape.metadata.get("pattern")
        if pattern and not matches(pattern, value):
            self.fail(value, path, f"satisfy regular expression pattern: {pattern}")

    def size(self, n: int, meta: dict[str, Any], value: Any, path: str) -> None:
        lo, hi = meta.get("min"), meta.get("max")
        if lo is not None and n < lo:
            self.fail(value, path, f"have length greater than or equal to {lo}")
        if hi is not None and n > hi:
            self.fail(value, path, f"have length less than or equal to {hi}")

    def range(self, n: float, meta: dict[str, Any], path: str) -> None:
        lo, hi = meta.get("min"), meta.get("max")
        if lo is not None and n < lo:
            self.fail(n, path, f"have value greater than or equal to {lo}")
        if hi is not None and n > hi:
            self.fail(n, path, f"have value less than or equal to {hi}")


def input_problems(name: str, params: dict[str, Any]) -> list[str]:
    """Every constraint of ``name``'s input shape that ``params`` breaks (empty: valid)."""
    shape = operation(name).input_shape
    if shape is None:
        return []
    walk = _Walk(output=False)
    walk.check(shape, params, "")
    return walk.problems


def output_problems(name: str, body: Any) -> list[str]:
    """Every way a raw JSON answer departs from ``name``'s output shape (empty: faithful)."""
    shape = operation(name).output_shape
    if shape is None:
        return [] if body in ({}, None) else [f"{name} has no output, got {_show(body)}"]
    walk = _Walk(output=True)
    walk.check(shape, body, "")
    return walk.problems


def validation_message(problems: list[str]) -> str:
    """AWS's wording: "2 validation errors detected: Value ... ; Value ..."."""
    n = len(problems)
    shown = "; ".join(problems[:MAX_SHOWN])
    more = f"; and {n - MAX_SHOWN} more" if n > MAX_SHOWN else ""
    return f"{n} validation error{'s' if n != 1 else ''} detected: {shown}{more}"
