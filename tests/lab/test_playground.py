"""The GAN Lab-style playground (keras_gan.lab.playground): games, widgets, the static fallback."""

import sys

import numpy as np
import pytest

from keras_gan.lab import playground
from keras_gan.lab.playground import ToyGame, ToySettings


@pytest.mark.parametrize(
    "field, value, accepted",
    [
        ("packing", 3, "1, 2, 4"),
        ("generator_loss", "hinge", "'non_saturating', 'minimax'"),
        ("dataset", "moons", "'ring', 'grid'"),
        ("discriminator_steps", 0, "from 1 to 10"),
        ("discriminator_steps", 2.0, "from 1 to 10"),
        ("d_learning_rate", 0.0, "positive"),
        ("g_learning_rate", "1e-3", "positive"),
    ],
)
def test_bad_settings_are_refused_naming_the_value_and_the_accepted_ones(field, value, accepted):
    with pytest.raises(ValueError, match=f"{field}.*{accepted}.*Received: {field}={value!r}"):
        ToySettings(**{field: value})


def test_a_game_trains_in_chunks_and_its_learning_rates_change_in_place():
    game = ToyGame(ToySettings(discriminator_steps=2, packing=2), batch_packs=8)
    assert game.batch == 8 * 2 * 2
    before = [np.array(w) for w in game.model.generator.get_weights()]
    logs = game.train(3)
    assert game.step == 3 and np.isfinite(logs["d_loss"]) and np.isfinite(logs["g_loss"])
    after = game.model.generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    game.set_learning_rates(d_learning_rate=2e-3)
    assert game.settings.d_learning_rate == 2e-3 and game.settings.g_learning_rate == 5e-4
    np.testing.assert_allclose(float(np.array(game.model.d_optimizer.learning_rate)), 2e-3)
    game.train(2)
    assert game.step == 5  # the same game went on
    frame = game.frame()
    assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[-1] == 3
    assert set(game.modes()) >= {"modes_captured", "num_modes", "high_quality"}
    with pytest.raises(ValueError, match="steps must be a positive int. Received: steps=0"):
        game.train(0)


def test_the_widgets_train_redraw_and_restart_the_game():
    pytest.importorskip("ipywidgets")
    box = playground.playground(steps_per_click=4, redraw_every=2)
    first = box.game
    picture = box.children[-1]
    blank = bytes(picture.value)
    assert blank.startswith(b"\x89PNG")  # the untrained game is drawn at once
    box.train_button.click()
    assert box.game is first and first.step == 4 and bytes(picture.value) != blank
    assert "step 4:" in box.children[2].value and "modes" in box.children[2].value
    box.controls["g_learning_rate"].value = 1e-3  # a step size: the same game goes on
    assert box.game is first and first.settings.g_learning_rate == pytest.approx(1e-3)
    box.controls["packing"].value = 4  # anything else: a new game, from step 0
    assert box.game is not first and box.game.step == 0 and box.game.settings.packing == 4
    assert box.game.settings.g_learning_rate == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="redraw_every must be a positive int"):
        playground.playground(redraw_every=0)


def test_without_ipywidgets_the_playground_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match="pip install ipywidgets.*compare_settings"):
        playground.playground()


def test_the_static_comparison_draws_one_frame_per_setting():
    figure, results = playground.compare_settings(
        [{}, ToySettings(generator_loss="minimax")], steps=2, columns=1
    )
    assert [r["settings"].label() for r in results] == ["defaults", "generator_loss=minimax"]
    images = [ax for ax in figure.axes if ax.get_images()]
    assert len(images) == 2 and len(figure.axes) == 2
    with pytest.raises(ValueError, match="at least one setting"):
        playground.compare_settings([], steps=2)
