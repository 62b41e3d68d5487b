r"""The generator's exponential moving average (EMA), a stabiliser any model can turn on.

$$\bar\theta_t = \beta_t\,\bar\theta_{t-1} + (1 - \beta_t)\,\theta_t$$

After every training step the core (`AdversarialBase`) moves a separate copy of the generator's
weights, $\bar\theta$, a fraction $1 - \beta_t$ of the way toward the weights the step just
produced, $\theta_t$. The generator keeps training with its own weights; the average is only
read when sampling (`model.generate`, the sample grids, `keras_gan.evaluate`), where it smooths
out the oscillation of the adversarial game. ProGAN, StyleGAN and BigGAN all report their
figures with it. Unlike Keras' `use_ema` optimizer option, which overwrites the trained weights
with the average, the raw weights are kept, and `generate(..., ema=False)` still reads them.

Two schedules for $\beta_t$, as the papers give them:

- a fixed **decay** $\beta$ (`ema_decay`): ProGAN 0.999, BigGAN 0.9999;
- a **half-life** in images $h$ (`ema_half_life`, StyleGAN2): $\beta_t = 0.5^{m / h_t}$ for a
  batch of $m$ images, so the weights of $h$ images ago count half, whatever the batch size;
  with a ramp-up $r$ (`ema_rampup`, StyleGAN2-ADA's 0.05), $h_t = \min(h, r \cdot n_t)$ where
  $n_t$ is the number of images seen before the step, so the average follows closely at first.

Either schedule can start late: for the first `ema_start` steps $\beta_t = 0$, the average is a
copy of the weights (BigGAN starts averaging after 20,000 iterations).

References:
    ProGAN (Karras et al. 2018), section A.1: https://arxiv.org/abs/1710.10196;
    BigGAN (Brock et al. 2019), section 4 and `ema` in ajbrock/BigGAN-PyTorch `utils.py`:
    https://arxiv.org/abs/1809.11096; StyleGAN2-ADA's `ema_kimg` and `ema_rampup`
    (NVlabs/stylegan2-ada-pytorch, `training/training_loop.py`): https://arxiv.org/abs/2006.06676
"""

import contextlib

import numpy as np
from keras import ops


def decay_at(step, batch_size, decay=None, half_life=None, rampup=None, start=0):
    r"""$\beta_t$, the weight of the old average at a step, as a float32 tensor.

    Args:
        step: int tensor, the number of steps taken before this one.
        batch_size: int or int tensor, the number of training images the step consumed.
        decay: fixed decay, or None.
        half_life: half-life in images, or None.
        rampup: ramp-up factor of the half-life, or None.
        start: steps during which $\beta_t = 0$ (the average copies the weights).

    Returns:
        A float32 scalar tensor in [0, 1).
    """
    step = ops.cast(step, "float32")
    if decay is not None:
        beta = ops.convert_to_tensor(float(decay), "float32")
    else:
        batch_size = ops.cast(batch_size, "float32")  # a tensor where the batch is dynamic
        half_life = ops.convert_to_tensor(float(half_life), "float32")
        if rampup is not None:
            # StyleGAN2-ADA: ema_nimg = min(ema_nimg, cur_nimg * ema_rampup)
            half_life = ops.minimum(half_life, step * batch_size * float(rampup))
        # beta = 0.5 ** (batch / ema_nimg): the average halves its weight every `half_life` images
        beta = ops.power(0.5, batch_size / ops.maximum(half_life, 1e-8))
    return ops.where(ops.less(step, float(start)), ops.zeros_like(beta), beta)


def update(averages, weights, beta):
    r"""$\bar\theta \leftarrow \beta\,\bar\theta + (1 - \beta)\,\theta$ for each pair of variables."""
    for average, weight in zip(averages, weights):
        b = ops.cast(beta, average.dtype)
        average.assign(b * average + (1.0 - b) * ops.stop_gradient(ops.cast(weight, average.dtype)))


@contextlib.contextmanager
def swapped_in(weights, averages):
    """Within the block, `weights` hold the values of `averages`; restored afterwards."""
    raw = [ops.convert_to_numpy(w) for w in weights]
    try:
        for weight, average in zip(weights, averages):
            weight.assign(ops.convert_to_numpy(average))
        yield
    finally:
        for weight, value in zip(weights, raw):
            weight.assign(value)


def decay_from_half_life(half_life, batch_size):
    r"""The fixed decay equal to a half-life of `half_life` images at a batch size:
    $0.5^{m / h}$ (StyleGAN2's 10,000-image half-life at batch 32: 0.99778)."""
    return float(np.power(0.5, batch_size / half_life))
