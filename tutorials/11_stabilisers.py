# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 11 · Stabilisers on little data: DiffAugment, EMA, label smoothing, lazy R1
#
# *Take it after 05 (the mode-collapse lab): it uses DCGAN (02) and the overfitting idea of 06.*
#
# **What you will be able to do:** turn on, one at a time, the techniques that bolt onto any
# GAN (`keras_gan`'s core options, the same flags on the command line), say what each changes
# in the training, and write DiffAugment's translation so that the generator learns *through*
# it.
#
# With a few hundred training images the discriminator memorises them: its score on the
# training images pulls away from its score on held-out images of the same digits, and the
# generator is pushed towards the memorised set rather than the data distribution.
#
# | technique | paper | what it changes |
# |---|---|---|
# | DiffAugment (`augment=`) | Zhao et al. 2020, <https://arxiv.org/abs/2006.10738> | $D$ sees $T(x)$ and $T(G(z))$ with the same random differentiable $T$, in both players' updates |
# | generator EMA (`ema_half_life=`) | Karras et al. 2018 / 2020 | samples come from $\bar\theta_G \leftarrow \beta\bar\theta_G + (1 - \beta)\theta_G$, not from $\theta_G$ |
# | one-sided label smoothing (`label_smoothing=`) | Salimans et al. 2016, <https://arxiv.org/abs/1606.03498> | $D$'s real target is $1 - \alpha$ instead of 1 |
# | lazy R1 (`r1_gamma=`, `regularization_interval=`) | Mescheder et al. 2018; Karras et al. 2020 | every $k$ steps, $D$ also minimises $k \cdot \frac{\gamma}{2}\mathbb{E}_x\lVert\nabla_x D(x)\rVert^2$ |
#
# DiffAugment's whole point is in one word: *differentiable*. The generator's loss is
# $-\log D(T(G(z)))$, so its gradient flows through $T$; a $T$ computed outside the framework
# (numpy, integer casts) would cut it.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 1500  # training steps per run (the 5 runs: about 4 minutes on a 2-core CPU with JAX)
num_images = 200  # training images: little data, where the discriminator memorises
base_filters = 16  # DCGAN's width (the paper's 128 at 64x64; the CLI's 32)
batch_size = 32
seed = 0

# %%
if quick:
    steps, num_images, base_filters, batch_size = 2, 32, 4, 16

# %%
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

import keras_gan
from keras_gan import augment, datasets
from keras_gan.models import DCGAN, DCGANConfig
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## Little data, and a held-out set of the same digits
#
# `num_images` training images and as many held-out ones: real MNIST when
# `KERAS_GAN_DATA_DIR` holds it, else scikit-learn's 8x8 digits upsampled to 28x28.

# %%
name = "digits"
if os.environ.get(datasets.ENV_DATA_DIR):
    try:
        datasets.info("mnist")
        name = "mnist"
    except datasets.DataNotFoundError:
        pass
stream = datasets.load(name, image_size=28, batch_size=250, shuffle=True, seed=seed, drop_remainder=False)
images = []
for batch in stream:
    images.append(np.asarray(batch))
    if sum(len(b) for b in images) >= 2 * num_images:
        break
images = np.concatenate(images)[: 2 * num_images]
train_images, held_out = images[:num_images], images[num_images:]
print(f"{name}: {len(train_images)} training images, {len(held_out)} held out")

# %% [markdown]
# ## Your turn: DiffAugment's translation
#
# DiffAugment's `translation` moves each image by its own integer offset
# $(t_y, t_x)$, $|t| \le 1/8$ of the side, and fills with zeros where the image moved away:
# pixel $(i, j)$ of the result is pixel $(i - t_y, j - t_x)$ of the input. Write it with
# `keras.ops` only, so that it stays differentiable in the images. One way: a shift is a matrix
# product, $S x$ with $S_{ik} = 1$ where $k = i - t$ (build $S$ with `ops.arange`,
# `ops.equal`, `ops.cast`) applied to the rows, then the same to the columns (`ops.einsum`).

# %%
def translate(images, shift_y, shift_x):
    """Each image moved by its own integer offset, zeros where it moved away.

    Args:
        images: tensor `(m, h, w, c)`.
        shift_y: int tensor `(m,)`, each image's shift along the rows (axis 1).
        shift_x: int tensor `(m,)`, each image's shift along the columns (axis 2).

    Returns:
        Tensor `(m, h, w, c)`: pixel (i, j) of image n is pixel (i - shift_y[n], j - shift_x[n])
        of the input, 0 where that falls outside it. Differentiable in `images`.
    """
    ### BEGIN SOLUTION
    def shifts(offsets, size):
        rows = ops.arange(size)[None, :, None]
        columns = ops.arange(size)[None, None, :]
        return ops.cast(ops.equal(columns, rows - ops.cast(offsets, "int32")[:, None, None]), images.dtype)

    height, width = images.shape[1], images.shape[2]
    moved = ops.einsum("bik,bkwc->biwc", shifts(shift_y, height), images)
    return ops.einsum("bjl,bilc->bijc", shifts(shift_x, width), moved)
    ### END SOLUTION


# %% [markdown]
# Check it: a 5x5 image moved by (1, -2), and the gradient of a weighted sum, which is the
# weights moved back. Then look at what the package's `augment.augment` does to digits (its
# zeros are mid-grey: images live in [-1, 1]).

# %%
square = ops.convert_to_tensor(np.arange(1, 26, dtype="float32").reshape(1, 5, 5, 1))
moved = ops.convert_to_numpy(translate(square, ops.convert_to_tensor([1]), ops.convert_to_tensor([-2])))
print(moved[0, :, :, 0])
expected = np.zeros((5, 5), "float32")
expected[1:, :3] = np.arange(1, 26).reshape(5, 5)[:4, 2:]
np.testing.assert_array_equal(moved[0, :, :, 0], expected)
weights = ops.convert_to_tensor(np.random.default_rng(seed).normal(size=(1, 5, 5, 1)).astype("float32"))
gradient = keras_gan.backend.input_gradients(
    lambda x: translate(x, ops.convert_to_tensor([1]), ops.convert_to_tensor([-2])) * weights, square
)
back = translate(weights, ops.convert_to_tensor([-1]), ops.convert_to_tensor([2]))
np.testing.assert_allclose(ops.convert_to_numpy(gradient), ops.convert_to_numpy(back), atol=1e-6)
print("translate moves, fills with zeros, and passes gradients back")

fig, axes = plt.subplots(1, 2, figsize=(8, 2.5))
axes[0].imshow(image_grid(train_images[:16], rows=2), cmap="gray")
axes[0].set_title("training images")
augmented = augment.augment(train_images[:16], "translation,cutout", seed=seed)
axes[1].imshow(image_grid(ops.convert_to_numpy(augmented), rows=2), cmap="gray")
axes[1].set_title("DiffAugment: translation, cutout")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# ## The same DCGAN, one stabiliser at a time
#
# Five runs with the same seed, weights, batches and steps. After each, the discriminator's mean logit on
# the training images, on the held-out ones and on generated ones: a training score far above
# the held-out score is memorisation. The scores are logits of the discriminator in inference
# mode (BatchNorm's moving statistics), so their level drifts from run to run: read the gap. Each option is a `DCGANConfig` field, the same as the
# command line's flag (`python -m keras_gan.train dcgan --augment translation,cutout ...`).

# %%
settings = {
    "plain DCGAN": {},
    "DiffAugment": {"augment": "translation,cutout"},
    "EMA (half-life 2,000 images)": {"ema_half_life": 2000},
    "label smoothing 0.1": {"label_smoothing": 0.1},
    "lazy R1 (gamma 1, every 16)": {"r1_gamma": 1.0, "regularization_interval": 16},
}


def discriminator_scores(model):
    network = augment.unwrapped(model.discriminator)  # without the augmentation: the real D

    def mean_logit(batch):
        return float(np.mean(ops.convert_to_numpy(network(batch, training=False))))

    fake = model.generate(len(held_out), seed=seed + 1)
    return mean_logit(train_images), mean_logit(held_out), mean_logit(fake)


runs = {}
for title, options in settings.items():
    keras.utils.set_random_seed(seed)  # the same weights and the same batches in every run
    config = DCGANConfig(base_filters=base_filters, batch_size=batch_size, seed=seed, **options)
    model = DCGAN.from_train_config(config, (28, 28, 1))
    epochs = max(1, steps * batch_size // num_images)
    history = model.fit(train_images, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0).history
    train_score, held_out_score, fake_score = discriminator_scores(model)
    runs[title] = {"model": model, "history": history, "scores": (train_score, held_out_score, fake_score)}
    print(f"{title:>30}: D(train) {train_score:6.2f}  D(held out) {held_out_score:6.2f}  "
          f"gap {train_score - held_out_score:5.2f}  D(generated) {fake_score:6.2f}")

# %%
fig, axes = plt.subplots(1, len(runs), figsize=(3.2 * len(runs), 3.4))
for ax, (title, run) in zip(axes, runs.items()):
    ax.imshow(image_grid(run["model"].generate(25, seed=seed), rows=5), cmap="gray")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.show()
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for title, run in runs.items():
    axes[0].plot(run["history"]["d_loss"], label=title)
    axes[1].plot(run["history"]["g_loss"], label=title)
axes[0].set_title("d_loss per epoch")
axes[1].set_title("g_loss per epoch")
axes[0].legend(fontsize=7)
plt.show()

# %% [markdown]
# What to look for (your numbers depend on the data, the steps and the backend):
#
# * **DiffAugment** keeps the discriminator's training and held-out scores together: it never
#   sees the same image twice, so it cannot memorise them as easily. The generator is trained
#   through the augmentation and its samples are not translated or cut out: $T$ is applied to
#   real and generated images alike, so matching $T(x)$ means matching $x$.
# * **EMA** does not change training at all (the same $D$ scores as the plain run, up to the
#   samples); it changes which weights generate. `model.generate(..., ema=False)` gives the
#   raw generator's samples to compare.
# * **Label smoothing** caps the discriminator's confidence on real images: its real logit
#   stops growing past $\log\frac{1-\alpha}{\alpha}$ in the limit.
# * **Lazy R1** penalises the discriminator's gradient on real images, flattening it around
#   the data; here every 16 steps with the loss scaled by 16.
#
# The measured comparison at larger scale (1% and 10% of MNIST, 3 seeds, classifier-FID) is the
# augmentation card in `docs/stabilisers.md` (`benchmarks/augment.py`).
#
# ## Exercises
#
# 1. **ADA.** Replace DiffAugment's fixed probability by ADA's adaptive one
#    (`{"augment": "translation,cutout", "ada_target": 0.6}`) and plot `history["ada_p"]`.
#    Does $p$ rise while the discriminator memorises? Why does ADA refuse a Wasserstein critic
#    (`WGANGP(augment=..., ada_target=0.6)`)?
# 2. **Leaking augmentations.** Apply `translate` to the *real* images only (augment the data
#    set instead of the discriminator's inputs) and train. What do the generated digits look
#    like, and why does DiffAugment apply $T$ to generated images too?
# 3. **EMA's half-life.** Sample the EMA run with `ema=False` and with `ema=True` at several
#    half-lives (500, 2,000, 10,000 images). When does the average lag behind the generator?
# 4. **More data.** Rerun with `num_images=2000`. Which stabilisers still change anything?
# 5. **Coding: the EMA update.** Write `ema_update(average, weights, decay)` that returns
#    $\beta \bar\theta + (1 - \beta)\theta$ for lists of arrays, and check it against
#    `keras_gan.ema.update`; with `keras_gan.ema.decay_at`, follow one weight of the EMA run's
#    `model.generator_average` over 3 more training steps.
