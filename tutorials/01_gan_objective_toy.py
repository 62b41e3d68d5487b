# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · The GAN objective on a 2-D toy
#
# **What you will be able to do:** write the discriminator's and the generator's losses from
# logits, stable for any logit; say why the generator uses the non-saturating loss; read a GAN's
# training from the decision surface and the samples on 2-D data.
#
# A generative adversarial network (Goodfellow et al. 2014, <https://arxiv.org/abs/1406.2661>)
# learns to sample from a distribution $p_{data}$ without ever writing down its density. Two
# networks play a game:
#
# * the **generator** $G$ maps noise $z \sim p_z$ to a sample $G(z)$; its samples follow a
#   distribution $p_g$;
# * the **discriminator** $D$ maps a sample to the probability that it is real.
#
# They play the minimax game with value function
#
# $$\min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)]
#   + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))].$$
#
# For a fixed $G$ the best discriminator is
#
# $$D^*_G(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)},$$
#
# and plugging it back in gives $V(D^*_G, G) = -\log 4 + 2\,\mathrm{JSD}(p_{data} \,\|\, p_g)$:
# the generator minimises the Jensen-Shannon divergence, whose minimum is reached at
# $p_g = p_{data}$, where $D^* = \tfrac12$ everywhere.
#
# In practice (section 3 of the paper) the generator does not minimise
# $\log(1 - D(G(z)))$, which saturates when $D$ confidently rejects early samples, but
# maximises $\log D(G(z))$: the **non-saturating** loss. Both losses have the same fixed point.
#
# We watch the game on a distribution we can see: the **ring**, 8 Gaussians on a circle of
# radius 2 (VEEGAN's toy). We draw the discriminator's decision surface $D(x)$ and the
# generator's samples as training goes.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 3000  # adversarial steps (one D update, then one G update); the paper-scale toy runs use 25000+
frame_every = 150  # steps between two frames of the animation
batch_size = 100  # points per minibatch (PacGAN's toy setting)
seed = 0

# %%
if quick:
    steps, frame_every = 20, 10

# %%
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown, display
from keras import ops
from matplotlib import animation

import keras_gan
from keras_gan import datasets, lab

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## The data
#
# `keras_gan.datasets.load("ring")` gives a `tf.data.Dataset` of 2-D points (not rescaled);
# `datasets.RING` is the mixture itself (centres and standard deviation).

# %%
ring = datasets.RING
real_points, _ = ring.sample(2000, seed=seed)
data = datasets.load("ring", batch_size=batch_size, seed=seed, num_examples=100_000).repeat()

plt.figure(figsize=(4, 4))
plt.scatter(real_points[:, 0], real_points[:, 1], s=2)
plt.scatter(ring.centers[:, 0], ring.centers[:, 1], marker="x", c="red", label="mode centres")
plt.gca().set_aspect("equal")
plt.legend(loc="upper right")
plt.title(f"{ring.name}: {ring.num_modes} Gaussians, std {ring.std}")
plt.show()

# %% [markdown]
# ## The two losses, written out
#
# The discriminator outputs a **logit** $t$, and $D(x) = \sigma(t)$. Two identities make the
# losses numerically stable: $-\log\sigma(t) = \operatorname{softplus}(-t)$ and
# $-\log(1 - \sigma(t)) = \operatorname{softplus}(t)$.
#
# * The discriminator ascends $V$, i.e. minimises
#   $\mathcal{L}_D = -\mathbb{E}_x[\log\sigma(D(x))] - \mathbb{E}_z[\log(1-\sigma(D(G(z))))]$.
# * The non-saturating generator minimises $\mathcal{L}_G = -\mathbb{E}_z[\log\sigma(D(G(z)))]$.
#
# Write both with `keras.ops` (means over the batch).


# %%
def discriminator_loss(real_logits, fake_logits):
    """The GAN discriminator loss: binary cross-entropy with real = 1 and fake = 0.

    Args:
        real_logits: tensor `(batch, 1)`, discriminator logits on real samples.
        fake_logits: tensor `(batch, 1)`, discriminator logits on generated samples.

    Returns:
        Scalar tensor, -E[log sigmoid(real)] - E[log(1 - sigmoid(fake))].
    """
    ### BEGIN SOLUTION
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
    ### END SOLUTION


# %%
def generator_loss(fake_logits):
    """The non-saturating generator loss of the GAN paper (section 3).

    Args:
        fake_logits: tensor `(batch, 1)`, discriminator logits on generated samples.

    Returns:
        Scalar tensor, -E[log sigmoid(fake)].
    """
    ### BEGIN SOLUTION
    return ops.mean(ops.softplus(-fake_logits))
    ### END SOLUTION


# %% [markdown]
# Check both against the package's `keras_gan.losses` on fixed logits, including large ones
# where a naive `log(sigmoid(t))` would overflow.

# %%
real_logits = ops.convert_to_tensor([[2.0], [-1.0], [0.5], [30.0]])
fake_logits = ops.convert_to_tensor([[-3.0], [0.0], [1.5], [-40.0]])
for name, mine, reference in [
    ("discriminator_loss", discriminator_loss(real_logits, fake_logits),
     keras_gan.losses.minimax_discriminator_loss(real_logits, fake_logits)),
    ("generator_loss", generator_loss(fake_logits),
     keras_gan.losses.non_saturating_generator_loss(fake_logits)),
]:
    mine, reference = float(ops.convert_to_numpy(mine)), float(ops.convert_to_numpy(reference))
    print(f"{name}: yours {mine:.6f}, keras_gan.losses {reference:.6f}")
    np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6)
# At the game's equilibrium D = 1/2 everywhere (logit 0): the discriminator loss is log 4.
zeros = ops.zeros((8, 1))
np.testing.assert_allclose(float(ops.convert_to_numpy(discriminator_loss(zeros, zeros))), np.log(4.0), rtol=1e-6)
print("Both losses match keras_gan.losses; at D = 1/2 the discriminator loss is log 4 =", round(np.log(4.0), 4))

# %% [markdown]
# ## The model
#
# `keras_gan.models.GAN` takes any generator and discriminator. The mode-collapse lab has the
# PacGAN/VEEGAN toy networks: a 4-layer ReLU MLP generator from a 2-D $z$ and a 3-layer maxout
# discriminator. Here is the variant's `train_step`: the paper's Algorithm 1, written once with
# `keras.ops` for every backend.

# %%
display(Markdown(f"```python\n{inspect.getsource(keras_gan.models.GAN.train_step)}\n```"))

# %%
gan = keras_gan.models.GAN(
    generator=lab.toy_generator(latent_dim=2, seed=seed),
    discriminator=lab.toy_discriminator(seed=seed + 1),
    latent_dim=2,
    sample_shape=(2,),
    seed=seed,
)
gan.compile(
    d_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.8),
    g_optimizer=keras.optimizers.Adam(5e-4, beta_1=0.8),
)

# %% [markdown]
# ## Watching the game
#
# A small callback records, every `frame_every` steps, the discriminator's output
# $D(x) = \sigma(\text{logit})$ on a grid of points and the generator's samples on fixed
# latents. (`keras_gan.lab` has no plotting module yet, so the helper lives here.)

# %%
LIMIT = 3.0
xs = np.linspace(-LIMIT, LIMIT, 80, dtype="float32")
grid_points = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
fixed_latents = np.random.default_rng(seed).standard_normal((500, 2)).astype("float32")


class GameSnapshots(keras.callbacks.Callback):
    """Stores (step, D on the grid, samples on fixed latents) at the end of every epoch."""

    def __init__(self):
        super().__init__()
        self.frames = []

    def snapshot(self, step):
        logits = ops.convert_to_numpy(self.model.discriminator(grid_points, training=False))
        surface = 1.0 / (1.0 + np.exp(-logits.reshape(len(xs), len(xs))))
        samples = self.model.generate(latents=fixed_latents)
        self.frames.append((step, surface, samples))

    def on_train_begin(self, logs=None):
        self.snapshot(0)

    def on_epoch_end(self, epoch, logs=None):
        self.snapshot((epoch + 1) * frame_every)


snapshots = GameSnapshots()
history = gan.fit(
    data, epochs=steps // frame_every, steps_per_epoch=frame_every, callbacks=[snapshots], verbose=0
)
print(f"trained {int(ops.convert_to_numpy(gan.optimizer.iterations))} steps; last logs:",
      {k: round(v[-1], 3) for k, v in history.history.items()})


# %%
def draw(ax, frame):
    """Draws one snapshot: D(x) as a heat map, real points in white, samples in red."""
    step, surface, samples = frame
    ax.clear()
    ax.imshow(surface, origin="lower", extent=(-LIMIT, LIMIT, -LIMIT, LIMIT), vmin=0, vmax=1, cmap="coolwarm")
    ax.scatter(real_points[:500, 0], real_points[:500, 1], s=2, c="white")
    ax.scatter(samples[:, 0], samples[:, 1], s=2, c="black")
    ax.set_xlim(-LIMIT, LIMIT)
    ax.set_ylim(-LIMIT, LIMIT)
    ax.set_title(f"step {step}")
    ax.set_xticks([])
    ax.set_yticks([])


shown = np.linspace(0, len(snapshots.frames) - 1, min(6, len(snapshots.frames))).astype(int)
fig, axes = plt.subplots(1, len(shown), figsize=(3 * len(shown), 3))
for ax, index in zip(np.atleast_1d(axes), shown):
    draw(ax, snapshots.frames[index])
fig.suptitle("D(x) (red = 'real', blue = 'fake'), data (white), G(z) (black)")
plt.show()

# %% [markdown]
# The same, animated (one frame per `frame_every` steps):

# %%
fig, ax = plt.subplots(figsize=(4, 4))
movie = animation.FuncAnimation(fig, lambda i: draw(ax, snapshots.frames[i]), frames=len(snapshots.frames))
plt.close(fig)
HTML(movie.to_jshtml())

# %% [markdown]
# ## The losses and the modes found
#
# At the equilibrium the discriminator loss would be $\log 4 \approx 1.386$ and the generator
# loss $\log 2 \approx 0.693$. `keras_gan.lab.toy.count_modes` applies the VEEGAN/PacGAN
# protocol: a mode is captured when generated points fall within 3 standard deviations of it.

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for name in ("d_loss", "g_loss"):
    ax.plot(np.arange(1, len(history.history[name]) + 1) * frame_every, history.history[name], label=name)
ax.axhline(np.log(4.0), ls="--", c="gray", lw=1, label="log 4")
ax.axhline(np.log(2.0), ls=":", c="gray", lw=1, label="log 2")
ax.set_xlabel("step")
ax.legend()
plt.show()

samples = gan.generate(2500, seed=seed + 1)
result = lab.toy.count_modes(samples, "ring")
print(f"modes captured: {result['modes_captured']}/{result['num_modes']}, "
      f"high-quality samples: {result['high_quality']:.1%}, reverse KL: {result['reverse_kl']}")

# %% [markdown]
# ## Exercises
#
# 1. **Minimax vs non-saturating.** Build the GAN with `generator_loss="minimax"` and compare
#    the early `g_loss` and the samples after 300 steps. Plot $\log(1-\sigma(t))$ and
#    $-\log\sigma(t)$ against the logit $t$: where is each one's gradient small, and where does
#    the generator start?
# 2. **The optimal discriminator.** For two 1-D Gaussians $p_{data} = N(0, 1)$ and
#    $p_g = N(\mu, 1)$, compute $D^*(x)$ in closed form and plot it for $\mu = 0, 1, 4$. Check
#    numerically that $V(D^*, G) = -\log 4 + 2\,\mathrm{JSD}$.
# 3. **k discriminator steps.** Algorithm 1 takes $k$ discriminator steps per generator step.
#    Pass `discriminator_steps=5` to the model (and a batch 5 times larger) and compare the
#    decision surfaces. Does a stronger discriminator help the generator here?
# 4. **Coding: one-sided label smoothing.** Write `smoothed_discriminator_loss(real_logits,
#    fake_logits, smoothing=0.1)` that uses the target $0.9$ for real samples, and check it
#    against `keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=...)` on the
#    fixed logits above (careful: Keras smooths both classes).
# 5. **The grid.** Train on `"grid"` (25 modes) instead of the ring. How many modes does the
#    plain GAN capture in the same number of steps? (Notebook 05 studies this.)
