"""The lab's figures: 2-D decision-surface animations, sample grids, nearest training neighbours.

- `decision_surface_frame(model, real, mixture)`: real vs generated points over the
  discriminator's $\\sigma(D(x))$ as a filled contour, as an RGB array; `DecisionSurfaceAnimation`
  is a callback that snapshots one frame every N steps during `fit` and writes a GIF.
- `save_sample_grid(images, path)`: a grid of generated images.
- `nearest_neighbours(samples, train, k, features=None)` and `save_nearest_neighbours(...)`: "is
  it copying?": each sample next to its k nearest training images, in pixel space or in a feature
  space (e.g. the MNIST classifier's features).

Everything renders with matplotlib's `Agg` backend and Pillow, without a display.
"""

from __future__ import annotations

import os

import keras
import numpy as np

from keras_gan import backend, plotting
from keras_gan.backend import compat


def _pyplot():
    return plotting.pyplot()  # Agg, unless a notebook's pyplot is already in use


def _limits(mixture):
    centers = np.asarray(mixture.centers)
    margin = 1.0 + 6 * mixture.std
    return centers.min() - margin, centers.max() + margin


def discriminator_surface(model, limits, resolution=100):
    """sigma(D(x)) on a `resolution` x `resolution` grid covering `limits` on both axes.

    A packed discriminator (PacGAN) judges m points at once: each grid point is scored as a pack
    of m copies of itself. A discriminator with minibatch std sees the grid as its minibatch.

    Returns:
        `(xs, ys, probabilities)`, each `(resolution, resolution)`.
    """
    axis = np.linspace(limits[0], limits[1], resolution, dtype=np.float32)
    xs, ys = np.meshgrid(axis, axis)
    points = np.stack([xs.ravel(), ys.ravel()], axis=1)
    packing = 1
    for layer in compat.all_layers(model.discriminator):
        packing = max(packing, getattr(layer, "packing", 1))
    packed = np.repeat(points, packing, axis=0)  # each point repeated m times -> one pack
    logits = keras.ops.convert_to_numpy(model.discriminator(packed, training=False))
    probabilities = 1.0 / (1.0 + np.exp(-logits.reshape(-1).astype(np.float64)))
    return xs, ys, probabilities.reshape(xs.shape)


def decision_surface_frame(
    model, real, mixture, num_samples=1000, seed=0, title=None, dpi=80, resolution=100
):
    """One frame: the discriminator's surface, real points and generated points.

    Args:
        model: a trained or training 2-D GAN (`model.generate`, `model.discriminator`).
        real: float array `(n, 2)` of real points.
        mixture: `"ring"`, `"grid"` or a `Mixture` (fixes the axes and marks the centres).
        num_samples: int, generated points drawn. Defaults to 1000.
        seed: int, seed of the generated points (fixed across frames). Defaults to 0.
        title: str, the frame's title. Defaults to `None`.
        dpi: int. Defaults to 80.
        resolution: int, grid points per axis of the surface. Defaults to 100.

    Returns:
        uint8 RGB array `(H, W, 3)`.
    """
    from keras_gan.lab.toy import _mixture

    mixture = _mixture(mixture)
    plt = _pyplot()
    limits = _limits(mixture)
    xs, ys, probabilities = discriminator_surface(model, limits, resolution)
    fake = model.generate(num_samples, seed=seed)
    figure, axes = plt.subplots(figsize=(5, 5), dpi=dpi)
    contour = axes.contourf(
        xs, ys, probabilities, levels=np.linspace(0, 1, 11), cmap="coolwarm", alpha=0.6
    )
    figure.colorbar(contour, ax=axes, fraction=0.046, pad=0.04, label="D(x) = P(real)")
    real = np.asarray(real)
    axes.scatter(real[:, 0], real[:, 1], s=3, c="black", alpha=0.5, label="real")
    axes.scatter(fake[:, 0], fake[:, 1], s=3, c="lime", alpha=0.5, label="generated")
    axes.set_xlim(*limits)
    axes.set_ylim(*limits)
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize=7)
    if title:
        axes.set_title(title, fontsize=9)
    figure.canvas.draw()
    frame = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    plt.close(figure)
    return frame


class DecisionSurfaceAnimation(keras.callbacks.Callback):
    """Snapshots the decision surface every `every` steps during `fit` and writes a GIF.

    Args:
        path: str, the `.gif` written at the end of training (and the last frame as `.png`).
        mixture: `"ring"`, `"grid"` or a `Mixture`.
        every: int, steps between frames. Defaults to 100.
        num_samples: int, generated (and real) points per frame. Defaults to 1000.
        duration_ms: int, display time of a frame. Defaults to 200.

    Attributes:
        frames: list of uint8 RGB arrays; `steps`: the step of each frame.
    """

    def __init__(self, path, mixture, every=100, num_samples=1000, duration_ms=200):
        super().__init__()
        from keras_gan.lab.toy import _mixture

        if not str(path).endswith(".gif"):
            raise ValueError(f"The animation path must end in '.gif'. Received: path={path!r}")
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"`every` must be a positive int. Received: every={every!r}")
        self.path = os.fspath(path)
        self.mixture = _mixture(mixture)
        self.every = every
        self.num_samples = num_samples
        self.duration_ms = duration_ms
        self.real = self.mixture.sample(num_samples, seed=0)[0]
        self.resolution = 100  # grid points per axis of the surface
        self.frames, self.steps = [], []
        self._step = 0

    def _snapshot(self):
        backend.sync_state(self.model)  # JAX: the trainer's state into the variables first
        self.frames.append(
            decision_surface_frame(
                self.model, self.real, self.mixture, self.num_samples,
                title=f"{self.mixture.name}: step {self._step}", resolution=self.resolution,
            )
        )  # fmt: skip
        self.steps.append(self._step)

    def on_train_begin(self, logs=None):
        self._snapshot()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._step % self.every == 0:
            self._snapshot()

    def on_train_end(self, logs=None):
        if self.steps[-1] != self._step:
            self._snapshot()
        plotting.save_gif(self.frames, self.path, self.duration_ms)
        plotting.save_image(self.frames[-1], self.path[: -len(".gif")] + ".png")


def save_sample_grid(images, path, rows=None, scale=2):
    """Writes generated images `(n, h, w, 1|3)` in [-1, 1] as one grid PNG; returns `path`."""
    return plotting.save_image(plotting.image_grid(images, rows=rows), path, scale=scale)


def nearest_neighbours(samples, train, k=3, features=None, batch_size=256):
    """The k training examples nearest to each sample (squared L2 distance).

    Args:
        samples: array `(n, ...)` of generated examples.
        train: array `(N, ...)` of training examples, same shape per example.
        k: int, neighbours per sample. Defaults to 3.
        features: `None` (compare raw pixels), a feature-network name of
            `keras_gan.metrics.get_feature_network` (e.g. `"classifier:mnist"`: the MNIST
            classifier's 128-d penultimate features), or a callable mapping a batch of examples
            to feature vectors `(b, d)`.
        batch_size: int, examples per feature call. Defaults to 256.

    Returns:
        `(indices, distances)`, both `(n, k)`, nearest first.
    """
    samples, train = np.asarray(samples, np.float32), np.asarray(train, np.float32)
    if samples.shape[1:] != train.shape[1:]:
        raise ValueError(
            "Samples and training examples must have the same shape. Received: samples "
            f"{samples.shape[1:]}, training examples {train.shape[1:]}"
        )
    if not 1 <= k <= len(train):
        raise ValueError(f"`k` must be in [1, {len(train)}]. Received: k={k!r}")
    if isinstance(features, str):
        from keras_gan.metrics import get_feature_network

        network = get_feature_network(features)
        features = lambda x: network(x)[0]  # noqa: E731  (features, not probabilities)

    def embed(x):
        if features is None:
            return x.reshape(len(x), -1).astype(np.float64)
        parts = [np.asarray(features(x[i : i + batch_size])) for i in range(0, len(x), batch_size)]
        return np.concatenate(parts).reshape(len(x), -1).astype(np.float64)

    a, b = embed(samples), embed(train)
    # ||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2, (n, N)
    distances = (a**2).sum(1)[:, None] - 2 * a @ b.T + (b**2).sum(1)[None, :]
    distances = np.maximum(distances, 0.0)
    indices = np.argsort(distances, axis=1)[:, :k]
    return indices, np.take_along_axis(distances, indices, axis=1)


def save_nearest_neighbours(samples, train, path, k=3, features=None, scale=2):
    """Writes a PNG whose row i is sample i followed by its k nearest training images.

    A gap column separates the sample from its neighbours. Returns `(path, indices, distances)`.
    """
    indices, distances = nearest_neighbours(samples, train, k, features)
    samples, train = np.asarray(samples, np.float32), np.asarray(train, np.float32)
    blank = -np.ones_like(samples[:1])
    rows = [
        np.concatenate([samples[i : i + 1], blank, train[indices[i]]]) for i in range(len(samples))
    ]
    grid = plotting.image_grid(np.concatenate(rows), rows=len(samples))
    plotting.save_image(grid, path, scale=scale)
    return path, indices, distances
