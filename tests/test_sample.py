"""`python -m keras_gan.sample`: grids, interpolations, where files go, and clear errors."""

import os

import numpy as np
import pytest
from PIL import Image

from keras_gan import checkpoints, sample, testing, train
from keras_gan.models import DCGAN, ConditionalGAN


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    model = DCGAN(latent_dim=8, image_shape=(16, 16, 1), base_filters=4, seed=0)
    model.compile()
    model.fit(
        testing.random_images((16, 16, 1), 8), batch_size=8, epochs=1, steps_per_epoch=1, verbose=0
    )
    return checkpoints.save(model, tmp_path_factory.mktemp("ckpt") / "last.keras")


def test_slerp_keeps_endpoints_and_walks_the_great_circle():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    path = sample.slerp(a, b, np.linspace(0, 1, 3))
    np.testing.assert_allclose(path[0], a, atol=1e-6)
    np.testing.assert_allclose(path[-1], b, atol=1e-6)
    # halfway: at 45 degrees, with the mean norm 1.5 (a straight line would give norm 1.118)
    np.testing.assert_allclose(path[1], 1.5 * np.array([1, 1]) / np.sqrt(2), atol=1e-6)
    np.testing.assert_allclose(sample.slerp(a, 2 * a, [0.5])[0], [1.5, 0.0])  # parallel: a line


def test_grid_png(checkpoint, tmp_path):
    out = tmp_path / "grid.png"
    assert sample.main([checkpoint, "--num", "4", "--output", str(out), "--scale", "1"]) == 0
    assert np.asarray(Image.open(out)).shape == (2 * 17 + 1, 2 * 17 + 1)


def test_interpolation_png_and_gif(checkpoint, tmp_path):
    png, gif = tmp_path / "walk.png", tmp_path / "walk.gif"
    assert (
        sample.main(
            [
                checkpoint,
                "--mode",
                "interpolate",
                "--rows",
                "2",
                "--steps",
                "5",
                "--output",
                str(png),
                "--scale",
                "1",
            ]
        )
        == 0
    )
    assert np.asarray(Image.open(png)).shape == (2 * 17 + 1, 5 * 17 + 1)
    assert (
        sample.main(
            [
                checkpoint,
                "--mode",
                "interpolate",
                "--rows",
                "2",
                "--steps",
                "5",
                "--output",
                str(gif),
            ]
        )
        == 0
    )
    assert Image.open(gif).n_frames == 8  # 5 there, 3 back


def test_class_interpolation_runs_from_class_a_to_class_b(tmp_path):
    model = ConditionalGAN(latent_dim=8, image_shape=(16, 16, 1), base_filters=4, seed=0)
    model.compile()
    paths = sample.class_interpolation_frames(model, rows=2, steps=3, seed=0, classes=(3, 8))
    latents = sample._latents(model, 2, 0)
    np.testing.assert_allclose(
        paths[:, 0], model.generate(latents=latents, labels=[3, 3]), atol=1e-5
    )
    np.testing.assert_allclose(
        paths[:, -1], model.generate(latents=latents, labels=[8, 8]), atol=1e-5
    )
    checkpoint = checkpoints.save(model, tmp_path / "cgan.keras")
    gif = tmp_path / "morph.gif"
    argv = ["--mode", "class-interpolate", "--classes", "3", "8", "--rows", "2", "--steps", "3"]
    assert sample.main([checkpoint, *argv, "--output", str(gif)]) == 0
    assert Image.open(gif).n_frames == 4  # 3 there, 1 back


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A 2-step DCGAN run folder: config.json, checkpoints/last.keras, samples/."""
    out = str(tmp_path_factory.mktemp("run") / "dcgan")
    argv = [
        "dcgan", "--dataset", "digits", "--image-size", "16", "--batch-size", "8",
        "--base-filters", "4", "--latent-dim", "8", "--steps-per-epoch", "3", "--verbose", "0",
        "--steps", "2", "--output", out,
    ]  # fmt: skip
    assert train.main(argv) == 0
    return out


def test_default_output_goes_into_the_run_folder(run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # nothing may land in the current folder
    assert sample.main([os.path.join(run, "checkpoints", "last.keras"), "--num", "4"]) == 0
    expected = os.path.join(run, "samples", "sample_grid_step2_seed0.png")
    assert np.asarray(Image.open(expected)).shape == (2 * 2 * 17 + 2, 2 * 2 * 17 + 2)
    assert f"Wrote {expected} (1 frame)" in capsys.readouterr().out
    assert os.listdir(tmp_path) == []


def test_default_output_outside_a_run_is_beside_the_checkpoint(checkpoint, capsys):
    assert (
        sample.main(
            [checkpoint, "--mode", "interpolate", "--rows", "1", "--steps", "2", "--seed", "3"]
        )
        == 0
    )
    expected = os.path.join(os.path.dirname(checkpoint), "sample_interpolate_step1_seed3.png")
    assert os.path.isfile(expected) and f"Wrote {expected}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mode", "classes"], "needs a conditional model"),
        (["--mode", "class-interpolate"], "needs a conditional generator"),
        (["--output", "x.jpg"], "must end in .png or .gif"),
        (["--num", "0"], "--num must be a positive integer"),
        (["--mode", "walk"], "argument --mode: invalid choice: 'walk'"),
    ],
)
def test_bad_requests_are_clear_errors(checkpoint, argv, message, capsys):
    assert sample.main([checkpoint, *argv]) == 2
    assert message in _one_line(capsys)


def test_checkpoint_and_output_errors_are_one_line(checkpoint, tmp_path, capsys):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"\x00" * 100)
    (tmp_path / "model.h5").write_bytes(b"x")
    (tmp_path / "a_file").write_text("x")
    cases = [
        ([str(bad)], "truncated or corrupt"),
        ([str(tmp_path / "none.keras")], "does not exist"),
        ([str(tmp_path / "model.h5")], "is not a Keras checkpoint"),
        ([checkpoint, "--output", str(tmp_path)], "is a folder; name a file in it"),
        ([checkpoint, "--output", str(tmp_path / "a_file" / "g.png")], "Cannot create the folder"),
    ]
    for argv, message in cases:
        assert sample.main(argv) == 2, argv
        assert message in _one_line(capsys)


def test_unwritable_output_is_refused_before_any_work(checkpoint, tmp_path, capsys):
    assert sample.main([checkpoint, "--output", str(_unwritable(tmp_path, ".png"))]) == 2
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


def _one_line(capsys):
    """stderr, checked to be one line (no traceback, no usage block)."""
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err
