# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 12 · CoGAN: a joint distribution from two unpaired domains, by sharing weights
#
# *Take it after 07 (pix2pix and CycleGAN): the same two-domain data, without any pairs.*
#
# **What you will be able to do:** say which layers of two GANs must share their weights for
# one $z$ to give two images that correspond, see it in a trained model, and measure it with
# the paper's pair agreement, which you write.
#
# Liu & Tuzel, "Coupled Generative Adversarial Networks" (NIPS 2016),
# <https://arxiv.org/abs/1606.07536>. We have digits, and we have negatives of *other* digits:
# no image of one domain has its counterpart in the other. CoGAN trains one GAN per domain,
#
# $$\max_{g_1, g_2} \min_{f_1, f_2}\; \mathbb{E}_{x_1}[-\log f_1(x_1)] + \mathbb{E}_{z}[-\log(1 - f_1(g_1(z)))]
#   + \mathbb{E}_{x_2}[-\log f_2(x_2)] + \mathbb{E}_{z}[-\log(1 - f_2(g_2(z)))],$$
#
# and adds one constraint: **the generators share their first layers, the discriminators their
# last layers.** A generator decodes $z$ from high-level concepts (which digit, its slant) to
# pixels; sharing the high-level half means both generators must read $z$ the same way, so they
# can only differ in the rendering, and $g_1(z)$, $g_2(z)$ are the same digit twice. Nothing in
# the loss mentions pairs.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 300  # training steps per model (the whole notebook: 10 minutes on a 2-core CPU with JAX)
base_filters = 16  # the generators' width (the authors' 128; the CLI's 32)
batch_size = 64  # images of each domain per step (the authors' 64)
num_pairs = 2000  # generated pairs scored
seed = 0

# %%
if quick:
    steps, base_filters, batch_size, num_pairs = 3, 4, 16, 200

# %%
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_gan import datasets, metrics
from keras_gan.models import CoGAN
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## Two domains, no pairs
#
# `mnist_negative` holds (digit, negative) pairs; `paired=False` breaks every pair: each side of a
# batch comes from different, independently shuffled digits (the paper splits MNIST into two halves,
# one per domain; here each domain holds every digit, in its own order).
# Real MNIST when `KERAS_GAN_DATA_DIR` holds it, else scikit-learn's 8x8 digits upsampled to
# 28x28 (with a warning).

# %%
stream = datasets.load("mnist_negative", paired=False, batch_size=batch_size, seed=seed)
digits, negatives = (np.asarray(side) for side in next(iter(stream)))
fig, axes = plt.subplots(1, 2, figsize=(8, 2.5))
for ax, images, title in zip(axes, (digits, negatives), ("domain A: digits", "domain B: negatives")):
    ax.imshow(image_grid(images[:16], rows=2), cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Where the weights are shared
#
# `CoGAN`'s generator is one Keras model from $z$ to `[image_a, image_b]`; a shared layer is one
# layer called on both domains' tensors (its gradient is the sum of both domains'), an unshared
# one is two layers. The authors share 4 of the generators' 5 layers and 3 of the
# discriminators' 4. With 0 and 0, the two GANs are independent: each learns its domain, and
# nothing makes $g_1(z)$ and $g_2(z)$ the same digit.

# %%
def build(shared_generator_layers, shared_discriminator_layers):
    keras.utils.set_random_seed(seed)
    model = CoGAN(
        image_shape=(28, 28, 1), base_filters=base_filters, seed=seed,
        shared_generator_layers=shared_generator_layers,
        shared_discriminator_layers=shared_discriminator_layers,
    )
    model.compile()  # Adam(2e-4, 0.5, 0.999), the authors'
    return model


models = {"shared (the authors')": build(4, 3), "not shared": build(0, 0)}
for title, model in models.items():
    names = [layer.name for layer in model.generator.layers if layer.name.startswith("layer")]
    print(f"{title:>22}: generator layers {names}")
    print(f"{'':>22}  parameters: generator {model.generator.count_params():,}, "
          f"discriminator {model.discriminator.count_params():,}")

# %% [markdown]
# The training step reads as the authors' trainer: both discriminators on a batch of each domain
# and on $g_1(z), g_2(z)$ from one $z$, then both generators; each loss is the mean over the two
# domains.

# %%
print(inspect.getsource(CoGAN.train_step))

# %% [markdown]
# ## Your turn: the pair agreement
#
# How do we know that $g_1(z)$ and $g_2(z)$ correspond? Here the second domain is a known
# function of the first: the negative of an image $x \in [-1, 1]$ is $-x$. Binarise both images at
# 0 (the middle grey: $> 0$ is "on") and count the pixels on which $-g_1(z)$ and $g_2(z)$ agree,
# over every pixel of every pair. A perfect pair scores 1; two unrelated digits still agree on
# much of the background.

# %%
def negative_agreement(images_a, images_b):
    """The share of pixels on which each image of `images_b` and the negative of its image in
    `images_a` agree, after binarising both at 0.

    Args:
        images_a: array `(n, h, w, c)` in [-1, 1], the digits.
        images_b: array `(n, h, w, c)` in [-1, 1], their negatives (`images_b[i]` pairs with
            `images_a[i]`).

    Returns:
        A float in [0, 1]: over every pixel of every pair, the mean of
        `(-a > 0) == (b > 0)`.
    """
    ### BEGIN SOLUTION
    images_a, images_b = np.asarray(images_a), np.asarray(images_b)
    return float(np.mean((-images_a > 0) == (images_b > 0)))
    ### END SOLUTION


# %% [markdown]
# Check it: real digits and their exact negatives agree everywhere; against the negatives of
# other digits (our unpaired batch) far less.

# %%
paired_digits, paired_negatives = (
    np.asarray(side) for side in next(iter(datasets.load("mnist_negative", batch_size=batch_size, seed=seed)))
)
exact = negative_agreement(paired_digits, paired_negatives)
unrelated = negative_agreement(digits, negatives)
print(f"true pairs: {exact:.3f}   unrelated digits: {unrelated:.3f}")
assert exact == 1.0 and 0.3 < unrelated < 0.95
print("negative_agreement gives 1 for true pairs and less for unrelated ones")

# %% [markdown]
# ## Train both, and look at the pairs
#
# The same data, seed and steps for both models. Each grid shows pairs side by side, digit on
# the left and negative on the right, both generated from the same $z$ (`generate` draws them
# so; `generate_pairs` returns the two domains apart).

# %%
for title, model in models.items():
    model.fit(stream.repeat(), epochs=1, steps_per_epoch=steps, verbose=0)
    print(f"{title:>22}: trained {steps} steps")

fig, axes = plt.subplots(1, len(models), figsize=(6 * len(models), 4))
for ax, (title, model) in zip(axes, models.items()):
    ax.imshow(image_grid(model.generate(16, seed=seed), rows=4), cmap="gray")
    ax.set_title(title)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## The paper's figure: pair agreement
#
# Your function against the package's `keras_gan.metrics.pair_agreement` (which binarises 8-bit
# images at 127, so its numbers can differ in the third decimal), and next to it the agreement of
# mismatched pairs (each image against the next pair's counterpart): the level of two generators
# that do not correspond at all.

# %%
for title, model in models.items():
    images_a, images_b = model.generate_pairs(num_pairs, seed=seed)
    package = metrics.pair_agreement(images_a, images_b, "mnist_negative")
    print(f"{title:>22}: yours {negative_agreement(images_a, images_b):.3f}  "
          f"package {package['pair_agreement']:.3f}  "
          f"mismatched pairs {package['mismatched_agreement']:.3f}")

# %% [markdown]
# With shared layers the pairs agree well above mismatched pairs; without sharing the two
# generators each make plausible images of their own domain, and their pairs agree no better than
# mismatched ones. (With `quick=True` nothing has been learnt yet: run the defaults.)
#
# ## Exercises
#
# 1. The paper's Figure 3 idea: train with `shared_generator_layers` 0 to 4 (discriminators
#    shared as the authors') and plot the pair agreement against it. Then fix the generators'
#    sharing and vary `shared_discriminator_layers`. Which matters? (The paper: the generators'.)
# 2. Share only the generators' *last* layers instead of their first ones: write a generator
#    whose first four layers are per domain and whose output layer is shared, pass it to
#    `CoGAN(generator=...)`, and measure. Why does it fail to couple the domains?
# 3. Task A: train on `mnist_edges` (edge maps and digits) and score with
#    `keras_gan.metrics.pair_agreement(..., "mnist_edges")`. Why is the mismatched agreement so
#    much higher for edges than for negatives?
# 4. From the command line: `python -m keras_gan.train cogan --dataset mnist_negative`, then
#    `python -m keras_gan.evaluate` on its checkpoint. Compare with your numbers here.
