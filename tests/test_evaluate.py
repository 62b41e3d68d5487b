"""`python -m keras_gan.evaluate` on tiny saved models: a 2-D toy GAN and an 8x8 image GAN."""

import json

import keras
import numpy as np
import pytest

from keras_gan import evaluate
from keras_gan.datasets import RING
from keras_gan.lab import build_toy_gan
from keras_gan.models import GAN
from keras_gan.networks import mlp_discriminator, mlp_generator


@pytest.fixture(scope="module")
def toy_checkpoint(tmp_path_factory):
    model = build_toy_gan(packing=2, generator_units=8, discriminator_units=4)
    model.train_on_batch(RING.sample(16, seed=0)[0])
    path = str(tmp_path_factory.mktemp("toy") / "ring.keras")
    model.save(path)
    return path, model


def test_toy_checkpoint_gets_the_lab_metrics(toy_checkpoint, tmp_path, capsys):
    path, model = toy_checkpoint
    output = tmp_path / "metrics.json"
    assert evaluate.main([path, "--dataset", "ring", "--output", str(output)]) == 0
    written = json.loads(output.read_text())
    printed = json.loads(capsys.readouterr().out)
    assert written == printed
    assert written["evaluation"] == "mode_collapse_lab" and written["step"] == 1
    assert written["num_samples"] == 2500 and written["num_modes"] == 8
    assert "within 3 std" in written["protocol"]
    # the same numbers as counting the reloaded generator's samples directly
    from keras_gan.lab import toy

    with pytest.warns(UserWarning) if written["reverse_kl"] is None else _nothing():
        direct = toy.count_modes(model.generate(2500, seed=0), "ring")
    assert direct["mode_counts"] == written["mode_counts"]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


def test_toy_checkpoint_bad_input(toy_checkpoint, capsys):
    path, _ = toy_checkpoint
    assert evaluate.main([path, "--dataset", "ring", "--num-samples", "100"]) == 2
    assert "needs at least 2500 samples. Received: --num-samples 100" in capsys.readouterr().err
    assert evaluate.main([path, "--dataset", "mnist"]) == 2
    assert "2-D toy model: --dataset must be 'ring' or 'grid'" in capsys.readouterr().err
    assert evaluate.main([path + ".missing.keras", "--dataset", "ring"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_image_checkpoint_with_a_tiny_feature_network(tmp_path, capsys):
    from keras_gan import datasets

    images = next(iter(datasets.load("digits", batch_size=16, seed=0)))
    model = GAN(
        mlp_generator((8, 8, 1), 4, (8,)), mlp_discriminator((8, 8, 1), (4,), 2, 0.0), latent_dim=4
    )
    model.compile()
    model.train_on_batch(np.asarray(images))
    checkpoint = str(tmp_path / "gan.keras")
    model.save(checkpoint)
    inputs = keras.Input((8, 8, 1))
    flat = keras.layers.Flatten()(inputs)
    features = keras.layers.Dense(4, name="features")(flat)
    probs = keras.layers.Dense(10, activation="softmax")(features)
    network = str(tmp_path / "tiny_features.keras")
    keras.Model(inputs, [features, probs], name="tiny").save(network)
    output = tmp_path / "metrics.json"
    code = evaluate.main([
        checkpoint, "--dataset", "digits", "--split", "train", "--feature-network", network,
        "--num-samples", "40", "--metrics", "fid", "precision_recall", "class_coverage",
        "--output", str(output),
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    result = json.loads(output.read_text())
    assert result["feature_network"] == "keras.Model:tiny"
    assert "protocol" in result and result["num_generated"] == 40 and result["feature_dim"] == 4
    assert np.isfinite(result["fid"]) and 0 <= result["precision"] <= 1
    assert 1 <= result["classes_covered"] <= 10
    # a 2-D dataset for an image model is refused
    assert evaluate.main([checkpoint, "--dataset", "grid"]) == 2
    assert "2-D toy dataset" in capsys.readouterr().err
