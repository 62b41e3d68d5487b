# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Super-resolution: SRGAN
#
# **What you will be able to do:** explain why a super-resolution network trained on the pixel
# MSE is blurry; train SRGAN in its two phases (SRResNet on the MSE, then the adversarial game)
# and compare the two.
#
# Upscaling a low-resolution image $I^{LR}$ by $4\times$ is ill-posed: many high-resolution
# images $I^{HR}$ shrink to the same $I^{LR}$. A network trained on the pixel MSE predicts their
# **average**, which is blurry. **SRGAN** (Ledig et al. 2017, <https://arxiv.org/abs/1609.04802>)
# trains the generator (SRResNet: residual blocks and sub-pixel convolutions) with a
# *perceptual* loss
#
# $$l^{SR} = \underbrace{l^{SR}_X}_{\text{content}} + 10^{-3}\,\underbrace{l^{SR}_{Gen}}_{\text{adversarial}},
#   \qquad l^{SR}_{Gen} = -\log D(G(I^{LR})),$$
#
# where the content loss compares VGG19 feature maps $\phi_{5,4}$ instead of pixels, and a
# discriminator pushes the outputs onto the manifold of sharp images: it picks *one* plausible
# high-resolution image instead of the average. The generator is first trained on the MSE alone
# (SRResNet-MSE) and that network initialises SRGAN.
#
# Here: $7\times7 \to 28\times28$ digits (`mnist_superres`). The ImageNet VGG19 weights cannot be
# downloaded offline, so the content loss defaults to the pixel MSE (the paper's SRGAN-MSE
# variant); `content_loss` also accepts any frozen `keras.Model` of features.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
pretrain_steps = 400  # SRResNet-MSE steps (the paper: 10^6)
adversarial_steps = 400  # SRGAN steps (the paper: 10^5 at 1e-4, then 10^5 at 1e-5)
num_blocks = 4  # residual blocks B (SRGANConfig's CPU default; the paper's 16)
filters = 32  # generator width (the paper's 64)
paper = False  # True: SRGANConfig.PAPER (16 blocks, 64 filters, VGG54 content loss: needs the VGG19 weights)
seed = 0

# %%
if quick:
    pretrain_steps, adversarial_steps, num_blocks, filters = 2, 2, 1, 8

# %%
import inspect
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from keras import ops

from keras_gan import datasets
from keras_gan.models import SRGAN, SRGANConfig
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)


# %%
def digit_source():
    """'mnist' when KERAS_GAN_DATA_DIR holds MNIST, else 'digits' (sklearn, upsampled); says which."""
    if os.environ.get(datasets.ENV_DATA_DIR):
        try:
            datasets.info("mnist")
            print("Data: derived from MNIST")
            return "mnist"
        except datasets.DataNotFoundError as error:
            print(f"MNIST is not in ${datasets.ENV_DATA_DIR} ({str(error)[:200]}...)")
    print(f"Data: derived from scikit-learn's 8x8 digits upsampled, NOT MNIST (set {datasets.ENV_DATA_DIR} for MNIST)")
    return "digits"


config = SRGANConfig(pretrain_steps=pretrain_steps, num_blocks=num_blocks, filters=filters,
                     discriminator_filters=filters // 2, seed=seed)
if paper:
    config = config.with_paper_settings()
pairs = datasets.load("mnist_superres", batch_size=config.batch_size, scale=config.scale,
                      source=digit_source(), seed=seed)
low_res, high_res = (t.numpy() for t in next(iter(pairs)))
print("low-res", low_res.shape, "-> high-res", high_res.shape)
bicubic = ops.convert_to_numpy(ops.image.resize(low_res, high_res.shape[1:3], interpolation="bicubic"))

# %%
display(Markdown(f"```python\n{inspect.getsource(SRGAN.train_step)}\n```"))

# %% [markdown]
# ## Phase 1: SRResNet-MSE

# %%
srgan = SRGAN.from_train_config(config, high_res.shape[1:])
pretrain_history = srgan.pretrain(pairs, pretrain_steps, verbose=0).history
mse_outputs = srgan.generate(low_res)
print("pixel MSE during pretraining:", [round(v, 4) for v in pretrain_history["pixel_mse"]])

# %% [markdown]
# ## Phase 2: the adversarial game
#
# `fit` sees that the pretraining is done and plays SRGAN's game.

# %%
blocks = min(5, adversarial_steps)
history = srgan.fit(pairs.repeat(), epochs=blocks, steps_per_epoch=max(1, adversarial_steps // blocks), verbose=0).history
print("SRGAN last logs:", {k: round(v[-1], 4) for k, v in history.items()})
srgan_outputs = srgan.generate(low_res)


# %%
def psnr(a, b):
    """Peak signal-to-noise ratio (dB) of images in [-1, 1]."""
    mse = np.mean((a - b) ** 2, axis=(1, 2, 3))
    return float(np.mean(10 * np.log10(4.0 / np.maximum(mse, 1e-12))))


rows = {"low-res": np.repeat(np.repeat(low_res, config.scale, 1), config.scale, 2),
        "bicubic": bicubic, "SRResNet-MSE": mse_outputs, "SRGAN": srgan_outputs, "original": high_res}
fig, axes = plt.subplots(len(rows), 1, figsize=(10, 1.6 * len(rows)))
for ax, (name, images) in zip(axes, rows.items()):
    ax.imshow(image_grid(np.clip(images[:12], -1, 1), rows=1), cmap="gray", vmin=0, vmax=255)
    label = name if name in ("low-res", "original") else f"{name}\nPSNR {psnr(images, high_res):.1f} dB"
    ax.set_ylabel(label, rotation=0, ha="right", va="center")
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# The paper's point, visible at scale: SRGAN's PSNR is *lower* than SRResNet-MSE's (PSNR is a
# pixel MSE in disguise), yet its images look sharper; the paper measures this with human
# mean-opinion scores instead of PSNR.
#
# ## Exercises
#
# 1. **Perception-distortion.** Train with `adversarial_weight` of $10^{-2}$ and $10^{-4}$.
#    Plot PSNR against a sharpness measure (e.g. the mean gradient magnitude of the outputs).
# 2. **Coding: a feature content loss.** Train a small digit classifier (notebook 06) and pass
#    its feature layer as `content_loss=keras.Model(...)`. Write `feature_mse(model, a, b)` with
#    `keras.ops` and check it against the `content_*` log of one `train_on_batch`.
# 3. **Sub-pixel convolution.** Show that a convolution to $r^2 C$ channels followed by
#    depth-to-space (`keras.ops.depth_to_space` or a reshape) equals a transposed convolution
#    with stride $r$ for a suitable kernel. Why does the paper prefer it?
# 4. **Conceptual.** Why is the MSE-optimal upscaler blurry? Compute it for a toy case: a pixel
#    that is $+1$ or $-1$ with equal probability given the low-res input.
