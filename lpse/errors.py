"""Errors the `lpse` command reports to operators.

Every error carries a message that names what is wrong and where; the CLI prints it and exits
with the error's code (2 for bad input, 1 for an environment problem or a failed operation).
"""


class LpseError(Exception):
    """An operation failed; the message says why and what to do."""

    exit_code = 1


class InputError(LpseError):
    """Bad input from the operator: arguments, topology, inventory, waivers, files."""

    exit_code = 2


class EnvironmentProblem(LpseError):
    """The machine cannot do this: not root, a tool missing, a kernel feature absent."""

    exit_code = 1
