"""A stand-in for the engine's volumes, where add-ons record what is not secret on labels."""

from __future__ import annotations


class Volume:
    def __init__(self, name, labels):
        self.name, self.attrs = name, {"Labels": labels}


class Volumes:
    def __init__(self):
        self.made: list[Volume] = []

    def create(self, name, labels):
        self.made.append(Volume(name, labels))

    def list(self, filters):
        wanted = dict(item.split("=", 1) for item in filters["label"] if "=" in item)
        return [v for v in self.made if all(v.attrs["Labels"].get(k) == val for k, val in wanted.items())]


class Engine:
    def __init__(self):
        self.volumes = Volumes()
