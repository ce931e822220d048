import json

import pytest

from herosim.errors import AppError
from herosim.platform import appjson

MANIFEST = {
    "env": {"WEB_PROVIDER": "heroku", "SECRET_KEY": {"description": "signs sessions", "generator": "secret"},
            "MAIL_SERVER": {"description": "where mail goes", "required": True},
            "OPTIONAL": {"required": False}},
    "addons": ["heroku-postgresql:essential-0", {"plan": "heroku-redis:mini", "as": "CACHE"}],
    "formation": {"web": {"quantity": 1}, "worker": {"quantity": 1, "size": "standard-2x"}},
    "scripts": {"postdeploy": "flask db upgrade"},
    "environments": {"test": {"scripts": {"test-setup": "echo setup", "test": "pytest"},
                              "addons": ["heroku-postgresql:in-dyno"], "env": {"FLAG": "1"}}},
}


def test_a_manifest_with_every_part():
    found = appjson.parse(json.dumps(MANIFEST))
    assert [v.name for v in found.base.env] == ["WEB_PROVIDER", "SECRET_KEY", "MAIL_SERVER", "OPTIONAL"]
    assert found.base.addons[1] == appjson.AddonSpec("heroku-redis:mini", "CACHE", {})
    assert found.base.formation == {"web": (1, "basic"), "worker": (1, "standard-2x")}
    assert found.postdeploy() == "flask db upgrade"
    assert found.test.scripts == {"test-setup": "echo setup", "test": "pytest"}
    assert found.test.env[0] == appjson.EnvVar("FLAG", value="1")


def test_config_for_a_new_app_generates_secrets_and_names_what_is_missing():
    found = appjson.parse(json.dumps(MANIFEST))
    values, missing = appjson.config_for(found.base.env, {})
    assert values["WEB_PROVIDER"] == "heroku" and len(values["SECRET_KEY"]) == 64
    assert [v.name for v in missing] == ["MAIL_SERVER"]
    error = appjson.missing_error(missing)
    assert error.message == "app.json requires config vars that are not set: MAIL_SERVER (where mail goes)"
    assert error.hint == "herosim config:set MAIL_SERVER=…, then up again"
    values, missing = appjson.config_for(found.base.env, {"MAIL_SERVER": "smtp", "SECRET_KEY": "mine"})
    assert missing == [] and "SECRET_KEY" not in values   # what is set stays


@pytest.mark.parametrize("text, message", [
    ("{", "app.json: not valid JSON (line 1, column 2: Expecting property name enclosed in double quotes)"),
    ('{"env": {"bad-key": "x"}}', "app.json: env key 'bad-key' is not a config var name"),
    ('{"env": {"A": {"generator": "uuid"}}}', 'app.json: env.A.generator must be "secret"'),
    ('{"addons": [{"as": "X"}]}', "app.json: addons[0] needs a plan"),
    ('{"formation": {"web": {"quantity": -1}}}', "app.json: formation.web.quantity must be a whole number, 0 or more"),
    ('{"formation": {"web": {"quantity": 1, "size": "huge"}}}', "app.json: formation.web.size 'huge' is not a dyno size"),
    ('{"scripts": {"postdeploy": 3}}', "app.json: scripts must be an object of commands"),
])
def test_schema_errors_are_one_line_with_a_fix(text, message):
    with pytest.raises(AppError) as raised:
        appjson.parse(text)
    assert raised.value.message == message and raised.value.hint
