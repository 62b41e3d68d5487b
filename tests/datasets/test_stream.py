"""`load(..., start_step=s)`: a run's endless stream, equal from any step to the uninterrupted one.

Resume used to replay the stream with `dataset.repeat().skip(step)`, reading every batch already
trained on; these tests pin the order (the same batches from any step, on every kind of set) and
the cost (examples read before the first batch bounded by one epoch, whatever the step).
"""

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import datasets
from keras_gan.datasets import pipeline


def _batches(dataset, count):
    out = []
    for element in dataset.take(count):
        parts = element if isinstance(element, tuple) else (element,)
        out.append(tuple(np.asarray(part) for part in parts))
    assert len(out) == count
    return out


def _assert_same(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(
    "name, options",
    [
        ("digits", dict(batch_size=64, with_labels=True)),
        ("ring", dict(batch_size=256, num_examples=1500)),
        # two domains, each shuffled with its own per-epoch seed
        ("mnist_colour", dict(batch_size=64, paired=False, source="digits")),
        ("mnist_attributes", dict(batch_size=64, source="digits")),
    ],
)
def test_the_stream_from_any_step_is_the_uninterrupted_stream(name, options):
    per_epoch = datasets.info(name, seed=3, **options).steps_per_epoch
    straight = _batches(datasets.load(name, seed=3, start_step=0, **options), 2 * per_epoch + 4)
    # the first step, mid-epoch, the last batch of an epoch, an epoch boundary, two epochs in
    for step in (1, per_epoch // 2, per_epoch - 1, per_epoch, 2 * per_epoch + 1):
        resumed = _batches(datasets.load(name, seed=3, start_step=step, **options), 3)
        _assert_same(resumed, straight[step : step + 3])
    # ... and a new epoch is a new order, not the first one again
    assert not np.array_equal(straight[0][0], straight[per_epoch][0])


def test_each_epoch_of_the_stream_is_a_permutation_of_the_examples():
    _, labels = datasets.load(
        "digits", batch_size=1797, shuffle=False, with_labels=True
    ).get_single_element()
    stream = datasets.load("digits", batch_size=599, with_labels=True, seed=0, start_step=0)
    # 1797 = 3 x 599: every epoch is all the examples once, in a different order each time
    epochs = [np.concatenate([b[1] for b in _batches(stream.skip(3 * e), 3)]) for e in range(2)]
    for epoch_labels in epochs:
        np.testing.assert_array_equal(np.sort(epoch_labels), np.sort(labels.numpy()))
    assert not np.array_equal(epochs[0], epochs[1])


def test_unpaired_folders_of_different_sizes_resume_exactly(tmp_path, write_image):
    rng = np.random.default_rng(0)
    for i in range(7):
        write_image(tmp_path / "a" / f"{i}.png", rng.integers(0, 256, (4, 4, 3)))
    for i in range(3):  # the smaller domain cycles within an epoch
        write_image(tmp_path / "b" / f"{i}.png", rng.integers(0, 256, (4, 4, 3)))
    folders = (tmp_path / "a", tmp_path / "b")
    straight = _batches(datasets.load(folders, batch_size=2, seed=5, start_step=0), 12)
    for step in (2, 3, 7):  # 3 batches per epoch of 7 pairs
        _assert_same(
            _batches(datasets.load(folders, batch_size=2, seed=5, start_step=step), 3),
            straight[step : step + 3],
        )


def test_starting_late_reads_at_most_one_epoch_before_the_first_batch():
    read = []

    def counted(x):
        read.append(int(x))
        return x

    num_examples, batch_size = 50, 8  # 6 batches an epoch
    source = tf.data.Dataset.range(num_examples).map(
        lambda x: tf.ensure_shape(tf.py_function(counted, [x], tf.int64), [])
    )
    for start_step in (0, 6 * 1000 + 4, 6 * 10**6 + 4):
        read.clear()
        stream = pipeline.finish(
            source, num_examples=num_examples, batch_size=batch_size, shuffle=True, seed=0,
            drop_remainder=True, cache=False, name="counted", start_step=start_step,
        )  # fmt: skip
        next(iter(stream))
        # replaying would read start_step * batch_size examples: 48,032 and 48,000,032 here
        assert len(read) <= 2 * num_examples, (start_step, len(read))


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_a_bad_start_step_is_refused_by_name(bad):
    with pytest.raises(
        ValueError, match=f"start_step must be an int >= 0 or None. Received: start_step={bad!r}"
    ):
        datasets.load("digits", start_step=bad)


def test_without_start_step_each_pass_reshuffles_for_fit_epochs():
    dataset = datasets.load("digits", batch_size=1797, seed=0)
    first, second = (next(iter(dataset)).numpy() for _ in range(2))
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("global_seed", [None, 0, 123])
def test_the_order_depends_on_seed_and_epoch_only_not_on_the_global_tf_seed(global_seed):
    # keras.utils.set_random_seed(config.seed) sets TF's global seed before a run loads its data
    if global_seed is not None:
        tf.random.set_seed(global_seed)
    try:
        got = _batches(datasets.load("digits", batch_size=64, seed=4, start_step=30), 2)
    finally:
        tf.random.set_seed(None)
    expected = _batches(datasets.load("digits", batch_size=64, seed=4, start_step=30), 2)
    _assert_same(got, expected)
