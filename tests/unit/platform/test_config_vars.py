import pytest

from herosim.errors import ConfigVarError
from herosim.platform import config_vars


@pytest.mark.parametrize("key", ["FOO", "foo_bar", "A1", "_X"])
def test_accepts_heroku_keys(key):
    config_vars.check_key(key)


@pytest.mark.parametrize("key, fragment", [
    ("MY-KEY", "only letters, digits and underscores"),
    ("__SECRET", "cannot start with `__`"),
    ("HEROKU_APP_NAME", "HEROKU_ prefix is reserved"),
    ("", "cannot be empty"),
])
def test_refuses_keys_heroku_refuses(key, fragment):
    with pytest.raises(ConfigVarError) as err:
        config_vars.check_key(key)
    assert fragment in err.value.message
    assert err.value.hint


def test_parse_assignments_keeps_equals_in_values():
    assert config_vars.parse_assignments(["A=1", "URL=postgres://x?a=b"]) == {"A": "1", "URL": "postgres://x?a=b"}
    assert config_vars.parse_assignments(["EMPTY="]) == {"EMPTY": ""}


def test_malformed_assignment_uses_herokus_words():
    with pytest.raises(ConfigVarError) as err:
        config_vars.parse_assignments(["FOO"])
    assert err.value.message == "FOO is invalid. Must be in the format FOO=bar."


def test_addon_vars_win_and_cannot_be_overwritten():
    merged = config_vars.merge({"DATABASE_URL": "postgres://addon"}, {"DATABASE_URL": "x", "A": "1"})
    assert merged == {"A": "1", "DATABASE_URL": "postgres://addon"}
    with pytest.raises(ConfigVarError) as err:
        config_vars.check_not_addon_owned(["DATABASE_URL"], {"DATABASE_URL": "postgres://addon"})
    assert "Cannot overwrite attachment values DATABASE_URL." in err.value.message


def test_total_size_is_limited_to_32_kb():
    config_vars.check_size({"A": "x" * 30000})
    with pytest.raises(ConfigVarError):
        config_vars.check_size({"A": "x" * 33000})


def test_keys_are_listed_as_herokus_cli_lists_them():
    assert config_vars.describe_keys(["A"]) == "A"
    assert config_vars.describe_keys(["A", "B"]) == "A, B"
