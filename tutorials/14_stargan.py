# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 14 · StarGAN: one generator for many domains
#
# *Take it after 07 (pix2pix and CycleGAN) and 04 (the Wasserstein loss and its gradient
# penalty).*
#
# **What you will be able to do:** explain how one generator can translate into any of $2^k$
# domains by reading the target as input, write the domain classification loss that tells it
# which domain it reached, and check a trained model's translations against the exact answers.
#
# Choi et al., "StarGAN: Unified Generative Adversarial Networks for Multi-Domain
# Image-to-Image Translation" (CVPR 2018), <https://arxiv.org/abs/1711.09020>. CycleGAN needs a
# pair of generators for each pair of domains. StarGAN trains one, $G(x, c)$, that takes the
# image and a **target domain label** $c$ (here: $k$ binary attributes, tiled over the image as
# extra channels). One discriminator has two heads: $D_{src}$ (real or fake, a WGAN-GP critic)
# and $D_{cls}$ (which attributes does this image have?). The losses:
#
# $$\mathcal{L}_D = -\mathcal{L}_{adv} + \lambda_{cls}\,\mathcal{L}^r_{cls}, \qquad
#   \mathcal{L}_G = \mathcal{L}_{adv} + \lambda_{cls}\,\mathcal{L}^f_{cls}
#   + \lambda_{rec}\,\mathbb{E}\,\lVert x - G(G(x, c), c')\rVert_1 ,$$
#
# where $\mathcal{L}^r_{cls}$ teaches $D_{cls}$ to read the real images' own labels $c'$, and
# $\mathcal{L}^f_{cls}$ asks that $D_{cls}$ read each translation $G(x, c)$ as its target $c$.
# The last term is CycleGAN's cycle with one generator: translating back with $c'$ must give $x$.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 400  # generator steps, each after 5 critic steps (the whole notebook: under 10 minutes on a 2-core CPU)
base_filters = 16  # both networks' width (the paper's 64)
batch_size = 16  # images per critic update (the paper's 16)
num_test = 200  # held-out digits translated into every domain for the scores
seed = 0

# %%
if quick:
    steps, base_filters, batch_size, num_test = 3, 4, 4, 16

# %%
import inspect
import itertools

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from keras_gan import datasets
from keras_gan.datasets import derived
from keras_gan.models import StarGAN
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## Eight domains of digits
#
# `mnist_attributes` gives every digit once, with three attributes drawn at random: `thick`
# (strokes one pixel thicker), `outline` (only the outline of the ink), `negative` (255 - x),
# applied in that order. Each is a known transform, so for any digit and any target we know the
# exact translation (`derived.apply_attributes`): CelebA's hair colours never give us that.
# Real MNIST when `KERAS_GAN_DATA_DIR` holds it, else scikit-learn's 8x8 digits upsampled to
# 28x28 (with a warning).

# %%
names = derived.ATTRIBUTES
domains = np.array(list(itertools.product((0, 1), repeat=len(names))), "float32")
digits, labels, source = derived.digit_images()  # MNIST's training digits (or sklearn's)
one = np.repeat(digits[:1], len(domains), axis=0)
plt.figure(figsize=(8, 1.6))
plt.imshow(
    image_grid(derived.apply_attributes(one, domains)[..., None] / 127.5 - 1, rows=1), cmap="gray"
)
plt.title(
    "one digit in the 8 domains: "
    + ", ".join("".join(map(str, d.astype(int))) for d in domains)
    + f"  ({'/'.join(names)})"
)
plt.axis("off")
plt.show()

# %% [markdown]
# ## Your turn: the domain classification loss
#
# $D_{cls}$ gives one logit $t_i$ per attribute; attribute $i$ is on with probability
# $\sigma(t_i)$, each a yes/no question of its own. For labels $c \in \{0, 1\}^k$ the loss is
# the binary cross-entropy of each attribute, **summed over the attributes and averaged over the
# batch** (the authors divide the summed cross-entropy by the batch size):
#
# $$\mathcal{L}_{cls} = \frac{1}{m}\sum_{j=1}^{m}\sum_{i=1}^{k}
#   -c_{ji}\log\sigma(t_{ji}) - (1 - c_{ji})\log\big(1 - \sigma(t_{ji})\big).$$
#
# Write it with `keras.ops`, from the logits (not from probabilities: use
# $-\log\sigma(t) = \operatorname{softplus}(-t)$ and $-\log(1 - \sigma(t)) =
# \operatorname{softplus}(t)$, which stay finite for any logit).


# %%
def domain_classification_loss(logits, labels):
    """StarGAN's domain classification loss for binary attributes.

    Args:
        logits: tensor `(m, k)`, one logit per attribute of each image.
        labels: tensor `(m, k)` of 0/1, the attributes.

    Returns:
        A scalar tensor: the binary cross-entropy of every logit with its label, summed over
        the k attributes, averaged over the m images.
    """
    ### BEGIN SOLUTION
    labels = ops.cast(labels, logits.dtype)
    per_attribute = labels * ops.softplus(-logits) + (1.0 - labels) * ops.softplus(logits)
    return ops.mean(ops.sum(per_attribute, axis=-1))
    ### END SOLUTION


# %% [markdown]
# Check it against NumPy on logits you can follow: a confident right answer costs little, a
# confident wrong one a lot.

# %%
check_logits = np.array([[4.0, -4.0, 0.0], [-2.0, 3.0, 100.0]], "float32")
check_labels = np.array([[1, 0, 1], [1, 1, 0]], "float32")
# -log sigmoid(t) = log(1 + e^-t) where the label is 1, -log(1 - sigmoid(t)) = log(1 + e^t) where 0
by_hand = np.where(check_labels == 1, np.logaddexp(0, -check_logits), np.logaddexp(0, check_logits))
expected = by_hand.sum(axis=1).mean()  # ((0.018 + 0.018 + 0.693) + (2.127 + 0.049 + 100)) / 2
got = float(
    ops.convert_to_numpy(
        domain_classification_loss(
            ops.convert_to_tensor(check_logits), ops.convert_to_tensor(check_labels)
        )
    )
)
print(f"yours {got:.5f}   by hand {expected:.5f}")
assert np.isclose(got, expected, rtol=1e-4), (
    "see the formula above: sum over attributes, mean over images"
)
print("domain_classification_loss matches the hand computation")

# %% [markdown]
# ## The model and its step
#
# `StarGAN` holds the generator (the image and the tiled target as input) and the two-headed
# discriminator. Its training step is the authors' loop: 5 critic updates, each on its own
# minibatch with targets drawn by shuffling the minibatch's own labels, then one generator
# update. Find your loss in it (the package's copy of it: `keras_gan.models.stargan.
# domain_classification_loss`).

# %%
model = StarGAN(
    image_shape=(28, 28, 1),
    num_attributes=len(names),
    base_filters=base_filters,
    discriminator_filters=base_filters,
    seed=seed,
)
model.compile()  # Adam(1e-4, 0.5, 0.999) for both, the paper's
print(
    f"generator {model.generator.count_params():,} parameters, "
    f"discriminator {model.discriminator.count_params():,}"
)
print(inspect.getsource(StarGAN.train_step))

# %% [markdown]
# ## Train
#
# Each step reads `5 x batch_size` images: one minibatch per critic update.

# %%
stream = datasets.load("mnist_attributes", batch_size=5 * batch_size, seed=seed, start_step=0)
history = model.fit(stream, epochs=1, steps_per_epoch=steps, verbose=0)
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, keys in zip(
    axes,
    (
        ("wasserstein",),
        ("d_classification_loss", "g_classification_loss"),
        ("reconstruction_loss",),
    ),
):
    for key in keys:
        ax.plot(history.history[key], label=key)
    ax.legend()
    ax.set_xlabel("step")
plt.show()

# %% [markdown]
# ## Translations, and their exact answers
#
# Eight held-out digits (rows), each translated into the eight domains (columns), next to what
# the exact transforms give.

# %%
# MNIST's test digits; with sklearn's digits (one split) the last ones, seen in training
test_digits, _, _ = (
    derived.digit_images("mnist", "test", 28)
    if source == "mnist"
    else derived.digit_images(source, "train", 28)
)
if source != "mnist":
    test_digits = test_digits[::-1]
test_digits = test_digits[:num_test]
rng = np.random.default_rng(seed)
own = rng.integers(0, 2, (len(test_digits), len(names))).astype("float32")
images = derived.apply_attributes(test_digits, own)[..., None] / 127.5 - 1.0
translated = np.stack([model.translate(images, domain) for domain in domains], axis=1)
truth = (
    np.stack(
        [derived.apply_attributes(test_digits, np.broadcast_to(d, own.shape)) for d in domains],
        axis=1,
    )[..., None]
    / 127.5
    - 1.0
)
fig, axes = plt.subplots(1, 2, figsize=(12, 6))
for ax, grid, title in zip(axes, (translated[:8], truth[:8]), ("G(x, c)", "the exact answer")):
    ax.imshow(image_grid(grid.reshape(-1, 28, 28, 1), rows=8), cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# Two scores: how far each translation is from its exact answer (against doing nothing, the input
# itself), and how often the model's own $D_{cls}$ reads the target in it.
# `benchmarks/quality_stargan.py` scores longer runs with classifiers trained apart from the
# model, and the digit's identity too.

# %%
flat = translated.reshape(-1, 28, 28, 1)
targets = np.broadcast_to(domains[None], (len(images), *domains.shape)).reshape(-1, len(names))
read = (
    np.concatenate(
        [
            ops.convert_to_numpy(model.discriminator(flat[i : i + 256])[1])
            for i in range(0, len(flat), 256)
        ]
    )
    > 0
)
print(
    f"L1 to the exact answer: {np.abs(translated - truth).mean():.3f} "
    f"(the untranslated input: {np.abs(images[:, None] - truth).mean():.3f})"
)
print(
    f"D_cls reads the target attributes in {np.mean(np.all(read == targets, axis=1)):.1%} of the "
    f"translations (each attribute: {np.round(np.mean(read == targets, axis=0), 3)})"
)

# %% [markdown]
# Look at the `outline` columns. Longer runs (`benchmarks/quality_stargan.py`, 20 to 30
# minutes on one core) reach 93-97% of translations read as their targets, but keep the digit
# in only 32-48% of them: `outline` is drawn as a texture of specks that the classifiers accept,
# and the cycle back still works (the StarGAN page of the docs shows it). With `quick=True`
# nothing has been learnt yet: run the defaults.
#
# ## Exercises
#
# 1. Set `classification_weight=0` (both $\lambda_{cls}$ terms off) and train again. What
#    does $G$ do with the target label now, and why does the reconstruction loss alone not
#    force it to use $c$?
# 2. Train on two attributes only: `datasets.load("mnist_attributes", attributes="thick,negative")`
#    and `num_attributes=2`, or from the command line `python -m keras_gan.train stargan
#    --attributes thick,negative --steps 400` and look at its sample grids (each source image
#    to its own attributes, then with each attribute flipped). Does each attribute get learnt
#    faster with fewer domains?
# 3. The authors pick targets by shuffling the batch's own labels. Replace
#    `StarGAN.target_attributes` in a subclass by uniform random labels. When would the two
#    differ on a dataset like CelebA, whose attributes are far from independent fair coins?
# 4. The paper's faces: with CelebA's five files in `$KERAS_GAN_DATA_DIR/celeb-a/`,
#    `datasets.load("celeb_a", attributes=datasets.STARGAN_CELEBA_ATTRIBUTES, center_crop=178,
#    image_size=64)` gives `(faces, attributes)` batches of the paper's five domains, and
#    `python -m keras_gan.train stargan --dataset celeb_a` trains on them (a GPU job at
#    128x128). Without the files both stop at once and say what to download.
# 5. Two datasets with different labels, the paper's mask vector (CelebA + RaFD):
#    `datasets.load("mnist_attributes", attributes="thick,outline+negative")` gives two
#    datasets of digits, one labelled `thick`/`outline` and never negative, one labelled
#    `negative` and never thick, with labels `[thick, outline, negative, m1, m2]`. Train
#    `StarGAN(..., num_attributes=3, label_groups=(2, 1))` on it, then ask a thick digit for
#    `model.joint_labels([1], dataset=1)`: does $G$ make a thick *negative* digit, a
#    combination no training image shows?
