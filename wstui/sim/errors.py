"""Service exceptions the simulator answers, shaped as the WorkSpaces JSON protocol does."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError

_BY_CODE: dict[str, type[SimServiceError]] = {}


class SimServiceError(JsonRESTError):
    code = 400
    error_type = "ServiceException"

    def __init__(self, message: str) -> None:
        super().__init__(self.error_type, message)


def _make(name: str, status: int = 400) -> type[SimServiceError]:
    made = type(name, (SimServiceError,), {"error_type": name, "code": status})
    _BY_CODE[name] = made
    return made


def by_code(name: str) -> type[SimServiceError]:
    """The exception class answering error code ``name`` (made on first use)."""
    found = _BY_CODE.get(name)
    if found is None:
        found = _BY_CODE[name] = _make(name)
    return found



InvalidParameterValues = _make("InvalidParameterValuesException")
InvalidResourceState = _make("InvalidResourceStateException")
ResourceNotFound = _make("ResourceNotFoundException")
ResourceAlreadyExists = _make("ResourceAlreadyExistsException")
ResourceAssociated = _make("ResourceAssociatedException")
ResourceLimitExceeded = _make("ResourceLimitExceededException")
OperationInProgress = _make("OperationInProgressException")
OperationNotSupported = _make("OperationNotSupportedException")
Throttling = _make("ThrottlingException")
AccessDenied = _make("AccessDeniedException")
# Not in the WorkSpaces model, but what AWS's JSON endpoints answer (botocore parses them).
ExpiredToken = _make("ExpiredTokenException")
UnknownOperation = _make("UnknownOperationException")
# Input that breaks the model's constraints, for operations that declare no
# InvalidParameterValuesException (see shapes.validation_error_code).
Validation = _make("ValidationException")
# An unsigned request: AWS's JSON (Coral) endpoints answer this before anything else.
MissingAuthenticationToken = _make("MissingAuthenticationTokenException")
InternalFailure = _make("InternalFailure", 500)
ServiceUnavailable = _make("ServiceUnavailable", 503)
