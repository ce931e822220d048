"""cli/commands.py names, for every command, the module that registers it: each module
imported alone registers its row (a fresh interpreter per module, so no other module's
import helps; a module may bring another's, as dev does apps), and the rows together are
the whole group."""

import json
import subprocess
import sys

from herosim.cli import commands

REGISTERED_ALONE = """
import json, sys
from herosim.cli.base import cli
before = set(cli.commands)
__import__("herosim.cli." + sys.argv[1])
print(json.dumps(sorted(set(cli.commands) - before)))
"""


def registered_by(module: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", REGISTERED_ALONE, module], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_each_module_registers_its_row():
    for module, names in commands.MODULES.items():
        assert set(names) <= registered_by(module), module


def test_no_command_belongs_to_two_modules_and_the_help_lists_them_all():
    names = [name for row in commands.MODULES.values() for name in row]
    assert len(names) == len(set(names)) == len(commands.OWNER)
    listed = subprocess.run([sys.executable, "-c", "from herosim.cli.base import cli, load_all; load_all(); "
                             "print('\\n'.join(cli.commands))"], capture_output=True, text=True, check=True)
    assert set(listed.stdout.split()) == set(names)


def test_a_quick_command_imports_only_its_own_module():
    probe = ("import sys; from herosim.cli import cli; "
             "cli.main(['config:get', '--help'], standalone_mode=False); "
             "print(sorted(m for m in sys.modules if m.startswith('herosim.cli.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    loaded = {m.removeprefix("herosim.cli.") for m in eval(out.strip().splitlines()[-1])}
    assert loaded & set(commands.MODULES) == {"config"}, loaded
