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
exercise_steps = 200  # adversarial steps of each model the worked solutions train
seed = 0

# %%
if quick:
    pretrain_steps, adversarial_steps, num_blocks, filters = 2, 2, 1, 8
    exercise_steps = 2

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

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. Each
# model trains for `exercise_steps`.
#
# **1. Perception-distortion.** Two more models start from the trained `srgan` above (both
# networks' weights) and play `exercise_steps` more steps, each with its own `adversarial_weight`
# $\lambda$ in $l^{SR} = l_X + \lambda\, l_{Gen}$; the references are SRResNet-MSE ($\lambda = 0$,
# the phase-1 outputs), `srgan` ($\lambda = 10^{-3}$), bicubic and the originals. PSNR measures
# distortion ($10\log_{10}(4/\mathrm{MSE})$ for images in $[-1, 1]$), the mean absolute
# difference of neighbouring pixels, $\mathbb{E}\,|\partial_y I| + |\partial_x I|$, the
# sharpness (the originals' is the target; an average of plausible images has less). Blau &
# Michaeli (2018) proved the trade-off: past a point, outputs closer to the manifold of sharp
# images cost PSNR. In our run (MNIST, JAX, CPU, the defaults; the 16 images shown above) the
# two ends moved apart as predicted: $\lambda = 10^{-4}$ reached PSNR 19.1 dB at sharpness 0.218,
# $\lambda = 10^{-2}$ the sharper 0.233 at 17.9 dB (`srgan` itself: 18.4 dB, 0.224; the
# originals' sharpness 0.270; bicubic 14.2 dB, 0.099). SRResNet-MSE's lower PSNR (15.8 dB) comes
# from its 400 fewer steps: phase 2 kept minimising the same pixel MSE, as its content loss.

# %% tags=["instructor-solution"]
import dataclasses


def sharpness(images):
    """Mean absolute difference of neighbouring pixels, along rows and columns."""
    images = np.asarray(images)
    return float(np.mean(np.abs(np.diff(images, axis=1))) + np.mean(np.abs(np.diff(images, axis=2))))


points = {"bicubic": bicubic, "SRResNet-MSE": mse_outputs, "srgan (1e-3)": srgan_outputs}
for weight in (1e-4, 1e-2):
    variant = SRGAN.from_train_config(
        dataclasses.replace(config, adversarial_weight=weight, pretrain_steps=0), high_res.shape[1:])
    variant.generator.set_weights(srgan.generator.get_weights())
    variant.discriminator.set_weights(srgan.discriminator.get_weights())
    variant.fit(pairs.repeat(), epochs=1, steps_per_epoch=exercise_steps, verbose=0)
    points[f"srgan + {exercise_steps} steps at {weight:g}"] = variant.generate(low_res)
fig, ax = plt.subplots(figsize=(5.5, 3.5))
for name, outputs in points.items():
    print(f"{name:<32} PSNR {psnr(outputs, high_res):5.2f} dB, sharpness {sharpness(outputs):.4f}")
    ax.scatter(sharpness(outputs), psnr(outputs, high_res))
    ax.annotate(name, (sharpness(outputs), psnr(outputs, high_res)), fontsize=7)
print(f"{'originals':<32} sharpness {sharpness(high_res):.4f}")
ax.axvline(sharpness(high_res), color="gray", linestyle="--", label="originals' sharpness")
ax.set_xlabel("sharpness (mean |difference of neighbours|)")
ax.set_ylabel("PSNR (dB)")
ax.set_title("distortion vs sharpness")
ax.legend(fontsize=8)
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **2. A feature content loss.** A small digit classifier (`keras_gan.metrics.classifier`'s
# network, the one notebook 06 trains) gives the features: the 128-d layer named `"features"`.
# SRGAN freezes a `keras.Model` passed as `content_loss` and logs $l_X$ as
# `content_<model name>`. The log of one `train_on_batch` is the loss at the weights *before*
# the update (the discriminator's update comes first but does not touch the generator), so the
# generator's output computed beforehand, with `training=True` as in `train_step` (BatchNorm on
# the batch's statistics), gives the same value (in our run 0.051944 both):
#
# $$l_X = \frac{1}{m\,d}\sum_{i=1}^{m}\lVert \phi(G(I^{LR}_i)) - \phi(I^{HR}_i)\rVert^2 .$$

# %% tags=["instructor-solution"]
from keras_gan.metrics.classifier import build_classifier

source = digit_source()
labelled = datasets.load(source, batch_size=1000, with_labels=True, seed=seed,
                         **({"image_size": 28} if source == "digits" else {}))
digit_images, digit_labels = (t.numpy() for t in next(iter(labelled)))  # 1,000 labelled digits
classifier = build_classifier(digit_images.shape[1:], seed=seed)
classifier.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])
fitted = classifier.fit(digit_images, digit_labels, batch_size=50, epochs=2, verbose=0).history
print(f"classifier training accuracy {fitted['accuracy'][-1]:.3f}")
feature_network = keras.Model(classifier.inputs, classifier.get_layer("features").output,
                              name="digit_features")


def feature_mse(model, a, b):
    """The mean squared difference of the feature maps model(a) and model(b)."""
    return ops.mean(ops.square(model(a, training=False) - model(b, training=False)))


feature_srgan = SRGAN(image_shape=high_res.shape[1:], scale=config.scale, num_blocks=config.num_blocks,
                      filters=config.filters, discriminator_filters=config.discriminator_filters,
                      dense_units=config.dense_units, content_loss=feature_network, seed=seed)
feature_srgan.compile()  # SRGANConfig's Adam(1e-4, beta_1=0.9)
low_tensor, high_tensor = ops.convert_to_tensor(low_res), ops.convert_to_tensor(high_res)
mine = float(ops.convert_to_numpy(
    feature_mse(feature_network, feature_srgan.generator(low_tensor, training=True), high_tensor)))
logs = feature_srgan.train_on_batch(low_res, high_res, return_dict=True)
print(f"feature_mse {mine:.6f}, train_on_batch's content_digit_features {float(logs['content_digit_features']):.6f}")
np.testing.assert_allclose(mine, float(logs["content_digit_features"]), rtol=1e-4, atol=1e-6)

# %% [markdown] tags=["instructor-solution"]
# **3. Sub-pixel convolution.** A $3\times3$ convolution of the low-resolution input to
# $r^2C$ channels, then depth-to-space, gives output pixel $(ri + a, rj + b)$, channel $c$:
#
# $$y_{ri+a,\,rj+b,\,c} = \sum_{\delta,\epsilon \in \{-1,0,1\}} \sum_{c'} x_{i+\delta,\,j+\epsilon,\,c'}\,
#   K_{\delta+1,\,\epsilon+1,\,c',\,(ar+b)C+c}.$$
#
# A transposed convolution with stride $r$ and a $3r \times 3r$ kernel $W$ adds
# $x_{i,j}\,W_{p-ri,\,q-rj}$ to output pixel $(p, q)$; with
# $W_{r(1-\delta)+a,\,r(1-\epsilon)+b,\,c,\,c'} = K_{\delta+1,\,\epsilon+1,\,c',\,(ar+b)C+c}$
# and its output cropped by $r$ on every side it is the same sum. So the two layers are the
# same function (Shi et al. 2016, "Is the deconvolution layer the same as a convolutional
# layer?"), and the sub-pixel form is the cheap way to compute it: its convolution runs at the
# low resolution, $r^2$ times fewer positions, and never multiplies the zeros that a transposed
# convolution effectively inserts between input pixels. Its kernel size ($3r$) is a multiple of
# the stride, so every output pixel gets the same number of taps: no checkerboard from uneven
# overlap (Odena et al. 2016). The check, with random weights:

# %% tags=["instructor-solution"]
r, c_in, c_out = 2, 3, 2
rng = np.random.default_rng(seed)
x = rng.normal(size=(2, 5, 5, c_in)).astype("float32")
kernel = rng.normal(size=(3, 3, c_in, r * r * c_out)).astype("float32")
sub_pixel = ops.depth_to_space(ops.conv(x, kernel, padding="same"), r)
transposed_kernel = np.zeros((3 * r, 3 * r, c_out, c_in), "float32")
for di in range(3):
    for dj in range(3):
        for a in range(r):
            for b in range(r):
                channels = kernel[di, dj, :, (a * r + b) * c_out:(a * r + b + 1) * c_out]  # (c_in, c_out)
                transposed_kernel[r * (2 - di) + a, r * (2 - dj) + b] = channels.T
transposed = ops.conv_transpose(x, transposed_kernel, strides=r, padding="valid")[:, r:-r, r:-r]
print("sub-pixel", tuple(sub_pixel.shape), "transposed", tuple(transposed.shape))
np.testing.assert_allclose(ops.convert_to_numpy(sub_pixel), ops.convert_to_numpy(transposed), atol=1e-4)
print("conv to r^2 C channels + depth_to_space == stride-r transposed conv with a 3r x 3r kernel")

# %% [markdown] tags=["instructor-solution"]
# **4. Why the MSE-optimal upscaler is blurry.** For a given $I^{LR}$ the prediction $\hat y$
# that minimises $\mathbb{E}[(y - \hat y)^2 \mid I^{LR}]$ is the conditional mean
# $\mathbb{E}[y \mid I^{LR}]$. A pixel that is $+1$ or $-1$ with probability $\tfrac12$ each
# (an edge that lies on one side or the other of a low-res pixel) gets $\hat y = 0$, mid-grey,
# which is never a real value: expected MSE $1$. A sharp guess, $+1$ or $-1$ drawn
# independently of the truth, is a plausible image but scores an expected MSE of
# $\tfrac12 \cdot 0 + \tfrac12 \cdot 4 = 2$: PSNR prefers the grey average by 3 dB. Over a
# whole edge, averaging every possible position is a blur. SRGAN's discriminator penalises the
# grey (no real image has it) and pushes towards one of the sharp modes.

# %% tags=["instructor-solution"]
truth = rng.choice([-1.0, 1.0], size=100_000)
guesses = {"the mean (0)": np.zeros_like(truth), "a random sharp guess": rng.choice([-1.0, 1.0], size=truth.size),
           "always +1": np.ones_like(truth)}
for name, guess in guesses.items():
    mse = np.mean((truth - guess) ** 2)
    print(f"{name:<22} MSE {mse:.3f}  PSNR {10 * np.log10(4 / mse):5.2f} dB")
candidates = np.linspace(-1, 1, 201)
best = candidates[np.argmin([np.mean((truth - c) ** 2) for c in candidates])]
print(f"the constant that minimises the MSE: {best:+.2f}")
