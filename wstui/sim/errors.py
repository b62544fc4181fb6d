"""Service exceptions the simulator answers, shaped as the WorkSpaces JSON protocol does."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class SimServiceError(JsonRESTError):
    code = 400
    error_type = "ServiceException"

    def __init__(self, message: str) -> None:
        super().__init__(self.error_type, message)


def _make(name: str, status: int = 400) -> type[SimServiceError]:
    return type(name, (SimServiceError,), {"error_type": name, "code": status})


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
InternalFailure = _make("InternalFailure", 500)
ServiceUnavailable = _make("ServiceUnavailable", 503)
