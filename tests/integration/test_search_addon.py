"""The search add-on end to end: provisioned from the app's dependencies, the lite engine
offline, a post indexed on create and found by search, data kept across recycle."""

import re
import time

import requests

from tests.integration.conftest import RunningApp, app_name, free_port, git_app, herosim


def wait_found(app, query, expected, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = app.get(f"/search?q={query}").json()
        if found["total"] == expected:
            return found
        time.sleep(0.2)
    raise AssertionError(f"search for {query!r} never found {expected}: {found}")


def test_posts_are_indexed_searched_and_survive_recycle(client, herosim_home, tmp_path):
    path = git_app("searchblog", tmp_path)
    app = RunningApp(app_name("search"), path, free_port())
    result = herosim("up", "-d", path, "-a", app.name, "--port", app.port)
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert re.search(r"Creating elasticsearch:single-node on ⬢ \S+\.\.\. free", result.stderr)
        url = app.cli("config:get", "ELASTICSEARCH_URL", check=True).stdout.strip()
        assert re.match(r"^http://elasticsearch-[a-z]+-\d{5}:9200$", url)
        assert app.get("/").json()["version"].startswith("8.")
        created = requests.post(app.url + "/posts", json={"body": "Heroku dynos restart every day"}, timeout=30)
        assert created.status_code == 201
        found = wait_found(app, "dynos", 1)  # near real time: searchable within a second
        assert found["ids"] == [created.json()["id"]]
        assert app.cli("recycle").returncode == 0
        assert wait_found(app, "restart", 1)["ids"] == [created.json()["id"]]
        listing = app.cli("addons", check=True).stdout
        assert "elasticsearch (elasticsearch-" in listing
        # A second provider with credentials in its URL: requests without them are refused
        box = app.cli("addons:create", "searchbox")
        assert box.returncode == 0, box.stderr
        box_url = app.cli("config:get", "SEARCHBOX_URL", check=True).stdout.strip()
        assert re.match(r"^http://paas:\w+@searchbox-[a-z]+-\d{5}:9200$", box_url)
        bare = re.sub(r"//[^@]+@", "//", box_url)
        probe = ("import base64, sys, urllib.parse, urllib.request, urllib.error\n"
                 "for u in sys.argv[1:]:\n"
                 "    p = urllib.parse.urlsplit(u)\n"
                 "    r = urllib.request.Request(f'http://{p.hostname}:{p.port}/_cluster/health')\n"
                 "    if p.username: r.add_header('Authorization', 'Basic ' + base64.b64encode("
                 "f'{p.username}:{p.password}'.encode()).decode())\n"
                 "    try: print(urllib.request.urlopen(r).status)\n"
                 "    except urllib.error.HTTPError as e: print(e.code)\n")
        checked = app.cli("run", "python", "-c", probe, box_url.replace("paas:", "x:"), bare)
        assert checked.stdout.split() == ["401", "401"], checked.stdout + checked.stderr
        with_credentials = app.cli("run", "python", "-c",
                                   "import os; from elasticsearch import Elasticsearch; "
                                   "print(Elasticsearch(os.environ['SEARCHBOX_URL']).cluster.health()['status'])")
        assert with_credentials.stdout.strip() == "green", with_credentials.stderr
    finally:
        herosim("destroy", "-a", app.name, "--confirm", app.name)
