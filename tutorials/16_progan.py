# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 16 · ProGAN: growing a GAN one resolution at a time
#
# *Take it after 04 (WGAN-GP) and 05 (the mode-collapse lab).*
#
# **What you will be able to do:** read ProGAN's schedule (the level of detail, the fade-in
# weight $\alpha$, both measured in images shown), explain how a new resolution is blended into
# the generator, the discriminator and the real images alike, write the minibatch standard
# deviation, and watch a ProGAN grow from 4x4 to 16x16 while it trains.
#
# Karras et al., "Progressive Growing of GANs for Improved Quality, Stability, and Variation"
# (ICLR 2018), <https://arxiv.org/abs/1710.10196>. Large images are hard for a GAN: the
# discriminator tells real from generated on fine detail long before the generator has the
# coarse structure right. ProGAN starts both networks at 4x4, where the coarse structure is
# learnt in a few thousand images, and doubles the resolution again and again, adding a block
# to each network every time. A new block never appears abruptly: it **fades in**, its output
# blended with the upsampled output of the resolution before,
#
# $$y = \alpha \cdot \mathrm{new}(x) + (1 - \alpha) \cdot \mathrm{upsample}(\mathrm{old}(x)),$$
#
# with $\alpha$ rising linearly from 0 to 1 over a phase measured in images (the paper: 600,000),
# then a stable phase at the new resolution. The loss is WGAN-GP's (notebook 04) with one extra
# term, the **drift** $\epsilon_{drift}\,\mathbb{E}[D(x)^2]$, $\epsilon_{drift} = 0.001$, which
# keeps the critic's scores near zero:
#
# $$L_D = \mathbb{E}[D(\tilde x)] - \mathbb{E}[D(x)]
#   + \lambda\, \mathbb{E}\big[(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - 1)^2\big]
#   + \epsilon_{drift}\, \mathbb{E}[D(x)^2], \qquad L_G = -\mathbb{E}[D(G(z))].$$
#
# Three more changes of section 4 make it train: the **equalised learning rate** (weights drawn
# from N(0, 1) and scaled by the He constant at run time, so that Adam moves every layer at
# the same speed), **pixelwise feature normalisation** in the generator, and the **minibatch
# standard deviation** in the discriminator, which you write below.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
image_size = 16  # the final resolution: 4x4 -> 8x8 -> 16x16 (the paper's CIFAR-10 run: 32)
phase_images = 1500  # images per fade-in and per stable phase (the paper's 600,000)
steps = 450  # training steps of batch_size images (under 10 minutes on a 2-core CPU)
batch_size = 32  # the paper's 16
max_filters = 32  # the widest blocks' feature maps (the paper's 512)
log_every = 25  # steps between two snapshots of the samples
exercise_steps = 100  # training steps of each model in the worked exercises (instructor's copy)
exercise_log_every = 5  # steps between two readings of the exercises' models
seed = 0

# %%
if quick:
    image_size, phase_images, steps, batch_size, max_filters, log_every = 8, 64, 6, 8, 8, 2
    exercise_steps, exercise_log_every = 0, 1

# %%
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from keras_gan import datasets
from keras_gan.layers import MinibatchStandardDeviation
from keras_gan.models import ProGAN
from keras_gan.networks.progan import FadeIn, real_images_at
from keras_gan.plotting import image_grid
from keras_gan.schedules import ProgressiveGrowing

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## The schedule, in images shown
#
# ProGAN's state is one number, the **level of detail** $\ell$: $L$ at 4x4 (with $L$ doublings
# to the full resolution), 0 at the full resolution. A stable phase keeps $\ell$ whole; a fade
# lowers it linearly by one. The resolution being trained is $4 \cdot 2^{L - \lfloor \ell
# \rfloor}$ and its weight $\alpha = 1 - (\ell - \lfloor \ell \rfloor)$.
# `keras_gan.schedules.ProgressiveGrowing` computes it from the number of images shown, the
# clock the model keeps in its state (`ProGAN.images_seen`), so a run stopped mid-fade resumes
# where it was.

# %%
schedule = ProgressiveGrowing(image_size, fade_images=phase_images, stable_images=phase_images)
shown = np.linspace(0, steps * batch_size, 400)
levels = np.asarray(ops.convert_to_numpy(schedule.level_of_detail(shown)))
stages = [schedule.stage(n) for n in shown]
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, values, label in zip(
    axes,
    (levels, [r for r, _ in stages], [a for _, a in stages]),
    ("level of detail $\\ell$", "resolution trained", "$\\alpha$ of the newest block"),
):
    ax.plot(shown, values)
    ax.set_xlabel("images shown")
    ax.set_title(label)
plt.tight_layout()
plt.show()
print(f"{schedule.levels} doublings; full resolution after {schedule.images_to_full_resolution} "
      f"images (step {schedule.images_to_full_resolution // batch_size} of {steps})")

# %% [markdown]
# ## The real images fade in too
#
# The discriminator must not see sharper real images than the generator can draw: the real
# batch is shown at the resolution being trained, average-pooled and upsampled back, and
# during a fade it is the same blend of two resolutions as the generator's output
# (`real_images_at`). Digits from MNIST when `KERAS_GAN_DATA_DIR` holds it (or tensorflow-datasets
# has it prepared), else scikit-learn's 8x8 digits upsampled, saying so.

# %%
try:
    data = datasets.load("mnist", image_size=image_size, batch_size=batch_size, seed=seed)
except datasets.DataNotFoundError as error:
    print(f"MNIST is not available ({str(error)[:120]}...): scikit-learn's 8x8 digits, "
          f"upsampled to {image_size}x{image_size}, instead")
    data = datasets.load("digits", image_size=image_size, batch_size=batch_size, seed=seed)
real = next(iter(data))
real = ops.convert_to_tensor(np.asarray(real)[:4])
shown_levels = np.linspace(schedule.levels, 0, 2 * schedule.levels + 1)
fig, axes = plt.subplots(1, len(shown_levels), figsize=(2 * len(shown_levels), 2.4))
for ax, level in zip(axes, shown_levels):
    blended = ops.convert_to_numpy(real_images_at(real, float(level), schedule.levels))
    ax.imshow(image_grid(blended, rows=2), cmap="gray")
    resolution, alpha = 4 * 2 ** (schedule.levels - int(np.floor(level))), 1 - (level % 1)
    ax.set_title(f"$\\ell$ = {level:g}\n{resolution}x{resolution}, $\\alpha$ = {alpha:g}",
                 fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Both networks are built once, at the full resolution, with every block: each doubling goes
# through a `FadeIn` layer that reads $\ell$ from the network's `LevelOfDetail` layer and blends
# the new block's output with the upsampled lower resolution (the authors' "linear"
# formulation). A block whose fade has not begun has weight 0, so it changes nothing and gets
# no gradient; nothing is rebuilt or recompiled when the resolution changes.

# %%
print(inspect.getsource(FadeIn.call))

# %% [markdown]
# ## Your turn: the minibatch standard deviation
#
# A generator that collapses draws samples that are too alike, and a discriminator that sees
# one sample at a time cannot tell. ProGAN's fix has no parameters (section 3): near the end of
# the discriminator, for features $x$ of shape `(n, h, w, c)`,
#
# 1. split the batch into groups of $G$ samples: sample $i$ belongs to group $i \bmod (n/G)$
#    (the authors' code reshapes to `(G, n / G, h, w, c)`);
# 2. in each group, take the standard deviation over its $G$ samples of every feature at every
#    position, $\sqrt{\mathrm{Var} + 10^{-8}}$, with the population variance (divide by $G$);
# 3. average those over `(h, w, c)`: one number per group;
# 4. append it to each of the group's samples as one more, constant, feature map.
#
# Use only `keras.ops`: the discriminator learns through it.


# %%
def minibatch_stddev(features, group_size=4):
    """ProGAN's minibatch standard deviation.

    Args:
        features: tensor `(n, h, w, c)`, n a multiple of `group_size`.
        group_size: int G, samples per group; sample i belongs to group i mod (n / G).

    Returns:
        A tensor `(n, h, w, c + 1)`: the features, then one channel holding their group's
        mean standard deviation, sqrt(var + 1e-8) over the group's G samples, averaged over
        (h, w, c).
    """
    ### BEGIN SOLUTION
    n, height, width, channels = features.shape
    grouped = ops.reshape(features, (group_size, -1, height, width, channels))
    variance = ops.var(grouped, axis=0)
    per_group = ops.mean(ops.sqrt(variance + 1e-8), axis=(1, 2, 3))
    statistic = ops.tile(per_group, (group_size,))[:, None, None, None]
    statistic = ops.broadcast_to(statistic, (n, height, width, 1))
    return ops.concatenate([features, ops.cast(statistic, features.dtype)], axis=-1)
    ### END SOLUTION


# %% [markdown]
# Check it against NumPy and against the package's `MinibatchStandardDeviation` layer, then
# see what it tells the discriminator: a batch of copies of one image gives about
# $\sqrt{10^{-8}} = 10^{-4}$, a batch of different digits much more.

# %%
rng = np.random.default_rng(seed)
check_features = rng.normal(0.0, 1.0, (8, 2, 2, 3)).astype("float32")
check_features[1::2] *= 4.0  # every other sample varies more: the grouping matters
yours = ops.convert_to_numpy(minibatch_stddev(ops.convert_to_tensor(check_features), 4))
x = check_features.astype("float64").reshape(4, 2, 2, 2, 3)  # (G, n / G, h, w, c)
by_numpy = np.sqrt(x.var(axis=0) + 1e-8).mean(axis=(1, 2, 3))  # one value per group
assert yours.shape == (8, 2, 2, 4), yours.shape
np.testing.assert_allclose(yours[..., :3], check_features, atol=1e-6)
np.testing.assert_allclose(yours[:, 0, 0, 3], np.tile(by_numpy, 4), rtol=1e-4, atol=1e-5)
package = ops.convert_to_numpy(MinibatchStandardDeviation(4)(ops.convert_to_tensor(check_features)))
np.testing.assert_allclose(yours, package, rtol=1e-4, atol=1e-5)

copies = ops.convert_to_tensor(np.repeat(np.asarray(real)[:1], 4, axis=0))
for name, batch in (("4 different digits", real), ("4 copies of one digit", copies)):
    statistic = float(ops.convert_to_numpy(minibatch_stddev(batch, 4))[0, 0, 0, -1])
    print(f"{name}: {statistic:.4g}")

# %% [markdown]
# ## Training a ProGAN
#
# `keras_gan.models.ProGAN` puts it together; its `train_step` is notebook 04's WGAN-GP step
# with the schedule around it: it sets $\ell$ in both networks, shows the real images at
# $\ell$, adds the drift term, and moves the clock by the batch.

# %%
model = ProGAN(
    image_shape=(image_size, image_size, 1),
    fade_images=phase_images,
    stable_images=phase_images,
    max_filters=max_filters,
    filter_base=8 * max_filters,  # blocks at resolution r get min(max_filters, filter_base / r)
    latent_dim=64,
    minibatch_group_size=4,
    seed=seed,
)
model.compile()  # Adam(1e-3, beta_1=0, beta_2=0.99) for both networks
print(inspect.getsource(ProGAN.train_step))

# %% [markdown]
# Train, taking a snapshot of the same latents every `log_every` steps. `generate` samples
# from the generator's moving average (decay 0.99 here), at the resolution reached, upsampled
# to the full size.


# %%
class Snapshots(keras.callbacks.Callback):
    """Samples of fixed latents, and the stage, at the end of every epoch."""

    def __init__(self, latents):
        super().__init__()
        self.latents, self.samples, self.stages, self.logs = latents, [], [], []

    def on_epoch_end(self, epoch, logs=None):
        self.samples.append(self.model.generate(latents=self.latents))
        self.stages.append(self.model.stage())
        self.logs.append(dict(logs))


fixed_latents = keras.random.normal((8, model.latent_dim), seed=seed)
snapshots = Snapshots(ops.convert_to_numpy(fixed_latents))
model.fit(data.repeat(), epochs=steps // log_every, steps_per_epoch=log_every, verbose=0,
          callbacks=[snapshots])
print("reached", model.stage(), "after", int(ops.convert_to_numpy(model.images_seen)), "images")

# %% [markdown]
# The logs: `resolution` and `alpha` are the stage of the last step; the losses are means over
# the last `log_every` steps. Watch the Wasserstein estimate $\mathbb{E}[D(x)] -
# \mathbb{E}[D(G(z))]$: in our runs of this notebook it stayed near or below zero through the
# first fades (the critic, whose input changes every few dozen steps, does not get ahead of the
# generator), then climbed above zero as the resolution settled. At the paper's 600,000 images
# per phase the critic has time to settle at every resolution.

# %%
trained = np.arange(1, len(snapshots.logs) + 1) * log_every
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, name in zip(axes, ("resolution", "alpha", "wasserstein")):
    ax.plot(trained, [logs[name] for logs in snapshots.logs], marker=".")
    ax.set_xlabel("training step")
    ax.set_title(name)
plt.tight_layout()
plt.show()

# %% [markdown]
# The same latents at every snapshot (at most eight shown, spread over the run): each row is
# drawn at the stage reached, so the blocks of 4x4 and then 8x8 pixels give way to finer detail
# as each resolution fades in. This short run (14,400 images, most of them at 16x16 with 32
# feature maps) learns the schedule, not yet the digits: in our runs its last samples were
# still noise with some structure (exercise 4 asks what a real run costs; the ProGAN page of
# the docs measures longer runs against DCGAN's).

# %%
picked = np.unique(np.linspace(0, len(snapshots.samples) - 1, 8).round().astype(int))
fig, axes = plt.subplots(len(picked), 1, figsize=(8, 1.2 * len(picked)))
for ax, index in zip(np.atleast_1d(axes), picked):
    resolution, alpha = snapshots.stages[index]
    ax.imshow(image_grid(snapshots.samples[index], rows=1), cmap="gray")
    ax.set_title(f"step {trained[index]}: {resolution}x{resolution}, alpha {alpha:.2f}",
                 fontsize=9, loc="left")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## What the discriminator's extra feature map says
#
# The discriminator's `minibatch_stddev` layer sits at 4x4, before its last convolution. Read
# its extra channel for a batch of real digits, a batch of generated ones, and a batch of
# copies of one generated sample (a fully collapsed generator):

# %%
layer = model.discriminator.get_layer("minibatch_stddev")
probe = keras.Model(model.discriminator.inputs, layer.output)
generated = model.generate(num_samples=batch_size, seed=seed)
collapsed = np.repeat(generated[:1], batch_size, axis=0)


def with_stage(images):
    """The images as the critic sees them at the stage reached."""
    level = schedule.level_of_detail(model.images_seen)
    return real_images_at(ops.convert_to_tensor(images), level, schedule.levels)


for name, images in (("real", np.asarray(next(iter(data)))), ("generated", generated),
                     ("collapsed", collapsed)):
    statistic = ops.convert_to_numpy(probe(with_stage(images)))[..., -1].mean()
    print(f"{name:>10}: {statistic:.4f}")

# %% [markdown]
# The collapsed batch stands out at once: a generator that draws one digit is pushed away from
# it, because its batches no longer look as varied as the real ones.
#
# ## Exercises
#
# 1. Skip the fade: build `ProGAN` with `fade_images=1` (each new resolution appears at once)
#    and the same stable phases. What happens to the Wasserstein estimate and the samples at
#    each doubling?
# 2. Without the minibatch standard deviation: build `ProGAN` with `minibatch_group_size=1` (a
#    group of one has no spread: the feature is always $10^{-4}$), and compare how varied the
#    samples are (notebook 05's measures, or notebook 06's FID).
# 3. Resume mid-fade: save the model with `model.save("progan.keras")` during a fade, reload it
#    with `keras.saving.load_model`, and check that `stage()` and the next step's `alpha` go on
#    where they were (`tests/models/test_progan.py` checks that a resumed run equals the
#    straight one).
# 4. The paper's scale: `python -m keras_gan.train progan --paper` (600,000 images per phase,
#    512 feature maps): how many images until 32x32? How long would it take at the step time
#    you measured here?

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. Three
# models train for `exercise_steps` each (none with `quick=True`: building them is checked,
# training them is not), from the same seed, logged every `exercise_log_every` steps: the
# notebook's settings (the reference), the same without fades, and the same with groups of one.
#
# **1. Skipping the fade.** With `fade_images=1` a new block enters with its full weight at
# once: its layers are freshly initialised, so the generator's output changes abruptly, and the
# real images the critic sees jump to twice the resolution in the same step. The critic, whose
# input statistics have just changed, is briefly wrong about both; the Wasserstein estimate
# drops or jumps at each doubling, and the samples show the new block's untrained noise where
# the fading model blends it in over `phase_images` images.
#
# In our run (JAX, CPU, 100 steps, readings every 5) both models reached 8x8 after step 45. The
# fading one's estimate moved from -2.26 to -2.12 over the next 5 steps; the one without the
# fade jumped from -2.21 to -0.97, then to +1.05 five steps later, and at its second doubling
# (to 16x16 after step 90, where the reference was still at 8x8) from -1.67 to -1.10. Its
# samples switched in one step from 4x4 blocks to 8x8 noise. The reference is no calm curve
# either (it swung to -4.05 at step 90, the end of its fade, on a critic this young); what the
# fade removes is the jump at the moment of the doubling.

# %% tags=["instructor-solution"]
import tempfile
import time


class Readings(keras.callbacks.Callback):
    """The stage, the logs and samples of fixed latents at the end of every epoch."""

    def __init__(self, latents):
        super().__init__()
        self.latents, self.stages, self.logs, self.samples = latents, [], [], []

    def on_epoch_end(self, epoch, logs=None):
        self.stages.append(self.model.stage())
        self.logs.append(dict(logs))
        self.samples.append(self.model.generate(latents=self.latents))


def progan_variant(**changes):
    """A ProGAN with the notebook's settings and `changes`, compiled."""
    settings = dict(image_shape=(image_size, image_size, 1), fade_images=phase_images,
                    stable_images=phase_images, max_filters=max_filters,
                    filter_base=8 * max_filters, latent_dim=64, minibatch_group_size=4, seed=seed)
    variant = ProGAN(**{**settings, **changes})
    variant.compile()
    return variant


def train_variant(variant, num_steps, readings):
    """Trains for num_steps (whole epochs of exercise_log_every steps); returns the seconds."""
    start = time.perf_counter()
    if num_steps:
        variant.fit(data.repeat(), epochs=num_steps // exercise_log_every,
                    steps_per_epoch=exercise_log_every, verbose=0, callbacks=[readings])
    return time.perf_counter() - start


variants, readings = {}, {}
for name, changes in (("reference", {}), ("no fade", {"fade_images": 1}),
                      ("groups of 1", {"minibatch_group_size": 1})):
    variants[name] = progan_variant(**changes)
    readings[name] = Readings(snapshots.latents)
# The reference stops mid-fade once to be saved (exercise 3), then goes on.
save_at = min(exercise_steps, (phase_images + phase_images // 3) // batch_size)
save_at -= save_at % exercise_log_every
train_variant(variants["reference"], save_at, readings["reference"])
saved_path = f"{tempfile.mkdtemp()}/progan.keras"
variants["reference"].save(saved_path)
saved_stage = variants["reference"].stage()
saved_images = int(ops.convert_to_numpy(variants["reference"].images_seen))
seconds = train_variant(variants["reference"], exercise_steps - save_at, readings["reference"])
step_seconds = seconds / max(1, exercise_steps - save_at)
for name in ("no fade", "groups of 1"):
    train_variant(variants[name], exercise_steps, readings[name])

exercise_trained = np.arange(1, exercise_steps // exercise_log_every + 1) * exercise_log_every
fig, axes = plt.subplots(1, 2, figsize=(12, 3))
for name in ("reference", "no fade"):
    axes[0].plot(exercise_trained, [logs["wasserstein"] for logs in readings[name].logs],
                 marker=".", label=name)
    axes[1].plot(exercise_trained, [r for r, _ in readings[name].stages], marker=".", label=name)
axes[0].set_title("Wasserstein estimate")
axes[1].set_title("resolution")
for ax in axes:
    ax.set_xlabel("training step")
    ax.legend()
plt.show()
for name in ("reference", "no fade"):
    stages, logs = readings[name].stages, readings[name].logs
    changes = [i for i in range(1, len(stages)) if stages[i][0] != stages[i - 1][0]]
    steps_before = [int(exercise_trained[i - 1]) for i in changes]
    print(f"{name}: the resolution changes after steps {steps_before}; "
          "Wasserstein estimate before -> after each: "
          + ", ".join(f"{logs[i - 1]['wasserstein']:+.2f} -> {logs[i]['wasserstein']:+.2f}"
                      for i in changes))
    if changes:
        around = [i for c in changes for i in (c - 1, c)]
        shown_rows = np.concatenate([readings[name].samples[i] for i in around])
        plt.figure(figsize=(8, 1.2 * len(around)))
        plt.imshow(image_grid(shown_rows, rows=len(around)), cmap="gray")
        plt.title(f"{name}: the samples just before and just after each doubling", fontsize=9)
        plt.axis("off")
        plt.show()

# %% [markdown] tags=["instructor-solution"]
# **2. Groups of one.** With $G = 1$ every "group" is a single sample: its standard deviation is
# 0, the extra feature map is the constant $\sqrt{10^{-8}} = 10^{-4}$, and the critic is back to
# judging one sample at a time, blind to a batch of copies. A quick measure of variety: the
# mean distance between two samples of the same batch of 64, divided by the same for real
# digits shown at the stage reached (1: as varied as the data; near 0: collapsed). The
# critic's extra feature map is read as in the notebook. In our run (100 steps) the two were
# indistinguishable on variety (1.78 and 1.76 times the data's: samples still noisier than
# digits, so *more* varied) while the feature map read 0.249 with groups of 4 and $10^{-4}$
# with groups of 1, as computed. The layer only pays off once a generator starts to collapse;
# notebook 05's lab, or a run of several thousand steps scored by FID (notebook 06), is where
# to see the difference.

# %% tags=["instructor-solution"]
def variety(variant):
    """Mean pairwise distance of 64 samples over that of 64 real digits at the same stage."""
    samples = variant.generate(num_samples=64, seed=seed).reshape(64, -1)
    level = variant.schedule.level_of_detail(variant.images_seen)
    reals = np.concatenate([np.asarray(b) for b in data.take(max(1, 64 // batch_size))])[:64]
    reals = ops.convert_to_numpy(real_images_at(ops.convert_to_tensor(reals), level,
                                                variant.schedule.levels)).reshape(len(reals), -1)

    def spread(x):
        return np.mean(np.linalg.norm(x[:, None] - x[None], axis=-1))

    return spread(samples) / spread(reals)


for name in ("reference", "groups of 1"):
    variant = variants[name]
    probe_variant = keras.Model(variant.discriminator.inputs,
                                variant.discriminator.get_layer("minibatch_stddev").output)
    level = variant.schedule.level_of_detail(variant.images_seen)
    sample_batch = variant.generate(num_samples=batch_size, seed=seed)
    extra = ops.convert_to_numpy(probe_variant(real_images_at(
        ops.convert_to_tensor(sample_batch), level, variant.schedule.levels)))[..., -1].mean()
    print(f"{name:>11}, {exercise_steps} steps: variety {variety(variant):.2f} of the data's; "
          f"the critic's extra feature map {extra:.4g}")

# %% [markdown] tags=["instructor-solution"]
# **3. Resuming mid-fade.** The reference model was saved mid-fade above; reloaded, it holds
# the same clock (`images_seen` is a weight), so `stage()` is the same. Its next step trains at
# that stage (the step reads $\ell$ from the clock, then moves the clock by the batch: the
# logged `alpha` is the one trained at), after which the clock and the stage are the
# schedule's at `images_seen + batch_size`. In our run the model was saved after 60 steps,
# 1,920 images, at stage (8, 0.28), reloaded at the same, and its next step trained at alpha
# 0.28 and left the clock at 1,952 images, stage (8, 0.30).

# %% tags=["instructor-solution"]
resumed = keras.saving.load_model(saved_path)
print(f"saved at {saved_images} images, stage {saved_stage}; reloaded: "
      f"{int(ops.convert_to_numpy(resumed.images_seen))} images, stage {resumed.stage()}")
assert resumed.stage() == saved_stage
if exercise_steps:
    next_logs = resumed.train_on_batch(np.asarray(next(iter(data))), return_dict=True)
    print(f"its next step trained at resolution {float(next_logs['resolution']):g}, alpha "
          f"{float(next_logs['alpha']):.4f}; its clock now reads "
          f"{int(ops.convert_to_numpy(resumed.images_seen))} images, stage {resumed.stage()}")
    np.testing.assert_allclose(float(next_logs["alpha"]), saved_stage[1], atol=1e-4)
    assert resumed.stage() == schedule.stage(saved_images + batch_size)

# %% [markdown] tags=["instructor-solution"]
# **4. The paper's scale.** `--paper` keeps the image size (32x32 for CIFAR-10) and sets 600,000
# images per fade and per stable phase, batches of 16, 512 feature maps up to 32x32
# (`filter_base` 16,384). From 4x4 to 32x32 there are 3 doublings, each a stable phase then a
# fade: 3.6 million images (225,000 steps of 16) until 32x32 is fully faded in. For the cost,
# count each network's 3x3 convolutions' multiply-adds per image, $\sum_r r^2 \cdot 9 \cdot
# (c_{in} c_{out})$ over two convolutions per resolution (a rough proxy: it ignores the 1x1
# layers, the dense 4x4 layer and the penalty's second backward pass, which scale alike), and
# scale the step time measured here, per image, by the ratio. In our run (JAX, CPU) a step of
# 32 took 0.188 s (5.9 ms an image, over the reference's last 40 steps) and the paper's networks
# cost about 1,978 times more per image: about 485 days on this 2-core machine for the 3.6
# million images. A rough figure (the proxy, and a CPU shared with other work), but the order of
# magnitude is the point: the paper's run is a GPU job.

# %% tags=["instructor-solution"]
from keras_gan.schedules import ProgressiveGrowing


def conv_cost(size, widest, base):
    """Multiply-adds per image of the 3x3 convolutions of one network, two per resolution."""
    width = {r: min(widest, base // r) for r in 2 ** np.arange(2, int(np.log2(size)) + 1)}
    return sum(r * r * 9 * (width[max(4, r // 2)] * width[r] + width[r] ** 2) for r in width)


paper_schedule = ProgressiveGrowing(32, fade_images=600_000, stable_images=600_000)
paper_images = paper_schedule.images_to_full_resolution
ratio = conv_cost(32, 512, 16_384) / conv_cost(image_size, max_filters, 8 * max_filters)
per_image = step_seconds / batch_size
print(f"the paper's CIFAR-10 run: {paper_images:,} images ({paper_images // 16:,} steps of 16) "
      f"until 32x32")
print(f"here: {step_seconds:.3f} s a step of {batch_size} ({per_image * 1e3:.2f} ms an image, "
      f"{exercise_steps - save_at} steps timed); the paper's networks cost about {ratio:,.0f} "
      f"times more per image: about {paper_images * per_image * ratio / 86_400:,.0f} days on "
      f"this machine")
