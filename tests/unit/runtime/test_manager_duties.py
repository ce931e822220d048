"""The dyno manager's loop when its engine fails under one duty (issue 19, point 4): a
scheduler job due while the engine restarts (or whose slug image is gone) must not take the
manager down; that duty fails alone, is logged once, and is tried again; the others go on."""

import signal
import threading

import requests

from herosim.platform import schedule
from herosim.platform.state import AppState
from herosim.platform.timeouts import Timeouts
from herosim.runtime.manager import Manager
from herosim.runtime.router.exchange import Backends
from herosim.runtime.settings import ManagerSettings


class Engine:
    """A Docker client whose engine is away (restarting) until `back` is set."""

    def __init__(self):
        self.back = threading.Event()
        self.calls = 0

    def __getattr__(self, name):
        self.calls += 1
        raise requests.exceptions.ConnectionError("Connection aborted: the engine is restarting")


class Dynos:
    """The DynoSet surface the loop uses; ends the manager after `ticks` ticks."""

    def __init__(self, done, ticks):
        self.done, self.left, self.ticked = done, ticks, 0

    def adopt(self, found):
        pass

    def tick(self):
        self.ticked += 1
        self.left -= 1
        if self.left <= 0:
            self.done.set()

    def starting(self):
        return False

    def backends(self):
        return Backends(1, (), False)

    def stop_all(self):
        pass


class Router:
    alive = True

    def start(self):
        pass

    def stop(self):
        pass

    def publish(self, backends):
        pass


def test_a_scheduler_job_that_the_engine_refuses_does_not_take_the_manager_down(tmp_path, capfd):
    state = AppState("demo", root=tmp_path)
    state.add_release("Deploy", "herosim/demo:slug-gone", {"web": "python app.py"}, {})
    state.set_jobs([schedule.new_job([], "python tasks.py", "10m", None).to_dict()])
    engine = Engine()
    manager = Manager(engine, state, ManagerSettings(0, Timeouts(time_scale=0.00001)))
    manager.backend.adoptable = lambda: []
    manager.router = Router()
    manager.dynos = Dynos(manager.done, ticks=15)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        manager.run()   # returns once the fake dynos end it; a duty's exception used to end it at once
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert manager.dynos.ticked == 15          # the dyno clock went on meanwhile
    assert engine.calls >= 2                   # the job was tried, and tried again
    log = capfd.readouterr().err
    assert "scheduler" in log and "the engine is restarting" in log
    assert log.count("Traceback") == 1         # said once while it keeps failing, not at every tick
