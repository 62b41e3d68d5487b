"""Figures for training runs: image grids, animated GIFs, loss curves.

Everything here works on numpy arrays and writes files with Pillow or matplotlib (its `Agg`
backend unless a notebook's pyplot is already in use, see `pyplot`), so it runs on machines
without a display.
"""

import math
import os

import numpy as np


def pyplot():
    """`matplotlib.pyplot`, on the file-only `Agg` backend unless pyplot is already in use.

    A script or the command line gets `Agg` (no display needed). Where pyplot was imported
    first (a notebook, with its inline backend) the backend is kept: switching it to `Agg` would
    silently stop every later `plt.show()` in the notebook from showing anything.
    """
    import sys

    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def to_uint8(images):
    """Maps images in [-1, 1] (float) to uint8 [0, 255]; 2-D points are not images."""
    images = np.asarray(images, dtype="float32")
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype("uint8")


def image_grid(images, rows=None, padding=1):
    """Tiles a batch of images into one image.

    Args:
        images: array `(n, height, width, channels)` in [-1, 1], channels 1 or 3.
        rows: int, number of rows. Defaults to the square root of n, rounded up.
        padding: int, pixels of black between tiles. Defaults to 1.

    Returns:
        uint8 array `(H, W)` (grayscale) or `(H, W, 3)`.
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            "image_grid takes images of shape (n, height, width, 1 or 3). "
            f"Received: shape={images.shape}"
        )
    n, height, width, channels = images.shape
    rows = rows or int(np.ceil(np.sqrt(n)))
    cols = int(np.ceil(n / rows))
    grid = np.zeros(
        (rows * (height + padding) + padding, cols * (width + padding) + padding, channels), "uint8"
    )
    tiles = to_uint8(images)
    for index in range(n):
        r, c = divmod(index, cols)
        top, left = padding + r * (height + padding), padding + c * (width + padding)
        grid[top : top + height, left : left + width] = tiles[index]
    return grid[..., 0] if channels == 1 else grid


def _write_atomically(path, write):
    """Calls `write(temporary)`, then renames the temporary file over `path` (`os.replace`).

    A reader, or a run resumed after a kill (`SampleGrid` assembles every `epoch_*.png` into
    its GIF), never sees half an image. The temporary file is `path`'s name behind a dot: same
    extension, so the same format, and not matched by `epoch_*.png`.
    """
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temporary = os.path.join(folder, f".{name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:  # a full disk or an interrupt leaves no temporary file behind
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def save_image(array, path, scale=1):
    """Writes a uint8 image (`(H, W)` or `(H, W, 3)`) to `path`, enlarged `scale` times."""
    from PIL import Image

    image = Image.fromarray(np.asarray(array, dtype="uint8"))
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    _write_atomically(path, image.save)
    return path


def save_gif(frames, path, duration_ms=300, scale=1):
    """Writes uint8 frames (each `(H, W)` or `(H, W, 3)`) as a looping animated GIF."""
    from PIL import Image

    if not len(frames):
        raise ValueError("save_gif needs at least one frame.")
    images = [Image.fromarray(np.asarray(f, dtype="uint8")) for f in frames]
    if scale > 1:
        images = [i.resize((i.width * scale, i.height * scale), Image.NEAREST) for i in images]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path


def gif_from_files(paths, path, duration_ms=300):
    """Assembles image files (e.g. per-epoch sample grids) into an animated GIF."""
    from PIL import Image

    frames = [np.asarray(Image.open(p)) for p in paths]
    return save_gif(frames, path, duration_ms)


def scatter_points(points, path, title=None):
    """Saves a scatter plot of 2-D samples (toy datasets) as PNG."""
    plt = pyplot()

    points = np.asarray(points)
    figure, axes = plt.subplots(figsize=(4, 4))
    axes.scatter(points[:, 0], points[:, 1], s=4, alpha=0.6)
    axes.set_aspect("equal")
    if title:
        axes.set_title(title)
    # SampleGrid writes toy models' epoch_*.png with this and reads them back into its GIF
    _write_atomically(
        path, lambda temporary: figure.savefig(temporary, dpi=100, bbox_inches="tight")
    )
    plt.close(figure)
    return path


def plot_losses(steps, losses, path, title=None, smoothing=None, ylabel="loss"):
    """Plots loss curves against the step and saves them as PNG.

    Args:
        steps: sequence of step numbers.
        losses: dict mapping a log name to a sequence of values (one per step).
        path: output file (`.png`).
        title: optional title.
        smoothing: int window of the moving average drawn over the raw values. Defaults to
            about a fiftieth of the run.
        ylabel: the vertical axis' label. Defaults to `"loss"`.

    Returns:
        `path`.
    """
    plt = pyplot()

    steps = np.asarray(steps)
    figure, axes = plt.subplots(figsize=(7, 4))
    window = smoothing or max(1, len(steps) // 50)
    for name, values in losses.items():
        values = np.asarray(values, dtype="float64")
        (line,) = axes.plot(steps, values, alpha=0.3 if window > 1 else 1.0, linewidth=0.8)
        if window > 1 and len(values) >= window:
            smooth = np.convolve(values, np.ones(window) / window, mode="valid")
            axes.plot(steps[window - 1 :], smooth, color=line.get_color(), label=name)
        else:
            line.set_label(name)
    axes.set_xlabel("step")
    axes.set_ylabel(ylabel)
    axes.legend()
    axes.grid(alpha=0.3)
    if title:
        axes.set_title(title)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_latent_steps(before, after, scores_before, scores_after, path, title=None):
    """Saves a figure of latents moved by a step (LoGAN's): G(z) above G(z'), each with its score.

    Args:
        before: images `(n, height, width, channels)` in [-1, 1], generated from z.
        after: images of the same shape, generated from the moved latents z'.
        scores_before: `(n,)` the discriminator's scores of `before`.
        scores_after: `(n,)` the scores of `after`.
        path: output file (`.png`).
        title: optional title.

    Returns:
        `path`.
    """
    plt = pyplot()

    before, after = np.asarray(before), np.asarray(after)
    if before.shape != after.shape or before.ndim != 4:
        raise ValueError(
            "plot_latent_steps takes two batches of images of the same shape (n, height, "
            f"width, channels). Received: shapes {before.shape} and {after.shape}"
        )
    n = before.shape[0]
    figure, axes = plt.subplots(2, n, figsize=(1.3 * n, 3.0), squeeze=False)
    for row, (images, scores, name) in enumerate(
        ((before, scores_before, "z"), (after, scores_after, "z'"))
    ):
        for column in range(n):
            axis = axes[row, column]
            tile = to_uint8(images[column])
            axis.imshow(
                tile[..., 0] if tile.shape[-1] == 1 else tile, cmap="gray", vmin=0, vmax=255
            )
            axis.set_xticks([])
            axis.set_yticks([])
            axis.set_title(f"D={float(np.ravel(scores)[column]):.2f}", fontsize=8)
        axes[row, 0].set_ylabel(f"G({name})", fontsize=9)
    if title:
        figure.suptitle(title, fontsize=10)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_attention_maps(images, maps, queries, path, titles=None):
    """Saves a figure of where query positions attend: one row per image, the image first, then
    one panel per query with the query marked (+) and its attention map laid over the image.

    Args:
        images: `(n, height, width, channels)` in [-1, 1].
        maps: `(n, N, M)` attention weights, row i of map k being how much query position i of
            image k attends to each key position; the queries lie on a square grid of N
            positions and the keys on one of M (row-major), each covering the whole image.
        queries: sequence of `(row, column)` positions on the queries' grid.
        path: output file (`.png`).
        titles: optional sequence of one title per image.

    Returns:
        `path`.

    Raises:
        ValueError: shapes that disagree, a grid that is not square, or a query outside it.
    """
    plt = pyplot()

    images, maps = np.asarray(images), np.asarray(maps)
    if images.ndim != 4 or maps.ndim != 3 or len(images) != len(maps):
        raise ValueError(
            "plot_attention_maps takes images (n, height, width, channels) and maps (n, N, M) "
            f"for the same n. Received: shapes {images.shape} and {maps.shape}"
        )
    query_side, key_side = math.isqrt(maps.shape[1]), math.isqrt(maps.shape[2])
    if query_side**2 != maps.shape[1] or key_side**2 != maps.shape[2]:
        raise ValueError(
            "plot_attention_maps needs square grids of query and key positions. Received: "
            f"maps of shape {maps.shape}"
        )
    positions = np.asarray(queries)
    if positions.size and (
        positions.ndim != 2 or positions.shape[1] != 2 or positions.dtype.kind not in "iu"
    ):
        raise ValueError(
            f"Queries must be a sequence of (row, column) integer positions. Received: {queries!r}"
        )
    queries = [(int(row), int(column)) for row, column in positions.reshape(-1, 2)]
    outside = [q for q in queries if not all(0 <= v < query_side for v in q)]
    if outside or not queries:
        raise ValueError(
            f"Queries must be (row, column) positions on the {query_side}x{query_side} grid of "
            f"query positions, each in [0, {query_side}). Received: {outside or queries}"
        )
    n, height, width = images.shape[:3]
    extent = (-0.5, width - 0.5, height - 0.5, -0.5)  # the maps stretched over the image
    figure, axes = plt.subplots(
        n, 1 + len(queries), figsize=(2.0 * (1 + len(queries)), 2.0 * n), squeeze=False
    )
    for row in range(n):
        tile = to_uint8(images[row])
        tile = tile[..., 0] if tile.shape[-1] == 1 else tile
        for column in range(1 + len(queries)):
            axes[row, column].imshow(tile, cmap="gray", vmin=0, vmax=255)
            axes[row, column].axis("off")
        if titles is not None:
            axes[row, 0].set_title(str(titles[row]), fontsize=9)
        for column, (qy, qx) in enumerate(queries, start=1):
            weights = maps[row, qy * query_side + qx].reshape(key_side, key_side)
            axes[row, column].imshow(weights, cmap="magma", alpha=0.6, extent=extent)
            axes[row, column].plot(
                (qx + 0.5) * width / query_side - 0.5,
                (qy + 0.5) * height / query_side - 0.5,
                "c+",
                markersize=10,
                mew=2,
            )
            axes[row, column].set_title(f"query ({qy}, {qx})", fontsize=9)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path
