"""The engine's identity and checks, from its own /info and /version (fakes, no engine)."""

import pytest
import requests

from herosim.engine import identity
from herosim.errors import DockerUnavailable

INFO = {"ID": "O7XP:IXBJ", "Name": "builder", "OSType": "linux", "OperatingSystem": "Debian GNU/Linux 13"}
VERSION = {"Version": "20.10.24", "ApiVersion": "1.41", "Os": "linux"}


class Client:
    def __init__(self, info=INFO, version=VERSION):
        self._info, self._version = info, version

    def info(self):
        return self._info

    def version(self):
        return self._version


def test_identity_is_read_from_the_engine():
    found = identity.read(Client())
    assert found == identity.EngineIdentity(id="O7XP:IXBJ", name="builder", version="20.10.24", api_version="1.41",
                                            os_type="linux", operating_system="Debian GNU/Linux 13")


def test_an_engine_too_old_is_one_line_naming_docker_host_and_the_minimum(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://builder:2376")
    with pytest.raises(DockerUnavailable) as raised:
        identity.read(Client(version={"Version": "19.03.15", "ApiVersion": "1.40"}))
    assert raised.value.message == ("The Docker engine at tcp://builder:2376 (DOCKER_HOST) is too old: API 1.40 "
                                    "(Docker 19.03.15); herosim needs API 1.41 (Docker 20.10) or newer")
    assert "\n" not in raised.value.message
    assert raised.value.hint == "upgrade the engine, or point DOCKER_HOST at a newer one"


def test_newer_apis_pass_and_windows_containers_do_not(monkeypatch):
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    assert identity.read(Client(version={**VERSION, "ApiVersion": "1.47"})).api_version == "1.47"
    with pytest.raises(DockerUnavailable) as raised:
        identity.read(Client(info={**INFO, "OSType": "windows"}))
    assert raised.value.message == ("The Docker engine at unix:///var/run/docker.sock (the local socket; DOCKER_HOST "
                                    "is not set) runs windows containers; Heroku's dynos are Linux")


@pytest.mark.parametrize("error, said", [
    (requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
     "its TLS certificate does not verify against the CA in DOCKER_CERT_PATH"),
    (requests.exceptions.ConnectionError("('Connection aborted.', FileNotFoundError(2, 'No such file or directory'))"),
     "no socket there"),
    (requests.exceptions.ConnectTimeout("Max retries exceeded (connect timeout=15) timed out"), "no answer (timed out)"),
    (requests.exceptions.ConnectionError("[Errno 111] Connection refused"), "connection refused"),
])
def test_why_an_engine_cannot_be_reached_in_a_few_words(error, said):
    assert identity.reason(error) == said


def test_the_hint_fits_the_address(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://builder:2376")
    assert identity.hint().startswith("check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH")
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock")
    assert "dockerd" in identity.hint()
