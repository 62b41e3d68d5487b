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
steps = 500  # training steps of batch_size images (about 5 minutes on a 2-core CPU with JAX)
batch_size = 32  # the paper's 32
max_filters = 32  # the widest blocks' feature maps (the paper's 512)
latent_dim = 64  # z and w (the paper's 512)
log_every = 50  # steps between two snapshots of the samples
seed = 0

# %%
if quick:
    image_size, steps, batch_size, max_filters, latent_dim, log_every = 8, 6, 8, 8, 8, 2

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
