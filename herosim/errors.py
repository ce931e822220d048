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


class StateError(HerosimError):
    """A state file under $HEROSIM_HOME cannot be read or written."""


class ManagerNotRunning(HerosimError):
    """The app has no dyno manager running (its dynos are down)."""

    def __init__(self, app: str):
        super().__init__(f"No dynos are running for {app}", hint=f"start them with `herosim up -a {app}`")
        self.app = app


class AppBusy(HerosimError):
    """Another herosim command is changing the same app."""


class BuildpackError(BuildError):
    """One of the Python buildpack's errors: its block of text, word for word."""

    def __init__(self, lines: list[str], reason: str = ""):
        super().__init__(lines[0])
        self.block = list(lines)
        self.reason = reason   # the buildpack's failure_reason (e.g. python-version::eol)
        self.diagnosis: list[str] = []  # herosim's own explanation, after the buildpack's words
