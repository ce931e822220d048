"""The tutorials' way in: apps:create, addons:create, config:set, then `git push heroku main`
on the bundled microblog, pushed again and again (one app for the module, tests in order):
a build, a rejected build with the release still serving, a branch that does not deploy,
a change with an edit never committed, a force push of an older commit, a rename. Whole transcripts of
what git prints, with only what varies normalised (sizes, ports, hashes, pip's lines)."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import app_name, git_app, herosim
from tests.integration.test_builds import UV_NOTE

GIT = ["git", "-c", "user.name=herosim", "-c", "user.email=herosim@localhost"]


class Pushed:
    """The working copy, the app's name and what the tests learn as they go."""

    def __init__(self, path: Path, name: str):
        self.path, self.name = path, name
        self.commits: dict[str, str] = {}

    def cli(self, *args):
        return herosim(*args, cwd=self.path)

    def git(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(GIT + list(args), cwd=self.path, capture_output=True, text=True, timeout=900)

    def commit(self, label: str, edit) -> str:
        edit(self.path)
        self.git("commit", "-qam", label)
        self.commits[label] = self.git("rev-parse", "HEAD").stdout.strip()
        return self.commits[label]

    def push(self, *args, pip: bool = False) -> tuple[int, str]:
        result = self.git("push", *args)
        return result.returncode, normalised(result.stdout + result.stderr, self.repo, pip)

    @property
    def repo(self) -> str:
        return str((Path(os.environ["HEROSIM_HOME"]) / "git" / f"{self.name}.git").absolute())

    @property
    def url(self) -> str:
        settings = json.loads((Path(os.environ["HEROSIM_HOME"]) / "apps" / self.name / "settings.json").read_text())
        return f"http://127.0.0.1:{settings['router_port']}/"

    def get(self, path: str = "/") -> requests.Response:
        return requests.get(self.url.rstrip("/") + path, timeout=30)

    def releases(self) -> list[str]:
        """`v3  Deploy 1a2b3c4d` for each release, newest first."""
        return ["  ".join(line.split("  ")[:2]) for line in self.cli("releases").stdout.splitlines()[1:]]


def normalised(text: str, repo: str, pip: bool = False) -> str:
    """What varies from run to run replaced; pip's own lines (tested in test_builds) collapsed
    unless `pip`."""
    text = re.sub(r"[ \t]+$", "", text, flags=re.M)   # git pads `remote:` lines (hatchet#162)
    if not pip:
        text = re.sub(r"(remote: -----> Installing dependencies using 'pip install -r requirements.txt'\n)"
                      r"(remote:        .*\n)+", r"\1(pip)\n", text)
    text = re.sub(r"Python 3\.13\.\d+", "Python 3.13.N", text)
    text = re.sub(r"Done: [\d.]+M", "Done: NM", text)
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\b[0-9a-f]{7,40}(\.\.\.?)[0-9a-f]{7,40}\b", r"OLD\1NEW", text)
    return text.replace(repo, "REPO")


UV = "".join(f"remote: {line}".rstrip() + "\n" for line in UV_NOTE.strip("\n").splitlines())
BUILT = f"""remote: Compressing source files... done.
remote: Building source:
remote:
remote: -----> Building on the Heroku-24 stack
remote: -----> Determining which buildpack to use for this app
remote: -----> Python app detected
remote: -----> Using Python 3.13 specified in .python-version
{{python}}remote: -----> Installing dependencies using 'pip install -r requirements.txt'
(pip)
remote: -----> Saving cache
remote:
{UV}remote:
remote: -----> Discovering process types
remote:        Procfile declares types -> web, worker
remote:
remote: -----> Compressing...
remote:        Done: NM
remote: -----> Launching...
remote:        Released {{release}}
remote:        https://127.0.0.1:PORT/ deployed to Heroku
remote:
remote: Verifying deploy... done.
To REPO
"""
FIRST_PYTHON = "remote: -----> Installing Python 3.13.N\nremote: -----> Installing pip 26.2.1\n"
CACHED_PYTHON = ("remote: -----> Restoring cache\nremote: -----> Using cached install of Python 3.13.N\n"
                 "remote: -----> Installing pip 26.2.1\n")


def built(release: str, ref_line: str, first: bool = False) -> set[str]:
    """The transcript of a successful push. A first build installs Python; a later one restores
    the cache, unless the app's first layer came from another app with the very same inputs
    (herosim shares those; it then reports no cache: slug/dependencies.py, left as it is)."""
    pythons = [FIRST_PYTHON] if first else [CACHED_PYTHON, FIRST_PYTHON]
    return {BUILT.format(python=python, release=release) + ref_line + "\n" for python in pythons}


def ok(pushed: tuple[int, str], expected: set[str]) -> bool:
    code, text = pushed
    assert code == 0 and text in expected, text
    return True


@pytest.fixture(scope="module")
def app(herosim_home, tmp_path_factory):
    path = git_app("microblog", tmp_path_factory.mktemp("push"))
    subprocess.run(GIT + ["branch", "-m", "main"], cwd=path, check=True)
    pushed = Pushed(path, app_name("push"))
    pushed.commits["first"] = pushed.git("rev-parse", "HEAD").stdout.strip()
    yield pushed
    herosim("destroy", "-a", pushed.name, "--confirm", pushed.name, cwd=path)


def test_the_tutorials_commands_create_the_app_its_database_and_config(app):
    created = app.cli("apps:create", app.name)
    assert created.returncode == 0, created.stderr
    assert created.stderr == f"Creating ⬢ {app.name}... done\n"
    assert re.fullmatch(rf"https://127\.0\.0\.1:\d+/ \| \S+/git/{app.name}\.git\n", created.stdout)
    assert app.git("remote").stdout == "heroku\n"

    database = app.cli("addons:create", "heroku-postgresql:essential-0")
    assert database.returncode == 0, database.stderr
    assert database.stderr == (f"Creating heroku-postgresql:essential-0 on ⬢ {app.name}... "
                               "~$0.007/hour (max $5/month)\n")
    assert re.fullmatch(r"Database has been created and is available\n"
                        r" ! This database is empty\. If upgrading, you can transfer\n"
                        r" ! data from another database with pg:copy\n"
                        r"Created postgresql-[a-z]+-\d{5} as DATABASE_URL\n"
                        r"Run herosim addons:docs heroku-postgresql to view documentation\.\n", database.stdout)

    config = app.cli("config:set", "LOG_TO_STDOUT=1")
    assert (config.returncode, config.stdout, config.stderr) == (
        0, "LOG_TO_STDOUT: 1\n", f"Setting LOG_TO_STDOUT and restarting ⬢ {app.name}... done, v2\n")


def test_a_push_builds_the_commit_and_releases_it(app):
    assert ok(app.push("heroku", "main"), built("v3", " * [new branch]      main -> main", first=True))
    assert app.get().json() == {"app": "microblog", "dyno": "web.1", "database": "postgresql"}
    assert app.releases()[0] == f"v3  Deploy {app.commits['first'][:8]}"


def test_a_failed_build_rejects_the_push_and_the_release_keeps_serving(app):
    app.commit("broken", lambda p: (p / "requirements.txt").write_text(
        (p / "requirements.txt").read_text() + "an-invalid-requirement!\n"))
    code, text = app.push("heroku", "main", pip=True)
    assert code == 1
    assert text.endswith("""remote:        ERROR: Invalid requirement: 'an-invalid-requirement!': Expected semicolon (after name with no version specifier) or end
remote:            an-invalid-requirement!
remote:                                  ^ (from line 7 of requirements.txt)
remote:
remote:  !     Error: Unable to install dependencies using pip.
remote:  !
remote:  !     See the log output above for more information.
remote:
remote:  !     Push rejected, failed to compile Python app.
remote:
remote:  !     Push failed
remote: Verifying deploy...
remote:
remote: !\tPush rejected to {name}.
remote:
To REPO
 ! [remote rejected] main -> main (pre-receive hook declined)
error: failed to push some refs to 'REPO'
""".format(name=app.name)), text
    assert text.startswith("remote: Compressing source files... done.\nremote: Building source:\n")
    assert app.get().json()["database"] == "postgresql"           # v3 still serves
    assert app.releases()[0] == f"v3  Deploy {app.commits['first'][:8]}"
    app.git("reset", "-q", "--hard", "HEAD~1")


def test_a_push_to_another_branch_is_kept_and_not_built(app):
    code, text = app.push("heroku", "main:feature")
    assert (code, text) == (0, "remote: Pushed to branch other than [main, master], skipping build.\n"
                               "To REPO\n * [new branch]      main -> feature\n")
    assert app.releases()[0].startswith("v3  ")


def test_a_code_change_is_built_and_an_edit_never_committed_is_not(app):
    app.commit("second", lambda p: (p / "app.py").write_text(
        (p / "app.py").read_text().replace('return jsonify(app="microblog",', 'return jsonify(app="microblog", v=2,')))
    app_py = app.path / "app.py"
    app_py.write_text(app_py.read_text().replace("v=2,", "v=3,"))   # in the working tree only
    assert ok(app.push("heroku", "main"), built("v4", "   OLD..NEW  main -> main"))
    assert app.get().json()["v"] == 2
    assert app.push("heroku", "main") == (0, "Everything up-to-date\n")


def test_a_force_push_of_an_older_commit_deploys_it_again(app):
    first = app.commits["first"][:7]
    refused = app.git("push", "heroku", f"{first}:main")
    assert refused.returncode == 1 and "[rejected]" in refused.stderr   # git's own refusal: not a fast-forward
    forced = app.push("--force", "heroku", f"{first}:main")
    assert ok(forced, built("v5", f" + OLD...NEW {first} -> main (forced update)"))
    assert "v" not in app.get().json()
    assert app.releases()[:2] == [f"v5  Deploy {app.commits['first'][:8]}", f"v4  Deploy {app.commits['second'][:8]}"]


def test_a_rename_keeps_the_data_and_the_remote(app):
    assert requests.post(app.url + "posts", json={"body": "kept across a rename"}, timeout=30).status_code == 201
    old, new = app.name, app_name("pushed")
    renamed = app.cli("apps:rename", new)
    assert renamed.returncode == 0, renamed.stderr
    assert renamed.stderr == (f"Renaming ⬢ {old} to {new}... done\n"
                              " ▸    Warning: Don't forget to update git remotes for all other local checkouts of "
                              "the app.\n")
    assert re.fullmatch(rf"https://127\.0\.0\.1:\d+/ \| \S+/git/{new}\.git\nGit remote heroku updated\n",
                        renamed.stdout)
    app.name = new
    assert [p["body"] for p in app.get("/posts").json()] == ["kept across a rename"]
    app.git("checkout", "-q", "--", "app.py")
    app.commit("third", lambda p: (p / "worker.py").write_text((p / "worker.py").read_text() + "# third\n"))
    assert ok(app.push("heroku", "main"), built("v6", "   OLD..NEW  main -> main"))
    assert [p["body"] for p in app.get("/posts").json()] == ["kept across a rename"]


RELEASED_THEN_RAN = """remote: -----> Launching...
remote:  !     Release command declared: this new release will not be available until the command succeeds.
remote:        Released {release}
remote:        https://127.0.0.1:PORT/ deployed to Heroku
remote:
remote: Verifying deploy... done.
remote: Running release command...
remote:
remote: {said}
remote: Waiting for release.... {outcome}.
To REPO
   OLD..NEW  main -> main
"""


def with_release(command: str):
    def edit(path: Path) -> None:
        procfile = [line for line in (path / "Procfile").read_text().splitlines() if not line.startswith("release:")]
        (path / "Procfile").write_text("\n".join([f"release: {command}", *procfile]) + "\n")
    return edit


def test_a_release_command_runs_once_the_push_has_released_and_its_failure_keeps_the_push(app):
    """As Heroku Git prints it: the release, `Verifying deploy... done.`, then the command's
    own output, then `Waiting for release.... done.` (or `failed.`: the push is accepted, the
    release is marked failed and the one before keeps serving)."""
    app.commit("release ok", with_release("echo the release command ran"))
    code, text = app.push("heroku", "main")
    assert code == 0 and "Procfile declares types -> release, web, worker" in text, text
    assert text.endswith(RELEASED_THEN_RAN.format(release="v7", said="the release command ran", outcome="done")), text
    assert app.get().json()["app"] == "microblog"
    assert app.releases()[0] == f"v7  Deploy {app.commits['release ok'][:8]}"

    app.commit("release fails", with_release("echo this migration fails; exit 3"))
    code, text = app.push("heroku", "main")
    assert code == 0, text   # the build succeeded: git stores the commit
    assert text.endswith(RELEASED_THEN_RAN.format(release="v8", said="this migration fails", outcome="failed")), text
    assert app.get().json()["app"] == "microblog"   # v7 keeps serving
    shown = app.cli("releases").stdout.splitlines()
    assert shown[1].startswith("v8  Deploy") and "release command failed" in shown[1], shown
    assert app.git("ls-remote", "heroku", "main").stdout.split()[0] == app.commits["release fails"]
