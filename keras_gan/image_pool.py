"""CycleGAN's image history buffer (Zhu et al. 2017, section 4; Shrivastava et al. 2017).

"To reduce model oscillation, we update the discriminators using a history of generated images
rather than the ones produced by the latest generators. We keep an image buffer that stores the
50 previously created images." The rule, from the reference code's `ImagePool.query`, for each
generated image in turn:

- while the pool holds fewer than `pool_size` images, store the image and return it;
- once full, with probability 1/2 return a uniformly chosen stored image and put the new one in
  its place; otherwise return the new image and leave the pool as it is.

The pool is a fixed-size buffer variable and a count variable, updated with `keras.ops`, so it
runs inside compiled JAX and TensorFlow steps and is saved with the model. The random draws come
from the `SeedGenerator` passed in (the model's).

Reference: https://arxiv.org/abs/1703.10593 (code: junyanz/pytorch-CycleGAN-and-pix2pix,
`util/image_pool.py`).
"""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class ImagePool(keras.layers.Layer):
    """A history of generated images for a discriminator.

    Args:
        image_shape: tuple `(height, width, channels)` of the images stored.
        pool_size: int >= 0, how many images it keeps; 0 returns every query unchanged.
            Defaults to 50, the paper's.
        **kwargs: as in `keras.layers.Layer` (`name`).

    Example:

    >>> pool = ImagePool((16, 16, 3), pool_size=50)
    >>> seed = keras.random.SeedGenerator(0)
    >>> out = pool.query(keras.ops.zeros((4, 16, 16, 3)), seed)  # the first 50 pass through
    """

    def __init__(self, image_shape, pool_size=50, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(pool_size, int) or pool_size < 0:
            raise ValueError(f"`pool_size` must be an int >= 0. Received: pool_size={pool_size!r}")
        self.image_shape = tuple(int(d) for d in image_shape)
        self.pool_size = pool_size
        # (pool_size, h, w, c): the stored images; slots >= count are unused
        self.images = self.add_weight(
            shape=(max(pool_size, 1), *self.image_shape), initializer="zeros",
            trainable=False, name="images",
        )  # fmt: skip
        # How many slots hold an image (grows to pool_size, then stays)
        self.count = self.add_weight(
            shape=(), initializer="zeros", dtype="int32", trainable=False, name="count"
        )
        self.built = True

    def query(self, images, seed):
        """Returns a batch for the discriminator and updates the pool.

        Args:
            images: tensor `(batch, *image_shape)` of newly generated images, handled one by
                one as the reference does (an unrolled loop when the batch size is static, a
                run-time loop when it is not, e.g. TensorFlow on array input).
            seed: `keras.random.SeedGenerator` (the model's) or int.

        Returns:
            Tensor of the same shape: each image either the new one or one from the pool.
        """
        if self.pool_size == 0:
            return images
        static_batch = images.shape[0]
        # (batch,) in a graph traced with an unknown batch size (TensorFlow, array input)
        batch = ops.shape(images)[0] if static_batch is None else static_batch
        # One swap coin p ~ U(0, 1) and one slot index per image, drawn up front.
        coins = keras.random.uniform((batch,), seed=seed)
        slots = keras.random.randint((batch,), 0, self.pool_size, seed=seed)
        pool, count = ops.convert_to_tensor(self.images), ops.convert_to_tensor(self.count)
        if static_batch is not None:
            returned = []
            for i in range(static_batch):
                out, pool, count = self._query_one(images[i], coins[i], slots[i], pool, count)
                returned.append(out)
            returned = ops.stack(returned, axis=0)
        else:
            # The same rule, image by image, in a loop whose length is only known at run time

            def body(i, state):
                pool, count, returned = state
                image = ops.take(images, i, axis=0)
                out, pool, count = self._query_one(
                    image, ops.take(coins, i), ops.take(slots, i), pool, count
                )
                returned = ops.slice_update(returned, (i, 0, 0, 0), out[None])
                return pool, count, returned

            pool, count, returned = ops.fori_loop(
                0, batch, body, (pool, count, ops.zeros_like(images))
            )
        self.images.assign(pool)
        self.count.assign(count)
        return returned

    def _query_one(self, image, coin, slot_draw, pool, count):
        """One image through the pool: `(returned image, new pool, new count)`."""
        filling = count < self.pool_size
        # Full pool: swap when p > 0.5 (the reference's test)
        swap = ops.logical_and(ops.logical_not(filling), coin > 0.5)
        # Filling: write into slot `count`; swapping: into the random slot.
        slot = ops.where(filling, count, ops.cast(slot_draw, "int32"))
        # (pool_size,) one-hot of the slot, broadcast over the image axes
        at_slot = ops.reshape(
            ops.equal(ops.arange(self.pool_size, dtype="int32"), slot), (self.pool_size, 1, 1, 1)
        )
        stored = ops.take(pool, slot, axis=0)
        returned = ops.where(swap, stored, image)
        write = ops.logical_or(filling, swap)
        pool = ops.where(ops.logical_and(at_slot, write), image[None], pool)
        count = ops.minimum(count + 1, self.pool_size)
        return returned, pool, count

    def call(self, images, seed=None):
        return self.query(images, seed)

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "pool_size": self.pool_size,
        }
