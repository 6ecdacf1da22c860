"""Errors the command line turns into one actionable line (exit code 2)."""


class AwsbpError(Exception):
    """A problem the user can fix; the message names it and says how."""


class ParamsError(AwsbpError):
    """The params file is missing, malformed or invalid."""


class CredentialsError(AwsbpError):
    """A profile, role or credential chain could not give a session."""


class ReadOnlyViolation(AwsbpError):
    """A non-read AWS operation was attempted; it was refused before sending."""
