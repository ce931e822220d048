"""A stand-in for the Docker engine's image API: which images it has (and their labels), a
registry that answers or not, and a record of every pull, build and import asked of it."""

from __future__ import annotations

import docker.errors


class Image:
    def __init__(self, ref: str, labels: dict[str, str]):
        self.id, self.tags, self.labels = f"sha256:{abs(hash(ref)):x}", [ref], labels


class Images:
    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, ref: str) -> Image:
        if ref not in self.engine.present:
            raise docker.errors.ImageNotFound(f"No such image: {ref}")
        return Image(ref, self.engine.present[ref])


class API:
    def __init__(self, engine: Engine):
        self.engine = engine

    def pull(self, repository: str, tag: str, stream: bool, decode: bool):
        ref = f"{repository}:{tag}"
        self.engine.calls.append(("pull", ref))
        if not self.engine.registry:
            raise docker.errors.APIError("dial tcp: lookup registry-1: no such host",
                                         explanation="dial tcp: lookup registry-1: no such host")
        self.engine.present[ref] = {}
        return iter([{"status": f"Pulling from library/{repository}", "id": tag}, {"status": "Downloading",
                     "progressDetail": {"current": 1}}, {"status": f"Downloaded newer image for {ref}"}])

    def build(self, fileobj, custom_context, tag, rm, forcerm, decode, buildargs, labels, nocache):
        self.engine.calls.append(("build", tag))
        self.engine.builds[tag] = {"buildargs": buildargs, "labels": labels, "context": fileobj.read()}
        self.engine.present[tag] = dict(labels)
        return iter([{"stream": f"Step 1/2 : FROM {buildargs['BASE_IMAGE']}\n"}, {"aux": {"ID": f"sha256:{tag}"}}])

    def import_image(self, **kwargs):
        self.engine.calls.append(("import", f"{kwargs['repository']}:{kwargs['tag']}"))


class Engine:
    """`present`: ref -> labels of the images the engine has; `registry`: whether pulls answer."""

    def __init__(self, present: dict[str, dict[str, str]] | None = None, registry: bool = True):
        self.present = dict(present or {})
        self.registry = registry
        self.calls: list[tuple[str, str]] = []
        self.builds: dict[str, dict] = {}
        self.images = Images(self)
        self.api = API(self)
