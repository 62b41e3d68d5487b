"""Figures: the attention-map figure's checks and output."""

import numpy as np
import pytest

from keras_gan import plotting


def test_attention_maps_figure_and_its_refusals(tmp_path):
    images = np.zeros((2, 16, 16, 1), "float32")
    maps = np.full((2, 64, 16), 1 / 16, "float32")
    path = plotting.plot_attention_maps(images, maps, [(0, 0), (7, 7)], tmp_path / "a.png")
    from PIL import Image

    width, height = Image.open(path).size
    assert width > height > 0  # two rows, three panels each
    with pytest.raises(ValueError, match=r"same n.*\(2, 16, 16, 1\) and \(1, 64, 16\)"):
        plotting.plot_attention_maps(images, maps[:1], [(0, 0)], tmp_path / "b.png")
    with pytest.raises(ValueError, match=r"square grids.*\(2, 60, 16\)"):
        plotting.plot_attention_maps(images, maps[:, :60], [(0, 0)], tmp_path / "c.png")
    with pytest.raises(ValueError, match=r"8x8 grid.*\[\(0, -1\)\]"):
        plotting.plot_attention_maps(images, maps, [(0, 0), (0, -1)], tmp_path / "d.png")
    with pytest.raises(ValueError, match=r"8x8 grid.*\[\]"):
        plotting.plot_attention_maps(images, maps, [], tmp_path / "e.png")
    for wrong in ([3, 4], [(1.5, 2)], [(1, 2, 3)]):
        with pytest.raises(ValueError, match=r"\(row, column\) integer positions"):
            plotting.plot_attention_maps(images, maps, wrong, tmp_path / "f.png")


@pytest.mark.one_backend(
    "tensorflow", reason="which matplotlib backend a figure is saved with does not depend on Keras'"
)
def test_saving_a_figure_keeps_a_notebooks_backend_and_picks_agg_elsewhere(tmp_path):
    # A notebook imports pyplot first (inline backend; "svg" stands in for it here): writing
    # losses.png during a run must not switch it to Agg, or every later plt.show() shows nothing.
    import subprocess
    import sys

    def backend_after(setup):
        script = (
            f"{setup}\n"
            "import matplotlib\n"
            "from keras_gan import plotting\n"
            f"plotting.plot_losses([1, 2], {{'d_loss': [1.0, 0.5]}}, {str(tmp_path / 'l.png')!r})\n"
            "print(matplotlib.get_backend().lower())\n"
        )
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()[-1]

    notebook = "import matplotlib\nmatplotlib.use('svg')\nimport matplotlib.pyplot as plt"
    assert backend_after(notebook) == "svg"
    assert backend_after("") == "agg"
    assert (tmp_path / "l.png").exists()
