"""plan -> gateway -> execute -> follow: the one way wstui changes anything in AWS, used
alike by the CLI (`act`, `op`, `create-workspaces`) and the TUI (action keys, forms, IP
rules editor, CSV create, tag edit, retry).

    specs    the actions (rules from the API Reference) and how a row's facts are read
    planning rows -> Plan: eligible ids in the fewest calls, skipped ids with the reason
    ops      the catalogue of all WorkSpaces operations (from botocore's model), preflight
    forms    an operation's parameters from the model: form fields, typed requests
    sending  the one send path: Gateway.send per call, outcomes per id (FailedRequests)
    following re-read the sent WorkSpaces until they leave their transitional state
    gateway  policy -> scope -> protect tag -> audit -> send once -> audit
    policy, scope, recheck, tags   read-only, the user's targets, uncertain rows, tag edits
    ip_rules, create_csv           an IP group's rule edit, WorkSpaces created from a CSV

The functions are importable from the package (`from wstui.core import act; act.plan(...)`);
`act.plan` and `act.execute` are the functions, their modules `wstui.core.act.planning` and
`wstui.core.act.sending`.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the types; at run time each name is imported on first use
    from wstui.core.act.following import follow, sent_keys
    from wstui.core.act.forms import Field, build_request, fields, prefill, unparse_value
    from wstui.core.act.gateway import (
        PROTECT_TAG,
        Gateway,
        Mutation,
        Outcome,
        Refused,
        Reply,
        SendingStopped,
    )
    from wstui.core.act.planning import (
        Call,
        Plan,
        Skip,
        plan,
        plan_for,
        plan_marked,
        plan_marked_for,
        plans_by_facts,
    )
    from wstui.core.act.policy import Policy, ReadOnlyError
    from wstui.core.act.scope import Scope
    from wstui.core.act.sending import Result, execute, send, send_mutation
    from wstui.core.act.specs import (
        ACTIONS,
        ALIASES,
        COMPUTE_TYPES,
        RUNNING_MODES,
        ActionError,
        ActionSpec,
        reads_raw,
        resolve_action,
        row_tags,
        validate_params,
    )

# Names -> the module that defines them, imported on first use (PEP 562): the TUI's start
# needs only the gateway, policy and scope; plans, forms and the operation catalogue wait
# for the first action. Each submodule is named apart from the functions it exports, so
# importing one never shadows `act.plan`, `act.execute` or `act.follow`.
_HOME = {
    **dict.fromkeys(("Result", "execute", "send", "send_mutation"), "sending"),
    **dict.fromkeys(("Field", "build_request", "fields", "prefill", "unparse_value"), "forms"),
    **dict.fromkeys(("follow", "sent_keys"), "following"),
    **dict.fromkeys(("PROTECT_TAG", "Gateway", "Mutation", "Outcome", "Refused", "Reply",
                     "SendingStopped"), "gateway"),
    **dict.fromkeys(("Call", "Plan", "Skip", "plan", "plan_for", "plan_marked",
                     "plan_marked_for", "plans_by_facts"), "planning"),
    **dict.fromkeys(("Policy", "ReadOnlyError"), "policy"),
    "Scope": "scope",
    **dict.fromkeys(("ACTIONS", "ALIASES", "COMPUTE_TYPES", "RUNNING_MODES", "ActionError",
                     "ActionSpec", "reads_raw", "resolve_action", "row_tags",
                     "validate_params"), "specs"),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # next time a plain attribute
    return value


__all__ = [
    "ACTIONS",
    "ALIASES",
    "COMPUTE_TYPES",
    "PROTECT_TAG",
    "RUNNING_MODES",
    "ActionError",
    "ActionSpec",
    "Call",
    "Field",
    "Gateway",
    "Mutation",
    "Outcome",
    "Plan",
    "Policy",
    "ReadOnlyError",
    "Refused",
    "Reply",
    "Result",
    "Scope",
    "SendingStopped",
    "Skip",
    "build_request",
    "execute",
    "fields",
    "follow",
    "plan",
    "plan_for",
    "plan_marked",
    "plan_marked_for",
    "plans_by_facts",
    "prefill",
    "reads_raw",
    "resolve_action",
    "row_tags",
    "send",
    "send_mutation",
    "sent_keys",
    "unparse_value",
    "validate_params",
]  # fmt: skip
