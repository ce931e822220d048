"""One finding of `herosim doctor`: how sure, where in the code, what happens on Heroku, the fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR, WARNING = "error", "warning"   # error: Heroku will certainly fail; warning: it may


@dataclass(frozen=True)
class Finding:
    severity: str
    title: str
    where: str     # file:line, a file, or "" for the app as a whole
    detail: str    # one line: what happens on Heroku
    fix: str

    def render(self) -> list[str]:
        mark = " ✖ " if self.severity == ERROR else " ! "
        place = f"{self.where}: " if self.where else ""
        return [f"{mark}{self.severity}: {self.title}", f"     {place}{self.detail}", f"     fix: {self.fix}"]

    def as_dict(self) -> dict:
        return asdict(self)
