"""`python -m keras_gan.sample`: grids, interpolations, and clear errors."""

import numpy as np
import pytest
from PIL import Image

from keras_gan import checkpoints, sample, testing
from keras_gan.models import DCGAN


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    model = DCGAN(latent_dim=8, image_shape=(16, 16, 1), base_filters=4, seed=0)
    model.compile()
    model.fit(testing.random_images((16, 16, 1), 8), batch_size=8, epochs=1, steps_per_epoch=1, verbose=0)
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
    assert sample.main([checkpoint, "--mode", "interpolate", "--rows", "2", "--steps", "5", "--output", str(png), "--scale", "1"]) == 0
    assert np.asarray(Image.open(png)).shape == (2 * 17 + 1, 5 * 17 + 1)
    assert sample.main([checkpoint, "--mode", "interpolate", "--rows", "2", "--steps", "5", "--output", str(gif)]) == 0
    assert Image.open(gif).n_frames == 8  # 5 there, 3 back


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--mode", "classes"], "needs a conditional model"),
        (["--mode", "class-interpolate"], "needs a generator that takes a one-hot label"),
        (["--output", "x.jpg"], "must end in .png or .gif"),
    ],
)
def test_bad_requests_are_clear_errors(checkpoint, argv, message, capsys):
    with pytest.raises(SystemExit):
        sample.main([checkpoint, *argv])
    assert message in capsys.readouterr().err


def test_corrupt_checkpoint_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"\x00" * 100)
    with pytest.raises(SystemExit):
        sample.main([str(bad)])
    assert "truncated or corrupt" in capsys.readouterr().err
