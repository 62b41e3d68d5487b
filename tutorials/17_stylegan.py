# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 17 · StyleGAN: a generator driven by styles
#
# *Take it after 16 (ProGAN) and 11 (the stabilisers).*
#
# **What you will be able to do:** explain how StyleGAN's generator differs from DCGAN's and
# ProGAN's (a mapping network, styles instead of an input latent, noise inputs), write the
# modulated and demodulated convolution of StyleGAN2, train a small StyleGAN, and use the
# trained generator the way the papers do: truncation, noise on and off, style mixing.
#
# Karras et al., "A Style-Based Generator Architecture for GANs" (CVPR 2019),
# <https://arxiv.org/abs/1812.04948>, and "Analyzing and Improving the Image Quality of
# StyleGAN" (CVPR 2020), <https://arxiv.org/abs/1912.04958>. The generator no longer takes $z$
# at its first layer:
#
# - a **mapping network** $f$ (an MLP) turns $z$ into an intermediate latent $w = f(z)$;
# - the **synthesis network** starts from a *learned constant* 4x4 tensor, and every
#   convolution reads $w$ through its own affine layer $A$, which gives one scale per input
#   feature map, the **style** $s = A(w)$;
# - **noise** with a learned strength is added after every convolution, for the stochastic
#   detail.
#
# Training is StyleGAN2's: the non-saturating GAN losses, R1 on the discriminator every 16
# steps, a **path-length penalty** on the generator every 4 steps, **style mixing** in 90% of
# the batches, and the generator's moving average for the samples.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
image_size = 16  # 4x4 -> 8x8 -> 16x16 (the paper's FFHQ: 1024)
steps = 500  # training steps of batch_size images (the student's notebook: about 5 minutes, JAX)
batch_size = 32  # the paper's 32
max_filters = 32  # the widest blocks' feature maps (the paper's 512)
latent_dim = 64  # z and w (the paper's 512)
log_every = 50  # steps between two snapshots of the samples
exercise_steps = 500  # steps of each model in the worked exercises (instructor's copy): `steps`
seed = 0

# %%
if quick:
    image_size, steps, batch_size, max_filters, latent_dim, log_every = 8, 6, 8, 8, 8, 2
    exercise_steps = 0

# %%
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from keras_gan import datasets
from keras_gan.layers import ModulatedConv2D
from keras_gan.models import StyleGAN
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## Your turn: the modulated convolution
#
# StyleGAN1 applied a style with AdaIN: normalise each feature map, then scale it by the style.
# StyleGAN2 (section 2.2) found that the normalisation caused "droplet" artifacts and moved the
# style into the convolution's weights. For one sample with style $s$ (one scale per input
# feature map $i$), the kernel $w_{ijk}$ ($j$ the output map, $k$ the kernel position) becomes
#
# $$w'_{ijk} = s_i \, w_{ijk} \qquad \text{(modulation)}$$
#
# $$w''_{ijk} = \frac{w'_{ijk}}{\sqrt{\sum_{i,k} {w'_{ijk}}^2 + \epsilon}} \qquad
#   \text{(demodulation, } \epsilon = 10^{-8}\text{)}$$
#
# and the sample is convolved with its own $w''$. If the inputs have unit variance and are
# independent, each output map then has unit variance again: demodulation is AdaIN's
# normalisation, done on the weights, from the statistics the inputs are *expected* to have.
#
# Write it for a batch: `features` `(n, h, w, C_in)`, `styles` `(n, C_in)`, `kernel`
# `(k, k, C_in, C_out)`, "same" padding, stride 1, and `demodulate=False` skipping the second
# step (the toRGB layers do). A loop over the samples works; so does a faster form: the
# convolution is linear in each input map, so $\mathrm{conv}(x, s \odot w) = \mathrm{conv}(s
# \odot x, w)$, and the demodulation is one factor per sample and output map. Use only
# `keras.ops`: the generator learns through it.


# %%
def modulated_conv2d(features, styles, kernel, demodulate=True):
    """StyleGAN2's modulated (and demodulated) convolution.

    Args:
        features: tensor `(n, h, w, C_in)`.
        styles: tensor `(n, C_in)`, one scale per sample and input feature map.
        kernel: tensor `(k, k, C_in, C_out)`.
        demodulate: bool, divide each sample's modulated kernel by its norm over
            (k, k, C_in), sqrt(sum w'^2 + 1e-8), per output map.

    Returns:
        Tensor `(n, h, w, C_out)`: each sample convolved ("same" padding) with its own kernel.
    """
    ### BEGIN SOLUTION
    outputs = ops.conv(features * styles[:, None, None, :], kernel, padding="same")
    if demodulate:
        energy = ops.sum(ops.square(kernel), axis=(0, 1))  # (C_in, C_out)
        demodulation = ops.rsqrt(ops.matmul(ops.square(styles), energy) + 1e-8)
        outputs = outputs * demodulation[:, None, None, :]
    return outputs
    ### END SOLUTION


# %% [markdown]
# Check it against the definition, one sample at a time with its own kernel, and against the
# package's `ModulatedConv2D` layer (whose kernel is drawn from N(0, 1) and scaled by
# $1/\sqrt{k^2 C_{in}}$ at run time, the equalised learning rate).

# %%
rng = np.random.default_rng(seed)
x = rng.normal(size=(3, 6, 6, 4)).astype("float32")
s = rng.uniform(0.2, 3.0, size=(3, 4)).astype("float32")
w = rng.normal(size=(3, 3, 4, 5)).astype("float32")
yours = ops.convert_to_numpy(modulated_conv2d(x, s, w))
for i in range(3):
    modulated = w * s[i][None, None, :, None]
    modulated = modulated / np.sqrt((modulated**2).sum(axis=(0, 1, 2)) + 1e-8)
    one = ops.convert_to_numpy(ops.conv(x[i : i + 1], modulated, padding="same"))
    np.testing.assert_allclose(yours[i : i + 1], one, rtol=1e-4, atol=1e-4)
layer = ModulatedConv2D(5, 3)
layer.build([x.shape, s.shape])
layer.kernel.assign(w / layer.scale)  # the layer multiplies by its scale at run time
np.testing.assert_allclose(yours, ops.convert_to_numpy(layer([x, s])), rtol=1e-4, atol=1e-4)
print("matches the per-sample definition and ModulatedConv2D")

# %% [markdown]
# What demodulation buys: unit-variance inputs, styles anywhere between 0.2 and 3, and the
# output maps keep unit variance; without it, their scale follows the styles (and would
# compound over 10 or 18 layers).

# %%
big = rng.normal(size=(64, 16, 16, 32)).astype("float32")
styles = rng.uniform(0.2, 3.0, size=(64, 32)).astype("float32")
kernel = rng.normal(size=(3, 3, 32, 8)).astype("float32")
for flag in (True, False):
    out = ops.convert_to_numpy(modulated_conv2d(big, styles, kernel, demodulate=flag))
    print(f"demodulate={flag}: output standard deviation per sample "
          f"{out.std(axis=(1, 2, 3)).min():.3g} to {out.std(axis=(1, 2, 3)).max():.3g}")

# %% [markdown]
# ## The model
#
# `keras_gan.models.StyleGAN` builds the rest (`keras_gan.networks.stylegan`): the mapping
# network, styled convolutions (affine $A$, your modulated convolution, noise $B$, bias, leaky
# ReLU), a toRGB at every resolution whose outputs are upsampled and summed (the "skip"
# generator), and a residual discriminator. Its `train_step` is StyleGAN2's loop:

# %%
model = StyleGAN(
    image_shape=(image_size, image_size, 1),
    latent_dim=latent_dim,
    mapping_layers=2,  # the authors' CIFAR-10 setting (the paper's 8)
    max_filters=max_filters,
    filter_base=8 * max_filters,  # blocks at resolution r get min(max_filters, filter_base / r)
    ema_half_life=2_000,  # images: the moving average follows a short run (the paper's 10,000)
    seed=seed,
)
model.compile()  # Adam(0.002, 0, 0.99), adjusted for the lazy R1 and path-length steps
print(inspect.getsource(StyleGAN.train_step))

# %% [markdown]
# The generator's three parts are layers of `model.generator`: `model.mapping` ($z \to w$),
# `model.truncation` (the tracked average $\bar w$ and the truncation trick) and
# `model.synthesis`, which takes one copy of $w$ per layer: at 16x16, 6 copies (one per
# convolution, one for the last toRGB).

# %%
print("copies of w read by the synthesis network:", model.num_styles)
for layer in model.synthesis.layers:
    if hasattr(layer, "style_index"):
        print(f"  {layer.name:>14} reads w[{layer.style_index}]")

# %% [markdown]
# ## Training
#
# Digits from MNIST when `KERAS_GAN_DATA_DIR` holds it (or tensorflow-datasets has it
# prepared), else scikit-learn's 8x8 digits upsampled, saying so. A snapshot of the same
# latents every `log_every` steps.

# %%
try:
    data = datasets.load("mnist", image_size=image_size, batch_size=batch_size, seed=seed)
except datasets.DataNotFoundError as error:
    print(f"MNIST is not available ({str(error)[:120]}...): scikit-learn's 8x8 digits, "
          f"upsampled to {image_size}x{image_size}, instead")
    data = datasets.load("digits", image_size=image_size, batch_size=batch_size, seed=seed)


class Snapshots(keras.callbacks.Callback):
    """Samples of fixed latents, without noise, and the logs, at the end of every epoch."""

    def __init__(self, latents):
        super().__init__()
        self.latents, self.samples, self.logs = latents, [], []

    def on_epoch_end(self, epoch, logs=None):
        self.samples.append(self.model.generate(latents=self.latents, noise=False))
        self.logs.append(dict(logs))


fixed_latents = ops.convert_to_numpy(keras.random.normal((8, latent_dim), seed=seed))
snapshots = Snapshots(fixed_latents)
model.fit(data.repeat(), epochs=steps // log_every, steps_per_epoch=log_every, verbose=0,
          callbacks=[snapshots])

trained = np.arange(1, len(snapshots.logs) + 1) * log_every
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, name in zip(axes, ("d_loss", "g_loss", "path_length_mean")):
    ax.plot(trained, [logs[name] for logs in snapshots.logs], marker=".")
    ax.set_xlabel("training step")
    ax.set_title(name)
plt.tight_layout()
plt.show()

# %% [markdown]
# `path_length_mean` is the target $a$ of the path-length penalty: the running mean of
# $\lVert \mathbf{J}_w^\top y \rVert$, how far the image moves for a step in $w$ along a random
# image direction $y$. The penalty pulls every sample's length toward it. In our run of this
# notebook (JAX) it rose from 0.06 to about 0.17 over the first 400 steps and then levelled off.
#
# The same latents at six of the snapshots, drawn without noise. In our run, blobs became
# digit-like strokes around step 250 and by step 500 most samples were drawing the same
# closed loop, a 0: 16,000 images are enough to see the generator find the data, not enough
# for it to cover the ten classes (notebook 05 measures that kind of collapse).

# %%
picked = np.unique(np.linspace(0, len(snapshots.samples) - 1, 6).round().astype(int))
fig, axes = plt.subplots(len(picked), 1, figsize=(8, 1.2 * len(picked)))
for ax, index in zip(np.atleast_1d(axes), picked):
    ax.imshow(image_grid(snapshots.samples[index], rows=1), cmap="gray")
    ax.set_title(f"step {trained[index]}", fontsize=9, loc="left")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Using the trained generator
#
# **Truncation** (StyleGAN section 2.1 and appendix B): $w' = \bar w + \psi\,(w - \bar w)$. At
# $\psi = 0$ every latent gives the same, average image; as $\psi$ grows the samples get more
# varied (and, on a well-trained model, less reliable). Each column below is one latent, each
# row one $\psi$.

# %%
psis = (1.0, 0.7, 0.4, 0.0)
fig, axes = plt.subplots(len(psis), 1, figsize=(8, 1.2 * len(psis)))
for ax, psi in zip(axes, psis):
    ax.imshow(image_grid(model.generate(latents=fixed_latents, truncation_psi=psi, noise=False),
                         rows=1), cmap="gray")
    ax.set_title(f"truncation_psi = {psi}", fontsize=9, loc="left")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Noise**: the same latent drawn eight times. With the noise on, what changes between the
# draws is what the noise inputs control (the paper's hair and freckles); the right panel is
# the per-pixel standard deviation over the draws. How much the generator uses its noise
# depends on the strengths it learned, printed below: they start at 0, and in our 500-step run
# they were all still within 0.003 of it, so the draws barely differ. Digits have little
# stochastic detail to spend noise on; faces and hair do.

# %%
one = np.repeat(fixed_latents[:1], 8, axis=0)
draws = model.generate(latents=one)
fig, axes = plt.subplots(1, 2, figsize=(10, 1.6), gridspec_kw={"width_ratios": [8, 1]})
axes[0].imshow(image_grid(draws, rows=1), cmap="gray")
axes[0].set_title("one latent, eight noise draws", fontsize=9, loc="left")
axes[1].imshow(draws.std(axis=0)[..., 0], cmap="magma")
axes[1].set_title("std", fontsize=9)
for ax in axes:
    ax.axis("off")
plt.show()
for layer in model.synthesis.layers:
    if hasattr(layer, "noise"):
        strength = float(ops.convert_to_numpy(layer.noise.strength))
        print(f"  {layer.name:>14}: noise strength {strength:+.4f}")

# %% [markdown]
# **Style mixing** (StyleGAN figure 3): `mix_styles(a, b, cutoff)` gives the layers before
# `cutoff` the styles of latents `a` and the rest those of `b`. Row 0 is `a` alone, the last row
# `b` alone; in between, the cutoff moves from the coarse layers to the fine ones. Training
# with style mixing (90% of the batches here) is what keeps the layers' styles separable.

# %%
a, b = fixed_latents[:6], fixed_latents[2:8]
cutoffs = list(range(model.num_styles, -1, -2))
fig, axes = plt.subplots(len(cutoffs), 1, figsize=(6, 1.2 * len(cutoffs)))
for ax, cutoff in zip(axes, cutoffs):
    ax.imshow(image_grid(model.mix_styles(a, b, cutoff, noise=False), rows=1), cmap="gray")
    ax.set_title(f"layers 0-{cutoff - 1} from a, the rest from b" if 0 < cutoff < model.num_styles
                 else ("a" if cutoff else "b"), fontsize=9, loc="left")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# A run this short learns the rough shape of the data, not crisp digits of every class (in our
# run the mixed rows were variations of the same 0-like loop): StyleGAN2's figures
# come from tens of millions of images on 512-wide networks (the docs' StyleGAN page lists what
# the full scale reaches). The mechanics above are the same at every scale.
#
# ## Exercises
#
# 1. Without demodulation: in `keras_gan.networks.stylegan`, the `StyledConv2D` layer builds
#    `ModulatedConv2D(filters, 3)`; build a model whose convolutions pass `demodulate=False`
#    (copy `stylegan_synthesis`) and print the standard deviation of each layer's output for a
#    batch of latents. What happens over the layers?
# 2. No style mixing: train with `style_mixing_probability=0.0` and compare the style-mixing
#    grids. Which layers' styles still mix cleanly?
# 3. The path-length penalty off (`path_length_weight=0.0`): how much faster is a step, and
#    how does `truncation_psi` behave on the trained model?
# 4. The paper's scale: `python -m keras_gan.train stylegan --paper` (512-wide networks, 8
#    mapping layers). How many parameters does the generator have, and how long would a step
#    take at the speed you measured here?

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out.
# Exercises 2 and 3 train three models for `exercise_steps` each (none with `quick=True`:
# building them is checked, training them is not), from the same seed. The figures quoted
# below are from one run at the defaults (JAX, one core of a 2-core CPU, `exercise_steps` =
# 500: the whole notebook took 13 minutes, 9 of them in these cells).
#
# **1. Without demodulation.** `ModulatedConv2D` reads its `demodulate` flag when it is called,
# so setting `layer.convolution.demodulate = False` on every `StyledConv2D` of a synthesis
# network gives the model the exercise asks for, with the same weights, without copying
# `stylegan_synthesis` (a copy would build the layers with `ModulatedConv2D(filters, 3,
# demodulate=False)`). Below, the standard deviation of each styled convolution's output for 64
# latents, with and without, on a freshly built model (styles near 1: the affine layers' bias
# starts at 1) and on the trained one. With demodulation each layer's output keeps about the
# same scale, whatever the styles; without it the scale is multiplied at every layer by the
# size of that layer's styles times the kernel's gain, so it drifts from layer to layer and
# compounds (here over 5 convolutions; 17 at 1024x1024). In our run (JAX, CPU) the fresh model's
# five outputs had standard deviations 0.78, 0.54, 0.55, 0.70, 0.53 with demodulation and 0.92,
# 0.87, 1.26, 2.0, 2.26 without; on the trained model 0.61, 0.25, 0.21, 0.19, 0.27 with it and
# 1.07, 0.90, 1.57, 2.31, 4.94 without: nearly fivefold over five layers once the styles have
# moved away from 1 with training. (The toRGB layers never demodulate: they are left alone.)

# %% tags=["instructor-solution"]
from keras_gan.networks.stylegan import StyledConv2D


def styled_output_std(variant, num_latents=64):
    """The standard deviation of every StyledConv2D's output, for num_latents latents."""
    convolutions = [layer for layer in variant.synthesis.layers if isinstance(layer, StyledConv2D)]
    probe = keras.Model(variant.synthesis.inputs, [layer.output for layer in convolutions])
    z = keras.random.normal((num_latents, variant.latent_dim), seed=seed)
    ws = ops.repeat(ops.expand_dims(variant.mapping(z), 1), variant.num_styles, axis=1)
    return {layer.name: float(np.std(ops.convert_to_numpy(out)))
            for layer, out in zip(convolutions, probe(ws))}


def set_demodulation(variant, flag):
    """Sets the demodulation of every StyledConv2D (the toRGB layers never demodulate)."""
    for layer in variant.synthesis.layers:
        if isinstance(layer, StyledConv2D):
            layer.convolution.demodulate = flag


fresh = StyleGAN(image_shape=(image_size, image_size, 1), latent_dim=latent_dim,
                 mapping_layers=2, max_filters=max_filters, filter_base=8 * max_filters, seed=seed)
for name, variant in (("fresh", fresh), ("trained", model)):
    for flag in (True, False):
        set_demodulation(variant, flag)
        stds = styled_output_std(variant)
        print(f"{name:>7}, demodulate={flag!s:>5}: "
              + "  ".join(f"{layer} {std:.3g}" for layer, std in stds.items()))
    set_demodulation(variant, True)

# %% [markdown] tags=["instructor-solution"]
# **2. No style mixing.** Style mixing trains the synthesis network on two latents at once,
# switched at a random layer, so no layer can count on its neighbours sharing its $w$: each
# layer's style is made to work with any other. Without it nothing forbids the generator to
# spread one feature over all the layers' copies of $w$. The coarse layers (4x4, 8x8) still
# decide the shape either way, since the later layers build on them; it is at the cutoffs in
# the middle that a model trained without mixing tends to give hybrids that belong to neither
# latent. Below, the two models trained for the same steps (with and without mixing), the same
# grid as above for each, and how much of $a$ shows through at each cutoff: $\lVert
# \mathrm{mix} - b\rVert / \lVert a - b\rVert$, 0 for $b$ alone and 1 for $a$ alone. In our run
# (500 steps each, one seed; the samples are still blurred 0-like shapes) the two models had
# parted the way the paper predicts: $a$ showed through 0.78 and 0.69 at the cutoffs 4 and 2
# with mixing, 0.90 and 0.80 without. In both the coarse styles decide most of the image (the
# shape is set at 4x4 and 8x8), but without mixing the first two styles alone carry 80% of it
# and $b$'s later styles change little; with mixing those later styles carry about 10 points
# more. After 100 steps (an earlier run) the two were indistinguishable (0.87 / 0.80 and 0.87 /
# 0.82): the separation is learned over hundreds of steps. One seed at this size is a hint,
# not a measurement: rerun with other `seed`s before teaching the number.

# %% tags=["instructor-solution"]
import time


def train_variant(**changes):
    """A StyleGAN with the notebook's settings and `changes`, trained for exercise_steps;
    returns it and the seconds per step (after a first, compiling step)."""
    variant = StyleGAN(image_shape=(image_size, image_size, 1), latent_dim=latent_dim,
                       mapping_layers=2, max_filters=max_filters, filter_base=8 * max_filters,
                       ema_half_life=2_000, seed=seed, **changes)
    variant.compile()
    if not exercise_steps:
        return variant, float("nan")
    variant.fit(data.repeat(), epochs=1, steps_per_epoch=1, verbose=0)
    start = time.perf_counter()
    variant.fit(data.repeat(), epochs=1, steps_per_epoch=exercise_steps - 1, verbose=0)
    return variant, (time.perf_counter() - start) / max(1, exercise_steps - 1)


trained_variants, step_seconds = {}, {}
for name, changes in (("reference", {}), ("no mixing", {"style_mixing_probability": 0.0}),
                      ("no path length", {"path_length_weight": 0.0})):
    trained_variants[name], step_seconds[name] = train_variant(**changes)

a, b = fixed_latents[:6], fixed_latents[2:8]
fig, axes = plt.subplots(1, 2, figsize=(12, 0.9 * len(cutoffs)))
for ax, name in zip(axes, ("reference", "no mixing")):
    variant = trained_variants[name]
    end_a = variant.mix_styles(a, b, variant.num_styles, noise=False)
    end_b = variant.mix_styles(a, b, 0, noise=False)
    mixed = [variant.mix_styles(a, b, cutoff, noise=False) for cutoff in cutoffs]
    through = [np.linalg.norm(m - end_b) / max(np.linalg.norm(end_a - end_b), 1e-8) for m in mixed]
    print(f"{name:>9}, {exercise_steps} steps: a shows through "
          + ", ".join(f"{t:.2f} (cutoff {c})" for t, c in zip(through, cutoffs)))
    ax.imshow(image_grid(np.concatenate(mixed), rows=len(cutoffs)), cmap="gray")
    ax.set_title(f"{name}: cutoffs {cutoffs}, one per row", fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **3. No path-length penalty.** The penalty costs an extra generator pass with a gradient
# through the synthesis network every 4 steps (lazy regularisation), on a smaller batch
# (`path_length_batch_shrink`): the timing below says what it costs here. Its effect is on the
# geometry of $w$: it asks that a fixed-size step in $w$ move the image by about the same
# amount everywhere, so interpolating toward $\bar w$ (truncation) changes the images
# smoothly. Measured as the spread of 16 samples around their mean image at each $\psi$:
# smoother models shrink it roughly in proportion to $\psi$. In our run (500 steps, so 125
# penalty steps) the spreads were 2.22, 1.80, 1.29, 0.69, 0 with the penalty and 2.33, 1.86,
# 1.33, 0.70, 0 without (at $\psi$ = 1, 0.75, 0.5, 0.25, 0): both nearly proportional to
# $\psi$ already (0.81, 0.58, 0.31 of the full spread with it; 0.80, 0.57, 0.30 without), so at
# this scale the penalty's effect on the geometry is too small to see; the paper measures it
# with perceptual path length on 1024x1024 faces, where the synthesis network is deep enough to
# bend. The cost is clear: 0.189 s a step with the penalty, 0.157 s without (one core, the
# other busy with another notebook), so the lazy penalty's extra pass every 4 steps, on a
# half-size batch with a second-order gradient, adds about a fifth to the step here. (An
# earlier 100-step run on a busier machine had the opposite order, 0.303 s against 0.368 s:
# time over hundreds of steps, not tens.)

# %% tags=["instructor-solution"]
spread_latents = ops.convert_to_numpy(keras.random.normal((16, latent_dim), seed=seed + 1))
for name in ("reference", "no path length"):
    variant = trained_variants[name]
    spreads = []
    for psi in (1.0, 0.75, 0.5, 0.25, 0.0):
        samples = variant.generate(latents=spread_latents, truncation_psi=psi, noise=False)
        samples = samples.reshape(len(samples), -1)
        spreads.append(np.mean(np.linalg.norm(samples - samples.mean(0), axis=-1)))
    print(f"{name:>14}: {step_seconds[name]:.3f} s a step; spread at psi 1, 0.75, 0.5, 0.25, 0: "
          + ", ".join(f"{s:.2f}" for s in spreads))

# %% [markdown] tags=["instructor-solution"]
# **4. The paper's scale.** `--paper` keeps the command line's 32x32 (FFHQ's 1024 would be a
# different run) and sets $z$ and $w$ to 512, 8 mapping layers and 512 feature maps at every
# resolution up to 32x32 (`filter_base` 32,768). Build that generator and count; for the time,
# scale the step time measured here by the ratio of the styled convolutions' multiply-adds per
# image, $\sum r^2 \cdot 9 \cdot c_{in} c_{out}$ (a rough proxy, as in notebook 16: the
# discriminator grows in the same proportion, the mapping network's cost stays small). In our
# run: 21,519,891 parameters against this notebook's 58,238, about 2,060 times the
# convolutions' cost per image, so about 390 s for one step of 32 at the 0.189 s measured
# here: a GPU job (and FFHQ's 1024x1024 another order of magnitude beyond).

# %% tags=["instructor-solution"]
from keras_gan.networks.stylegan import stylegan_generator

paper_generator = stylegan_generator(32, 1, 512, 512, 32_768, 8, seed=seed)
print(f"the paper-scale generator at 32x32: {paper_generator.count_params():,} parameters "
      f"(this notebook's: {model.generator.count_params():,})")


def styled_cost(size, widest, base):
    """Multiply-adds per image of the 3x3 styled convolutions (one at 4x4, two per doubling)."""
    width = {r: min(widest, base // r) for r in 2 ** np.arange(2, int(np.log2(size)) + 1)}
    cost = 16 * 9 * width[4] ** 2
    for r in list(width)[1:]:
        cost += r * r * 9 * (width[r // 2] * width[r] + width[r] ** 2)
    return cost


ratio = styled_cost(32, 512, 32_768) / styled_cost(image_size, max_filters, 8 * max_filters)
measured = step_seconds["reference"]
print(f"here: {measured:.3f} s a step of {batch_size}; the paper's networks at 32x32 cost about "
      f"{ratio:,.0f} times more per image: about {measured * ratio:,.0f} s a step of 32 on this "
      f"machine")
