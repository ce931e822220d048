"""Apps in the shapes people deploy, unmodified: a Django app in the shape of Heroku's Getting
Started sample (gunicorn on [::], whitenoise, dj-database-url, SECURE_SSL_REDIRECT on a dyno),
FastAPI on uvicorn, and Flask behind ProxyFix. Each redirects to HTTPS, as on Heroku: the
redirect must land on the router's TLS side and verify against herosim's CA, secure cookies
must round-trip, the release phase migrates Postgres, data survives a recycle, and the app's
own tests pass under `herosim ci`."""

import json
import re

import pytest
import requests

from tests.support import RunningApp, app_name, free_port, git_app, herosim, transcript

APPS = {
    # fixture: (the status of its redirect, what its release phase prints)
    "django_getting_started": (301, "Applying hello.0001_initial... OK"),
    "fastapi_uvicorn": (307, "notes table ready"),
    "flask_proxyfix": (301, "tables ready"),
}


@pytest.fixture(scope="module", params=sorted(APPS))
def real_app(request, herosim_home, tmp_path_factory):
    fixture = request.param
    path = git_app(fixture, tmp_path_factory.mktemp(fixture))
    app = RunningApp(app_name(fixture.split("_")[0]), path, free_port())
    result = transcript("up", "-d", path, "-a", app.name, "--port", app.port)
    assert result.returncode == 0, result.stdout[-5000:]
    app.build_output = result.stdout
    app.fixture = fixture
    app.ca = json.loads(app.cli("up", "-d", "--json", path).stdout)["ca_bundle"]   # an up of the same: no release
    yield app
    herosim("destroy", "-a", app.name, "--confirm", app.name)


def https(app: RunningApp) -> str:
    return f"https://127.0.0.1:{app.port}"


def test_up_waits_for_any_answer_and_prints_both_urls(real_app):
    status, release_line = APPS[real_app.fixture]
    out = real_app.build_output
    # the redirect is the answer: `up -d` does not follow it, and says what it saw
    assert re.search(rf"^{real_app.name} answered: HTTP {status} [A-Za-z ]+ \(Location: "
                     rf"https://127\.0\.0\.1:{real_app.port}/\)$", out, re.M), out[-2000:]
    assert out.rstrip().endswith(f"http://127.0.0.1:{real_app.port}/ | https://127.0.0.1:{real_app.port}/")
    assert f"       https://127.0.0.1:{real_app.port}/ deployed to herosim (and http://127.0.0.1:{real_app.port}/)" in out
    assert any(line.strip() == release_line for line in out.splitlines())   # one line, however it was written


def test_the_https_redirect_lands_on_tls_verified_by_herosims_ca(real_app):
    plain = requests.get(real_app.url + "/", allow_redirects=False, timeout=30)
    assert plain.status_code == APPS[real_app.fixture][0]
    assert plain.headers["Location"] == f"{https(real_app)}/"
    followed = requests.get(real_app.url + "/", verify=real_app.ca, timeout=30)
    assert followed.status_code == 200 and followed.url == f"{https(real_app)}/"
    assert "https" in followed.text                       # the app saw X-Forwarded-Proto: https
    with pytest.raises(requests.exceptions.SSLError):     # and the chain is herosim's, not a public one
        requests.get(https(real_app) + "/", verify=True, timeout=30)
    lines = real_app.wait_for_log("tls=true tls_version=unknown")
    assert any(re.search(r'heroku\[router\]: at=info method=GET path="/" .* status=200 bytes=\d+ '
                         r'protocol=http1\.1 tls=true tls_version=unknown$', line) for line in lines)


def test_secure_cookies_round_trip_over_https(real_app):
    session = requests.Session()
    session.trust_env = False   # else REQUESTS_CA_BUNDLE from the environment overrides session.verify
    session.verify = real_app.ca
    if real_app.fixture == "django_getting_started":
        form = session.get(https(real_app) + "/greet/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        assert session.cookies.get("csrftoken") and "Secure" in form.headers["Set-Cookie"]
        posted = session.post(https(real_app) + "/greet/", data={"csrfmiddlewaretoken": token, "who": "tls"},
                              headers={"Referer": https(real_app) + "/greet/"}, timeout=30)
        assert posted.status_code == 200 and posted.url == f"{https(real_app)}/db/"
        assert '<p id="greeted">1</p>' in session.get(https(real_app) + "/greet/", timeout=30).text
        return
    first = session.get(https(real_app) + "/", timeout=30)
    assert "Secure" in first.headers["Set-Cookie"]
    second = session.get(https(real_app) + "/", timeout=30).json()
    assert second.get("views", second.get("visits")) == 2


def _write(app: RunningApp) -> str:
    """Something the app keeps in Postgres; a token to find it again."""
    base, verify = https(app), app.ca
    if app.fixture == "django_getting_started":
        return re.search(r'<p id="count">(\d+)</p>', requests.get(base + "/db/", verify=verify, timeout=30).text)[1]
    if app.fixture == "fastapi_uvicorn":
        assert requests.post(base + "/notes", json={"text": "kept"}, verify=verify, timeout=30).status_code == 201
        return "kept"
    return str(requests.get(base + "/", verify=verify, timeout=30).json()["visits"])


def _read(app: RunningApp, token: str) -> bool:
    base, verify = https(app), app.ca
    if app.fixture == "django_getting_started":
        count = re.search(r'<p id="count">(\d+)</p>', requests.get(base + "/db/", verify=verify, timeout=30).text)[1]
        return int(count) == int(token) + 1
    if app.fixture == "fastapi_uvicorn":
        return token in requests.get(base + "/notes", verify=verify, timeout=30).json()["notes"]
    return requests.get(base + "/", verify=verify, timeout=30).json()["visits"] == int(token) + 1


def test_postgres_data_survives_a_recycle(real_app):
    token = _write(real_app)
    real_app.cli("recycle", check=True)
    herosim("wait", "-a", real_app.name, "--timeout", "90", check=True)
    assert _read(real_app, token)


def test_the_apps_own_tests_pass_under_herosim_ci(real_app):
    result = transcript("ci", real_app.path)
    assert result.returncode == 0, result.stdout[-5000:]
    test_file = real_app.path / "requirements-test.txt"
    wanted = "'pip install -r requirements.txt -r requirements-test.txt'" if test_file.exists() \
        else "'pip install -r requirements.txt'"
    assert f"-----> Installing dependencies using {wanted}" in result.stdout
    assert "-----> Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set." in result.stdout
