"""The search conformance suite: official clients against herosim's lite engine, or against
any Elasticsearch/OpenSearch given by HEROSIM_SEARCH_URL (`lite_only` tests are skipped then).

Run per client: pytest tests/search --client es8 (es7, es8, os2); the client library must be
importable (tests/unit/test_search_conformance.py installs each one and runs this suite)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pytest_addoption(parser):
    parser.addoption("--client", default="es8", choices=["es7", "es8", "os2"])


def pytest_configure(config):
    config.addinivalue_line("markers", "lite_only: checks behaviour specific to herosim's lite engine")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("HEROSIM_SEARCH_URL"):
        skip = pytest.mark.skip(reason="checks herosim's lite engine only")
        for item in items:
            if "lite_only" in item.keywords:
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiteEngine:
    """The lite engine as a local process (the same code the sidecar image runs)."""

    def __init__(self, data: Path):
        self.data = data
        self.port = _free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "searchlite", "--data", str(self.data),
                                         "--host", "127.0.0.1", "--port", str(self.port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/_cluster/health", timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the lite engine did not start: " + self.process.stderr.read().decode()[-2000:])

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    if os.environ.get("HEROSIM_SEARCH_URL"):
        yield None
        return
    lite = LiteEngine(tmp_path_factory.mktemp("search-data"))
    lite.start()
    yield lite
    lite.stop()


@pytest.fixture(scope="session")
def url(engine) -> str:
    return os.environ.get("HEROSIM_SEARCH_URL") or engine.url


@pytest.fixture(scope="session")
def flavor(request) -> str:
    return request.config.getoption("--client")


@pytest.fixture(scope="session")
def es(url, flavor):
    if flavor == "os2":
        from opensearchpy import OpenSearch
        return OpenSearch([url], timeout=30)
    from elasticsearch import Elasticsearch
    if flavor == "es7":
        return Elasticsearch([url], timeout=30)
    return Elasticsearch(url, request_timeout=30)


@pytest.fixture(scope="session")
def errors(flavor):
    """The client's exception classes under common names."""
    if flavor == "os2":
        import opensearchpy.exceptions as exc
        return {"not_found": exc.NotFoundError, "conflict": exc.ConflictError, "bad_request": exc.RequestError}
    import elasticsearch
    if flavor == "es7":
        return {"not_found": elasticsearch.NotFoundError, "conflict": elasticsearch.ConflictError,
                "bad_request": elasticsearch.RequestError}
    return {"not_found": elasticsearch.NotFoundError, "conflict": elasticsearch.ConflictError,
            "bad_request": elasticsearch.BadRequestError}


@pytest.fixture
def index_name(es):
    name = f"conf-{uuid.uuid4().hex[:8]}"
    yield name
    try:
        es.indices.delete(index=name)
    except Exception:  # noqa: BLE001 - the test may have deleted it
        pass


def status_of(error) -> int:
    return getattr(error, "status_code", None) or getattr(getattr(error, "meta", None), "status", None)


def error_type(error) -> str:
    info = getattr(error, "info", None) or getattr(error, "body", None) or {}
    if isinstance(info, dict):
        return (info.get("error") or {}).get("type", "") if isinstance(info.get("error"), dict) else ""
    return ""
