"""What this machine can do with an engine's containers, learnt from them and kept per engine
ID (fake /proc, fake probe; no engine)."""

import json
import os

from herosim.engine.capabilities import EngineView, probe_address
from herosim.engine.identity import EngineIdentity

ENGINE = EngineIdentity(id="O7XP:IXBJ:MZ2Y", name="builder", version="20.10.24", api_version="1.41",
                        os_type="linux", operating_system="Debian")
CONTAINER = "aa325f5651dcbbdf5f7cd7f7aa9fd88513f15bf74a8bdefa0b26949f8fe4804e"


def fake_proc(tmp_path, pid, cgroup):
    (tmp_path / "proc" / str(pid)).mkdir(parents=True)
    (tmp_path / "proc" / str(pid) / "cgroup").write_text(cgroup)
    return tmp_path / "proc"


def test_this_machine_sees_the_processes_when_the_pid_s_cgroup_names_the_container(tmp_path):
    proc = fake_proc(tmp_path, 4242, f"12:memory:/docker/{CONTAINER}\n0::/docker/{CONTAINER}\n")
    view = EngineView(ENGINE, store=tmp_path / "engines", proc=proc)
    assert view.sees_processes(CONTAINER, 4242) is True
    # learnt once: kept under the engine's ID, private
    saved, = (tmp_path / "engines").glob("O7XP_IXBJ_MZ2Y-*.json")
    assert json.loads(saved.read_text())["sees_processes"] is True
    assert os.stat(saved).st_mode & 0o777 == 0o600
    assert EngineView(ENGINE, store=tmp_path / "engines", proc=tmp_path / "nowhere").sees_processes("other", 1)


def test_a_pid_of_another_machine_is_not_the_container(tmp_path):
    # a remote engine's PID may well exist here: its cgroup names something else
    proc = fake_proc(tmp_path, 4242, "0::/user.slice/user-1000.slice/session-3.scope\n")
    assert EngineView(ENGINE, store=tmp_path, proc=proc).sees_processes(CONTAINER, 4242) is False
    assert EngineView(ENGINE, store=None, proc=proc).sees_processes(CONTAINER, 999) is False


def test_reaching_containers_is_learnt_from_the_first_address_and_kept(tmp_path):
    asked = []

    def probe(host, port):
        asked.append((host, port))
        return False

    view = EngineView(ENGINE, store=tmp_path, probe=probe)
    assert view.reaches_containers() is None          # nothing asked yet: unknown
    assert view.reaches_containers("10.215.0.3", 5432) is False
    assert view.reaches_containers("10.215.0.4", 31000) is False
    assert asked == [("10.215.0.3", 1)]   # a closed port: only the container's own kernel refuses it
    assert EngineView(ENGINE, store=tmp_path, probe=probe).reaches_containers() is False


def test_an_undecided_probe_is_not_kept(tmp_path):
    view = EngineView(ENGINE, store=tmp_path, probe=lambda host, port: None)
    assert view.reaches_containers("10.215.0.3", 5432) is False
    assert view.capabilities.reaches_containers is None


def test_another_engine_learns_for_itself(tmp_path):
    EngineView(ENGINE, store=tmp_path, probe=lambda h, p: True).reaches_containers("172.17.0.2", 80)
    other = EngineIdentity(id="ZZZZ:YYYY", name="vm", version="27.0", api_version="1.46", os_type="linux",
                           operating_system="")
    assert EngineView(other, store=tmp_path).reaches_containers() is None


def test_one_engine_through_two_ways_learns_twice(tmp_path):
    EngineView(ENGINE, store=tmp_path, probe=lambda h, p: True, address="").reaches_containers("172.17.0.2")
    forwarded = EngineView(ENGINE, store=tmp_path, address="unix:///tmp/forwarded-docker.sock")
    assert forwarded.reaches_containers() is None


def test_a_refusal_proves_the_container_and_an_accepting_middlebox_does_not():
    import socket
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        assert probe_address("127.0.0.1", port) is True        # refused: its own kernel answered
        listener.listen(1)                                       # what an intercepting proxy does
        assert probe_address("127.0.0.1", port) is False
    assert probe_address("192.0.2.123", 9, timeout=0.05) is False  # TEST-NET-1: nothing answers
