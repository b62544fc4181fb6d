"""plan -> gateway -> execute -> follow: the one way wstui changes anything in AWS, used
alike by the CLI (`act`, `op`, `create-workspaces`) and the TUI (action keys, forms, IP
rules editor, CSV create, tag edit, retry).

    specs    the actions (rules from the API Reference) and how a row's facts are read
    plan     rows -> Plan: eligible ids in the fewest calls, skipped ids with the reason
    ops      the catalogue of all WorkSpaces operations (from botocore's model), preflight
    fields   an operation's parameters from the model: form fields, typed requests
    execute  the one send path: Gateway.send per call, outcomes per id (FailedRequests)
    follow   re-read the sent WorkSpaces until they leave their transitional state
    gateway  policy -> scope -> protect tag -> audit -> send once -> audit
    policy, scope, recheck, tags   read-only, the user's targets, uncertain rows, tag edits
    ip_rules, create_csv           an IP group's rule edit, WorkSpaces created from a CSV

The functions are importable from the package (`from wstui.core import act; act.plan(...)`);
`act.plan` and `act.execute` are the functions, their modules `wstui.core.act.plan` and
`wstui.core.act.execute`.
"""

from wstui.core.act.execute import Result, execute, send, send_mutation
from wstui.core.act.fields import Field, build_request, fields, prefill, unparse_value
from wstui.core.act.follow import follow, sent_keys
from wstui.core.act.gateway import (
    PROTECT_TAG,
    Gateway,
    Mutation,
    Outcome,
    Refused,
    Reply,
    SendingStopped,
)
from wstui.core.act.plan import Call, Plan, Skip, plan, plan_for
from wstui.core.act.policy import Policy, ReadOnlyError
from wstui.core.act.scope import Scope
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
