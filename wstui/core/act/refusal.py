"""The gateway's refusal: raised by its checks (scope here, the rest in the gateway)
before anything is sent; its message says why."""


class Refused(Exception):
    """The gateway refused a call before sending it; the message says why."""
