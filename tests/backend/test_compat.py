"""The private Keras APIs keras_gan uses are where `keras_gan/backend/compat.py` says."""

import importlib

import keras
import pytest

from keras_gan.backend import compat


@pytest.mark.parametrize("name", sorted(compat.PRIVATE_SYMBOLS))
def test_every_private_keras_symbol_is_still_there(name):
    module_name, attribute = compat.PRIVATE_SYMBOLS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        pytest.fail(
            f"Keras {keras.__version__} moved the module of `{module_name}.{attribute}` "
            f"(keras_gan.backend.compat.{name}; tested with {compat.TESTED_KERAS})"
        )
    assert hasattr(module, attribute), (
        f"Keras {keras.__version__} has no `{module_name}.{attribute}` "
        f"(keras_gan.backend.compat.{name}; tested with {compat.TESTED_KERAS})"
    )
    assert getattr(compat, name) is getattr(module, attribute)


def test_a_moved_symbol_is_an_error_that_names_it(monkeypatch):
    monkeypatch.setitem(compat.PRIVATE_SYMBOLS, "gone", ("keras.src.no_such_module", "thing"))
    with pytest.raises(ImportError, match=r"keras\.src\.no_such_module\.thing.*Keras 3\."):
        compat.private_symbol("gone")


def test_no_other_module_imports_private_keras():
    import pathlib

    package = pathlib.Path(compat.__file__).parents[1]
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "compat.py" and "keras.src" in path.read_text().replace("`keras.src`", "")
    ]
    assert offenders == []
