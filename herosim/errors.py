"""One error type with a hint; raised deep, printed once by the CLI."""


class HerosimError(Exception):
    """A failure the user can act on: a one-line message and a hint."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "", details: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Extra lines shown under the message (e.g. the last log lines).
        self.details = details


class DockerUnavailable(HerosimError):
    pass


class AppError(HerosimError):
    """The app's files are not what Heroku would accept."""


class BuildError(HerosimError):
    pass


class ConfigVarError(HerosimError):
    pass


class AddonError(HerosimError):
    pass


class StackError(HerosimError):
    pass


class DynoError(HerosimError):
    pass
