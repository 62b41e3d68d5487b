r"""PacGAN (Lin et al. 2018): a discriminator that judges m samples at once.

$$\min_G \max_D \; \mathbb{E}_{x_1..x_m \sim p_{data}}[\log D(x_1, \dots, x_m)]
  + \mathbb{E}_{z_1..z_m}[\log(1 - D(G(z_1), \dots, G(z_m)))]$$

The generator is unchanged; the discriminator receives packs of m independent samples, all
real or all generated. A collapsed generator's packs hold near-identical samples, which real
packs almost never do, so the discriminator punishes collapse (the paper's analysis: packing
sharpens the total-variation penalty on distributions with missing mass).

`pack_discriminator(network, m)` wraps any discriminator built for m-times-wider inputs (2-D
points: `2 m` features; images: `m c` channels) with a `Pack` layer in front. The wrapped model
takes ordinary batches `(b, ...)` and returns `b / m` logits, so `GAN`, `DCGAN` and every variant
that calls `self.discriminator(samples)` train a PacGAN unchanged: the training-side grouping is
the consecutive split of each real or generated batch into packs, and the losses, which average
over the discriminator's outputs, average over packs. The batch size must be a multiple of m.

Example:

```python
from keras_gan.lab import pack_discriminator
from keras_gan.networks import dcgan_discriminator

m = 2  # PacDCGAN2 on Stacked MNIST: the discriminator sees 6-channel inputs
discriminator = pack_discriminator(dcgan_discriminator((28, 28, 3 * m)), m)
gan = keras_gan.models.DCGAN(image_shape=(28, 28, 3), discriminator=discriminator)
```

Reference: https://arxiv.org/abs/1712.04086
"""

import keras

from keras_gan.lab.layers import Pack


def packed_shape(sample_shape, packing):
    """The input shape the inner discriminator needs: the last axis times `packing`."""
    sample_shape = tuple(sample_shape)
    return (*sample_shape[:-1], sample_shape[-1] * packing)


def pack_discriminator(network, packing, sample_shape=None, name=None):
    """Wraps `network` (built for packed inputs) into a discriminator of single samples.

    Args:
        network: `keras.Model` taking `(batch, ..., m * c)` packed inputs and returning one
            logit per pack.
        packing: int >= 1, the degree of packing m (PacGAN2: 2, PacGAN4: 4).
        sample_shape: tuple, the shape of one sample. Defaults to `None`: the network's input
            shape with the last axis divided by m.
        name: str. Defaults to `"pac{m}_discriminator"`.

    Returns:
        A functional `keras.Model` mapping `(b, *sample_shape)` to `(b / m, 1)` logits.

    Raises:
        ValueError: the network's last input axis is not `m * c` for the given sample shape.
    """
    pack = Pack(packing, name="pack")  # validates `packing`
    inner = tuple(network.input_shape[1:])
    if sample_shape is None:
        if inner[-1] % packing:
            raise ValueError(
                f"A packed discriminator's inputs have m * channels on the last axis; the "
                f"network's input shape {inner} is not divisible by packing={packing}."
            )
        sample_shape = (*inner[:-1], inner[-1] // packing)
    sample_shape = tuple(sample_shape)
    if packed_shape(sample_shape, packing) != inner:
        raise ValueError(
            f"With packing={packing}, samples of shape {sample_shape} need a discriminator "
            f"taking {packed_shape(sample_shape, packing)}. Received: a network taking {inner}"
        )
    samples = keras.Input(sample_shape, name="samples")
    logits = network(pack(samples))  # (b, *S) -> (b/m, *S[:-1], m c) -> (b/m, 1)
    return keras.Model(samples, logits, name=name or f"pac{packing}_discriminator")
