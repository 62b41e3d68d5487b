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
exercise_steps = 100  # steps of each of the two models the worked solutions train (exercise 3)
seed = 0

# %%
if quick:
    steps, filters = 2, 8
    exercise_steps = 2

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

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. Exercise
# 3 trains two models for `exercise_steps` each.
#
# **1. Same seed, different detail.** `generate(latents=z, seed=s)` draws the coarsest image
# $\tilde I_K = G_K(z)$ from `latents` alone and the finer levels' noise planes $z_k$ from `seed`.
# Each row below keeps one $z$ and each column changes the noise; the numbers compare how far two
# images are (mean absolute pixel difference) when only the noise changes and when $z$ changes
# too. In a well-trained LAPGAN one expects the $7 \times 7$ image to decide the digit, its size
# and position, and the conditional levels only to draw the edges around it: a row would be one
# digit in slightly different strokes, the levels splitting the decisions coarse to fine. In our run (MNIST, JAX,
# CPU, the defaults: 400 steps) each row kept the rough position and mass of the ink, but the
# finer levels' noise changed the strokes almost as much as a new $z$ did (0.19 against 0.22):
# at this budget the $7 \times 7$ images are blobs with little to decide, and the conditional
# generators, trained on real low-pass images only, still lean on their noise (exercise 4 shows
# the same levels draw much clearer digits from real coarse images).

# %% tags=["instructor-solution"]
fixed = ops.convert_to_numpy(lapgan.sample_latent(4, seed=seed + 1))
noise_seeds = [seed + 10 + i for i in range(6)]
rows = np.stack([lapgan.generate(latents=fixed, seed=s) for s in noise_seeds], axis=1)  # (4, 6, h, w, c)
plt.figure(figsize=(6, 4))
plt.imshow(image_grid(np.clip(rows.reshape(-1, *rows.shape[2:]), -1, 1), rows=4), cmap="gray", vmin=0, vmax=255)
plt.title("each row: one coarsest z; each column: other noise at the finer levels")
plt.axis("off")
plt.show()
same_z = np.mean([np.abs(rows[i, a] - rows[i, b]).mean() for i in range(4) for a in range(6) for b in range(a)])
other_z = np.mean([np.abs(rows[i, 0] - rows[j, 0]).mean() for i in range(4) for j in range(i)])
print(f"mean |difference|: same z, other noise {same_z:.4f};  other z {other_z:.4f}")

# %% [markdown] tags=["instructor-solution"]
# **2. One pyramid level.** $h_0 = I - u(d(I))$; `laplacian_pyramid(images, 2)` is
# $[h_0, d(I)]$:

# %% tags=["instructor-solution"]
def band_pass(images):
    """h = I - u(d(I)): what upsampling the half-size image misses."""
    return images - pyramid.upsample(pyramid.downsample(images))


batch = ops.convert_to_tensor(real)
np.testing.assert_allclose(ops.convert_to_numpy(band_pass(batch)),
                           ops.convert_to_numpy(pyramid.laplacian_pyramid(batch, 2)[0]), atol=1e-6)
print("band_pass(real) == laplacian_pyramid(real, 2)[0]; mean |h_0| =",
      f"{float(np.abs(ops.convert_to_numpy(band_pass(batch))).mean()):.4f}")

# %% [markdown] tags=["instructor-solution"]
# **3. Levels.** With `levels=2` the coarsest GAN (a fully connected network) must draw a
# $14 \times 14$ image by itself, four times the pixels of the $7 \times 7$ one, and a single
# conditional level adds the detail; with 3 levels each step is smaller. Below, two new models
# train from the same seed for `exercise_steps` each. In our run (MNIST, JAX, CPU, 101 steps)
# the 2-level model's coarse GAN collapsed: its 16 samples were one and the same image, where
# the 3-level model's varied; a step cost about 1.2 s against 1.4 s (a busy 2-core CPU).
# Each halving needs even sides: $d$ keeps
# every second row and column, and $u$ doubles, so $u(d(I))$ has $I$'s size (and $h_k$ is
# defined) only if the side is even at every level: divisible by $2^K$ with $K$ = `levels` - 1.
# $28 = 4 \cdot 7$ allows `levels=3` ($28 \to 14 \to 7$); `levels=4` would need $3.5$.
# (`pyramid.check_levels` also wants the coarsest level at least $4 \times 4$, for the blur's
# reflected border.)

# %% tags=["instructor-solution"]
import dataclasses
import time

level_runs = {}
for num_levels in (2, 3):
    keras.utils.set_random_seed(seed)
    model = LAPGAN.from_train_config(dataclasses.replace(config, levels=num_levels), real.shape[1:])
    model.fit(data.repeat(), epochs=1, steps_per_epoch=1, verbose=0)  # compiles the step
    start = time.perf_counter()
    logs = model.fit(data.repeat(), epochs=1, steps_per_epoch=exercise_steps, verbose=0).history
    seconds = (time.perf_counter() - start) / exercise_steps
    level_runs[num_levels] = model.generate(16, seed=seed)
    print(f"levels={num_levels}: {seconds:.3f} s per step, last logs",
          {k: round(v[-1], 3) for k, v in logs.items() if k.startswith("d_loss_")})
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, (num_levels, samples) in zip(axes, level_runs.items()):
    ax.imshow(image_grid(np.clip(samples, -1, 1), rows=4), cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"levels={num_levels}, {exercise_steps + 1} steps")
    ax.axis("off")
plt.show()
try:
    pyramid.check_levels(real.shape[1:3], 4)
except ValueError as error:
    print("levels=4:", error)

# %% [markdown] tags=["instructor-solution"]
# **4. Train/test mismatch.** Level $k$ learns $p(h_k \mid l_k)$ only for the $l_k = u(I_{k+1})$
# of *real* images. At sampling time it gets $u(\tilde I_{k+1})$ of a generated one; where that
# is off the real distribution (a stroke too faint, a blob no digit has) the conditional
# generator is evaluated where it was never trained, its detail can be arbitrary, and the errors
# of each level feed the next (the exposure bias of autoregressive models). Fixes: train each
# conditional level (or fine-tune it) on coarse images *generated* by the trained coarser level,
# judged by an unconditional discriminator on the sum $u(\tilde I_{k+1}) + \tilde h_k$ since no
# real $h_k$ pairs with a generated $l_k$; train the cascade end to end (StackGAN, ProGAN,
# notebook 16, whose discriminator sees the final image); or blur and add noise to $l_k$ during
# training so that nearby inputs are familiar. Below, the same finer levels run on the real
# coarse images $I_K$ and on generated ones, and the coarsest discriminator $D_K$ scores both.
# In our run (the defaults) the finer levels drew recognisable digits from the real $7 \times 7$
# images and shapeless strokes from the generated ones, although $D_K$ hardly told the two
# apart (mean logits +0.01 and -0.05): the generated coarse images miss what the finer levels
# rely on, and the cascade inherits it.

# %% tags=["instructor-solution"]
def cascade(coarse, noise_seed):
    """The finer levels of `lapgan` on given coarsest images (as generate() runs them)."""
    noise_generator = keras.random.SeedGenerator(noise_seed)
    image = ops.convert_to_tensor(coarse)
    for k in reversed(range(lapgan.levels - 1)):
        low_pass = pyramid.upsample(image)
        noise = lapgan.sample_noise_plane(len(coarse), k, seed=noise_generator)
        image = low_pass + lapgan.level_generator(k)([noise, low_pass], training=False)
    return ops.convert_to_numpy(image)


real_coarse = ops.convert_to_numpy(pyramid.gaussian_pyramid(batch[:16], lapgan.levels)[-1])
generated_coarse = levels[-1][:16]  # the coarsest level of the samples above
coarse_critic = lapgan.level_discriminator(lapgan.levels - 1)
for name, coarse in (("real I_K", real_coarse), ("generated I~_K", generated_coarse)):
    score = float(np.mean(ops.convert_to_numpy(coarse_critic(coarse, training=False))))
    print(f"D_K's mean logit on {name}: {score:+.3f}")
show_levels([("finer levels on real I_K", cascade(real_coarse, seed)),
             ("finer levels on generated I~_K", cascade(generated_coarse, seed)),
             ("real I_0", real[:16])], "the same finer levels, real vs generated coarse input")
