# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Conditional models: CGAN, ACGAN, InfoGAN
#
# **What you will be able to do:** condition a generator on a label (CGAN) and train a
# discriminator that also classifies (ACGAN), writing ACGAN's class loss; find out what InfoGAN's
# codes learnt without labels by traversing them.
#
# An unconditional GAN gives no say over *which* digit comes out. Three papers add a code $c$:
#
# **CGAN** (Mirza & Osindero 2014, <https://arxiv.org/abs/1411.1784>) feeds the label $y$ to
# both networks:
#
# $$\min_G \max_D\; \mathbb{E}_{x,y}[\log D(x \mid y)] + \mathbb{E}_{z,y}[\log(1 - D(G(z \mid y) \mid y))].$$
#
# **ACGAN** (Odena et al. 2017, <https://arxiv.org/abs/1610.09585>) gives the label only to the
# generator; the discriminator outputs both "real or fake" and a class posterior
# $P(C \mid X)$. With $L_S$ the log-likelihood of the right source and $L_C$ of the right class,
# the discriminator maximises $L_S + L_C$ and the generator $L_C - L_S$.
#
# **InfoGAN** (Chen et al. 2016, <https://arxiv.org/abs/1606.03657>) uses *no labels*: it splits
# the latent into noise $z$ and codes $c$ (here one categorical with 10 values and two
# continuous ones) and maximises a variational lower bound $L_I$ on the mutual information
# $I(c; G(z, c))$ with an auxiliary network $Q(c \mid x)$ sharing the discriminator's body:
#
# $$\min_{G, Q} \max_D\; V(D, G) - \lambda L_I(G, Q).$$
#
# The codes then tend to pick up the digit class and style (slant, width): we traverse them.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 400  # steps per model (about 8 minutes for the three on a 2-core CPU)
base_filters = 32  # width of the networks (configs' default 64; InfoGAN's 32, paper 64)
paper = False  # True: each config's paper settings (ConditionalGANConfig.PAPER, ...)
seed = 0

# %%
if quick:
    steps, base_filters = 2, 8

# %%
import inspect
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from keras import ops

from keras_gan import datasets
from keras_gan.models import ACGAN, ACGANConfig, ConditionalGAN, ConditionalGANConfig, InfoGAN, InfoGANConfig
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)


# %%
def load_digits(batch_size, image_size=28, with_labels=False):
    """MNIST when KERAS_GAN_DATA_DIR holds it, else scikit-learn's digits upsampled; says which."""
    if os.environ.get(datasets.ENV_DATA_DIR):
        try:
            data = datasets.load("mnist", batch_size=batch_size, image_size=image_size,
                                 with_labels=with_labels, seed=seed)
            print(f"Data: MNIST from ${datasets.ENV_DATA_DIR}")
            return data
        except datasets.DataNotFoundError as error:
            print(f"MNIST is not in ${datasets.ENV_DATA_DIR} ({str(error)[:200]}...)")
    print(f"Data: scikit-learn's 1797 8x8 digits upsampled to {image_size}x{image_size}, NOT MNIST "
          f"(set {datasets.ENV_DATA_DIR} to a folder holding MNIST to use it)")
    return datasets.load("digits", batch_size=batch_size, image_size=image_size,
                         with_labels=with_labels, seed=seed)


def show_grid(images, title, rows=None, ax=None):
    """Shows images in [-1, 1] as one grid."""
    if ax is None:
        plt.figure(figsize=(5, 5))
        ax = plt.gca()
    ax.imshow(image_grid(images, rows=rows), cmap="gray", vmin=0, vmax=255)
    ax.set_title(title)
    ax.axis("off")


def fit(model, data, steps):
    """Trains for `steps` steps; returns the history dict."""
    blocks = min(5, steps)
    return model.fit(data.repeat(), epochs=blocks, steps_per_epoch=max(1, steps // blocks), verbose=0).history


def configured(config):
    return config.with_paper_settings() if paper else config


# %% [markdown]
# ## CGAN
#
# The labelled dataset yields `(images, labels)`. `generate(labels=...)` asks for digits.

# %%
display(Markdown(f"```python\n{inspect.getsource(ConditionalGAN.train_step)}\n```"))

# %%
config = configured(ConditionalGANConfig(base_filters=base_filters, seed=seed))
cgan = ConditionalGAN.from_train_config(config, (28, 28, 1), num_classes=10)
cgan_history = fit(cgan, load_digits(config.batch_size, with_labels=True), steps)
print("CGAN last logs:", {k: round(v[-1], 3) for k, v in cgan_history.items()})
labels = np.repeat(np.arange(10), 8)  # one row per class
show_grid(cgan.generate(labels=labels, seed=seed), "CGAN: row k asks for digit k", rows=10)
plt.show()

# %% [markdown]
# ## Your turn: ACGAN's auxiliary classifier loss
#
# ACGAN's discriminator has two heads: the source logit (real or fake, the usual GAN loss) and
# $K$ class logits $\ell$ with $P(C = c \mid x) = \operatorname{softmax}(\ell)_c$. It maximises
#
# $$L_C = \mathbb{E}[\log P(C = c \mid X_\text{real})] + \mathbb{E}[\log P(C = c \mid X_\text{fake})]$$
#
# on real images with their labels *and* on generated images with the class the generator was
# asked for. Write its loss $-L_C$: the mean cross-entropy on the real batch plus the mean
# cross-entropy on the generated batch. Use `ops.log_softmax` (not `log(softmax)`), so that
# logits in the hundreds do not overflow.

# %%
def auxiliary_classifier_loss(real_class_logits, real_labels, fake_class_logits, fake_labels):
    """ACGAN's class loss for the discriminator, -L_C, on real and on generated images.

    Args:
        real_class_logits: tensor `(m, K)`, the class head's logits on real images.
        real_labels: int tensor `(m,)`, the real images' labels.
        fake_class_logits: tensor `(m, K)`, the class head's logits on generated images.
        fake_labels: int tensor `(m,)`, the classes the generator was asked for.

    Returns:
        Scalar tensor: the mean cross-entropy on the real images plus the mean cross-entropy
        on the generated ones.
    """
    ### BEGIN SOLUTION
    def cross_entropy(logits, labels):
        log_probs = ops.log_softmax(logits, axis=-1)
        picked = ops.take_along_axis(log_probs, ops.expand_dims(ops.cast(labels, "int32"), -1), axis=-1)
        return -ops.mean(picked)

    return cross_entropy(real_class_logits, real_labels) + cross_entropy(fake_class_logits, fake_labels)
    ### END SOLUTION


# %% [markdown]
# Check it against the class loss inside `keras_gan.models.ACGAN`'s step
# (`keras_gan.models.acgan.class_loss`, one batch at a time), and on logits in the hundreds.

# %%
from keras_gan.models.acgan import class_loss

rng = np.random.default_rng(seed)
logits_real, logits_fake = (ops.convert_to_tensor(rng.normal(size=(8, 10)).astype("float32")) for _ in range(2))
labels_real, labels_fake = (ops.convert_to_tensor(rng.integers(0, 10, 8).astype("int32")) for _ in range(2))
mine = float(auxiliary_classifier_loss(logits_real, labels_real, logits_fake, labels_fake))
package = float(class_loss(labels_real, logits_real) + class_loss(labels_fake, logits_fake))
print(f"auxiliary_classifier_loss: {mine:.6f}   keras_gan: {package:.6f}")
assert abs(mine - package) < 1e-4
large = float(auxiliary_classifier_loss(100.0 * logits_real, labels_real, 100.0 * logits_fake, labels_fake))
assert np.isfinite(large), "not finite: use ops.log_softmax"

# %% [markdown]
# ## ACGAN
#
# The discriminator's class head also classifies real images, so the logs include the class
# losses on real and generated samples: the two terms of your `auxiliary_classifier_loss`.

# %%
display(Markdown(f"```python\n{inspect.getsource(ACGAN.train_step)}\n```"))

# %%
config = configured(ACGANConfig(base_filters=base_filters, seed=seed))
acgan = ACGAN.from_train_config(config, (28, 28, 1), num_classes=10)
acgan_history = fit(acgan, load_digits(config.batch_size, with_labels=True), steps)
print("ACGAN last logs:", {k: round(v[-1], 3) for k, v in acgan_history.items()})
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for name in ("class_loss_real", "class_loss_fake"):
    axes[0].plot(acgan_history[name], marker="o", label=name)
axes[0].legend()
axes[0].set_title("ACGAN class losses")
show_grid(acgan.generate(labels=labels, seed=seed), "ACGAN: row k asks for digit k", rows=10, ax=axes[1])
plt.show()

# %% [markdown]
# ## InfoGAN: codes learnt without labels
#
# InfoGAN trains on images only. `mutual_info` is the logged lower bound
# $H(c) - L_{\text{info}}$ on $I(c; G(z, c))$ over all codes; it rises as $Q$ learns to recover
# the codes from the images (the categorical code alone contributes at most $\log 10 \approx 2.30$).

# %%
display(Markdown(f"```python\n{inspect.getsource(InfoGAN.train_step)}\n```"))

# %%
config = configured(InfoGANConfig(base_filters=base_filters, hidden_units=4 * base_filters if quick else 512, seed=seed))
infogan = InfoGAN.from_train_config(config, (28, 28, 1))
infogan_history = fit(infogan, load_digits(config.batch_size), steps)
print("InfoGAN last logs:", {k: round(v[-1], 3) for k, v in infogan_history.items()})
plt.figure(figsize=(5, 2.5))
plt.plot(infogan_history["mutual_info"], marker="o", label="mutual_info (lower bound, all codes)")
plt.legend()
plt.show()

# %% [markdown]
# Traversals (the paper's figure 2): each row keeps $z$ and the other codes fixed and varies
# one code along the columns, the continuous ones over $[-2, 2]$, beyond the $U(-1, 1)$ prior.

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 5))
for ax, (code, index, title) in zip(axes, [("categorical", 0, "categorical code c1"),
                                          ("continuous", 0, "continuous code c2"),
                                          ("continuous", 1, "continuous code c3")]):
    grid = infogan.traversal_grid(code, index=index, rows=6, seed=seed)  # (rows, columns, 28, 28, 1)
    rows, columns = grid.shape[:2]
    show_grid(grid.reshape(rows * columns, *grid.shape[2:]), f"InfoGAN: varying {title}", rows=rows, ax=ax)
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. **Label conditioning.** `ConditionalGANConfig.conditioning` chooses how the label enters
#    the networks. Read `keras_gan/networks/conditional.py`, train both options for the same
#    number of steps and compare how often the generated digit is the one asked for (use the
#    classifier of notebook 06).
# 2. **ACGAN's class loss.** Why does ACGAN tend to generate *easily classified* samples? Look
#    at $L_C$ from the generator's side and relate it to sample diversity within a class.
# 3. **Coding: the InfoGAN bound.** For a categorical code with $K$ values drawn uniformly,
#    write `mutual_info_bound(code_ids, q_logits)` $= \log K - \mathrm{CE}(c, Q(c\mid x))$ with
#    `keras.ops`, and check that it equals $\log K$ for a perfect $Q$ and 0 for a uniform one.
# 4. **Does InfoGAN's category equal the digit?** Generate 100 images per category value and
#    classify them (notebook 06's classifier). Build the confusion matrix between the code and
#    the predicted digit: is it a permutation?
