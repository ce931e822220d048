"""The dyno manager's control protocol, declared once: each operation's name, its arguments
(name and JSON type) and its reply's type. The server (server.py) answers these operations
alone, checks a request's arguments against them and the service's methods against them
when it starts; the client (client.py) sends them and gets typed replies back. Typed values
become JSON here, at the wire, and nowhere else."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from herosim.runtime.dyno import DynoView
from herosim.runtime.settings import ManagerSettings

R = TypeVar("R")
_NAME = (str, type(None))   # a dyno or process type, or none (all)


@dataclass(frozen=True)
class ManagerInfo:
    """`ping`'s reply: which app the manager runs, with which settings, on which release."""
    app: str
    settings: ManagerSettings
    release: int | None

    def to_wire(self) -> dict[str, Any]:
        return {"app": self.app, **self.settings.to_dict(), "release": self.release}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ManagerInfo:
        return cls(str(data["app"]), ManagerSettings.from_dict(data), data.get("release"))


@dataclass(frozen=True)
class Operation(Generic[R]):
    name: str
    args: Mapping[str, tuple[type, ...]]   # argument -> the JSON types it may have
    encode: Callable[[R], Any]             # the service's typed answer -> JSON
    decode: Callable[[Any], R]             # JSON -> the client's typed reply

    def bad_arguments(self, args: Mapping[str, Any]) -> str | None:
        """Why `args` do not fit this operation, or None when they do."""
        unknown = sorted(set(args) - set(self.args))
        if unknown:
            return f"unknown argument {unknown[0]!r}"
        wrong = [name for name, value in args.items() if not isinstance(value, self.args[name])
                 or (isinstance(value, bool) and bool not in self.args[name])]   # JSON's true is no version
        return f"argument {wrong[0]!r} has the wrong type" if wrong else None


def _same(value: Any) -> Any:
    return value


def _nothing(_value: Any) -> None:
    return None


def _views_out(views: list[DynoView]) -> list[dict[str, Any]]:
    return [view.to_dict() for view in views]


def _views_in(data: list[Mapping[str, Any]]) -> list[DynoView]:
    return [DynoView.from_dict(item) for item in data]


def _names(data: list[str]) -> list[str]:
    return [str(name) for name in data]


def _runs_out(runs: Mapping[int, float | None]) -> dict[str, float | None]:
    return {str(job): due for job, due in runs.items()}


def _runs_in(data: Mapping[str, float | None]) -> dict[int, float | None]:
    return {int(job): due for job, due in data.items()}


PING: Operation[ManagerInfo] = Operation("ping", {}, ManagerInfo.to_wire, ManagerInfo.from_wire)
DEPLOY: Operation[list[DynoView]] = Operation("deploy", {"version": (int,)}, _views_out, _views_in)
DEPLOY_SYNCED: Operation[list[DynoView]] = Operation("deploy_synced", {"version": (int,), "synced": (list,)},
                                                    _views_out, _views_in)
CONVERGE: Operation[list[DynoView]] = Operation("converge", {}, _views_out, _views_in)
RESTART: Operation[list[str]] = Operation("restart", {"dyno": _NAME, "process_type": _NAME}, _names, _names)
STATUS: Operation[list[DynoView]] = Operation("status", {}, _views_out, _views_in)
STOP_DYNOS: Operation[list[str]] = Operation("stop_dynos", {"dyno": _NAME, "process_type": _NAME}, _names, _names)
RUN_DETACHED: Operation[str] = Operation("run_detached", {"version": (int,), "command": (str,), "user": (str,)},
                                         _same, str)
STOP: Operation[None] = Operation("stop", {}, _nothing, _nothing)
REFRESH: Operation[None] = Operation("refresh", {}, _nothing, _nothing)
RUN_JOB: Operation[str] = Operation("run_job", {"job_id": (int,)}, _same, str)
NEXT_RUNS: Operation[dict[int, float | None]] = Operation("next_runs", {}, _runs_out, _runs_in)

OPERATIONS: Mapping[str, Operation[Any]] = {op.name: op for op in (
    PING, DEPLOY, DEPLOY_SYNCED, CONVERGE, RESTART, STATUS, STOP_DYNOS, RUN_DETACHED, STOP, REFRESH, RUN_JOB,
    NEXT_RUNS)}


def unfit(service: object, operations: Mapping[str, Operation[Any]] = OPERATIONS) -> list[str]:
    """How `service` fails to implement `operations`: a method missing, or its parameters not
    the declared arguments. Empty when it implements them all."""
    problems = []
    for op in operations.values():
        method = getattr(service, op.name, None)
        if not callable(method):
            problems.append(f"{op.name}: missing")
            continue
        params = [p.name for p in inspect.signature(method).parameters.values()
                  if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"]  # a class too
        if sorted(params) != sorted(op.args):
            problems.append(f"{op.name}: takes {params}, the protocol declares {list(op.args)}")
    return problems
