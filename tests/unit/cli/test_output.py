"""The Printer's streams: data to stdout, notices to stderr (as Heroku's CLI writes them), the
transcript movable to stderr, a container's bytes passed through untouched; and the edge
that turns an ExitStatus or a HerosimError into the exit status."""

import io

import click
from click.testing import CliRunner

from herosim.cli.base import Env, ExitStatus, HerosimGroup
from herosim.cli.output import Printer
from herosim.errors import HerosimError


def printer():
    out, err = io.StringIO(), io.StringIO()
    return Printer(out=out, err=err, colour=False), out, err


def test_data_and_json_go_to_stdout_notices_to_stderr():
    p, out, err = printer()
    p.data("=== demo Config Vars")
    p.data()
    p.data("no newline", end="")
    p.lines(["a", "b"])
    p.json({"b": 1, "a": [True, None]}, sort_keys=True)
    p.info("Setting A... done")
    assert out.getvalue() == ('=== demo Config Vars\n\nno newlinea\nb\n'
                              '{\n  "a": [\n    true,\n    null\n  ],\n  "b": 1\n}\n')
    assert err.getvalue() == "Setting A... done\n"


def test_the_transcript_moves_to_stderr_and_the_data_stays():
    p, out, err = printer()
    p.step("Building")
    p.transcript_to_err()
    p.step("Installing")
    p.detail("Collecting Flask")
    p.log("web.1: up")
    p.json({"app": "demo"})
    assert out.getvalue() == '-----> Building\n{\n  "app": "demo"\n}\n'
    assert err.getvalue() == "-----> Installing\n       Collecting Flask\nweb.1: up\n"


class Binary(io.TextIOWrapper):
    def __init__(self):
        super().__init__(io.BytesIO(), encoding="utf-8")


def test_raw_bytes_pass_through_untouched_after_the_text_before_them():
    out, err = Binary(), Binary()
    p = Printer(out=out, err=err, colour=False)
    p.data("Connecting to redis-1:")
    p.raw(1, b"\x1b[1mPONG\r\n")
    p.raw(2, b"\xff not utf-8")
    out.flush()
    err.flush()
    assert out.buffer.getvalue() == b"Connecting to redis-1:\n\x1b[1mPONG\r\n"
    assert err.buffer.getvalue() == b"\xff not utf-8"


def test_raw_onto_a_text_stream_decodes():
    p, out, err = printer()
    p.raw(1, b"ok\n")
    p.raw(2, b"\xff!")
    assert (out.getvalue(), err.getvalue()) == ("ok\n", "\ufffd!")


@click.group(cls=HerosimGroup)
def edge():
    """A group with the CLI's edge and two commands."""


@edge.command()
def failing():
    click.get_current_context().find_object(Env).printer.data("3 failed")
    raise ExitStatus(3)


@edge.command()
def broken():
    raise HerosimError("Couldn't find that app.", hint="herosim apps:create")


def test_the_edge_exits_with_the_status_and_shows_an_error_once():
    runner = CliRunner()
    failed = runner.invoke(edge, ["failing"], obj=Env(client=object()), catch_exceptions=False)
    assert (failed.exit_code, failed.stdout, failed.stderr) == (3, "3 failed\n", "")
    broke = runner.invoke(edge, ["broken"], catch_exceptions=False)
    assert (broke.exit_code, broke.stdout, broke.stderr) == (
        1, "", " ▸    Couldn't find that app.\n ▸    Hint: herosim apps:create\n")
