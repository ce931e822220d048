"""The drains an app has, in `drains.json` in its private folder (a URL may carry a password
for basic authentication, so the file is 0600 like every state file)."""

from __future__ import annotations

from collections.abc import Sequence

from herosim.drains.model import MAX_DRAINS, Drain, DrainError
from herosim.platform import jsonfile
from herosim.platform.state import AppState

FILE = "drains.json"


class DrainStore:
    def __init__(self, state: AppState):
        self.state = state

    @property
    def path(self):
        return self.state.path(FILE)

    def list(self) -> list[Drain]:
        return [Drain.from_dict(item) for item in jsonfile.read(self.path, [])]

    def add(self, url: str) -> Drain:
        drains = self.list()
        if any(d.url == url for d in drains):
            raise DrainError("Url has already been taken", hint="see `herosim drains`")
        if len(drains) >= MAX_DRAINS:
            raise DrainError(f"maximum number of drains reached ({MAX_DRAINS})",
                             hint="remove one first: herosim drains:remove URL|TOKEN")
        drain = Drain.new(url)
        self._save([*drains, drain])
        return drain

    def find(self, url_or_token: str) -> Drain:
        for drain in self.list():
            if url_or_token in (drain.url, drain.token, drain.id):
                return drain
        raise DrainError("Couldn't find that drain.", hint="see `herosim drains` for their URLs and tokens")

    def remove(self, url_or_token: str) -> Drain:
        drain = self.find(url_or_token)
        self._save([d for d in self.list() if d.id != drain.id])
        return drain

    def _save(self, drains: Sequence[Drain]) -> None:   # (`list` here is the method)
        jsonfile.write(self.path, [d.to_dict() for d in drains])
