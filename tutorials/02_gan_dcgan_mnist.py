# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · GAN and DCGAN on MNIST
#
# **What you will be able to do:** write a GAN `train_step` (one discriminator update, then one
# generator update) as keras_gan's variants do; train a fully connected GAN and a DCGAN on digits
# and compare them; start the same run from Python as the command line does.
#
# Notebook 01 played the GAN game on 2-D points. Here the samples are $28 \times 28$ digits.
#
# **GAN** (Goodfellow et al. 2014, <https://arxiv.org/abs/1406.2661>): fully connected networks
# (a ReLU generator, a maxout discriminator with dropout) trained with Algorithm 1: for each
# step, $k$ discriminator updates ascending
#
# $$\frac1m \sum_{i=1}^m \Big[\log D(x^{(i)}) + \log\big(1 - D(G(z^{(i)}))\big)\Big],$$
#
# then one generator update descending (non-saturating form)
# $-\frac1m \sum_{i=1}^m \log D(G(z^{(i)}))$.
#
# **DCGAN** (Radford et al. 2015, <https://arxiv.org/abs/1511.06434>) keeps the objective and
# changes the networks: strided (transposed) convolutions instead of pooling, BatchNorm in both
# networks (except the generator's output and the discriminator's input), ReLU in the generator
# with a $\tanh$ output, LeakyReLU(0.2) in the discriminator, weights from $N(0, 0.02)$, and Adam
# with learning rate $2\cdot10^{-4}$ and $\beta_1 = 0.5$.
#
# First you write the `train_step` of a small GAN yourself and check it against the package's.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
seconds = 90  # training time each model gets (after its first, compiling step): equal wall time
log_every = 25  # steps between two points of the loss curves
exercise_seconds = 30  # training time of each model in the worked exercises (instructor's copy)
run_steps = 100  # steps of the run started from Python (keras_gan.Run), on the digits
base_filters = 32  # DCGAN width (DCGANConfig's default too); the paper's 128
paper = False  # True: the paper's settings (DCGANConfig.PAPER: 64x64 images, 128 filters, batch 128, Adam 2e-4)
seed = 0

# %%
if quick:
    seconds, log_every, run_steps, base_filters, exercise_seconds = 2, 2, 2, 8, 1

# %%
import inspect
import os
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display
from keras import ops

import keras_gan
from keras_gan import datasets
from keras_gan.models import DCGAN, GAN, DCGANConfig, GANConfig
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)


# %% [markdown]
# ## The data
#
# Real MNIST when `KERAS_GAN_DATA_DIR` points at a folder with its raw files (see
# `docs/datasets.md`); otherwise scikit-learn's 1,797 $8\times8$ digits, upsampled to
# $28\times28$, which always work offline. Pixels are in $[-1, 1]$ to match the generator's
# $\tanh$.

# %%
def load_digits(batch_size, image_size=28, with_labels=False):
    """MNIST when KERAS_GAN_DATA_DIR holds it, else scikit-learn's digits upsampled; says which."""
    if os.environ.get(datasets.ENV_DATA_DIR):
        try:
            data = datasets.load("mnist", batch_size=batch_size, image_size=image_size,
                                 with_labels=with_labels, seed=seed)
            print(f"Data: MNIST from ${datasets.ENV_DATA_DIR}, {image_size}x{image_size}")
            return data
        except datasets.DataNotFoundError as error:
            print(f"MNIST is not in ${datasets.ENV_DATA_DIR} ({str(error)[:200]}...)")
    print(f"Data: scikit-learn's 1797 8x8 digits upsampled to {image_size}x{image_size}, NOT MNIST "
          f"(set {datasets.ENV_DATA_DIR} to a folder holding MNIST to use it)")
    return datasets.load("digits", batch_size=batch_size, image_size=image_size,
                         with_labels=with_labels, seed=seed)


def show_images(images, title, rows=None):
    """Shows a batch of images in [-1, 1] as one grid."""
    plt.figure(figsize=(5, 5))
    plt.imshow(image_grid(images, rows=rows), cmap="gray", vmin=0, vmax=255)
    plt.title(title)
    plt.axis("off")
    plt.show()


data = load_digits(batch_size=64)
show_images(next(iter(data))[:36].numpy(), "real images")

# %% [markdown]
# ## Your turn: a GAN `train_step`
#
# A keras_gan variant subclasses `keras_gan.AdversarialModel` and writes only `train_step`. The
# base class gives you:
#
# * `self.unpack_images(data)`: the batch of real images;
# * `self.sample_latent(m)`: $m$ latents from $p_z$, drawn from the model's own seed generator;
# * `self.minimize(loss_fn, network, optimizer)`: differentiates the zero-argument closure
#   `loss_fn` with respect to `network`'s weights and applies `optimizer` (on every backend);
#   returns `(loss, extra_logs)`;
# * `self.update_logs(d_loss=..., g_loss=...)`: the logs `fit` shows.
#
# Write one discriminator update then one non-saturating generator update, drawing a fresh
# $z$ for each (in that order, so that your model and the package's draw the same numbers).
# Call the networks with `training=True`, and keep the discriminator update from reaching the
# generator with `ops.stop_gradient`.

# %%
class MyGAN(keras_gan.AdversarialModel):
    """The GAN of Goodfellow et al. with k = 1 and the non-saturating generator loss."""

    def train_step(self, data):
        """One adversarial step: a discriminator update, then a generator update.

        Args:
            data: a batch of real images `(m, 28, 28, 1)` (or `(images, labels)`).

        Returns:
            The logs, `self.update_logs(d_loss=..., g_loss=...)`.
        """
        ### BEGIN SOLUTION
        real = self.unpack_images(data)
        m = ops.shape(real)[0]
        z = self.sample_latent(m)

        def d_loss_fn():
            fake = ops.stop_gradient(self.generator(z, training=True))
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            # -log D(x) - log(1 - D(G(z))), with D = sigmoid(logit)
            return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))

        d_loss, _ = self.minimize(d_loss_fn, self.discriminator, self.d_optimizer)
        z = self.sample_latent(m)

        def g_loss_fn():
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            # -log D(G(z))
            return ops.mean(ops.softplus(-fake_logits))

        g_loss, _ = self.minimize(g_loss_fn, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)
        ### END SOLUTION


# %% [markdown]
# Check: the same small networks (copied weights), the same seed and the same batch, one step
# each with your `MyGAN` and with `keras_gan.models.GAN`. The losses and the updated weights
# must agree.

# %%
def tiny_networks():
    generator = keras_gan.networks.mlp_generator((28, 28, 1), latent_dim=16, hidden_units=(32,))
    discriminator = keras_gan.networks.mlp_discriminator((28, 28, 1), hidden_units=(16,), pieces=2, dropout=0.0)
    return generator, discriminator


def adam_pair():
    return {"d_optimizer": keras.optimizers.Adam(2e-4, beta_1=0.5),
            "g_optimizer": keras.optimizers.Adam(2e-4, beta_1=0.5)}


generator, discriminator = tiny_networks()
generator_copy, discriminator_copy = tiny_networks()
generator_copy.set_weights(generator.get_weights())
discriminator_copy.set_weights(discriminator.get_weights())

mine = MyGAN(generator, discriminator, latent_dim=16, seed=7)
reference = GAN(generator_copy, discriminator_copy, latent_dim=16, seed=7)
mine.compile(**adam_pair())
reference.compile(**adam_pair())
initial_weights = generator.get_weights()
batch = next(iter(data)).numpy()[:32]
my_logs = mine.train_on_batch(batch, return_dict=True)
reference_logs = reference.train_on_batch(batch, return_dict=True)
print("MyGAN:", {k: round(float(v), 6) for k, v in my_logs.items()})
print("GAN:  ", {k: round(float(v), 6) for k, v in reference_logs.items()})
for name in ("d_loss", "g_loss"):
    np.testing.assert_allclose(float(my_logs[name]), float(reference_logs[name]), rtol=1e-4, atol=1e-5)
for a, b in zip(mine.generator.get_weights() + mine.discriminator.get_weights(),
                reference.generator.get_weights() + reference.discriminator.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
# ...and the step did move the generator (a train_step that does nothing would fail here).
assert any(not np.allclose(a, b) for a, b in zip(mine.generator.get_weights(), initial_weights))
print("Your train_step matches keras_gan.models.GAN: same losses, same updated weights.")

# %% [markdown]
# The package's version is the same algorithm, with $k$ discriminator minibatches and a choice
# of generator loss:

# %%
display(Markdown(f"```python\n{inspect.getsource(GAN.train_step)}\n```"))

# %% [markdown]
# ## Training helpers
#
# Which model is better for the same effort? We give each the same **wall time** (`seconds`,
# counted from the end of its first step, which compiles) rather than the same number of steps:
# a fully connected step is several times cheaper than a convolutional one. A callback stops
# training when the time is up, and keeps the generator's samples on 36 fixed latents at a
# quarter, half, three quarters and all of it; `fit` runs in "epochs" of `log_every` steps, so
# the loss curves have a point every `log_every` steps.

# %%
from keras_gan import backend


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` after `seconds` of training; snapshots the samples at each quarter of it."""

    def __init__(self, seconds, latents, frames=4):
        super().__init__()
        self.seconds, self.latents = seconds, latents
        self.marks = [seconds * (i + 1) / frames for i in range(frames)]
        self.snapshots = []  # (step, seconds trained, samples)
        self.step, self.start = 0, None

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        now = time.perf_counter()
        if self.start is None:  # the first step compiled: the clock starts after it
            self.start = now
            return
        while self.marks and now - self.start >= self.marks[0]:
            self.marks.pop(0)
            backend.sync_state(self.model)  # JAX keeps the weights in the trainer until synced
            self.snapshots.append((self.step, now - self.start, self.model.generate(latents=self.latents)))
        if not self.marks:
            self.model.stop_training = True


def train(model, data, seconds):
    """Fits `model` for `seconds` of wall time; returns (losses every log_every steps, snapshots)."""
    latents = ops.convert_to_numpy(model.sample_latent(36, seed=seed))
    budget = TimeBudget(seconds, latents)
    history = model.fit(data.repeat(), epochs=10**6, steps_per_epoch=log_every, callbacks=[budget],
                        verbose=0)
    return history.history, budget.snapshots


def plot_progress(name, losses, snapshots):
    """The losses every log_every steps, then the samples at each quarter of the time."""
    plt.figure(figsize=(8, 2.5))
    for key in ("d_loss", "g_loss"):
        plt.plot(np.arange(1, len(losses[key]) + 1) * log_every, losses[key], label=key)
    plt.xlabel("step")
    plt.title(f"{name}: mean losses over each {log_every} steps")
    plt.legend()
    plt.show()
    fig, axes = plt.subplots(1, len(snapshots), figsize=(4 * len(snapshots), 4))
    for ax, (step, trained, images) in zip(np.atleast_1d(axes), snapshots):
        ax.imshow(image_grid(images), cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{name}: {trained:.0f} s, {step:,} steps")
        ax.axis("off")
    plt.show()


# %% [markdown]
# ## GAN: fully connected networks
#
# `GAN.from_train_config` builds and compiles the model a `GANConfig` describes (the same
# config the command line `python -m keras_gan.train gan` uses). The default generator is
# smaller than the paper's (two layers of 1,200 units, `--paper`).

# %%
gan_config = GANConfig(seed=seed)
if paper:
    gan_config = gan_config.with_paper_settings()
gan = GAN.from_train_config(gan_config, (28, 28, 1))
print(gan_config)
gan_losses, gan_snapshots = train(gan, load_digits(gan_config.batch_size), seconds)
plot_progress("GAN (MLP)", gan_losses, gan_snapshots)

# %% [markdown]
# ## DCGAN: convolutional networks
#
# The `train_step` is GAN's (DCGAN subclasses GAN); only the networks and optimiser settings
# differ. `DCGANConfig`'s defaults are sized for a CPU: 32 base filters instead of 128, and
# Adam's rate 5e-4, which gets further in a short run than the paper's 2e-4 (`paper = True`
# restores both). The same wall time:

# %%
dcgan_config = DCGANConfig(base_filters=base_filters, seed=seed)
if paper:
    dcgan_config = dcgan_config.with_paper_settings()
image_size = dcgan_config.image_size or 28
dcgan = DCGAN.from_train_config(dcgan_config, (image_size, image_size, 1))
print(dcgan_config)
dcgan.generator.summary()
dcgan_losses, dcgan_snapshots = train(
    dcgan, load_digits(dcgan_config.batch_size, image_size=image_size), seconds
)
plot_progress("DCGAN", dcgan_losses, dcgan_snapshots)

# %% [markdown]
# ## Side by side, at equal wall time
#
# The fully connected GAN takes many more steps in the same time, and its samples are noisy,
# speckled strokes: each pixel is its own output unit, with nothing telling the networks that
# neighbouring pixels belong together. DCGAN takes fewer steps, but its convolutions share
# weights across positions, and its digits are smooth strokes well before the time is up.
#
# Here we judge by eye. Notebook 06 comes next in the course order: it turns this judgement
# into measurements (FID, precision and recall, a digit classifier's reading), which the
# notebooks after it use to compare models.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for ax, name, snapshots in zip(axes, ("GAN (MLP)", "DCGAN"), (gan_snapshots, dcgan_snapshots)):
    step, trained, images = snapshots[-1]
    ax.imshow(image_grid(images), cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"{name} after {trained:.0f} s ({step:,} steps)")
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Walking the latent space
#
# DCGAN's section 6.1: interpolating between two latents gives a smooth path of digits, a sign
# that the generator has not memorised training images.

# %%
rng = np.random.default_rng(seed)
z_start, z_end = rng.uniform(-1, 1, (2, 6, dcgan.latent_dim)).astype("float32")
alphas = np.linspace(0, 1, 8, dtype="float32")[:, None, None]
path = (1 - alphas) * z_start + alphas * z_end  # (8 steps, 6 rows, latent_dim)
images = dcgan.generate(latents=path.transpose(1, 0, 2).reshape(-1, dcgan.latent_dim))
show_images(images, "DCGAN: linear interpolation in z (one row per pair)", rows=6)

# %% [markdown]
# ## The same run as the command line, from Python
#
# `keras_gan.Run` is what `python -m keras_gan.train dcgan` runs: keywords are fields of the
# variant's config (checked as the flags are: `keras_gan.Run("dcgan", epoch=1)` names
# `epochs`), and the run folder gets what the command writes: `config.json`,
# `checkpoints/last.keras`, sample grids, `history.json` and TensorBoard logs. A stopped run
# (the kernel's interrupt stops it cleanly after a checkpoint) continues exactly, with the same
# batches and random stream, from `keras_gan.Run.resume(folder).train(steps=...)`, in this
# session or a new one. On the offline digits, upsampled to $28 \times 28$ as above:

# %%
import tempfile

run_folder = os.path.join(tempfile.mkdtemp(), "dcgan")
run = keras_gan.Run("dcgan", output=run_folder, dataset="digits", image_size=28,
                    base_filters=base_filters, steps_per_epoch=max(1, run_steps // 2), seed=seed)
result = run.train(steps=run_steps)  # later: keras_gan.Run.resume(run_folder).train(steps=...)
print("status", result.status, "at step", result.step, "- files:", sorted(os.listdir(run_folder)))
show_images(run.model.generate(36), f"keras_gan.Run: DCGAN after {result.step} steps")

# %% [markdown]
# ## Exercises
#
# 1. **Minimax loss on images.** Train `GAN.from_train_config(GANConfig(generator_loss="minimax"), ...)`
#    for 300 steps and compare the first epochs' `g_loss` with the non-saturating run. Why
#    does the minimax generator hardly move at first?
# 2. **Break a DCGAN rule.** Build `keras_gan.networks.dcgan_discriminator(batchnorm=False)`
#    and pass it to `DCGAN(discriminator=...)`; or set Adam's `beta_1=0.9`. What happens to the
#    losses and samples (the paper reports oscillation for $\beta_1 = 0.9$)?
# 3. **Coding: k discriminator steps.** Extend `MyGAN.train_step` to make
#    `self.discriminator_steps` discriminator updates, each on its own minibatch
#    (`self.minibatches(images)`), and check it against `GAN(discriminator_steps=2)` as above.
# 4. **Memorisation.** For 8 generated digits, find the nearest training image in pixel space
#    and show them side by side. Is the generator copying? What would a better distance be?
# 5. **Latent arithmetic.** Average the latents of three generated images of one style (e.g.
#    thick strokes) and of another; decode the difference added to a third latent.

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. Each
# model trains for `exercise_seconds`.
#
# **1. Minimax loss on images.** The minimax generator minimises $\log(1 - D(G(z)))$, whose
# gradient in the logit $t$ is $-\sigma(t)$: close to 0 wherever the discriminator confidently
# rejects the samples ($t \ll 0$), where the non-saturating loss is steepest. Whether that
# bites depends on the discriminator. In our run (MNIST, JAX) the minimax `g_loss` read -0.5 to
# -0.8, that is $D(G(z)) \approx 0.4$-$0.55$: this discriminator (dropout 0.5, maxout) never
# rejected the samples confidently, so the minimax generator kept a gradient and learned too,
# with fainter, sparser strokes than the non-saturating one in the same time. A discriminator
# that wins early (a larger learning rate, no dropout) is where the minimax loss stalls.

# %% tags=["instructor-solution"]
for loss in ("non_saturating", "minimax"):
    model = GAN.from_train_config(GANConfig(seed=seed, generator_loss=loss), (28, 28, 1))
    losses, snapshots = train(model, load_digits(64), exercise_seconds)
    print(f"{loss:<15} first g_loss readings:", " ".join(f"{v:.3f}" for v in losses["g_loss"][:6]))
    show_images(snapshots[-1][2], f"{loss}: {snapshots[-1][0]:,} steps")

# %% [markdown] tags=["instructor-solution"]
# **2. Breaking a DCGAN rule.** Compare each run's losses and samples with DCGAN's above. In
# our run (MNIST, JAX, one seed): without BatchNorm in the discriminator, `d_loss` climbed to
# $\log 4 \approx 1.39$ and `g_loss` fell to $\log 2$: the discriminator could no longer tell
# the samples from real digits, not because they were perfect (they stayed blobby) but because
# it stopped learning features that separate them, and the generator's signal faded with it.
# With Adam's $\beta_1 = 0.9$ the opposite: the discriminator won outright (`d_loss` near 0,
# `g_loss` 5 to 7), and the generator's first samples were the checkerboard patterns of its
# transposed convolutions, which took it most of the run to shake off. The paper found
# $\beta_1 = 0.9$ oscillating and unstable and chose 0.5.

# %% tags=["instructor-solution"]
no_batchnorm = DCGAN(
    discriminator=keras_gan.networks.dcgan_discriminator((28, 28, 1), base_filters, batchnorm=False, seed=seed),
    latent_dim=dcgan_config.latent_dim, base_filters=base_filters, seed=seed,
)
no_batchnorm.compile(d_optimizer=keras.optimizers.Adam(dcgan_config.learning_rate, beta_1=0.5),
                     g_optimizer=keras.optimizers.Adam(dcgan_config.learning_rate, beta_1=0.5))
momentum = DCGAN.from_train_config(DCGANConfig(base_filters=base_filters, seed=seed, beta_1=0.9), (28, 28, 1))
for name, model in (("no BatchNorm in D", no_batchnorm), ("Adam beta_1 = 0.9", momentum)):
    losses, snapshots = train(model, load_digits(64), exercise_seconds)
    plot_progress(name, losses, snapshots)

# %% [markdown] tags=["instructor-solution"]
# **3. k discriminator steps.** Loop over `self.minibatches(images)` (the batch split into
# `discriminator_steps` parts), one discriminator update each, then the generator update with
# as many samples as one minibatch:

# %% tags=["instructor-solution"]
class MyGANk(keras_gan.AdversarialModel):
    def train_step(self, data):
        for real in self.minibatches(self.unpack_images(data)):
            m = ops.shape(real)[0]
            z = self.sample_latent(m)

            def d_loss_fn():
                fake = ops.stop_gradient(self.generator(z, training=True))
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))

            d_loss, _ = self.minimize(d_loss_fn, self.discriminator, self.d_optimizer)
        z = self.sample_latent(m)

        def g_loss_fn():
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            return ops.mean(ops.softplus(-fake_logits))

        g_loss, _ = self.minimize(g_loss_fn, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)


generator, discriminator = tiny_networks()
generator_copy, discriminator_copy = tiny_networks()
generator_copy.set_weights(generator.get_weights())
discriminator_copy.set_weights(discriminator.get_weights())
mine_k = MyGANk(generator, discriminator, latent_dim=16, seed=7, discriminator_steps=2)
reference_k = GAN(generator_copy, discriminator_copy, latent_dim=16, seed=7, discriminator_steps=2)
mine_k.compile(**adam_pair())
reference_k.compile(**adam_pair())
mine_logs = mine_k.train_on_batch(batch, return_dict=True)
reference_logs = reference_k.train_on_batch(batch, return_dict=True)
for name in ("d_loss", "g_loss"):
    np.testing.assert_allclose(float(mine_logs[name]), float(reference_logs[name]), rtol=1e-4, atol=1e-5)
for a, b in zip(mine_k.get_weights(), reference_k.get_weights()):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
print("MyGANk matches GAN(discriminator_steps=2):", {k: round(float(v), 6) for k, v in mine_logs.items()})

# %% [markdown] tags=["instructor-solution"]
# **4. Memorisation.** Each generated digit (left) next to its nearest training image in pixel
# space (`keras_gan.lab.plots.nearest_neighbours`). They mostly share a class and a slant, not
# the strokes: the generator is not copying. Pixel distance is a weak judge (a one-pixel shift is
# far away in pixels); a classifier's features (`features="classifier:mnist"`) compare shapes.

# %% tags=["instructor-solution"]
from keras_gan.lab.plots import nearest_neighbours

training_images = np.concatenate([b.numpy() for b in load_digits(500).take(4)])
generated = dcgan.generate(8, seed=seed + 3)
indices, _ = nearest_neighbours(generated, training_images, k=1)
pairs = np.stack([generated, training_images[indices[:, 0]]], axis=1).reshape(-1, *generated.shape[1:])
show_images(pairs, "generated | nearest of 2,000 training images (pixels)", rows=8)

# %% [markdown] tags=["instructor-solution"]
# **5. Latent arithmetic.** "Thick" and "thin" picked automatically: the three samples with the
# most and the least ink, and their mean latents' difference added to six other latents. It
# shows the pitfall more than the trick: the inkiest digits are mostly 0s and the thinnest 1s,
# so the vector mixes "thick" with "a zero", and in our run it turned every digit into a thick
# 0. DCGAN's section 6.3 averaged faces that differ in one attribute (smiling, glasses); here,
# pick thick and thin examples of one digit (by eye, or with a classifier's labels) for a
# vector closer to thickness alone (try it).

# %% tags=["instructor-solution"]
latents = ops.convert_to_numpy(dcgan.sample_latent(64, seed=seed + 4))
samples = dcgan.generate(latents=latents)
ink = samples.reshape(64, -1).mean(axis=1)
thick, thin = latents[np.argsort(ink)[-3:]].mean(0), latents[np.argsort(ink)[:3]].mean(0)
others = latents[np.argsort(ink)[20:26]]
shifted = np.clip(others + (thick - thin), -1, 1)  # DCGAN's latents are uniform in [-1, 1]
show_images(np.concatenate([dcgan.generate(latents=others), dcgan.generate(latents=shifted)]),
            "six latents (top) and the same + (thick - thin) (bottom)", rows=2)
