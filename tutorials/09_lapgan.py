# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · LAPGAN: a Laplacian pyramid of GANs
#
# **What you will be able to do:** build a Laplacian pyramid and invert it exactly; train one
# conditional GAN per level and sample an image coarse to fine.
#
# **LAPGAN** (Denton et al. 2015, <https://arxiv.org/abs/1506.05751>) splits image generation
# into easy steps. With $d$ a blur-and-downsample and $u$ an upsample, an image $I_0$ gives the
# Gaussian pyramid $I_{k+1} = d(I_k)$ and the **Laplacian pyramid**
#
# $$h_k = I_k - u(I_{k+1}),\quad k = 0, \dots, K-1, \qquad \text{plus the coarsest } I_K,$$
#
# which reconstructs the image exactly: $I_k = u(I_{k+1}) + h_k$. LAPGAN trains one GAN per
# level: an ordinary GAN for the tiny $I_K$, and for every finer level a **conditional** GAN
# that generates the band-pass detail $h_k$ given the blurry upsampled image $l_k = u(I_{k+1})$:
#
# $$\min_{G_k}\max_{D_k}\; \mathbb{E}_{h_k, l_k}[\log D_k(h_k, l_k)]
#   + \mathbb{E}_{z_k, l_k}[\log(1 - D_k(G_k(z_k, l_k), l_k))].$$
#
# Sampling runs coarse to fine: $\tilde I_K = G_K(z_K)$, then
# $\tilde I_k = u(\tilde I_{k+1}) + G_k(z_k, u(\tilde I_{k+1}))$. Each level is trained on the
# *real* pyramid, independently of the others.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 400  # steps (each updates every level's D and G once; ~1 s each on a 2-core CPU)
filters = 32  # width of the conditional networks (LAPGANConfig's default 32; the paper's CIFAR-10 model 128)
paper = False  # True: LAPGANConfig.PAPER (CIFAR-10, 128 filters, SGD, batch 128)
seed = 0

# %%
if quick:
    steps, filters = 2, 8

# %%
import inspect
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from keras import ops

from keras_gan import datasets, pyramid
from keras_gan.models import LAPGAN, LAPGANConfig
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)


# %%
def load_digits(batch_size, image_size=28):
    """MNIST when KERAS_GAN_DATA_DIR holds it, else scikit-learn's digits upsampled; says which."""
    if os.environ.get(datasets.ENV_DATA_DIR):
        try:
            data = datasets.load("mnist", batch_size=batch_size, image_size=image_size, seed=seed)
            print(f"Data: MNIST from ${datasets.ENV_DATA_DIR}")
            return data
        except datasets.DataNotFoundError as error:
            print(f"MNIST is not in ${datasets.ENV_DATA_DIR} ({str(error)[:200]}...)")
    print(f"Data: scikit-learn's 1797 8x8 digits upsampled to {image_size}x{image_size}, NOT MNIST "
          f"(set {datasets.ENV_DATA_DIR} to a folder holding MNIST to use it)")
    return datasets.load("digits", batch_size=batch_size, image_size=image_size, seed=seed)


def show_levels(levels, title):
    """Shows a pyramid, finest first, each level a row of 8 images."""
    fig, axes = plt.subplots(1, len(levels), figsize=(4 * len(levels), 4))
    for ax, (name, images) in zip(axes, levels):
        images = ops.convert_to_numpy(images)[:16]
        # band-pass images are centred on 0: stretch them for display
        if "h_" in name:
            images = images / max(1e-6, np.abs(images).max())
        ax.imshow(image_grid(np.clip(images, -1, 1), rows=4), cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{name} {images.shape[1]}x{images.shape[2]}")
        ax.axis("off")
    fig.suptitle(title)
    plt.show()


config = LAPGANConfig(filters=filters, seed=seed)
if paper:
    config = config.with_paper_settings()
# With paper=True the dataset is CIFAR-10 (32x32x3), loaded through keras_gan.datasets.
data = load_digits(config.batch_size) if config.dataset == "mnist" else datasets.load(
    config.dataset, batch_size=config.batch_size, seed=seed)
real = next(iter(data)).numpy()

# %% [markdown]
# ## The Laplacian pyramid of real digits
#
# `keras_gan.pyramid` has the operators. Three levels: $28 \to 14 \to 7$.

# %%
bands = pyramid.laplacian_pyramid(ops.convert_to_tensor(real), config.levels)
show_levels([(f"h_{k}", band) for k, band in enumerate(bands[:-1])] + [(f"I_{len(bands) - 1}", bands[-1])],
            "Laplacian pyramid: band-pass details and the coarsest image")
error = np.abs(ops.convert_to_numpy(pyramid.reconstruct(bands)) - real).max()
print(f"reconstruction error: {error:.2e} (the pyramid is invertible)")

# %% [markdown]
# ## Training every level

# %%
display(Markdown(f"```python\n{inspect.getsource(LAPGAN.train_step)}\n```"))

# %%
lapgan = LAPGAN.from_train_config(config, real.shape[1:])
blocks = min(5, steps)
history = lapgan.fit(data.repeat(), epochs=blocks, steps_per_epoch=max(1, steps // blocks), verbose=0).history
print("LAPGAN last logs:", {k: round(v[-1], 3) for k, v in history.items()})
plt.figure(figsize=(6, 3))
for name, values in history.items():
    if name not in ("d_loss", "g_loss"):
        plt.plot(values, marker="o", label=name)
plt.legend(fontsize=7)
plt.title("per-level losses (level K is the coarsest)")
plt.show()

# %% [markdown]
# ## Sampling coarse to fine

# %%
images, levels = lapgan.generate(16, seed=seed, return_levels=True)
show_levels([(f"I~_{k}", level) for k, level in enumerate(levels)], "LAPGAN samples at every level (finest first)")

# %% [markdown]
# ## Exercises
#
# 1. **Same seed, different detail.** Fix the coarsest latent and resample only the finer
#    levels' noise (`generate(latents=...)` with different `seed`): how much does the digit
#    change? What does this say about what each level decides?
# 2. **Coding: one pyramid level.** Write `band_pass(images)` $= I - u(d(I))$ with
#    `keras_gan.pyramid.downsample` / `upsample`, and check it against
#    `pyramid.laplacian_pyramid(images, 2)[0]`.
# 3. **Levels.** Train with `levels=2` (28 -> 14) and compare with 3 at the same budget.
#    Why must the image size be divisible by $2^{K}$?
# 4. **Conceptual.** The levels are trained on the real pyramid but sampled on generated
#    coarse images. What goes wrong if the coarse generator's images are off the real
#    distribution (a train/test mismatch), and how could one fix it?
