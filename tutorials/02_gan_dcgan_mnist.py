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
gan_steps = 3000  # steps of the fully connected GAN
dcgan_steps = 800  # steps of DCGAN
run_steps = 100  # steps of the run started from Python (keras_gan.Run), on the digits
base_filters = 32  # DCGAN width (DCGANConfig's default too); the paper's 128
paper = False  # True: the paper's settings (DCGANConfig.PAPER: 64x64 images, 128 filters, batch 128, Adam 2e-4)
seed = 0

# %%
if quick:
    gan_steps, dcgan_steps, run_steps, base_filters = 4, 2, 2, 8

# %%
import inspect
import os

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
# A callback keeps the generator's samples on 36 fixed latents after every "epoch" (here: a
# block of steps), so that we can watch them improve.

# %%
class Snapshots(keras.callbacks.Callback):
    """Stores the generator's samples on fixed latents at the end of every epoch."""

    def __init__(self, latents):
        super().__init__()
        self.latents = latents
        self.images = []

    def on_epoch_end(self, epoch, logs=None):
        self.images.append(self.model.generate(latents=self.latents))


def train(model, data, steps, blocks=4):
    """Fits `model` for `steps` steps in `blocks` epochs; returns (history, snapshots)."""
    latents = ops.convert_to_numpy(model.sample_latent(36, seed=seed))
    snapshots = Snapshots(latents)
    per_block = max(1, steps // blocks)
    history = model.fit(data.repeat(), epochs=max(1, steps // per_block), steps_per_epoch=per_block,
                        callbacks=[snapshots], verbose=0)
    return history, snapshots


def plot_losses(history, title):
    """Plots d_loss and g_loss (running means per epoch)."""
    plt.figure(figsize=(5, 2.5))
    for name in ("d_loss", "g_loss"):
        plt.plot(history.history[name], marker="o", label=name)
    plt.xlabel("epoch (block of steps)")
    plt.title(title)
    plt.legend()
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
gan_history, gan_snapshots = train(gan, load_digits(gan_config.batch_size), gan_steps)
plot_losses(gan_history, "GAN (MLP)")
fig, axes = plt.subplots(1, len(gan_snapshots.images), figsize=(4 * len(gan_snapshots.images), 4))
for block, (ax, images) in enumerate(zip(np.atleast_1d(axes), gan_snapshots.images)):
    ax.imshow(image_grid(images), cmap="gray", vmin=0, vmax=255)
    ax.set_title(f"GAN after {(block + 1) * max(1, gan_steps // 4)} steps")
    ax.axis("off")
plt.show()

# %% [markdown]
# ## DCGAN: convolutional networks
#
# The `train_step` is GAN's (DCGAN subclasses GAN); only the networks and optimiser settings
# differ. `DCGANConfig`'s defaults are sized for a CPU: Adam's rate is 5e-4, which gets further
# in a short run than the paper's 2e-4 (`paper = True` restores it). Compare the samples after far
# fewer steps.

# %%
dcgan_config = DCGANConfig(base_filters=base_filters, seed=seed)
if paper:
    dcgan_config = dcgan_config.with_paper_settings()
image_size = dcgan_config.image_size or 28
dcgan = DCGAN.from_train_config(dcgan_config, (image_size, image_size, 1))
print(dcgan_config)
dcgan.generator.summary()
dcgan_history, dcgan_snapshots = train(
    dcgan, load_digits(dcgan_config.batch_size, image_size=image_size), dcgan_steps
)
plot_losses(dcgan_history, "DCGAN")
show_images(dcgan_snapshots.images[-1], f"DCGAN after {dcgan_steps} steps")

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
