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
exercise_steps = 1000  # training steps of each model the worked solutions train (6 of them)
exercise_images = 2000  # exercise 4's larger training set
seed = 0

# %%
if quick:
    steps, num_images, base_filters, batch_size = 2, 32, 4, 16
    exercise_steps, exercise_images = 2, 64

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

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. Each
# model they train runs `exercise_steps` steps, seeded as the runs above.
#
# **1. ADA.** ADA (Karras et al. 2020) measures overfitting with
# $r_t = \mathbb{E}[\operatorname{sign} D(x_{real})]$ over the last `ada_interval` steps and
# moves $p$ up while $r_t$ exceeds the target (the discriminator is sure of every training
# image), down otherwise, by `ada_interval` $\cdot\, m$ / `ada_speed` per adjustment. ADA's own
# speed (500,000 images for $p$ to move by 1) would let $p$ reach at most
# $1000 \cdot 32 / 500{,}000 = 0.064$ in this run, so the run below uses `ada_speed=20_000`.
# In our run (MNIST, JAX, CPU, the defaults) $p$ rose while the discriminator memorised: for
# the first ~50 epochs (of 160) $r_t$ stayed near 1 and $p$ climbed steadily to about 0.5; from
# then on $r_t$ swung around the target from epoch to epoch and $p$ held between 0.5 and 0.6
# (0.590 at the end). The discriminator's gap between training and held-out digits ended at
# 0.20, against the plain DCGAN's 1.42 above. $r_t$ is the sign of the real batch's scores as the
# discriminator's own update sees them, in training mode. With DCGAN's BatchNorm that matters:
# inference mode normalises with moving statistics gathered over real and generated batches
# alike, and its scores can have the other sign. An earlier keras_gan read them; on this same
# run its $p$ reached 0.18 and fell back to 0.007.
# A Wasserstein critic's score has no sign to read: $D$ and $D + c$ are the same critic (the
# loss $\mathbb{E}[D(G(z))] - \mathbb{E}[D(x)]$ does not see $c$), so $r_t$ can be anything, and
# keras_gan refuses it:

# %% tags=["instructor-solution"]
from keras_gan.models import WGANGP, WGANGPConfig


def train_dcgan(images, steps_to_take, **options):
    """A DCGAN of the notebook's settings (and `options`) trained on `images` for about
    `steps_to_take` steps; returns the model and its per-epoch history."""
    keras.utils.set_random_seed(seed)
    config = DCGANConfig(base_filters=base_filters, batch_size=batch_size, seed=seed, **options)
    model = DCGAN.from_train_config(config, (28, 28, 1))
    epochs = max(1, steps_to_take * batch_size // len(images))
    history = model.fit(images, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0).history
    return model, history


ada_model, ada_history = train_dcgan(train_images, exercise_steps, augment="translation,cutout",
                                     ada_target=0.6, ada_speed=20_000)
scores = discriminator_scores(ada_model)
print(f"ADA: D(train) {scores[0]:6.2f}  D(held out) {scores[1]:6.2f}  gap {scores[0] - scores[1]:5.2f}  "
      f"final p {ada_history['ada_p'][-1]:.3f}")
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(ada_history["ada_p"], label="p")
ax.plot(ada_history["ada_r"], label="r_t (epoch mean)")
ax.axhline(0.6, color="gray", linestyle="--", label="target 0.6")
ax.set_xlabel("epoch")
ax.legend(fontsize=8)
ax.set_title("ADA on 200 images")
plt.show()
try:
    WGANGP.from_train_config(WGANGPConfig(augment="translation,cutout", ada_target=0.6), (28, 28, 1))
except ValueError as error:
    print("WGANGP with ada_target:", error)

# %% [markdown] tags=["instructor-solution"]
# **2. Leaking augmentations.** Augmenting the data set changes the distribution the generator
# must match: it becomes $p_{T(x)}$, digits moved by up to 4 pixels with a band of 0 (mid-grey
# in $[-1, 1]$) where they moved away, and the generator learns to draw the bands and the
# shifts: the augmentation *leaks* into the samples. DiffAugment applies the same random $T$ to
# the generated images inside the discriminator's input: $D$ compares $T(x)$ with $T(G(z))$, and
# since $T$ is applied to both alike, the optimum is still $G(z) \sim p_x$ (for transformations
# that are invertible in distribution, the argument of ADA's section 2). The measure below: the
# share of border pixels (the outer 2 rows and columns) brighter than $-0.5$, black in real
# digits. In our run (MNIST, JAX, CPU, the defaults) 44% of the translated data set's border
# pixels were grey and 37% of the samples' of the DCGAN trained on it: it drew the grey bands
# of the frames below into its digits. The plain DCGAN's samples had 0.2%, and DiffAugment's,
# whose discriminator saw every image translated just as much, 0.7%: no leak.

# %% tags=["instructor-solution"]
reach = int(28 * augment.TRANSLATION_RATIO + 0.5)  # 4 pixels, as DiffAugment's translation
rng = np.random.default_rng(seed)
copies = max(1, exercise_steps * batch_size // (len(train_images) * 10))  # ~10 epochs of new shifts
leaky_data = np.concatenate([
    ops.convert_to_numpy(translate(ops.convert_to_tensor(train_images),
                                   ops.convert_to_tensor(rng.integers(-reach, reach + 1, len(train_images))),
                                   ops.convert_to_tensor(rng.integers(-reach, reach + 1, len(train_images)))))
    for _ in range(copies)])
leaky_model, _ = train_dcgan(leaky_data, exercise_steps)


def grey_border(images):
    """The share of pixels in the outer 2 rows and columns brighter than -0.5."""
    images = np.asarray(images)[..., 0]
    border = np.ones(images.shape[1:], bool)
    border[2:-2, 2:-2] = False
    return float(np.mean(images[:, border] > -0.5))


for title, images_ in (("real training digits", train_images), ("translated data set", leaky_data),
                       ("plain DCGAN samples", runs["plain DCGAN"]["model"].generate(200, seed=seed)),
                       ("DiffAugment samples", runs["DiffAugment"]["model"].generate(200, seed=seed)),
                       ("data-augmented samples", leaky_model.generate(200, seed=seed))):
    print(f"{title:<24} grey border pixels {grey_border(images_):.3f}")
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
for ax, images_, title in ((axes[0], leaky_data[:25], "the translated data set"),
                           (axes[1], leaky_model.generate(25, seed=seed), "its DCGAN's samples")):
    ax.imshow(image_grid(images_, rows=5), cmap="gray")
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **3. EMA's half-life.** With a half-life of $h$ images at batch $m$, $\beta = 0.5^{m/h}$ and
# the average is a weighted mean of past weights whose mean age is
# $\beta / (1 - \beta) \approx h / (m \ln 2)$ steps: at $m = 32$, 22 steps for $h = 500$, 90 for
# 2,000 and 450 for 10,000. The average lags when that age is not small against the time
# in which the generator changes: early in training (it still holds the initial weights: the
# average of a 10,000-image half-life is still 11% the initial network after 1,000 steps) and
# whenever the generator moves fast. Since the EMA does not change training, one run of the
# plain DCGAN can carry the three averages at once (`ema_update` is exercise 5's); the
# distance of each average to the raw weights, relative to the raw weights' norm, shows the lag.
# In our run (the defaults) the notebook's EMA run drew the same digits with `ema=True` and
# `ema=False`, the averaged ones a little smoother. After 1,000 steps the three averages were
# 0.06, 0.12 and 0.28 of the raw weights' norm away from them: the 500- and 2,000-image averages
# drew the raw generator's digits, the 10,000-image one fainter, blurred versions of them (it
# still holds 11% of the initial network and much of the early generators). First the
# notebook's EMA run, raw and averaged:

# %% tags=["instructor-solution"]
def ema_update(average, weights, decay):
    """decay * average + (1 - decay) * weights, for two lists of arrays."""
    return [decay * a + (1.0 - decay) * np.asarray(w) for a, w in zip(average, weights)]


ema_run = runs["EMA (half-life 2,000 images)"]["model"]
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
for ax, use_ema in zip(axes, (False, True)):
    ax.imshow(image_grid(ema_run.generate(25, seed=seed, ema=use_ema), rows=5), cmap="gray")
    ax.set_title(f"EMA run, generate(ema={use_ema})", fontsize=9)
    ax.axis("off")
plt.show()

keras.utils.set_random_seed(seed)
tracked = DCGAN.from_train_config(DCGANConfig(base_filters=base_filters, batch_size=batch_size, seed=seed),
                                  (28, 28, 1))
half_lives = (500, 2000, 10000)
raw = [ops.convert_to_numpy(v) for v in tracked.generator_variables()]
averages = {h: [w.copy() for w in raw] for h in half_lives}
lag = {h: [] for h in half_lives}
order, position = rng.permutation(len(train_images)), 0
for step in range(exercise_steps):
    if position + batch_size > len(order):
        order, position = rng.permutation(len(train_images)), 0
    tracked.train_on_batch(train_images[order[position:position + batch_size]])
    position += batch_size
    raw = [ops.convert_to_numpy(v) for v in tracked.generator_variables()]
    norm = np.sqrt(sum(np.sum(w**2) for w in raw))
    for h in half_lives:
        averages[h] = ema_update(averages[h], raw, keras_gan.ema.decay_from_half_life(h, batch_size))
        lag[h].append(np.sqrt(sum(np.sum((a - w) ** 2) for a, w in zip(averages[h], raw))) / norm)
fig, axes = plt.subplots(1, 1 + len(half_lives), figsize=(3 * (1 + len(half_lives)), 3.2))
axes[0].imshow(image_grid(tracked.generate(16, seed=seed), rows=4), cmap="gray")
axes[0].set_title("raw weights", fontsize=9)
for ax, h in zip(axes[1:], half_lives):
    with keras_gan.ema.swapped_in(tracked.generator_variables(), averages[h]):
        ax.imshow(image_grid(tracked.generate(16, seed=seed), rows=4), cmap="gray")
    ax.set_title(f"half-life {h:,} images", fontsize=9)
for ax in axes:
    ax.axis("off")
plt.show()
plt.figure(figsize=(5, 3))
for h in half_lives:
    plt.plot(lag[h], label=f"half-life {h:,}")
    print(f"half-life {h:>6,}: |average - raw| / |raw| after {exercise_steps} steps {lag[h][-1]:.3f}")
plt.xlabel("step")
plt.ylabel("|average - raw| / |raw|")
plt.legend(fontsize=8)
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **4. More data.** With ten times the images the discriminator sees each one ten times less
# often: memorisation, the gap between its training and held-out scores, is what the
# data-side stabilisers (DiffAugment, ADA, and partly R1 and label smoothing) act on, and with
# less of it they change less; EMA never touches training, only which weights sample, so what
# it does (smoothing the generator's oscillation) does not depend on the amount of data. The plain DCGAN and DiffAugment on
# `exercise_images` training images (and as many held out), `exercise_steps` steps each. In our
# run (the defaults: 2,000 images, 1,000 steps, 16 epochs) both gaps were 0.08, against 1.42
# (plain) and 0.03 (DiffAugment) on 200 images above (1,500 steps, 240 epochs): with ten times
# the images neither discriminator memorised at this budget, and DiffAugment had no gap left to
# close.

# %% tags=["instructor-solution"]
more = []
for batch in datasets.load(name, image_size=28, batch_size=250, shuffle=True, seed=seed + 1, drop_remainder=False):
    more.append(np.asarray(batch))
    if sum(len(b) for b in more) >= 2 * exercise_images:
        break
more = np.concatenate(more)
large_train, large_held_out = more[: len(more) // 2], more[len(more) // 2:]
for title in ("plain DCGAN", "DiffAugment"):
    model, _ = train_dcgan(large_train, exercise_steps, **settings[title])
    network = augment.unwrapped(model.discriminator)
    train_score, held_out_score = (float(np.mean(ops.convert_to_numpy(network(x, training=False))))
                                   for x in (large_train[:1000], large_held_out[:1000]))
    print(f"{title:>12} on {len(large_train)} images: D(train) {train_score:6.2f}  "
          f"D(held out) {held_out_score:6.2f}  gap {train_score - held_out_score:5.2f}")

# %% [markdown] tags=["instructor-solution"]
# **5. The EMA update.** `keras_gan.ema.update` assigns
# $\bar\theta \leftarrow \beta\bar\theta + (1 - \beta)\theta$ to variables; `ema_update` above
# returns the same for arrays. Then three more steps of the EMA run: before each, the average
# and $\beta_t$ (`decay_at` with the run's settings); after it, the prediction
# $\beta_t \bar\theta + (1 - \beta_t)\theta_{t}$ from the step's new weights, against the model's
# own `generator_average` (in our run they agreed to the printed 6 decimals; $\beta_t = 0.98897
# = 0.5^{32/2000}$ at every step, a half-life without ramp-up):

# %% tags=["instructor-solution"]
test_rng = np.random.default_rng(seed)
old = [test_rng.normal(size=(3, 4)).astype("float32"), test_rng.normal(size=(5,)).astype("float32")]
new = [test_rng.normal(size=(3, 4)).astype("float32"), test_rng.normal(size=(5,)).astype("float32")]
variables = [keras.Variable(a.copy()) for a in old]
keras_gan.ema.update(variables, [ops.convert_to_tensor(w) for w in new], 0.9)
for mine, variable in zip(ema_update(old, new, 0.9), variables):
    np.testing.assert_allclose(mine, ops.convert_to_numpy(variable), rtol=1e-5, atol=1e-7)
print("ema_update matches keras_gan.ema.update")

index = 0  # follow the first weight of the generator's first variable
for step in range(3):
    before = [ops.convert_to_numpy(a) for a in ema_run.generator_average]
    beta = float(ops.convert_to_numpy(keras_gan.ema.decay_at(
        ema_run.optimizer.iterations, batch_size, ema_run.ema_decay, ema_run.ema_half_life,
        ema_run.ema_rampup, ema_run.ema_start)))
    ema_run.train_on_batch(train_images[(np.arange(batch_size) + step * batch_size) % len(train_images)])
    raw = [ops.convert_to_numpy(v) for v in ema_run.generator_variables()]
    predicted = ema_update(before, raw, beta)
    actual = [ops.convert_to_numpy(a) for a in ema_run.generator_average]
    print(f"step {step + 1}: beta {beta:.5f}  raw {raw[0].flat[index]:+.6f}  average before "
          f"{before[0].flat[index]:+.6f}  predicted {predicted[0].flat[index]:+.6f}  "
          f"model's {actual[0].flat[index]:+.6f}")
    for p, a in zip(predicted, actual):
        np.testing.assert_allclose(p, a, rtol=1e-4, atol=1e-6)
