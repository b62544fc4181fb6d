"""Plain JSON parsing of the hot read responses, through botocore's ``before-parse`` event.

botocore's JSON parser walks the output shape for every value; for a GetMetricData
page of 500 queries x 12 periods that is ~190 ms of CPU against ~5 ms for
``json.loads`` (bench: tests/core/test_fastparse.py shows the output is identical). For
the operations in HOT, a handler on ``before-parse.<service>.<operation>`` parses a
successful JSON body with ``json.loads`` and a converter compiled once per output
shape, which does exactly what botocore's JSON parser does: members by wire name, null
and unknown members dropped, blobs base64-decoded, timestamps through the session's
timestamp parser (memoised per response: a page repeats the same few periods). It then
hands botocore an empty body, so botocore still builds ResponseMetadata from the
headers, and signing, retries, error parsing (any status >= 300) and endpoint
resolution are botocore's, untouched. Anything it does not handle (another protocol,
a tagged union, a body that is not a JSON object) is left to botocore.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

Conv = Callable[[Any], Any]

# service id (hyphenised) -> operations whose responses are big and frequent.
HOT: dict[str, frozenset[str]] = {
    "workspaces": frozenset({"DescribeWorkspaces", "DescribeWorkspacesConnectionStatus"}),
    "cloudwatch": frozenset({"GetMetricData"}),
    "resource-groups-tagging-api": frozenset({"GetResources"}),
}


class _Unsupported(Exception):
    """A shape this converter does not reproduce exactly: botocore parses it."""


def _compile(shape: Any, ts: Conv, done: dict[str, Conv | None]) -> Conv | None:
    """A converter for `shape`, or None where the JSON value is already botocore's."""
    key = f"{shape.type_name}:{shape.name}"
    if key in done:
        found = done[key]
        if found is None:
            return None

        def late(value: Any) -> Any:  # recursive shapes: bound once compiled
            conv = done[key]
            return value if conv is None else conv(value)

        return late
    done[key] = None  # provisional, for recursion
    conv = _build(shape, ts, done)
    done[key] = conv
    return conv


def _build(shape: Any, ts: Conv, done: dict[str, Conv | None]) -> Conv | None:
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type:
            return None
        if getattr(shape, "is_tagged_union", False):
            raise _Unsupported(shape.name)
        members = [
            (name, m.serialization.get("name", name), _compile(m, ts, done))
            for name, m in shape.members.items()
        ]

        def structure(value: Any) -> Any:
            if value is None:
                return None
            out = {}
            for name, wire, conv in members:
                raw = value.get(wire)
                if raw is not None:
                    out[name] = raw if conv is None else conv(raw)
            return out

        return structure
    if kind == "list":
        item = _compile(shape.member, ts, done)
        if item is None:
            return list
        return lambda value: [item(v) for v in value]
    if kind == "map":
        k, v = _compile(shape.key, ts, done), _compile(shape.value, ts, done)
        return lambda value: {
            (x if k is None else k(x)): (y if v is None else v(y)) for x, y in value.items()
        }
    if kind == "timestamp":
        return ts
    if kind == "blob":
        return base64.b64decode
    return None


class _Handler:
    """The before-parse handler of one client (its session's timestamp parser)."""

    def __init__(self, timestamp_parser: Conv) -> None:
        self._parse_ts = timestamp_parser
        self._converters: dict[str, tuple[Conv | None, dict[Any, Any]] | None] = {}

    def _converter(self, operation_model: Any) -> tuple[Conv | None, dict[Any, Any]] | None:
        name = operation_model.name
        if name not in self._converters:
            memo: dict[Any, Any] = {}

            def ts(value: Any) -> Any:
                try:
                    return memo[value]
                except KeyError:
                    found = memo[value] = self._parse_ts(value)
                    return found
                except TypeError:  # unhashable: botocore's parser raises the same way
                    return self._parse_ts(value)

            try:
                shape = operation_model.output_shape
                conv = None if shape is None else _compile(shape, ts, {})
                self._converters[name] = (conv, memo)
            except _Unsupported:
                self._converters[name] = None
        return self._converters[name]

    def __call__(
        self,
        operation_model: Any,
        response_dict: dict[str, Any],
        customized_response_dict: dict[str, Any],
        **_: Any,
    ) -> None:
        if response_dict.get("status_code", 500) >= 300:
            return  # errors: botocore's own parsing and modeled error fields
        if operation_model.service_model.resolved_protocol != "json":
            return
        body = response_dict.get("body")
        if not body:
            return
        found = self._converter(operation_model)
        if found is None:
            return
        conv, memo = found
        try:
            data = json.loads(body)
        except ValueError:
            return  # botocore reports a malformed body its own way
        if not isinstance(data, dict):
            return
        try:
            parsed = data if conv is None else conv(data)
        finally:
            memo.clear()
        customized_response_dict.update(parsed)
        response_dict["body"] = b"{}"


def install(client: Any, timestamp_parser: Conv) -> None:
    """Register the plain parse on `client` for its HOT operations (no-op for others)."""
    model = client.meta.service_model
    sid = model.service_id.hyphenize()
    ops = HOT.get(sid, frozenset()) & set(model.operation_names)
    if not ops or model.resolved_protocol != "json":
        return
    handler = _Handler(timestamp_parser)
    for op in sorted(ops):
        client.meta.events.register(f"before-parse.{sid}.{op}", handler)
