"""Whole transcripts of the Heroku app commands (apps:create, apps, apps:info, git:remote,
addons:create's refusals), stdout and stderr apart as Heroku's CLI writes them. No engine:
a stand-in Docker client with nothing in it."""

import json
import re
import subprocess

import pytest
from click.testing import CliRunner

from herosim.cli import cli
from herosim.cli.base import Env
from herosim.git import repo
from tests.unit.cli.test_transcripts import NoEngine
from tests.unit.git.test_repo import commit


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("HEROSIM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HEROSIM_USER", "dev@example.com")
    monkeypatch.delenv("HEROKU_APP", raising=False)
    monkeypatch.delenv("HEROSIM_APP", raising=False)
    monkeypatch.setattr("herosim.runtime.launcher.port_free", lambda port: port != 5007)
    work = tmp_path / "microblog"
    work.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=work, check=True)
    commit(work, {"requirements.txt": ""})
    monkeypatch.chdir(work)

    def invoke(*args):
        result = CliRunner().invoke(cli, [*args], obj=Env(client=NoEngine()), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr
    return invoke


def git_url(app):
    return repo.url(app)


def test_apps_create_adds_the_heroku_remote(run):
    assert run("apps:create", "flask-microblog-jh") == (
        0, f"https://127.0.0.1:5006/ | {git_url('flask-microblog-jh')}\n", "Creating ⬢ flask-microblog-jh... done\n")
    remotes = subprocess.run(["git", "remote", "-v"], capture_output=True, text=True).stdout
    assert remotes == (f"heroku\t{git_url('flask-microblog-jh')} (fetch)\n"
                       f"heroku\t{git_url('flask-microblog-jh')} (push)\n")


def test_apps_create_twice_says_the_name_is_taken(run):
    run("apps:create", "flask-microblog-jh")
    assert run("apps:create", "flask-microblog-jh") == (
        1, "", "Creating ⬢ flask-microblog-jh... !\n"
               " ▸    Name flask-microblog-jh is already taken\n"
               " ▸    Hint: choose another name, or none for a generated one\n")


def test_apps_create_refuses_a_name_heroku_refuses(run):
    code, out, err = run("apps:create", "Flask_Microblog")
    assert (code, out) == (1, "")
    assert err.splitlines()[:2] == ["Creating ⬢ Flask_Microblog... !",
                                    " ▸    Name must start with a letter, end with a letter or digit, and can only "
                                    "contain lowercase letters, digits, and dashes."]


def test_apps_create_without_a_name_and_each_app_its_own_port(run):
    run("apps:create", "first", "--no-remote")
    code, out, err = run("create")
    name = re.fullmatch(r"Creating app\.\.\. done, ⬢ ([a-z]+-[a-z]+-\d{5})\n", err).group(1)
    # 5006 is first's, 5007 is busy on this machine: the next free one
    assert (code, out) == (0, f"https://127.0.0.1:5008/ | {git_url(name)}\n")


def test_apps_lists_them_and_says_when_there_are_none(run):
    assert run("apps") == (0, "You have no apps.\n", "")
    assert run("apps", "--json") == (0, "[]\n", "")
    run("apps:create", "beta", "--no-remote")
    run("apps:create", "alpha", "--no-remote")
    assert run("apps") == (0, "=== dev@example.com Apps\n\n⬢ alpha\n⬢ beta\n", "")
    listed = json.loads(run("apps", "--json")[1])
    assert [a["name"] for a in listed] == ["alpha", "beta"]
    assert listed[0]["git_url"] == git_url("alpha") and listed[1]["web_url"] == "https://127.0.0.1:5006/"
    assert listed[0]["stack"] == {"name": "heroku-24"} and listed[0]["owner"] == {"email": "dev@example.com"}


def test_apps_info_of_the_app_the_remote_names(run):
    run("apps:create", "flask-microblog-jh")
    code, out, err = run("apps:info")   # no -a: the `heroku` remote of this directory says which app
    assert (code, err) == (0, "")
    assert re.sub(r"Repo Size: +\d+ KB", "Repo Size:      N KB", out) == f"""=== ⬢ flask-microblog-jh

Auto Cert Mgmt: false
Git URL:        {git_url('flask-microblog-jh')}
Web URL:        https://127.0.0.1:5006/
Repo Size:      N KB
Slug Size:      0 B
Owner:          dev@example.com
Region:         us
Dynos:          
Stack:          heroku-24
"""
    assert run("apps:info", "--shell")[1].splitlines()[:4] == [
        "auto_cert_mgmt=false", "addons=", "collaborators=", f"git_url={git_url('flask-microblog-jh')}"]


def test_git_remote_sets_the_remote(run):
    run("apps:create", "flask-microblog-jh", "--no-remote")
    assert run("git:remote", "-a", "flask-microblog-jh") == (
        0, f"set git remote heroku to {git_url('flask-microblog-jh')}\n", "")
    run("apps:create", "staging-app", "--no-remote")
    assert run("git:remote", "-a", "staging-app", "-r", "staging") == (
        0, f"set git remote staging to {git_url('staging-app')}\n", "")
    assert run("apps:info", "-r", "staging")[1].startswith("=== ⬢ staging-app\n")
    code, _, err = run("apps:info")
    assert code == 1 and err.startswith(" ▸    Multiple apps in git remotes\n")


def test_git_remote_does_not_overwrite_a_remote_of_a_real_heroku_app(run):
    run("apps:create", "flask-microblog-jh", "--no-remote")
    subprocess.run(["git", "remote", "add", "heroku", "https://git.heroku.com/flask-microblog-jh.git"], check=True)
    assert run("git:remote", "-a", "flask-microblog-jh") == (
        1, "", " ▸    git remote heroku points at https://git.heroku.com/flask-microblog-jh.git, which is not a "
               "herosim app\n"
               " ▸    Hint: use another remote name: herosim git:remote -a flask-microblog-jh -r herosim (then git "
               "push herosim main), or rename that one: git remote rename heroku heroku-prod\n")


def test_git_remote_of_an_unknown_app(run):
    assert run("git:remote", "-a", "nope") == (
        1, "", " ▸    Couldn't find that app.\n ▸    Hint: herosim apps:create nope makes it\n")


@pytest.mark.parametrize("plan, first, replacement", [
    ("heroku-postgresql:hobby-dev", "The heroku-postgresql:hobby-dev plan is no longer available. Choose a different "
     "plan. See all available plans in the Elements Marketplace at elements.heroku.com.",
     "heroku-postgresql:essential-0"),
    ("heroku-postgresql:hobby-basic", "The heroku-postgresql:hobby-basic plan is no longer available. Choose a "
     "different plan. See all available plans in the Elements Marketplace at elements.heroku.com.",
     "heroku-postgresql:essential-1"),
    ("heroku-redis:hobby-dev", "The heroku-redis:hobby-dev plan is no longer available. Choose a different plan. "
     "See all available plans in the Elements Marketplace at elements.heroku.com.", "heroku-redis:mini"),
])
def test_a_retired_plan_is_refused_naming_its_replacement(run, plan, first, replacement):
    run("apps:create", "flask-microblog-jh")
    assert run("addons:add", plan) == (
        1, "", f"Creating {plan} on ⬢ flask-microblog-jh... !\n"
               f" ▸    {first}\n"
               f" ▸    Hint: the plan that replaced it is {replacement}: herosim addons:create {replacement}\n")


def test_the_mini_plan_is_refused_as_the_provider_refuses_it(run):
    run("apps:create", "flask-microblog-jh")
    assert run("addons:create", "heroku-postgresql:mini") == (
        1, "", "Creating heroku-postgresql:mini on ⬢ flask-microblog-jh... !\n"
               " ▸    We tried to create heroku-postgresql:mini, but received an error from the add-on provider. Try "
               "the request again, or log a support ticket and include this message: \n"
               " ▸    The mini plan has reached end-of-life. You can try again with a valid plan. See the available "
               "plans with: heroku addons:plans heroku-postgresql.\n"
               " ▸    Hint: the plan that replaced it is heroku-postgresql:essential-0: herosim addons:create "
               "heroku-postgresql:essential-0\n")


def test_addons_docs_names_the_dev_center_article(run):
    assert run("addons:docs", "heroku-postgresql:essential-0", "--show-url") == (
        0, "https://devcenter.heroku.com/articles/heroku-postgresql\n", "")


def test_open_prints_the_url_without_a_display(run, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("webbrowser.open", lambda url: pytest.fail("no browser without a display"))
    run("apps:create", "flask-microblog-jh")
    assert run("open", "/posts") == (0, "Opening https://127.0.0.1:5006/posts...\n", "")
