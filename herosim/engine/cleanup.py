"""Removing what herosim made, quietly: a thing already gone is not an error."""

from __future__ import annotations

import docker
import docker.errors
import requests.exceptions

from herosim.engine.images import listed


def quietly(thing, **kwargs) -> bool:
    """Remove a container, volume, network or image object; False when it could not be."""
    try:
        thing.remove(**kwargs)
        return True
    except (docker.errors.APIError, requests.exceptions.RequestException):
        return False


def container(found) -> bool:
    return quietly(found, force=True, v=True)


def images(client: docker.DockerClient, filters: dict) -> int:
    """Every image matching `filters`; an image that another still builds on goes in a later
    pass, after its child. Returns how many were removed."""
    removed = 0
    for _ in range(4):
        left = listed(client, filters)
        progress = False
        for image in left:
            try:
                client.images.remove(image.id, force=True)
                removed += 1
                progress = True
            except docker.errors.APIError:
                pass
        if not left or not progress:
            break
    return removed
