"""Faults that stop a command. Data problems are `Finding`s, not exceptions.

Each class carries the exit code the CLI uses; the message is Chinese and is shown to the clerk.
"""


class ZjError(Exception):
    """Base of every fault zjsafety reports to the user."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(ZjError):
    """The command was called with options that do not fit together or do not exist."""

    exit_code = 2


class UnreadableInput(ZjError):
    """A file could not be read as a ledger (not a spreadsheet, corrupt, encrypted, empty)."""

    exit_code = 3


class DatabaseError(ZjError):
    """The database is not a zjsafety database, or is newer than this version understands."""

    exit_code = 3


class MachineError(ZjError):
    """A fault of the machine, not of the data: a busy, read-only or damaged file, no space,
    a file held open by another program. Told with a hint of what to do."""

    exit_code = 3


class DataMissing(ZjError):
    """A command needs data that has not been imported (no enterprises, no roster, ...)."""

    exit_code = 1
