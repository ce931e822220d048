"""The CLI's two edges hold: every line goes through the Printer (cli/output.py) and every exit
through cli/base.py. An AST scan of herosim/cli/: no other module calls click's writers,
print, sys.exit (or any `.exit`), or writes to sys.stdout / sys.stderr itself."""

import ast
from pathlib import Path

import pytest

import herosim.cli

CLI = Path(herosim.cli.__file__).parent
EDGES = {"output.py", "base.py"}
# click's functions that write to the terminal (a prompt included: base.py owns the one there is)
CLICK_WRITERS = {"echo", "secho", "echo_via_pager", "prompt", "confirm", "progressbar", "pause", "clear"}


def offences(source: str) -> list[str]:
    """`line: what` for each call that writes to the terminal or exits, whatever name it is
    imported under."""
    tree = ast.parse(source)
    modules, functions = {}, {}   # local name -> module; local name -> module.function
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                modules[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                functions[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    found = []
    for node in ast.walk(tree):
        what = _offence(node, modules, functions)
        if what:
            found.append(f"{node.lineno}: {what}")
    return found


def _offence(node: ast.AST, modules: dict, functions: dict) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and modules.get(node.value.id) == "sys" and node.attr in ("stdout", "stderr", "__stdout__", "__stderr__"):
        return f"sys.{node.attr}"
    if isinstance(node, ast.Name) and functions.get(node.id) in ("sys.stdout", "sys.stderr"):
        return functions[node.id]
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name):
        full = functions.get(func.id, func.id)
        if full in ("print", "exit", "quit", "sys.exit", "os._exit") or \
                (full.startswith("click.") and full.split(".")[-1] in CLICK_WRITERS):
            return full
        return None
    if isinstance(func, ast.Attribute):
        if func.attr in ("exit", "_exit"):   # sys.exit, os._exit, ctx.exit: the edge exits
            return f"….{func.attr}"
        if isinstance(func.value, ast.Name) and modules.get(func.value.id) == "click" and func.attr in CLICK_WRITERS:
            return f"click.{func.attr}"
    return None


@pytest.mark.parametrize("source", [
    "import click\nclick.echo('x')\n",
    "import click as c\nc.secho('x', err=True)\n",
    "from click import echo\necho('x')\n",
    "from click import echo as say\nsay('x')\n",
    "print('x')\n",
    "import sys\nsys.exit(1)\n",
    "from sys import exit\nexit(1)\n",
    "import os\nos._exit(1)\n",
    "def f(ctx):\n    ctx.exit(2)\n",
    "import sys\nsys.stdout.write('x')\n",
    "import sys\nsys.stderr.buffer.write(b'x')\n",
    "from sys import stdout\nstdout.write('x')\n",
    "import click\nclick.prompt('name')\n",
])
def test_the_scan_finds_each_way_of_writing_or_exiting(source):
    assert offences(source)


def test_the_scan_lets_the_printer_and_the_edge_be():
    assert offences("def f(env):\n    env.printer.data('x')\n    env.printer.info('y')\n"
                    "    raise ExitStatus(1)\nimport sys\ninteractive = not sys.stdin.closed\n") == []


def test_no_cli_module_but_the_edges_writes_or_exits():
    modules = sorted(p for p in CLI.glob("*.py") if p.name not in EDGES)
    assert len(modules) > 10   # the scan reads the package, not an empty folder
    found = {p.name: offences(p.read_text()) for p in modules}
    assert {name: lines for name, lines in found.items() if lines} == {}
