"""Shared fixtures, and which backend runs which test.

The suite runs once per backend (`bash scripts/test.sh`). Two markers keep that affordable on a
2-core CI machine without losing what each backend can break:

- `@pytest.mark.one_backend("torch", reason=...)`: the test checks code that is the same on every
  backend (a file format, a sandbox, argument parsing), so it runs on the backend named.
- `@pytest.mark.spread_over_backends(reason=...)`: a parametrized test whose parameters each
  check one more instance of a mechanism that every backend already checks elsewhere (each
  variant's resume, each variant's command line): parameter i runs on backend i mod 3, so each
  backend runs a third of them and every parameter runs once. `place={value: backend}` pins
  parameters whose cost depends on the backend (a large model's XLA compilation on JAX) to
  the backend where they cost least.

`KERAS_GAN_TEST_EVERY_BACKEND=1` runs both kinds on every backend (before a release, or on a
machine with time to spare).

JAX compiles each test's small models once (the compilation cache then serves repeats); the
tests ask XLA not to optimise those compilations (`JAX_DISABLE_MOST_OPTIMIZATIONS`), which took
the BigGAN and LoGAN test files from 395 s to 279 s on 2 CPU cores with a cold cache
(docs/performance.md, "The test suite"). What the tests check, values against hand computations
and the other backends, does not depend on how fast the compiled code runs; the tutorials and
the command line in CI run with XLA's default optimisations. Set the variable to 0 to test
with them. The unoptimised code rounds differently: on an AVX-512 machine it moved LoGAN's
third step by up to 5.5e-4 (relative) from the reference that TensorFlow, PyTorch and optimised
JAX match within 3e-6, so LoGAN's parity test allows 1e-3.

Under pytest-xdist on torch, each worker uses one CPU thread (`OMP_NUM_THREADS=1` unless set):
with torch's default of a thread per core, two workers oversubscribe two cores, and the BigGAN
and LoGAN test files took 90 s against 45 s.
"""

import os

os.environ.setdefault("JAX_DISABLE_MOST_OPTIMIZATIONS", "1")  # read when jax is first imported
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("KERAS_BACKEND") == "torch":
    # One torch thread per worker process (and per subprocess it starts): two workers with
    # torch's default of one thread per core oversubscribe 2 cores.
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import keras  # noqa: E402
import pytest  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
BACKENDS = ("tensorflow", "jax", "torch")


if os.environ.get("PYTEST_XDIST_WORKER") and keras.backend.backend() == "torch":
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))


def pytest_report_header(config):
    return f"keras backend: {keras.backend.backend()}"


def _chosen_backend(item):
    """(backend, reason) for a test marked to run on one backend, else None."""
    marker = item.get_closest_marker("one_backend")
    if marker is not None:
        backend = marker.args[0] if marker.args else None
        if backend not in BACKENDS:
            raise pytest.UsageError(
                f"{item.nodeid}: one_backend takes one of {', '.join(BACKENDS)}. "
                f"Received: {backend!r}"
            )
        return backend, marker.kwargs.get("reason", "")
    marker = item.get_closest_marker("spread_over_backends")
    if marker is not None:
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            raise pytest.UsageError(f"{item.nodeid}: spread_over_backends needs parameters")
        places = set(callspec.indices.values())
        if len(places) != 1:
            raise pytest.UsageError(
                f"{item.nodeid}: spread_over_backends takes one parametrize list. "
                f"Received: {len(places)} lists"
            )
        position = places.pop()  # the parameter's place in its list
        placed = marker.kwargs.get("place", {})
        values = list(callspec.params.values())
        value = values[0] if len(values) == 1 else None  # `place` keys one argument's values
        if placed and value in placed:  # a parameter pinned to a backend (where it costs least)
            if placed[value] not in BACKENDS:
                raise pytest.UsageError(
                    f"{item.nodeid}: spread_over_backends' place takes backends among "
                    f"{', '.join(BACKENDS)}. Received: {value!r}: {placed[value]!r}"
                )
            return placed[value], marker.kwargs.get("reason", "")
        return BACKENDS[position % len(BACKENDS)], marker.kwargs.get("reason", "")
    return None


def pytest_collection_modifyitems(config, items):
    if os.environ.get("KERAS_GAN_TEST_EVERY_BACKEND") == "1":
        return
    backend = keras.backend.backend()
    for item in items:
        chosen = _chosen_backend(item)
        if chosen is not None and chosen[0] != backend:
            item.add_marker(pytest.mark.skip(reason=f"runs on {chosen[0]}: {chosen[1]}"))


@pytest.fixture
def parity_dir():
    return os.path.join(FIXTURES, "parity")


@pytest.fixture
def mock_celeb_a(tmp_path, monkeypatch):
    """CelebA's tfds builder with 12 random 'train' examples (tfds' mock data, CelebA's real
    features: 218x178 faces, 40 boolean attributes), which `keras_gan.datasets.load("celeb_a")`
    reads; nothing is downloaded or prepared."""
    import tensorflow_datasets as tfds

    from keras_gan.datasets import tfds_loader

    with tfds.testing.mock_data(num_examples=12):
        builder = tfds.builder("celeb_a", data_dir=str(tmp_path / "tfds"))
        split = tfds.core.SplitInfo(name="train", shard_lengths=[12], num_bytes=0)
        builder.info.set_splits(tfds.core.SplitDict([split]))
        monkeypatch.setattr(tfds_loader, "prepared_builder", lambda name, data_dir=None: builder)
        yield builder
