"""`python -m keras_gan.evaluate` on tiny saved models: a 2-D toy GAN, an 8x8 image GAN and a
2-step `keras_gan.train` run (whose config.json supplies the dataset and image size)."""

import dataclasses
import json
import os
import shutil
import subprocess
import sys

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
    assert "needs at least 2500 samples. Received: --num-samples 100" in _one_line(capsys)
    assert evaluate.main([path, "--dataset", "mnist"]) == 2
    assert "2-D toy model: --dataset must be 'ring' or 'grid'" in _one_line(capsys)


def _one_line(capsys):
    """stderr, checked to be one line (no traceback, no usage block)."""
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


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


# -- A checkpoint of a keras_gan.train run -----------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A 2-step DCGAN run on digits at 16x16; config.json records the dataset and image size."""
    from keras_gan import train

    out = str(tmp_path_factory.mktemp("run") / "dcgan")
    argv = [
        "dcgan", "--dataset", "digits", "--image-size", "16", "--batch-size", "8",
        "--base-filters", "4", "--latent-dim", "8", "--steps-per-epoch", "3", "--verbose", "0",
        "--steps", "2", "--output", out,
    ]  # fmt: skip
    assert train.main(argv) == 0
    return out


@pytest.fixture(scope="module")
def digits_cache(tmp_path_factory):
    """A cache holding an 8x8 'digits' classifier trained for one short epoch."""
    from keras_gan.metrics import classifier

    folder = tmp_path_factory.mktemp("cache")
    train_x, train_y = classifier._data("digits", "train", batch_size=64)
    test_x, test_y = classifier._data("digits", "test", batch_size=64)
    classifier.train_classifier(
        "digits", epochs=1, cache_dir=folder, train_data=(train_x[:256], train_y[:256]),
        test_data=(test_x[:64], test_y[:64]), verbose=0,
    )  # fmt: skip
    return folder


def test_run_checkpoint_takes_dataset_and_image_size_from_config(
    run, digits_cache, monkeypatch, capsys
):
    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(digits_cache))
    checkpoint = os.path.join(run, "checkpoints", "last.keras")
    assert (
        evaluate.main([checkpoint, "--num-samples", "20", "--metrics", "fid", "precision_recall"])
        == 0
    )
    captured = capsys.readouterr()
    result = json.loads(captured.out)  # stdout holds the JSON and nothing else
    assert result["dataset"] == "digits" and result["image_size"] == 16 and result["step"] == 2
    assert result["split"] == "train"  # digits has one split
    assert result["feature_network"] == "classifier:digits" and result["num_generated"] == 20
    assert np.isfinite(result["fid"]) and "resized bilinearly" in result["protocol"]
    assert (
        f"--dataset digits --image-size 16 (from {os.path.join(run, 'config.json')})"
        in captured.err
    )
    # explicit flags win over the run's config: digits at their own 8x8 do not fit a 16x16 model
    assert evaluate.main([checkpoint, "--dataset", "digits", "--image-size", "8"]) == 2
    assert "has images of shape (8, 8, 1): pass the run's --dataset and --image-size" in _one_line(
        capsys
    )


def test_checkpoint_outside_a_run_needs_dataset(run, tmp_path, capsys):
    lone = tmp_path / "lone.keras"
    shutil.copy(os.path.join(run, "checkpoints", "last.keras"), lone)
    assert evaluate.main([str(lone)]) == 2
    assert "Pass --dataset, the real data to compare with" in _one_line(capsys)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing", "does not exist"),
        ("not_keras", "is not a Keras checkpoint"),
        ("output_is_folder", "is a folder; name a file in it"),
        ("output_under_a_file", "Cannot create the folder of --output"),
        ("unknown_dataset", "Unknown dataset 'mnsit'"),
        ("toy_dataset", "'ring' is a 2-D toy dataset"),
        ("negative_count", "--num-samples must be a positive integer"),
        ("unknown_flag", "unrecognized arguments: --bogus"),
        ("broken_feature_network", "Cannot load the feature network"),
    ],
)
def test_user_errors_are_one_line_with_status_2(run, tmp_path, capsys, case, message):
    checkpoint = os.path.join(run, "checkpoints", "last.keras")
    not_keras = tmp_path / "model.h5"
    not_keras.write_bytes(b"x")
    (tmp_path / "model.h5.keras").write_bytes(b"x")
    (tmp_path / "a_file").write_text("x")
    argv = {
        "missing": [str(tmp_path / "none.keras")],
        "not_keras": [str(not_keras), "--dataset", "digits"],
        "output_is_folder": [checkpoint, "--output", str(tmp_path)],
        "output_under_a_file": [checkpoint, "--output", str(tmp_path / "a_file" / "m.json")],
        "unknown_dataset": [checkpoint, "--dataset", "mnsit"],
        "toy_dataset": [checkpoint, "--dataset", "ring"],
        "negative_count": [checkpoint, "--num-samples", "-5"],
        "unknown_flag": [checkpoint, "--bogus"],
        "broken_feature_network": [checkpoint, "--feature-network", str(not_keras) + ".keras"],
    }[case]
    assert evaluate.main(argv) == 2
    assert message in _one_line(capsys)


def test_dataset_of_another_kind_is_refused(run, monkeypatch, capsys):
    from keras_gan import datasets

    paired = dataclasses.replace(datasets.info("digits", image_size=16), element="paired")
    monkeypatch.setattr(datasets, "info", lambda *args, **kwargs: paired)
    checkpoint = os.path.join(run, "checkpoints", "last.keras")
    assert evaluate.main([checkpoint, "--dataset", "mnist_edges"]) == 2
    assert "'mnist_edges' yields 'paired' batches" in _one_line(capsys)


def test_unwritable_output_is_refused_before_any_work(run, tmp_path, capsys):
    checkpoint = os.path.join(run, "checkpoints", "last.keras")
    assert evaluate.main([checkpoint, "--output", str(_unwritable(tmp_path, ".json"))]) == 2
    assert "(Permission denied); choose another --output" in _one_line(capsys)


def _unwritable(tmp_path, extension):
    """A file path that cannot be written: in a read-only folder, or (as root) under /sys."""
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    for candidate in (folder / f"out{extension}", f"/sys/keras_gan_test{extension}"):
        try:
            open(candidate, "a").close()
        except OSError:
            return candidate
        os.remove(candidate)
    pytest.skip("every folder is writable here")


def test_first_use_of_a_classifier_is_announced_and_its_output_kept_off_stdout(
    run, tmp_path, monkeypatch, capsys
):
    from keras_gan.metrics import classifier

    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(tmp_path))  # nothing cached yet
    monkeypatch.setitem(classifier.TRAINING, "digits", (1, 256))  # a short first use
    checkpoint = os.path.join(run, "checkpoints", "last.keras")
    assert evaluate.main([checkpoint, "--num-samples", "20", "--metrics", "fid"]) == 0
    captured = capsys.readouterr()  # neither stream is a terminal here
    assert json.loads(captured.out)["classifier_dataset"] == "digits"  # JSON only on stdout
    assert "first use of the 'digits' classifier" in captured.err
    assert f"Cached at {tmp_path / 'classifier_digits.keras'}" in captured.err
    assert "6/6 - " in captured.err  # the epoch as one plain line, not a progress bar
    assert "\x1b[" not in captured.err and "━" not in captured.err


def test_readme_command_with_redirected_output(run, digits_cache):
    """The README's command as a user runs it, output redirected: JSON on stdout, the settings
    taken from the run and what is compared on stderr."""
    env = {**os.environ, "KERAS_GAN_CACHE_DIR": str(digits_cache)}
    checkpoint = os.path.join(run, "checkpoints", "last.keras")
    command = [sys.executable, "-m", "keras_gan.evaluate", checkpoint, "--num-samples", "20"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["num_generated"] == 20
    assert "comparing 20 samples of dcgan with 'digits' (train split, 16x16)" in done.stderr
    assert "\x1b[" not in done.stderr
