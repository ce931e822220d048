import pytest

from herosim.errors import HerosimError
from herosim.platform import formation

TYPES = ["web", "worker", "clock"]


def test_scale_operators():
    counts, sizes = formation.parse_scale(["web=2", "worker+1", "clock-1"], {"web": 1, "worker": 1, "clock": 1},
                                          TYPES)
    assert counts == {"web": 2, "worker": 2, "clock": 0}
    assert sizes == {}


def test_scale_never_goes_below_zero_and_takes_sizes():
    counts, sizes = formation.parse_scale(["worker-5", "web=1:Standard-2X"], {"worker": 1}, TYPES)
    assert counts == {"worker": 0, "web": 1}
    assert sizes == {"web": "standard-2x"}


@pytest.mark.parametrize("arg, fragment", [
    ("web", "Invalid argument: web"),
    ("web=two", "Invalid argument"),
    ("api=1", "Couldn't find that process type (api)."),
    ("web=1:huge", "Unknown dyno size huge"),
])
def test_scale_errors(arg, fragment):
    with pytest.raises(HerosimError) as err:
        formation.parse_scale([arg], {}, TYPES)
    assert fragment in err.value.message


def test_texts_are_herokus():
    state = {"web": 2, "worker": 1, "clock": 0}
    assert formation.describe(state, TYPES, {}) == "web at 2:Basic, worker at 1:Basic, clock at 0:Basic"
    assert formation.listing(state, TYPES, {"web": "standard-2x"}) == "web=2:Standard-2X worker=1:Basic clock=0:Basic"


def test_herokus_default_formation_is_one_web_dyno_and_nothing_else():
    types = ["web", "worker", "clock"]
    assert formation.quantities(None, types) == {"web": 1, "worker": 0, "clock": 0}
    assert formation.quantities({"worker": 2, "web": 0}, types) == {"web": 0, "worker": 2, "clock": 0}
    assert formation.quantities(None, ["worker"]) == {"worker": 0}


def test_a_type_removed_from_the_procfile_loses_its_formation():
    assert formation.kept({"web": 2, "worker": 1}, ["web"]) == {"web": 2}
    # back in a later Procfile, it starts from Heroku's default again
    assert formation.quantities(formation.kept({"web": 2, "worker": 1}, ["web"]), ["web", "worker"]) == \
        {"web": 2, "worker": 0}


@pytest.mark.parametrize("counts, sizes, default, message", [
    ({"web": 2}, {}, "basic", "Cannot update to more than 1 Basic size dynos per process type."),
    ({"web": 1, "worker": 2}, {"worker": "eco"}, "basic", "Cannot update to more than 1 Eco size dynos per process type."),
    ({"web": 11}, {"web": "performance-m"}, "basic",
     "Cannot update to more than 10 Performance-M size dynos per process type."),
    ({"web": 101}, {}, "standard-1x", "Cannot update to more than 100 Standard-1X size dynos per process type."),
    ({"web": 60, "worker": 41}, {}, "standard-2x", "Cannot update to more than 100 dynos across all process types."),
    ({"web": 1, "worker": 1, "clock": 1}, {}, "eco",
     "Cannot update to more than 2 Eco size dynos across all process types."),
])
def test_a_formation_past_herokus_limits_is_refused_with_its_message(counts, sizes, default, message):
    with pytest.raises(HerosimError) as refused:
        formation.check(counts, sizes, default)
    assert refused.value.message == message and refused.value.hint


def test_formations_within_the_limits_pass():
    formation.check({"web": 1, "worker": 1, "clock": 0}, {}, "basic")
    formation.check({"web": 100}, {"web": "standard-2x"})
    formation.check({"web": 10, "worker": 1}, {"web": "performance-l"})
    formation.check({"web": 1, "worker": 1}, {}, "eco")
