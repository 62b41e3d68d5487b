# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Wasserstein models: WGAN, WGAN-GP, SNGAN
#
# **What you will be able to do:** explain why the Jensen-Shannon divergence gives the generator
# no gradient when the distributions do not overlap and the Wasserstein distance does; write
# WGAN-GP's gradient penalty; compare weight clipping, the penalty and spectral normalisation on
# digits; say what the least-squares loss, the hinge loss and the R1 penalty each do to the
# discriminator, and read it from its outputs and gradients.
#
# ## Why the original GAN is hard to train
#
# With the optimal discriminator, the GAN generator minimises the Jensen-Shannon divergence
# $\mathrm{JSD}(P_r \| P_g)$. When the two distributions live on disjoint low-dimensional
# manifolds (as images do early in training), $\mathrm{JSD} = \log 2$ whatever their distance:
# the divergence is flat, the discriminator can be perfect, and the generator gets no useful
# gradient.
#
# **WGAN** (Arjovsky et al. 2017, <https://arxiv.org/abs/1701.07875>) minimises instead the
# Wasserstein-1 (earth mover's) distance
#
# $$W(P_r, P_g) = \inf_{\gamma \in \Pi(P_r, P_g)} \mathbb{E}_{(x, y) \sim \gamma}\lVert x - y \rVert
#   = \sup_{\lVert f \rVert_L \le 1} \mathbb{E}_{x \sim P_r}[f(x)] - \mathbb{E}_{x \sim P_g}[f(x)],$$
#
# the second form being the Kantorovich-Rubinstein duality. A **critic** $f$ (no sigmoid)
# maximises the right-hand side over 1-Lipschitz functions; the generator minimises
# $-\mathbb{E}_z[f(G(z))]$. $W$ is continuous in the generator's parameters and its estimate
# tracks sample quality. The three models differ in how they keep $f$ Lipschitz:
#
# | model | Lipschitz constraint | critic loss |
# |---|---|---|
# | WGAN | clip every weight to $[-c, c]$ after each update ($c = 0.01$), RMSProp, $n_{critic} = 5$ | $\mathbb{E}[f(G(z))] - \mathbb{E}[f(x)]$ |
# | WGAN-GP (Gulrajani et al. 2017, <https://arxiv.org/abs/1704.00028>) | penalty $\lambda\,\mathbb{E}_{\hat x}[(\lVert\nabla_{\hat x} f(\hat x)\rVert_2 - 1)^2]$ at $\hat x = \epsilon x + (1-\epsilon)\tilde x$ | same + penalty |
# | SNGAN (Miyato et al. 2018, <https://arxiv.org/abs/1802.05957>) | every layer's weight divided by its spectral norm $\sigma(W)$ (power iteration) | hinge: $\mathbb{E}[\max(0, 1 - D(x))] + \mathbb{E}[\max(0, 1 + D(G(z)))]$ |

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 300  # generator steps per model (WGAN and WGAN-GP make 5 critic steps each)
base_filters = 16  # width of every network; the configs' default is 64 (32 for SNGAN)
batch_size = 64  # m, samples per critic update (a fit batch holds n_critic * m); the papers' 64
paper = False  # True: each config's paper settings (WGANConfig.PAPER, ...) and base_filters 64
exercise_steps = 300  # generator steps of each model trained in the worked exercises (instructor's copy)
seed = 0

# %%
if quick:
    steps, base_filters, batch_size, exercise_steps = 2, 4, 8, 2

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
from keras_gan.models import (DCGAN, LSGAN, SNGAN, WGAN, WGANGP, DCGANConfig, LSGANConfig,
                               SNGANConfig, WGANConfig, WGANGPConfig)
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## JS versus Wasserstein on two parallel lines
#
# The paper's Example 1: $P_0$ is uniform on the segment $\{0\} \times [0, 1]$ and $P_\theta$ on
# $\{\theta\} \times [0, 1]$. Then $\mathrm{JSD}(P_0, P_\theta) = \log 2$ for every
# $\theta \neq 0$, while $W(P_0, P_\theta) = |\theta|$. Only the Wasserstein distance tells
# the generator (here: $\theta$) which way to move. We estimate both from samples: the JSD
# from histograms, $W$ from the sorted samples' optimal matching.

# %%
rng = np.random.default_rng(seed)
heights = rng.uniform(0, 1, 2000)
thetas = np.linspace(-1, 1, 41)


def jsd_histogram(a, b, bins):
    """Jensen-Shannon divergence (nats) of two 2-D point sets from a shared histogram."""
    p, _, _ = np.histogram2d(a[:, 0], a[:, 1], bins=bins)
    q, _, _ = np.histogram2d(b[:, 0], b[:, 1], bins=bins)
    p, q = p.ravel() / p.sum(), q.ravel() / q.sum()
    m = 0.5 * (p + q)

    def kl(x, y):
        mask = x > 0
        return np.sum(x[mask] * np.log(x[mask] / y[mask]))

    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


bins = [np.linspace(-1.05, 1.05, 43), np.linspace(0, 1, 11)]
line0 = np.stack([np.zeros_like(heights), heights], axis=1)
jsd, w1 = [], []
for theta in thetas:
    line = np.stack([np.full_like(heights, theta), rng.uniform(0, 1, 2000)], axis=1)
    jsd.append(jsd_histogram(line0, line, bins))
    # W1 between equal-size samples: match sorted coordinates (exact here, the lines are parallel)
    w1.append(np.mean(np.hypot(line0[:, 0] - line[:, 0], np.sort(line0[:, 1]) - np.sort(line[:, 1]))))
plt.figure(figsize=(5, 3))
plt.plot(thetas, jsd, label="JSD (estimated)")
plt.plot(thetas, w1, label="W1 (estimated)")
plt.axhline(np.log(2), ls="--", c="gray", lw=1, label="log 2")
plt.xlabel(r"$\theta$")
plt.legend()
plt.show()

# %% [markdown]
# ## Your turn: the gradient penalty
#
# WGAN-GP's penalty, for a batch of real samples $x$, generated samples $\tilde x$ and
# per-sample $\epsilon \sim U[0, 1]$:
#
# $$\mathrm{GP} = \frac1m\sum_{i=1}^m \big(\lVert \nabla_{\hat x} f(\hat x_i) \rVert_2 - 1\big)^2,
#   \qquad \hat x_i = \epsilon_i x_i + (1 - \epsilon_i)\tilde x_i.$$
#
# `keras_gan.backend.input_gradients(fn, inputs)` returns $\nabla_{inputs} \sum fn(inputs)$ on
# every backend, and the result can be differentiated again (needed: the critic is trained
# *through* this gradient). Since each score depends only on its own sample, the gradient of
# the sum is the per-sample gradient. Add $10^{-12}$ under the square root so that its
# gradient stays finite at 0.

# %%
def gradient_penalty(critic, real, fake, epsilon):
    """WGAN-GP's two-sided gradient penalty at random interpolates of real and fake samples.

    Args:
        critic: callable mapping a batch `(m, ...)` of samples to scores `(m, 1)`.
        real: tensor `(m, ...)`, real samples.
        fake: tensor `(m, ...)`, generated samples.
        epsilon: tensor `(m,)`, interpolation weights in [0, 1], one per sample.

    Returns:
        Scalar tensor: the mean over samples of (||grad critic(x_hat)||_2 - 1)^2.
    """
    ### BEGIN SOLUTION
    eps = ops.reshape(epsilon, (-1,) + (1,) * (len(real.shape) - 1))  # (m, 1, 1, 1) for images
    interpolates = eps * real + (1.0 - eps) * fake
    gradients = keras_gan.backend.input_gradients(critic, interpolates)
    axes = tuple(range(1, len(gradients.shape)))
    norms = ops.sqrt(ops.sum(ops.square(gradients), axis=axes) + 1e-12)
    return ops.mean(ops.square(norms - 1.0))
    ### END SOLUTION


# %% [markdown]
# Check it two ways: on a linear critic $f(x) = \langle a, x\rangle$, whose gradient is $a$
# everywhere (so the penalty is $(\lVert a\rVert - 1)^2$), and on a small convolutional critic
# against `keras_gan.losses.gradient_penalty`.

# %%
rng = np.random.default_rng(1)
# Backend tensors (not numpy arrays), so that every backend can differentiate through them.
real = ops.convert_to_tensor(rng.uniform(-1, 1, (6, 8, 8, 1)).astype("float32"))
fake = ops.convert_to_tensor(rng.uniform(-1, 1, (6, 8, 8, 1)).astype("float32"))
epsilon = ops.convert_to_tensor(rng.uniform(0, 1, (6,)).astype("float32"))

a = rng.normal(0, 0.1, (8, 8, 1)).astype("float32")
expected = (np.linalg.norm(a) - 1.0) ** 2
a = ops.convert_to_tensor(a)
linear_critic = lambda x: ops.sum(x * a, axis=(1, 2, 3))[:, None]  # noqa: E731
yours = float(ops.convert_to_numpy(gradient_penalty(linear_critic, real, fake, epsilon)))
print(f"linear critic: yours {yours:.6f}, (||a|| - 1)^2 = {expected:.6f}")
np.testing.assert_allclose(yours, expected, rtol=1e-4)

conv_critic = keras.Sequential([
    keras.Input((8, 8, 1)),
    keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="tanh"),
    keras.layers.Flatten(),
    keras.layers.Dense(1),
])
yours = float(ops.convert_to_numpy(gradient_penalty(conv_critic, real, fake, epsilon)))
reference = float(ops.convert_to_numpy(keras_gan.losses.gradient_penalty(conv_critic, real, fake, epsilon)))
print(f"conv critic: yours {yours:.6f}, keras_gan.losses.gradient_penalty {reference:.6f}")
np.testing.assert_allclose(yours, reference, rtol=1e-4, atol=1e-7)
print("Your gradient penalty matches.")

# %% [markdown]
# ## The three `train_step`s
#
# Note how little changes between them: the critic loss, the constraint (clipping after the
# update, a penalty inside the loss, or nothing in the step because the spectral normalisation
# lives in the critic's layers) and the number of critic steps.

# %%
for model_class in (WGAN, WGANGP, SNGAN):
    display(Markdown(f"### {model_class.__name__}\n```python\n{inspect.getsource(model_class.train_step)}\n```"))


# %% [markdown]
# ## Training the three on digits

# %%
def load_digits(batch_size, image_size=28):
    """MNIST when KERAS_GAN_DATA_DIR holds it, else scikit-learn's digits upsampled; says which."""
    if os.environ.get(datasets.ENV_DATA_DIR):
        try:
            data = datasets.load("mnist", batch_size=batch_size, image_size=image_size, seed=seed)
            print(f"Data: MNIST from ${datasets.ENV_DATA_DIR}")
            return data
        except datasets.DataNotFoundError as error:
            print(f"MNIST is not in ${datasets.ENV_DATA_DIR} ({str(error)[:200]}...)")
    print(f"Data: scikit-learn's 1797 8x8 digits upsampled to {image_size}x{image_size}, NOT MNIST "
          f"(set {datasets.ENV_DATA_DIR} to a folder holding MNIST to use it)")
    return datasets.load("digits", batch_size=batch_size, image_size=image_size, seed=seed)


configs = {
    "WGAN": (WGAN, WGANConfig(base_filters=base_filters, batch_size=batch_size, seed=seed)),
    "WGAN-GP": (WGANGP, WGANGPConfig(base_filters=base_filters, batch_size=batch_size, seed=seed)),
    "SNGAN": (SNGAN, SNGANConfig(base_filters=base_filters, generator_filters=base_filters,
                                 batch_size=batch_size, seed=seed)),
}
results = {}
for name, (model_class, config) in configs.items():
    if paper:
        config = config.with_paper_settings()
    model = model_class.from_train_config(config, (28, 28, 1))
    # Each fit batch holds n_critic minibatches of m, one per critic update.
    data = load_digits(config.batch_size * model.discriminator_steps).repeat()
    blocks = min(10, steps)
    history = model.fit(data, epochs=blocks, steps_per_epoch=max(1, steps // blocks), verbose=0)
    results[name] = (model, history.history)
    print(f"{name}: {type(model).__name__}, m = {config.batch_size}, "
          f"n_critic {model.discriminator_steps}, last logs",
          {k: round(v[-1], 4) for k, v in history.history.items()})

# %% [markdown]
# The Wasserstein estimate $\mathbb{E}[f(x)] - \mathbb{E}[f(G(z))]$ (logged as `wasserstein`)
# falls as the samples improve; SNGAN's hinge loss has no such reading, so we plot its
# discriminator loss.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
for name, (model, history) in results.items():
    key = "wasserstein" if "wasserstein" in history else "d_loss"
    axes[0 if key == "wasserstein" else 1].plot(history[key], marker="o", label=f"{name} {key}")
axes[0].set_title("Wasserstein estimate (critic)")
axes[1].set_title("SNGAN hinge d_loss")
for ax in axes:
    ax.set_xlabel("epoch (block of steps)")
    ax.legend()
plt.show()

fig, axes = plt.subplots(1, 3, figsize=(12, 4))
for ax, (name, (model, _)) in zip(axes, results.items()):
    ax.imshow(image_grid(model.generate(36, seed=seed)), cmap="gray", vmin=0, vmax=255)
    ax.set_title(name)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Beyond Wasserstein: least squares, the hinge and R1
#
# Three more ways to keep the generator's gradient useful, each one line of a config. All keep
# the discriminator's job (tell real from generated) and change what it is rewarded for:
#
# | model | discriminator minimises | generator minimises | what it does to $D$ |
# |---|---|---|---|
# | GAN (DCGAN) | $-\mathbb{E}[\log\sigma(D(x))] - \mathbb{E}[\log(1-\sigma(D(G(z))))]$ | $-\mathbb{E}[\log\sigma(D(G(z)))]$ | a classifier: once it separates, its logits grow without bound |
# | LSGAN (Mao et al. 2017, <https://arxiv.org/abs/1611.04076>) | $\frac12\mathbb{E}[(D(x)-b)^2] + \frac12\mathbb{E}[(D(G(z))-a)^2]$ | $\frac12\mathbb{E}[(D(G(z))-c)^2]$ | scores pulled to the targets $a = 0$, $b = c = 1$: samples far on the right side of the boundary are still pulled |
# | hinge (SNGAN, above) | $\mathbb{E}[\max(0, 1-D(x))] + \mathbb{E}[\max(0, 1+D(G(z)))]$ | $-\mathbb{E}[D(G(z))]$ | only samples inside the margin train $D$ |
# | R1 (Mescheder et al. 2018, <https://arxiv.org/abs/1801.04406>) | GAN's $+\,\frac{\gamma}{2}\mathbb{E}_x\lVert\nabla_x D(x)\rVert^2$ | GAN's | $D$ flat around the real data, so it cannot overshoot near the equilibrium |
#
# The first three share everything but the loss: DCGAN's networks (`base_filters` wide), the
# seed, the number of steps and the step size (DCGAN's default 5e-4; LSGAN's own default is
# 2e-4); SNGAN is the model trained above. Three readings of each discriminator: its mean output
# (a logit, or LSGAN's score) on a batch of real digits and on generated ones, and the mean norm
# of its gradient with respect to the real images, $\lVert\nabla_x D(x)\rVert$, the quantity R1
# penalises.

# %%
from keras_gan.backend import input_gradients

losses_compared = {
    "GAN (DCGAN)": (DCGAN, DCGANConfig(base_filters=base_filters, batch_size=batch_size, seed=seed)),
    "LSGAN": (LSGAN, LSGANConfig(base_filters=base_filters, batch_size=batch_size, seed=seed,
                                 learning_rate=DCGANConfig().learning_rate)),
    "GAN + R1 (gamma 1)": (DCGAN, DCGANConfig(base_filters=base_filters, batch_size=batch_size,
                                              seed=seed, r1_gamma=1.0)),
}
trained = {}
for name, (model_class, config) in losses_compared.items():
    model = model_class.from_train_config(config, (28, 28, 1))
    model.fit(load_digits(config.batch_size).repeat(), epochs=1, steps_per_epoch=steps, verbose=0)
    trained[name] = model
trained["SNGAN (hinge)"] = results["SNGAN"][0]

real_batch = ops.convert_to_tensor(next(iter(load_digits(64))))
print(f"{'model':<20} {'mean D(x), real':>16} {'mean D, generated':>18} {'mean |grad_x D(x)|':>20}")
for name, model in trained.items():
    def score(images, model=model):
        return model.discriminator(images, training=False)

    gradients = ops.convert_to_numpy(input_gradients(score, real_batch))
    norms = np.sqrt((gradients.reshape(len(gradients), -1) ** 2).sum(axis=1))
    real_score = float(ops.convert_to_numpy(ops.mean(score(real_batch))))
    fake_score = float(ops.convert_to_numpy(ops.mean(score(model.generate(64, seed=seed + 1)))))
    print(f"{name:<20} {real_score:>16.3f} {fake_score:>18.3f} {norms.mean():>20.3f}")

fig, axes = plt.subplots(1, len(trained), figsize=(4 * len(trained), 4))
for ax, (name, model) in zip(axes, trained.items()):
    ax.imshow(image_grid(model.generate(36, seed=seed)), cmap="gray", vmin=0, vmax=255)
    ax.set_title(name)
    ax.axis("off")
plt.show()

# %% [markdown]
# Read the table against the losses. (The executed copy of this page in the documentation ran
# on JAX and MNIST at the default settings; your numbers will differ, the directions should not.)
#
# * **R1** is the only difference between the first and the third rows, and it shows in the
#   last column: the discriminator's gradient on real digits is several times smaller (in our
#   run 0.55 against 2.42). That norm is what R1 minimises: $D$ is flat around the data, and
#   the samples are no worse for it.
# * **LSGAN**'s scores stay between its targets $a = 0$ (generated) and $b = 1$ (real), close
#   together: the least-squares discriminator separates the two far less sharply than the
#   logistic one's logits, and the generator's gradient grows with each sample's distance from
#   $c = 1$ instead of vanishing once $D$ is sure.
# * **The hinge** stops rewarding $D$ once a real score is above 1 and a generated one below
#   $-1$. If SNGAN's last `d_loss` above is 0 (it was in our run, with real scores near 6), every
#   sample was past its margin: $D$ had won outright and its samples show it. Exercise 5 shows
#   momentum causing this; here it happened with the authors' $\beta_1 = 0$, at 16 filters.
#
# One short run from one seed shows the direction of each effect, not a ranking of the models:
# notebook 06 measures quality, and notebook 11 trains R1 with the other stabilisers.

# %% [markdown]
# ## Exercises
#
# 1. **Clipping bound.** Train WGAN with `clip_value=0.1` and `0.001`. Plot the histogram of
#    the critic's weights after training: the paper (and WGAN-GP's figure 1) explains why
#    clipped weights pile up at $\pm c$.
# 2. **Penalty variants.** (a) Change your `gradient_penalty` to take the gradient at the
#    real samples instead of the interpolates (a common shortcut). Which property of the
#    optimal critic does this no longer enforce? (b) Write
#    `one_sided_penalty(critic, real, fake, epsilon)` with
#    $\max(0, \lVert\nabla f\rVert - 1)^2$ (the paper's appendix) and compare its value to
#    the two-sided one on the fixed tensors above.
# 3. **Spectral norm by hand.** For a random $64 \times 32$ matrix, estimate $\sigma(W)$ with
#    10 steps of power iteration ($u \leftarrow W v / \lVert W v\rVert$,
#    $v \leftarrow W^\top u / \lVert W^\top u\rVert$, $\sigma \approx u^\top W v$) and compare
#    with `np.linalg.svd`. How many iterations does SNGAN run per training step, and why is
#    that enough?
# 4. **Conceptual.** Why may the WGAN critic be trained to optimality (many steps) while the
#    GAN discriminator should not be? Relate it to the parallel-lines plot above.
# 5. **Momentum and the hinge.** SNGAN's default optimisers are the authors' hinge-loss
#    setting, Adam(2e-4, $\beta_1 = 0$, $\beta_2 = 0.9$). Compile a second SNGAN with Table 1's
#    setting C, Adam(2e-4, $\beta_1 = 0.5$, $\beta_2 = 0.999$), and train both for 1,500 steps
#    on MNIST, logging `d_loss` and $D$ on a real and a generated batch. With momentum the
#    discriminator overshoots both margins ($D(x) \approx 3$, $D(G(z)) < -1$), its hinge loss
#    is exactly 0 on most steps, so it stops receiving gradient: what does the generator see
#    then? (Our figures: `docs/quality.md`.)

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. Each
# model they train runs `exercise_steps` generator steps at the notebook's width and batch.
#
# **1. Clipping bound.** The clipped critic must still separate real from generated samples,
# and the cheapest way to do so under $|w| \le c$ is to push as many weights as it can to the
# bound: the weights pile up at $\pm c$ and the critic becomes a very simple function (WGAN-GP,
# section 3 and figure 1b). In our run (JAX, CPU, MNIST, 300 generator steps, 16 filters) 66.9% of
# the critic's 10,097 weights sat at $\pm c$ with $c = 0.01$ and 67.6% with $c = 0.001$, but only
# 3.4% with $c = 0.1$: RMSProp's step of about $5\cdot10^{-5}$ per update moves a weight by at
# most about 0.075 in 1,500 critic updates, not enough to reach 0.1 from DCGAN's $N(0, 0.02)$
# start (BatchNorm's scales, which start at 1, are clipped at once). A small $c$ forces the pile-up
# at once and leaves the critic too weak (vanishing gradients, in the paper's words); a large
# one lets it take long to reach the constraint at all (exploding gradients, slow training):
# the constraint is a blunt tool, which is what the gradient penalty replaces.

# %% tags=["instructor-solution"]
clipped = {0.01: results["WGAN"][0]}  # the run above, c = 0.01
for clip_value in (0.1, 0.001):
    config = WGANConfig(base_filters=base_filters, batch_size=batch_size, seed=seed, clip_value=clip_value)
    model = WGAN.from_train_config(config, (28, 28, 1))
    data = load_digits(config.batch_size * model.discriminator_steps).repeat()
    model.fit(data, epochs=1, steps_per_epoch=exercise_steps, verbose=0)
    clipped[clip_value] = model
fig, axes = plt.subplots(1, 3, figsize=(12, 3))
for ax, (clip_value, model) in zip(axes, sorted(clipped.items())):
    weights = np.concatenate([ops.convert_to_numpy(w).ravel() for w in model.discriminator.trainable_weights])
    at_bound = np.mean(np.abs(weights) >= 0.999 * clip_value)
    ax.hist(weights / clip_value, bins=50)
    ax.set_title(f"c = {clip_value:g}: {at_bound:.0%} at ±c")
    ax.set_xlabel("critic weight / c")
    print(f"c = {clip_value:g}: {weights.size} critic weights, {at_bound:.1%} at the bound ±c")
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **2. Penalty variants.** (a) With the gradient taken at the real samples only ($\epsilon = 1$
# below), the penalty asks for unit gradient norm on the data's support alone. The property of
# the optimal critic that WGAN-GP's Proposition 1 uses is different: it has gradient norm 1
# *along the lines* joining coupled points of $P_r$ and $P_g$, which is where the generator's
# samples will move. Penalising only at the data leaves the critic free (steep or flat) between
# the two distributions, so it no longer enforces the 1-Lipschitz behaviour where the generator
# reads its gradient. (b) The one-sided penalty only punishes norms above 1. On the linear
# critic $\lVert a\rVert < 1$, so it is 0 where the two-sided penalty is
# $(\lVert a\rVert - 1)^2$: the two-sided penalty also pushes gradients *up* to 1, which the
# paper found to work slightly better.

# %% tags=["instructor-solution"]
def one_sided_penalty(critic, real, fake, epsilon):
    eps = ops.reshape(epsilon, (-1,) + (1,) * (len(real.shape) - 1))
    gradients = keras_gan.backend.input_gradients(critic, eps * real + (1.0 - eps) * fake)
    norms = ops.sqrt(ops.sum(ops.square(gradients), axis=tuple(range(1, len(gradients.shape)))) + 1e-12)
    return ops.mean(ops.square(ops.maximum(norms - 1.0, 0.0)))


norm_a = float(np.linalg.norm(ops.convert_to_numpy(a)))
at_real = ops.ones_like(epsilon)  # epsilon = 1: the interpolates are the real samples
for name, critic in (("linear", linear_critic), ("conv", conv_critic)):
    two = float(ops.convert_to_numpy(gradient_penalty(critic, real, fake, epsilon)))
    one = float(ops.convert_to_numpy(one_sided_penalty(critic, real, fake, epsilon)))
    real_only = float(ops.convert_to_numpy(gradient_penalty(critic, real, fake, at_real)))
    print(f"{name} critic: two-sided {two:.6f}, one-sided {one:.6f}, two-sided at the real samples only {real_only:.6f}")
np.testing.assert_allclose(float(ops.convert_to_numpy(one_sided_penalty(linear_critic, real, fake, epsilon))),
                           max(norm_a - 1.0, 0.0) ** 2, atol=1e-7)
big_critic = lambda x: 3.0 * linear_critic(x) / norm_a  # noqa: E731  (gradient norm 3 everywhere)
np.testing.assert_allclose(float(ops.convert_to_numpy(one_sided_penalty(big_critic, real, fake, epsilon))), 4.0,
                           rtol=1e-4)
print(f"||a|| = {norm_a:.4f}: one-sided = max(0, ||a|| - 1)^2 = 0; at norm 3 both give (3 - 1)^2 = 4")

# %% [markdown] tags=["instructor-solution"]
# **3. Spectral norm by hand.** From a random start, power iteration converges slowly on a
# Gaussian $64 \times 32$ matrix: the error shrinks like $(\sigma_2/\sigma_1)^{2t}$ and a random
# matrix's top two singular values are close. In our run the estimate was 26% low after one
# iteration and still 2.4% low after ten ($\sigma \approx u^\top W v$ approaches
# $\sigma_1$ from below). SNGAN runs **one** iteration per training step
# (`power_iterations=1`, the paper's), which is enough because $u$ is kept from step to step
# and $W$ moves little per step: the iteration is warm-started and keeps converging as
# training runs. With one iteration per step on a slowly drifting matrix the error was
# $3\cdot10^{-4}$ after 10 steps and $10^{-8}$ after 50. On the SNGAN trained above (300 steps),
# every layer's estimate $\tilde u^\top W \tilde v$ agreed with the SVD of its kernel reshaped
# to (fan-in, filters) to 3 or 4 significant digits (e.g. 1.1732 against 1.1732). (That
# reshaped matrix is what SNGAN normalises; a convolution's exact operator norm differs.)

# %% tags=["instructor-solution"]
from keras_gan.networks.sngan import SpectralNormalization

rng = np.random.default_rng(seed)
W = rng.normal(size=(64, 32))
sigma_true = np.linalg.svd(W, compute_uv=False)[0]
v = rng.normal(size=32)
for t in range(1, 11):
    u = W @ v / np.linalg.norm(W @ v)
    v = W.T @ u / np.linalg.norm(W.T @ u)
    if t in (1, 2, 5, 10):
        print(f"{t:>2} iterations: sigma ~ {u @ W @ v:.5f}, SVD {sigma_true:.5f}, "
              f"relative error {abs(u @ W @ v - sigma_true) / sigma_true:.1e}")
# One iteration per "training step" on a matrix that drifts a little each step, u carried over.
v = rng.normal(size=32)
for step in range(1, 201):
    W = W + 0.01 * rng.normal(size=W.shape) / np.sqrt(W.size)
    u = W @ v / np.linalg.norm(W @ v)
    v = W.T @ u / np.linalg.norm(W.T @ u)
    if step in (1, 10, 50, 200):
        sigma = np.linalg.svd(W, compute_uv=False)[0]
        print(f"step {step:>3}, one iteration per step: relative error {abs(u @ W @ v - sigma) / sigma:.1e}")
sngan_model = results["SNGAN"][0]
for layer in sngan_model.discriminator.layers:
    if isinstance(layer, SpectralNormalization):
        estimate = float(ops.convert_to_numpy(layer.spectral_norm()[1]))
        kernel = ops.convert_to_numpy(layer.kernel).reshape(-1, layer.kernel_shape[-1])
        print(f"trained SNGAN {layer.name:<28} power_iterations={layer.power_iterations}: "
              f"sigma {estimate:.4f}, SVD {np.linalg.svd(kernel, compute_uv=False)[0]:.4f}")

# %% [markdown] tags=["instructor-solution"]
# **4. Conceptual.** The generator learns from the gradient of the discriminator's output with
# respect to its samples. In the parallel-lines example, a GAN discriminator trained towards
# optimality separates the two lines ever more sharply, $D_w(x) = \sigma(w(\theta/2 - x_1))$
# with $w \to \infty$, and $D^*$ is 1 on $P_0$, 0 on $P_\theta$: the JSD is flat at $\log 2$,
# and the generator's minimax gradient $w\,\sigma(-w\theta/2)$ vanishes (the non-saturating one,
# $w\,\sigma(w\theta/2)$, explodes instead). Training $D$ to optimality destroys the signal, so
# GANs keep $D$ and $G$ in step. The WGAN critic is Lipschitz-constrained: its optimum here is
# $f(x) = -x_1$ (slope 1 towards the real line), whose gradient with respect to $\theta$ is
# $\partial_\theta W = 1$ however long it trains. A better critic means a *more accurate*
# estimate of $W$ and of its gradient, so WGAN trains the critic for many steps ($n_{critic} = 5$,
# 100 at the start in the paper).

# %% tags=["instructor-solution"]
theta = 0.5
print(f"{'w (sharpness of D)':>20} | {'minimax dL/dtheta':>18} | {'non-saturating':>15} | WGAN critic")
for w in (1.0, 10.0, 100.0, 1000.0):
    t = w * (theta / 2 - theta)  # D's logit at the generated line
    minimax = w / (1 + np.exp(-t))  # |d/dtheta log(1 - sigmoid(t))| = w sigmoid(t)
    non_saturating = w / (1 + np.exp(t))  # |d/dtheta -log sigmoid(t)| = w (1 - sigmoid(t))
    print(f"{w:>20g} | {minimax:>18.3e} | {non_saturating:>15.3e} | 1")

# %% [markdown] tags=["instructor-solution"]
# **5. Momentum and the hinge.** The hinge loss
# $\mathbb{E}[\max(0, 1 - D(x))] + \mathbb{E}[\max(0, 1 + D(G(z)))]$ is exactly 0, with zero gradient,
# once every real score is above 1 and every generated one below -1. From then on the
# discriminator receives no gradient and stops changing, while the generator's loss
# $-\mathbb{E}[D(G(z))]$ has no margin: it keeps receiving the gradient of a *frozen* $D$, the
# same direction step after step, so it drifts towards whatever that fixed $D$ scores highest
# (typically one kind of sample) and nothing corrects it: the samples collapse. Setting C below
# trains `exercise_steps` steps with $D$ read on a fixed real batch and on fixed latents. In our
# run (JAX, CPU, MNIST, 16 filters, 300 steps) the discriminator crossed both margins within 90
# steps, $D(x) \approx 2.2$-$2.8$ and $D(G(z)) \approx -1.0$ to $-1.2$, and its last `d_loss` was
# below $10^{-2}$ from step 90 on (exactly 0.0000 at steps 180, 270 and 300). At this small
# width the defaults were in the same trap: the notebook's SNGAN ended with $D(x) = 7.07$,
# $D(G(z)) = -1.28$ and `d_loss` 0. That matches `docs/quality.md`: every run starts in the trap,
# and the difference is in leaving it. With the defaults $D$'s loss rose again after about
# 1,000 to 2,500 generator steps and the FID fell; with setting C it stayed at 0 and the
# generator stayed collapsed. To see it, train both for the exercise's 1,500 steps or more
# (`exercise_steps=1500`).

# %% tags=["instructor-solution"]
class DiscriminatorReadings(keras.callbacks.Callback):
    """Mean D on a fixed real batch and on fixed latents, and d_loss, at the end of every block."""

    def __init__(self, real_images):
        super().__init__()
        self.real_images, self.readings = real_images, []

    def on_epoch_end(self, epoch, logs=None):
        real_score = ops.mean(self.model.discriminator(self.real_images, training=False))
        fake_images = self.model.generate(len(self.real_images), seed=seed + 1)
        fake_score = ops.mean(self.model.discriminator(fake_images, training=False))
        self.readings.append((float(ops.convert_to_numpy(real_score)), float(ops.convert_to_numpy(fake_score)),
                              logs["d_loss"]))


config = SNGANConfig(base_filters=base_filters, generator_filters=base_filters, batch_size=batch_size,
                     seed=seed, beta_1=0.5, beta_2=0.999)  # Table 1's setting C
momentum = SNGAN.from_train_config(config, (28, 28, 1))
readings = DiscriminatorReadings(real_batch)
blocks = min(10, exercise_steps)
momentum.fit(load_digits(config.batch_size).repeat(), epochs=blocks, steps_per_epoch=max(1, exercise_steps // blocks),
             callbacks=[readings], verbose=0)
print("SNGAN with Adam(2e-4, beta_1 0.5, beta_2 0.999), setting C:")
for block, (real_score, fake_score, d_loss) in enumerate(readings.readings, 1):
    print(f"  step {block * max(1, exercise_steps // blocks):>5}: D(x) {real_score:7.3f}, "
          f"D(G(z)) {fake_score:7.3f}, last d_loss {d_loss:.4f}")
default_model = results["SNGAN"][0]  # trained above with the defaults, Adam(2e-4, 0, 0.9), `steps` steps
default_readings = DiscriminatorReadings(real_batch)
default_readings.set_model(default_model)
default_readings.on_epoch_end(0, {"d_loss": results["SNGAN"][1]["d_loss"][-1]})
real_score, fake_score, d_loss = default_readings.readings[0]
print(f"the defaults after {steps} steps: D(x) {real_score:.3f}, D(G(z)) {fake_score:.3f}, last d_loss {d_loss:.4f}")
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, (name, model) in zip(axes, [("defaults: beta_1 0, beta_2 0.9", default_model),
                                    ("setting C: beta_1 0.5, beta_2 0.999", momentum)]):
    ax.imshow(image_grid(model.generate(36, seed=seed)), cmap="gray", vmin=0, vmax=255)
    ax.set_title(name, fontsize=9)
    ax.axis("off")
plt.show()
