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
compare_steps = 1000  # steps of each game in the playground's static comparison
exercise_steps = 1000  # steps of each game in the worked exercises (instructor's copy)
seed = 0

# %%
if quick:
    steps, frame_every, compare_steps, exercise_steps = 20, 10, 20, 20

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
        surface = 0.5 * (1.0 + np.tanh(0.5 * logits.reshape(len(xs), len(xs))))  # sigmoid, no overflow
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
# ## Play: change the game, watch it train
#
# GAN Lab (Kahng et al. 2019, <https://poloclub.github.io/ganlab/>) lets you change a GAN's
# settings while it trains and watch the decision surface and the samples move.
# `keras_gan.lab.playground` does the same with this notebook's networks: sliders for the two
# learning rates (they change the running game) and for $k$, the discriminator updates per
# generator update; drop-downs for PacGAN's packing $m$ (notebook 05), the generator's loss
# (non-saturating, or the saturating minimax loss of the value function) and the data (the ring,
# or the 25-mode grid). Each click of **Train** runs 300 steps, redrawn every 50; **Reset**
# starts over from the seed.
#
# Things to try: a generator learning rate ten times the discriminator's; $k = 5$; the minimax
# loss from the start (where does the generator's gradient vanish?); the grid with packing 1,
# then 4.
#
# The live version needs `pip install ipywidgets` and a Jupyter front end. Without them (and on
# the documentation's executed copy of this page) only the static comparison below it runs: the
# same games, trained side by side from the same seed.

# %%
from keras_gan.lab import playground

try:
    import ipywidgets  # noqa: F401  (only to know whether the live version can run)

    live = True
except ImportError:
    live = False
    print("ipywidgets is not installed: pip install ipywidgets for the live playground.")
if live and not quick:
    display(playground.playground())

# %%
figure, results = playground.compare_settings(
    [
        {},
        {"g_learning_rate": 5e-3},
        {"discriminator_steps": 5},
        {"generator_loss": "minimax"},
    ],
    steps=compare_steps,
)
plt.show()
for result in results:
    modes = result["modes"]
    print(f"{result['settings'].label():<24} {modes['modes_captured']}/{modes['num_modes']} modes, "
          f"{modes['high_quality']:.0%} high quality, d_loss {result['logs']['d_loss']:.3f}")

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

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out.
#
# **1. Minimax vs non-saturating.** Per generated sample with logit $t$, the minimax generator
# minimises $\log(1-\sigma(t)) = -\operatorname{softplus}(t)$, whose gradient $-\sigma(t)$ is
# about 0 where the generator starts (the discriminator rejects its samples: $t \ll 0$); the
# non-saturating loss $-\log\sigma(t) = \operatorname{softplus}(-t)$ has gradient
# $-(1-\sigma(t)) \approx -1$ there. The same game from the same seed, both losses (in our run
# the minimax `g_loss` rose to about -0.02, that is $D(G(z)) \approx 0.02$, the flat end, and the
# minimax generator found 1 mode of 8):

# %% tags=["instructor-solution"]
t = np.linspace(-6, 6, 200)
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
axes[0].plot(t, -np.logaddexp(0, t), label=r"minimax: $\log(1-\sigma(t))$")
axes[0].plot(t, np.logaddexp(0, -t), label=r"non-saturating: $-\log\sigma(t)$")
axes[1].plot(t, -1 / (1 + np.exp(-t)), label="minimax: gradient")
axes[1].plot(t, -1 / (1 + np.exp(t)), label="non-saturating: gradient")
for ax in axes:
    ax.axvspan(-6, -2, color="gray", alpha=0.2)
    ax.set_xlabel("logit t = D(G(z))")
    ax.legend(fontsize=8)
axes[0].set_title("the generator's loss (shaded: where it starts)")
plt.show()

early = {}
for loss in ("non_saturating", "minimax"):
    game = playground.ToyGame(playground.ToySettings(generator_loss=loss, seed=seed))
    early[loss] = [game.train(max(1, exercise_steps // 10))["g_loss"] for _ in range(10)]
    print(f"{loss:<15} g_loss every {max(1, exercise_steps // 10)} steps:",
          " ".join(f"{v:.3f}" for v in early[loss]), f"-> {game.modes()['modes_captured']}/8 modes")

# %% [markdown] tags=["instructor-solution"]
# **2. The optimal discriminator.** With $p = N(0, 1)$ and $q = N(\mu, 1)$,
# $\log p(x) - \log q(x) = \mu^2/2 - \mu x$, so $D^*(x) = p/(p+q) = \sigma(\mu^2/2 - \mu x)$.
# Numerically, $V(D^*, G) = \mathbb{E}_p[\log D^*] + \mathbb{E}_q[\log(1-D^*)]$ equals
# $-\log 4 + 2\,\mathrm{JSD}(p \| q)$:

# %% tags=["instructor-solution"]
x = np.linspace(-12, 16, 200_001)
dx = x[1] - x[0]


def kl(a, b):
    """KL(a || b) of two densities on the grid x, by the rectangle rule."""
    return np.sum(np.where(a > 0, a * (np.log(a + 1e-300) - np.log(b + 1e-300)), 0)) * dx


fig, ax = plt.subplots(figsize=(5, 3))
for mu in (0.0, 1.0, 4.0):
    p = np.exp(-x**2 / 2) / np.sqrt(2 * np.pi)
    q = np.exp(-(x - mu) ** 2 / 2) / np.sqrt(2 * np.pi)
    logit = mu**2 / 2 - mu * x
    d_star = 1 / (1 + np.exp(-logit))
    value = np.sum(p * -np.logaddexp(0, -logit) + q * -np.logaddexp(0, logit)) * dx
    m = (p + q) / 2
    jsd = (kl(p, m) + kl(q, m)) / 2
    print(f"mu = {mu}: V(D*, G) = {value:.6f}, -log 4 + 2 JSD = {-np.log(4) + 2 * jsd:.6f}")
    np.testing.assert_allclose(value, -np.log(4) + 2 * jsd, atol=1e-6)
    ax.plot(x[(x > -6) & (x < 10)], d_star[(x > -6) & (x < 10)], label=f"mu = {mu:g}")
ax.set_title("D*(x) = sigmoid(mu^2/2 - mu x)")
ax.legend()
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **3. k discriminator steps.** `discriminator_steps=5` (each update on its own minibatch, so a
# batch five times larger) sharpens the decision surface around each mode. In our run (1,000
# generator steps) it left fewer samples strung between the modes, but captured 6 of the 8
# against 8 with $k = 1$, at five times the discriminator's cost per step: a stronger
# discriminator does not by itself help the generator here. Where it does help is the grid's 25
# narrow modes (the grid card in `docs/benchmarks.md`).

# %% tags=["instructor-solution"]
figure, results = playground.compare_settings([{}, {"discriminator_steps": 5}], steps=exercise_steps)
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **4. One-sided label smoothing.** The real samples' target becomes $1 - s$:
# $\mathcal{L}_D = \mathbb{E}_x[(1-s)\,\operatorname{softplus}(-t) + s\,\operatorname{softplus}(t)]
# + \mathbb{E}_z[\operatorname{softplus}(t)]$. Keras' `label_smoothing=a` maps every label $y$ to
# $y(1-a) + a/2$, both classes: the real term matches it with $a = 2s$, the fake term needs
# $a = 0$.

# %% tags=["instructor-solution"]
def smoothed_discriminator_loss(real_logits, fake_logits, smoothing=0.1):
    real_term = (1 - smoothing) * ops.softplus(-real_logits) + smoothing * ops.softplus(real_logits)
    return ops.mean(real_term) + ops.mean(ops.softplus(fake_logits))


bce_smoothed = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)
bce = keras.losses.BinaryCrossentropy(from_logits=True)
mine = float(ops.convert_to_numpy(smoothed_discriminator_loss(real_logits, fake_logits, 0.1)))
keras_value = float(ops.convert_to_numpy(
    bce_smoothed(ops.ones_like(real_logits), real_logits) + bce(ops.zeros_like(fake_logits), fake_logits)))
print(f"smoothed loss {mine:.6f}, Keras (real term smoothed 0.2, fake term not) {keras_value:.6f}")
np.testing.assert_allclose(mine, keras_value, rtol=1e-5)

# %% [markdown] tags=["instructor-solution"]
# **5. The grid.** In the same steps the plain GAN captures only part of the 25 narrow modes
# (notebook 05 measures it over seeds):

# %% tags=["instructor-solution"]
grid_game = playground.ToyGame(playground.ToySettings(dataset="grid", seed=seed))
grid_game.train(exercise_steps)
modes = grid_game.modes()
print(f"grid: {modes['modes_captured']}/{modes['num_modes']} modes after {exercise_steps} steps, "
      f"{modes['high_quality']:.0%} high quality")
plt.figure(figsize=(4, 4))
plt.imshow(grid_game.frame())
plt.axis("off")
plt.show()
