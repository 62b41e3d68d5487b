# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 15 · U-GAT-IT: attention-guided translation
#
# *Take it after 07 (CycleGAN) and 14 (StarGAN).*
#
# **What you will be able to do:** explain how a classifier's weights become an attention map
# that says where two domains differ, write AdaLIN, the normalisation that lets a generator
# choose per channel between keeping an image's style and changing its shape, and read a trained
# model's attention and its choices of rho.
#
# Kim et al., "U-GAT-IT: Unsupervised Generative Attentional Networks with Adaptive
# Layer-Instance Normalization for Image-to-Image Translation" (ICLR 2020),
# <https://arxiv.org/abs/1907.10830>. CycleGAN changes textures well (horses to zebras) and
# shapes badly (selfies to anime faces). U-GAT-IT keeps its frame, two generators trained
# there and back on unpaired images, and adds:
#
# - an **auxiliary classifier** $\eta$ in every network, reading the encoder's feature maps $E$
#   through global average and max pooling, $\eta(x) = \sigma(w^\top \mathrm{GAP}(E))$. Its
#   weights $w$ say which channels tell the domains apart, so the maps are reweighted by them,
#   $a = w \odot E$: a **class activation map** (CAM) that the decoder works from;
# - **AdaLIN** in the decoder:
#   $\gamma \cdot (\rho\,\hat a_I + (1 - \rho)\,\hat a_L) + \beta$, a learned mix of instance
#   normalisation $\hat a_I$ (each channel of each image normalised alone: keeps the content's
#   layout) and layer normalisation $\hat a_L$ (one mean and variance per image: free to change
#   more), with $\gamma, \beta$ computed from the attention maps and $\rho \in [0, 1]$ learned.
#
# The generator's loss for a direction $s \to t$:
#
# $$\lambda_1 \mathcal{L}_{lsgan} + \lambda_2 \mathcal{L}_{cycle}
#   + \lambda_3 \mathcal{L}_{identity} + \lambda_4 \mathcal{L}_{cam},
#   \qquad \lambda = (1, 10, 10, 1000),$$
#
# with the CAM loss $-\mathbb{E}_{x \sim X_s}[\log \eta_s(x)] - \mathbb{E}_{x \sim X_t}[\log(1 -
# \eta_s(x))]$: the generator's own classifier must tell its source domain from its target.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 300  # training steps (the whole notebook: under 10 minutes on a 2-core CPU)
base_filters = 8  # both networks' width (the paper's 64)
batch_size = 16  # unpaired images of each domain per step (the paper's 1)
num_test = 200  # held-out digits translated each way for the scores
seed = 0

# %%
if quick:
    steps, base_filters, batch_size, num_test = 3, 4, 4, 16

# %%
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from keras_gan import datasets
from keras_gan.datasets import derived
from keras_gan.models import UGATIT

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## Two domains that differ in shape
#
# `mnist_edges` with `paired=False`: domain A holds the one-pixel outlines of digits, domain B
# digits, and each batch takes its two sides from different digits, so no pair is ever seen.
# The answer is known all the same: a held-out digit's outline should become that digit, and a
# digit its outline (`derived.edge_maps`). Real MNIST when `KERAS_GAN_DATA_DIR` holds it, else
# scikit-learn's digits upsampled (with a warning).

# %%
stream, info = datasets.load(
    "mnist_edges", batch_size=batch_size, image_size=28, paired=False, seed=seed, start_step=0,
    with_info=True,
)
outlines, digits = (np.asarray(t) for t in next(iter(stream)))
shown = min(8, len(outlines))  # a batch holds 16 (4 with quick=True)
fig, axes = plt.subplots(2, shown, figsize=(shown, 2.2))
for i in range(shown):
    axes[0, i].imshow(outlines[i, ..., 0], cmap="gray")
    axes[1, i].imshow(digits[i, ..., 0], cmap="gray")
for ax in axes.ravel():
    ax.axis("off")
axes[0, 0].set_title("A: outlines", loc="left", fontsize=9)
axes[1, 0].set_title("B: digits (other ones)", loc="left", fontsize=9)
plt.show()

# %% [markdown]
# ## Your turn: AdaLIN
#
# For features $a$ of shape `(b, h, w, c)`:
#
# - $\hat a_I = (a - \mu_I) / \sqrt{\sigma_I^2 + \epsilon}$, with the mean and variance of each
#   image's each channel, over its pixels `(h, w)`;
# - $\hat a_L = (a - \mu_L) / \sqrt{\sigma_L^2 + \epsilon}$, with one mean and variance per
#   image, over `(h, w, c)`;
# - $\mathrm{AdaLIN}(a) = \gamma \cdot (\rho\,\hat a_I + (1 - \rho)\,\hat a_L) + \beta$, with
#   $\rho$ one weight per channel `(c,)`, and $\gamma$, $\beta$ one per image and channel
#   `(b, c)`.
#
# Use the population variance (`ops.var`, or `ops.moments`, which returns the mean and the
# variance), $\epsilon = 10^{-5}$, and only `keras.ops`: the generator learns through it.


# %%
def adalin(features, rho, gamma, beta, epsilon=1e-5):
    """Adaptive layer-instance normalisation.

    Args:
        features: tensor `(b, h, w, c)`.
        rho: tensor `(c,)` in [0, 1], the weight of instance normalisation per channel.
        gamma: tensor `(b, c)`, the scale of each image's each channel.
        beta: tensor `(b, c)`, the shift.
        epsilon: float added to the variances.

    Returns:
        A tensor `(b, h, w, c)`: gamma * (rho * a_I + (1 - rho) * a_L) + beta.
    """
    ### BEGIN SOLUTION
    instance_mean, instance_var = ops.moments(features, axes=(1, 2), keepdims=True)
    instance = (features - instance_mean) / ops.sqrt(instance_var + epsilon)
    layer_mean, layer_var = ops.moments(features, axes=(1, 2, 3), keepdims=True)
    layer = (features - layer_mean) / ops.sqrt(layer_var + epsilon)
    mixed = rho * instance + (1.0 - rho) * layer
    return mixed * gamma[:, None, None, :] + beta[:, None, None, :]
    ### END SOLUTION


# %% [markdown]
# Check it against NumPy, and see the two ends: $\rho = 1$ gives each channel zero mean and unit
# variance on its own; $\rho = 0$ only the image as a whole.

# %%
rng = np.random.default_rng(seed)
check_features = rng.normal(0.5, 2.0, (2, 3, 4, 3)).astype("float32")
check_rho = np.array([1.0, 0.0, 0.3], "float32")
check_gamma = rng.normal(1.0, 0.5, (2, 3)).astype("float32")
check_beta = rng.normal(0.0, 0.5, (2, 3)).astype("float32")
x = check_features.astype("float64")
by_instance = (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5)
by_layer = (x - x.mean((1, 2, 3), keepdims=True)) / np.sqrt(x.var((1, 2, 3), keepdims=True) + 1e-5)
expected = (check_rho * by_instance + (1 - check_rho) * by_layer) * check_gamma[
    :, None, None
] + check_beta[:, None, None]
got = ops.convert_to_numpy(
    adalin(*(ops.convert_to_tensor(a) for a in (check_features, check_rho, check_gamma, check_beta)))
)
print(f"largest difference from NumPy: {np.abs(got - expected).max():.2e}")
assert np.allclose(got, expected, atol=1e-4), "see the formulas above"
plain = ops.convert_to_numpy(
    adalin(check_features, check_rho, np.ones((2, 3), "float32"), np.zeros((2, 3), "float32"))
)
print("per-channel std with rho = 1 (instance):", np.round(plain[..., 0].std(axis=(1, 2)), 3))
print("per-channel std with rho = 0 (layer):   ", np.round(plain[..., 1].std(axis=(1, 2)), 3))
print("adalin matches the hand computation")

# %% [markdown]
# ## The model and its step
#
# `UGATIT` holds two generators (outlines to digits and back), and for each domain a global
# discriminator (it sees the whole 28x28 image) and a local one (patches); every network has its
# CAM classifier. Its step is the authors' loop: the four discriminators on this step's
# translations, then the two generators, then every $\rho$ clipped to [0, 1] (the weight's
# constraint). The package's AdaLIN is `keras_gan.networks.ugatit.layer_instance_normalize`
# with the scale and shift of `AdaptiveLayerInstanceNormalization`.

# %%
model = UGATIT(
    image_shape=(28, 28, 1),
    light=True,  # gamma and beta from the pooled attention maps: U-GAT-IT-light
    base_filters=base_filters,
    discriminator_filters=base_filters,
    seed=seed,
)
model.compile()  # Adam(1e-4, beta_1=0.5) for the generators and for the discriminators
print(
    f"each generator {model.generator_ab.count_params():,} parameters; discriminators: "
    f"global {model.discriminator_a.count_params():,}, "
    f"local {model.local_discriminator_a.count_params():,}"
)
print(inspect.getsource(UGATIT.train_step))

# %% [markdown]
# ## Train

# %%
history = model.fit(stream, epochs=1, steps_per_epoch=steps, verbose=0)
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, keys in zip(
    axes, (("d_loss", "g_adversarial_loss"), ("cycle_loss", "identity_loss"), ("cam_loss",))
):
    for key in keys:
        ax.plot(history.history[key], label=key)
    ax.legend()
    ax.set_xlabel("step")
plt.show()

# %% [markdown]
# ## Where the generators look
#
# `attention_maps` returns the translations, the generator's heatmap (its attention maps
# summed over channels, resized to the image and scaled to [0, 1], as the authors draw them)
# and its classifier's probability that the input comes from its source domain.

# %%
# MNIST's test digits; with sklearn's digits (one split) the last ones, seen in training
if info.extras["source"] == "mnist":
    test_digits = derived.digit_images("mnist", "test", 28)[0][:num_test]
else:
    test_digits = derived.digit_images(info.extras["source"], "train", 28)[0][::-1][:num_test]
test = {
    "a_to_b": derived.edge_maps(test_digits)[..., None] / 127.5 - 1.0,  # outline -> digit
    "b_to_a": test_digits[..., None] / 127.5 - 1.0,  # digit -> outline
}
fig, axes = plt.subplots(3, 12, figsize=(12, 3.3))
for block, (direction, images) in enumerate(test.items()):
    translated, heat, p_source = model.attention_maps(images, direction)
    answer = test["b_to_a" if direction == "a_to_b" else "a_to_b"]
    print(
        f"{direction}: L1 to the exact answer {np.abs(translated - answer).mean():.3f} "
        f"(the untranslated input: {np.abs(images - answer).mean():.3f}); the classifier reads "
        f"{np.mean(p_source > 0.5):.0%} of the inputs as its source domain"
    )
    for i in range(6):
        column = 6 * block + i
        axes[0, column].imshow(images[i, ..., 0], cmap="gray")
        axes[1, column].imshow(images[i, ..., 0], cmap="gray")
        axes[1, column].imshow(heat[i], cmap="jet", alpha=0.5)
        axes[2, column].imshow(translated[i, ..., 0], cmap="gray")
for ax in axes.ravel():
    ax.axis("off")
axes[0, 0].set_title("outline -> digit", loc="left", fontsize=9)
axes[0, 6].set_title("digit -> outline", loc="left", fontsize=9)
plt.show()

# %% [markdown]
# ## What AdaLIN chose
#
# Each $\rho$ started at 0.9 in the residual blocks and at 0 in the upsampling blocks; training
# moves them where the translation needs (near 1: keep each channel's statistics; near 0:
# normalise the image as a whole).

# %%
for layer in model.generator_ab.layers:
    if hasattr(layer, "rho"):
        rho = ops.convert_to_numpy(layer.rho)
        print(f"{layer.name:28s} rho mean {rho.mean():.3f}  min {rho.min():.3f}  max {rho.max():.3f}")

# %% [markdown]
# With the defaults the model is still young (300 steps). `benchmarks/quality_ugatit.py` trains
# for 30 minutes on one core (about 2,500 steps at 16 filters) and scores the translations with
# classifiers trained apart from the model: outlines become digits (100% read as digits, 3 in 4
# the right digit), while digits become black images, the generator's tanh saturated and the
# digit hidden in the last decimals for the cycle (the U-GAT-IT page of the docs shows it). Look
# for the first signs of it in your own `b_to_a` row. With `quick=True` nothing has been learnt
# yet: run the defaults.
#
# ## Exercises
#
# 1. Set `cam_weight=0` (and train again). Do the heatmaps still mark the strokes? Why does the
#    generator's classifier then learn nothing, and what does the decoder receive instead?
# 2. Build the model with `light=False`: gamma and beta now come from the flattened attention
#    maps. How many more parameters does the generator have at 28x28, and at 256x256?
# 3. After training, set every AdaLIN's rho to 1 (`layer.rho.assign(...)` on the layers listed
#    above: pure instance normalisation), then to 0, and translate the same outlines. Which
#    one breaks the digits, and what does that say about what each normalisation keeps?
# 4. Train CycleGAN on the same data for the same time (`python -m keras_gan.train cyclegan
#    --dataset mnist_edges --image-size 28`) and compare its translations of outlines to digits.
