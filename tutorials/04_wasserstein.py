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
seed = 0

# %%
if quick:
    steps, base_filters, batch_size = 2, 4, 8

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
