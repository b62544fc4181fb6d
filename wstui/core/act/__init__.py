"""plan -> gateway -> execute -> follow: the one way wstui changes anything in AWS.

`policy` decides whether mutations are allowed at all (read-only fails closed), `scope`
maps a row's (account, region) to one of the user's selected targets, `gateway` sends
each mutating call once after every check, audited; `recheck` re-reads WorkSpaces whose
last call's outcome is unknown or recent before they are planned again.
"""

from wstui.core.act.gateway import Gateway, Mutation, Refused, Reply, SendingStopped
from wstui.core.act.policy import Policy, ReadOnlyError
from wstui.core.act.scope import Scope

__all__ = [
    "Gateway", "Mutation", "Policy", "ReadOnlyError", "Refused", "Reply", "Scope",
    "SendingStopped",
]  # fmt: skip
