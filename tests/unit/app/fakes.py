"""Hand-written stand-ins for what the verbs of app/ talk to: the dyno manager's client (the
protocol's operations they use) and a context over a real AppState in a temporary folder."""

from __future__ import annotations

from herosim.app.context import AppContext
from herosim.platform.state import AppState
from herosim.platform.timeouts import Timeouts
from herosim.progress import Recorder
from herosim.runtime.dyno import DynoView
from herosim.runtime.protocol import ManagerInfo
from herosim.runtime.settings import ManagerSettings


def view(name: str, state: str, release: int = 1, crashes: int = 0, size: str = "Basic") -> DynoView:
    return DynoView(name, name.split(".")[0], "cmd", state, "2026-11-28T04:57:00+00:00", release, size,
                    None, None, crashes)


class FakeManager:
    """A running dyno manager: answers with `dynos`, records what it was asked."""

    def __init__(self, dynos: list[DynoView] | None = None, size: str = "basic"):
        self.dynos = list(dynos or [])
        self.size = size
        self.calls: list[tuple] = []

    def ping(self) -> ManagerInfo:
        return ManagerInfo("demo", ManagerSettings(5006, Timeouts(), self.size), 1)

    def status(self) -> list[DynoView]:
        return list(self.dynos)

    def deploy(self, version: int, timeout: float) -> list[DynoView]:
        self.calls.append(("deploy", version))
        return list(self.dynos)

    def converge(self, timeout: float = 300) -> list[DynoView]:
        self.calls.append(("converge",))
        return list(self.dynos)

    def restart(self, dyno: str | None = None, process_type: str | None = None, timeout: float = 300) -> list[str]:
        self.calls.append(("restart", dyno))
        return [dyno] if dyno else []

    def refresh(self) -> None:
        self.calls.append(("refresh",))


def context(tmp_path, manager: FakeManager | None = None) -> AppContext:
    """An app's context with no engine (the verbs under test never reach it) and `manager` as
    its running dyno manager (None: no dynos run)."""
    return AppContext(client=None, name="demo", state=AppState("demo", root=tmp_path), progress=Recorder(),
                      find_manager=lambda state: manager)
