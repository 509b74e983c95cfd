"""The network guard of tests/reliability: anything that opens a socket fails the test."""


class NetworkUsed(AssertionError):
    """A test under tests/reliability tried to open a network socket."""


def refuse(*args, **kwargs):
    raise NetworkUsed("network access is not allowed in tests (a socket was opened)")
