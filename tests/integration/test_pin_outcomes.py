"""doctor's predictions about pins, held against real builds. For each offline Python, in its
stack's build image, with the build's own pip step (installers.script: the same venv, pip,
flags, environment and CA bundle), `pip install --no-deps PIN` runs for each pin of the table
in turn; what it does must be what the table says, and what doctor predicts must agree:
an error (fails) never installs, no finding (installs) always does, a warning (may fail)
is either. One container per Python; the package index is the real one."""

import re
import shlex

import pytest

from herosim.audit.doctor import pins
from herosim.audit.doctor.outcome import FAILS, INSTALLS, MAY_FAIL
from herosim.engine import resolution
from herosim.engine.client import connect
from herosim.engine.tarball import TarWriter
from herosim.errors import BuildError
from herosim.progress import Recorder
from herosim.slug import cabundle, installers, step, wheels
from herosim.slug.managers import PIP
from tests.support import app_name

PYTHONS = ("3.11", "3.13", "3.14")
OK, FAILED = True, False
# pin: {python: (whether pip installs it, doctor's prediction)}
TABLE = {
    # C code that reads CPython's thread state: compiles only for the Pythons it knew
    "greenlet==1.1.2": {"3.11": (FAILED, FAILS), "3.13": (FAILED, FAILS), "3.14": (FAILED, FAILS)},
    "greenlet==3.0.1": {"3.11": (OK, INSTALLS), "3.13": (FAILED, FAILS), "3.14": (FAILED, FAILS)},
    # source archives with no native code
    "blinker==1.4": {p: (OK, INSTALLS) for p in PYTHONS},
    "flask-mail==0.9.1": {p: (OK, INSTALLS) for p in PYTHONS},
    # optional C speedups (setup.py falls back to pure Python); here they even compile
    "markupsafe==2.0.1": {p: (OK, INSTALLS) for p in PYTHONS},
    "sqlalchemy==1.4.22": {p: (OK, INSTALLS) for p in PYTHONS},
    # public C API only: builds with bookworm's GCC 12 for 3.11; forky's GCC 16 refuses its
    # implicit declaration of gettimeofday (an error since GCC 14) for 3.13 and 3.14
    "psycopg2-binary==2.9.1": {"3.11": (OK, MAY_FAIL), "3.13": (FAILED, MAY_FAIL), "3.14": (FAILED, MAY_FAIL)},
    # the positive control: a wheel for each
    "greenlet==3.2.4": {p: (OK, INSTALLS) for p in PYTHONS},
}
MARK = re.compile(r"^@@pin (?P<pin>\S+) (?P<result>ok|failed)$")


def install_each(pins_: list[str], python: str) -> str:
    """The build's pip step up to its install, then one `pip install --no-deps PIN` per pin as
    the step runs `pip install -r requirements.txt`, each followed by its result."""
    script = installers.script(installers.Install(PIP, f"python{python}", python, fresh=True))
    head, _, rest = script.partition('echo "-----> Installing dependencies')
    install = next(line for line in rest.splitlines() if line.startswith("{ pip install -r requirements.txt"))
    command = install.removesuffix(f" || exit {installers.INSTALL_FAILED}")
    body = ""
    for pin in pins_:
        one = command.replace("-r requirements.txt", f"--no-deps {shlex.quote(pin)}")
        body += f'echo "@@pin {pin} begin"\nif {one}; then echo "@@pin {pin} ok"; else echo "@@pin {pin} failed"; fi\n'
    return head + body


def build(python: str) -> tuple[dict[str, bool], list[str]]:
    client = connect()
    stack = resolution.resolve(client, Recorder(), python, kinds=("build",))
    bundle = cabundle.find()
    transcript = step.BuildStep(client, Recorder(), app_name("pins"), ca_bundle=bundle).run(
        stack.build_image, install_each(list(TABLE), python), TarWriter(),
        failure=lambda status, lines: BuildError(f"the pip step stopped ({status})", hint="\n".join(lines[-30:])))
    found = {m["pin"]: m["result"] == "ok" for m in map(MARK.match, transcript.lines) if m}
    return found, transcript.lines


def output_of(pin: str, lines: list[str]) -> str:
    """The last lines pip printed for `pin`."""
    start = lines.index(f"@@pin {pin} begin")
    end = next((i for i in range(start, len(lines)) if MARK.match(lines[i])), len(lines))
    return "\n".join(lines[max(start, end - 40):end + 1])


@pytest.mark.parametrize("python", PYTHONS)
def test_doctors_predictions_hold_in_real_builds(herosim_home, python):
    bundle = cabundle.find()
    index = wheels.simple_api(verify=str(bundle) if bundle else True)
    predicted = {}
    for pin in TABLE:
        name, version = pin.split("==")
        found = pins.assess(name, version, python, index)
        assert found is not None, f"the package index said nothing of {pin} (is it reachable?)"
        predicted[pin] = found.verdict
    assert predicted == {pin: row[python][1] for pin, row in TABLE.items()}

    built, lines = build(python)
    assert built == {pin: row[python][0] for pin, row in TABLE.items()}, \
        "\n\n".join(output_of(pin, lines) for pin in TABLE if built.get(pin) != TABLE[pin][python][0])
    for pin, verdict in predicted.items():   # what the predictions mean (a warning may go either way)
        assert built[pin] or verdict != INSTALLS, pin
        assert not built[pin] or verdict != FAILS, pin
