"""CycleGAN's image history pool against a numpy copy of the reference code's ImagePool.query."""

import keras
import numpy as np
import pytest

from keras_gan.image_pool import ImagePool

SHAPE = (2, 2, 1)


def numbered(start, count):
    """Images whose every pixel is their number: easy to tell apart."""
    return np.arange(start, start + count, dtype="float32")[:, None, None, None] * np.ones(
        SHAPE, "float32"
    )


def ids(images):
    return np.asarray(keras.ops.convert_to_numpy(images))[:, 0, 0, 0].astype(int).tolist()


def reference_query(pool, images, coins, slots, pool_size):
    """junyanz/pytorch-CycleGAN-and-pix2pix util/image_pool.py, with given random draws."""
    returned = []
    for image, coin, slot in zip(images, coins, slots):
        if len(pool) < pool_size:
            pool.append(image)
            returned.append(image)
        elif coin > 0.5:
            returned.append(pool[slot])
            pool[slot] = image
        else:
            returned.append(image)
    return returned


def test_first_pool_size_images_pass_through_and_fill_the_pool():
    pool = ImagePool(SHAPE, pool_size=5)
    seed = keras.random.SeedGenerator(0)
    assert ids(pool.query(numbered(0, 3), seed)) == [0, 1, 2]
    assert int(keras.ops.convert_to_numpy(pool.count)) == 3
    assert ids(pool.query(numbered(3, 2), seed)) == [3, 4]
    assert int(keras.ops.convert_to_numpy(pool.count)) == 5
    assert ids(pool.images) == [0, 1, 2, 3, 4]


def test_full_pool_swaps_like_the_reference_with_the_same_draws():
    pool_size, batch = 4, 3
    pool = ImagePool(SHAPE, pool_size=pool_size)
    seed = keras.random.SeedGenerator(7)
    twin = keras.random.SeedGenerator(7)  # replays the pool's draws: uniform, then randint
    reference, swapped, total, next_id = [], 0, 0, 0
    for _ in range(30):
        images = numbered(next_id, batch)
        coins = keras.ops.convert_to_numpy(keras.random.uniform((batch,), seed=twin))
        slots = keras.ops.convert_to_numpy(keras.random.randint((batch,), 0, pool_size, seed=twin))
        expected = reference_query(reference, ids(images), coins, slots, pool_size)
        returned = ids(pool.query(images, seed))
        assert returned == expected
        assert ids(pool.images)[: len(reference)] == reference
        if next_id >= pool_size:  # the pool was full for this whole batch
            swapped += sum(r != i for r, i in zip(returned, ids(images)))
            total += batch
        next_id += batch
    # Each image is swapped with probability 1/2 (84 images: 3.5 standard deviations of room).
    assert 0.3 < swapped / total < 0.7
    assert int(keras.ops.convert_to_numpy(pool.count)) == pool_size


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="only a TensorFlow graph has an unknown batch size",
)
def test_unknown_batch_size_follows_the_same_rule():
    # fit() on arrays traces TensorFlow's step with batch size None: the pool then loops at run
    # time, and must return and store exactly what the reference does with the same draws.
    import tensorflow as tf

    pool_size, batch = 4, 3
    pool = ImagePool(SHAPE, pool_size=pool_size)
    seed = keras.random.SeedGenerator(7)
    twin = keras.random.SeedGenerator(7)
    query = tf.function(
        lambda images: pool.query(images, seed), input_signature=[tf.TensorSpec((None, *SHAPE))]
    )
    reference = []
    for step in range(6):
        images = numbered(batch * step, batch)
        coins = keras.ops.convert_to_numpy(keras.random.uniform((batch,), seed=twin))
        slots = keras.ops.convert_to_numpy(keras.random.randint((batch,), 0, pool_size, seed=twin))
        assert ids(query(images)) == reference_query(
            reference, ids(images), coins, slots, pool_size
        )
        assert ids(pool.images)[: len(reference)] == reference


def test_returned_images_come_from_the_pool_or_the_batch_and_are_seeded():
    def run(seed):
        pool = ImagePool(SHAPE, pool_size=6)
        generator = keras.random.SeedGenerator(seed)
        outputs = []
        for step in range(8):
            before = set(ids(pool.images))
            images = numbered(100 + 4 * step, 4)
            returned = ids(pool.query(images, generator))
            # A swapped image is one the pool held (or one stored earlier in the same batch).
            assert set(returned) <= before | set(ids(images))
            outputs.append(returned)
        return outputs

    first, again, other = run(3), run(3), run(4)
    assert first == again
    assert first != other


def test_pool_size_zero_returns_the_batch_and_bad_size_raises():
    pool = ImagePool(SHAPE, pool_size=0)
    assert ids(pool.query(numbered(0, 3), keras.random.SeedGenerator(0))) == [0, 1, 2]
    with pytest.raises(ValueError, match="pool_size"):
        ImagePool(SHAPE, pool_size=-1)
