"""The markers that run a test on fewer backends (tests/conftest.py) pick the backend they say."""

import types

import pytest

from tests.conftest import _chosen_backend


def item(marker=None, indices=None, params=None):
    marks = {marker.name: marker} if marker is not None else {}
    fake = types.SimpleNamespace(nodeid="tests/x.py::test_x", get_closest_marker=marks.get)
    if indices is not None:
        params = (
            params if params is not None else {name: f"value{i}" for name, i in indices.items()}
        )
        fake.callspec = types.SimpleNamespace(indices=indices, params=params)
    return fake


def test_parameter_i_runs_on_backend_i_mod_3():
    spread = pytest.mark.spread_over_backends(reason="why").mark
    chosen = [_chosen_backend(item(spread, {"name": i}))[0] for i in range(5)]
    assert chosen == ["tensorflow", "jax", "torch", "tensorflow", "jax"]
    # two names of one parametrize list share its index
    assert _chosen_backend(item(spread, {"a": 2, "b": 2})) == ("torch", "why")


def test_one_backend_names_its_backend_and_refuses_others():
    assert _chosen_backend(item(pytest.mark.one_backend("jax", reason="r").mark)) == ("jax", "r")
    assert _chosen_backend(item()) is None
    with pytest.raises(pytest.UsageError, match="tensorflow, jax, torch. Received: 'tf'"):
        _chosen_backend(item(pytest.mark.one_backend("tf", reason="r").mark))


def test_spread_needs_one_parametrize_list():
    spread = pytest.mark.spread_over_backends(reason="why").mark
    with pytest.raises(pytest.UsageError, match="needs parameters"):
        _chosen_backend(item(spread))
    with pytest.raises(pytest.UsageError, match="one parametrize list. Received: 2 lists"):
        _chosen_backend(item(spread, {"a": 0, "b": 1}))


def test_place_pins_a_parameter_and_the_others_keep_their_turn():
    spread = pytest.mark.spread_over_backends(reason="why", place={"big": "torch"}).mark
    assert _chosen_backend(item(spread, {"name": 1}, {"name": "big"})) == ("torch", "why")
    assert _chosen_backend(item(spread, {"name": 1}, {"name": "small"})) == ("jax", "why")
    # with two names in the list, place does not apply: index order
    assert _chosen_backend(item(spread, {"a": 1, "b": 1}, {"a": "big", "b": 0}))[0] == "jax"
    wrong = pytest.mark.spread_over_backends(reason="why", place={"big": "tf"}).mark
    with pytest.raises(pytest.UsageError, match="place takes backends among.*'big': 'tf'"):
        _chosen_backend(item(wrong, {"name": 0}, {"name": "big"}))
