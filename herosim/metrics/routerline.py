"""The figures of a router line (`heroku[router]: at=info … service=12ms status=200 …`): its
H-code, service time and status. The fields are read from the end of the line, where the
router writes them, so a path or a forwarded address holding `status=` cannot mislead."""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE = re.compile(r"^at=\w+ code=(H\d\d)\b")
TAIL = re.compile(r" dyno=\S* connect=(\d*)(?:ms)? service=(\d*)(?:ms)? status=(\d*) bytes=\d*")


@dataclass(frozen=True)
class RouterFigures:
    status: int | None
    service_ms: int | None
    code: str | None


def parse(message: str) -> RouterFigures | None:
    if not message.startswith("at="):
        return None
    matches = list(TAIL.finditer(message))
    found = matches[-1] if matches else None  # the last one: the figures Heroku appends
    code = CODE.match(message)
    if found is None:
        return RouterFigures(None, None, code.group(1) if code else None) if code else None
    _, service, status = found.groups()
    return RouterFigures(int(status) if status else None, int(service) if service else None,
                         code.group(1) if code else None)
