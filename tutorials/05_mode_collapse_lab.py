# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · The mode-collapse lab
#
# **What you will be able to do:** measure mode collapse with the VEEGAN protocol (modes
# captured, high-quality share, reverse KL); write PacGAN's packing; compare a plain GAN with
# PacGAN and with minibatch standard deviation.
#
# **Mode collapse**: the generator covers only some modes of $p_{data}$. The GAN objective
# does not forbid it: each generator update only asks that *each* sample look real, and nothing
# in $-\mathbb{E}_z[\log D(G(z))]$ rewards diversity. When $G$ piles its mass on a few modes,
# $D$ learns to reject them, $G$ moves to other modes, and the two chase each other.
#
# **Measuring it** on a toy (VEEGAN, Srivastava et al. 2017, <https://arxiv.org/abs/1705.07761>):
# on the ring (8 Gaussians) or the grid (25), draw 2,500 samples; a sample is *high quality*
# when it lies within 3 standard deviations of a mode centre; a mode is *captured* when it
# gets a high-quality sample; the reverse KL between the captured histogram and the uniform
# one measures balance.
#
# **Two remedies** the lab implements:
#
# * **PacGAN** (Lin et al. 2018, <https://arxiv.org/abs/1712.04086>): the discriminator judges
#   $m$ samples *packed together*, all real or all fake:
#   $D(x_1, \dots, x_m)$. A generator that drops modes produces packs that look unlike real
#   packs, so the discriminator can see the lack of diversity. In the paper's analysis packing
#   sharpens the penalty on mode-dropping distributions (total variation between product
#   distributions $P^m$ and $Q^m$).
# * **Minibatch standard deviation** (Karras et al. 2018, <https://arxiv.org/abs/1710.10196>):
#   a layer appends the batch's feature standard deviation to every sample's features.
#
# `keras_gan.lab.run_toy` trains the lab's GAN (PacGAN's networks) and applies the protocol.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 2000  # steps per run; the PacGAN paper trains far longer (paper-scale: steps=25000+, several seeds)
dataset = "grid"  # "ring" (8 modes) or "grid" (25 modes)
packings = [1, 2, 4]  # PacGAN's m; 1 is the plain GAN
decay_fraction = 0.5  # the learning rates fall linearly to 0 over this last part of the run (0: constant)
exercise_steps = 500  # steps of each run in the worked exercises (instructor's copy)
exercise_seeds = 5  # seeds of exercise 1's repeated runs (instructor's copy)
seed = 0

# %%
if quick:
    steps, packings, exercise_steps, exercise_seeds = 10, [1, 2], 10, 1

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_gan import datasets, lab

print("Keras backend:", keras.backend.backend())

# %% [markdown]
# ## The protocol on known samples
#
# Before training anything, check what the numbers say on samples we control: the data
# itself, the data with half the modes removed, and the data blurred.

# %%
mixture = datasets.GRID if dataset == "grid" else datasets.RING
points, modes = mixture.sample(2500, seed=seed)
half = np.resize(points[modes < mixture.num_modes // 2], (2500, 2))  # repeated up to 2,500 points
blurred = points + np.random.default_rng(seed).normal(0, 5 * mixture.std, points.shape).astype("float32")
for name, samples in [("the data", points), ("half the modes", half), ("blurred (5 std)", blurred)]:
    result = lab.toy.count_modes(samples, dataset)
    print(f"{name:>16}: modes {result['modes_captured']}/{result['num_modes']}, "
          f"high quality {result['high_quality']:.1%}, reverse KL {result['reverse_kl']:.3f}")

# %% [markdown]
# ## Your turn: packing
#
# PacGAN's discriminator sees a batch of $b$ samples as $b/m$ packs: pack $j$ joins the $m$
# consecutive samples $x_{jm}, \dots, x_{jm + m - 1}$ along the last axis. For 2-D points,
# $(b, 2) \to (b/m, 2m)$, the concatenated vector of PacGAN's MLP experiments; for images,
# $(b, h, w, c) \to (b/m, h, w, mc)$: PacGAN's Stacked MNIST discriminator stacks the $m$ images
# along channels, pixel by pixel, so the last axis holds sample 1's $c$ channels, then sample
# 2's. Write `pack` with `keras.ops` (`reshape`, `transpose`); a single reshape is not enough
# for images.

# %%
def pack(samples, packing):
    """PacGAN's packing: `packing` consecutive samples joined along the last axis.

    Args:
        samples: tensor `(b, ..., c)`, with b a multiple of `packing`.
        packing: int >= 1, the degree of packing m.

    Returns:
        Tensor `(b / packing, ..., packing * c)`: pack j holds samples j*m ... j*m + m - 1, the
        last axis holding each sample's c values in turn.
    """
    ### BEGIN SOLUTION
    feature_shape = tuple(samples.shape[1:])
    # (b, *S, c) -> (b/m, m, *S, c) -> (b/m, *S, m, c) -> (b/m, *S, m*c)
    x = keras.ops.reshape(samples, (-1, packing, *feature_shape))
    rank = len(feature_shape) + 2
    x = keras.ops.transpose(x, (0, *range(2, rank - 1), 1, rank - 1))
    return keras.ops.reshape(x, (-1, *feature_shape[:-1], packing * feature_shape[-1]))
    ### END SOLUTION


# %% [markdown]
# Check it against the lab's layer `lab.Pack(m)`, on points and on 3-channel images.
# `lab.pack_discriminator` wraps a network taking packs into a discriminator of single samples.

# %%
six_points = np.arange(12, dtype="float32").reshape(6, 2)  # not `points`: the data, plotted below
print("6 points (6, 2) packed by 2 ->", tuple(pack(six_points, 2).shape))
print(keras.ops.convert_to_numpy(pack(six_points, 2)))
images = np.random.default_rng(seed).normal(size=(8, 4, 4, 3)).astype("float32")
for m, x in [(2, six_points), (3, six_points), (1, images), (2, images), (4, images)]:
    np.testing.assert_allclose(keras.ops.convert_to_numpy(pack(x, m)),
                               keras.ops.convert_to_numpy(lab.Pack(m)(x)))
print("pack matches lab.Pack")

# %% [markdown]
# ## Training: plain GAN against PacGAN
#
# Each run has the same generator, the same number of steps and the same minibatch of 100
# *packs* (so PacGAN's discriminator sees $m$ times more samples per step, as in the paper).

# %%
runs = {}
for m in packings:
    runs[f"PacGAN{m}" if m > 1 else "GAN"] = lab.run_toy(
        "gan", dataset, packing=m, steps=steps, seed=seed, eval_every=max(1, steps // 5),
        decay_fraction=decay_fraction,
    )
runs["GAN + minibatch std"] = lab.run_toy(
    "gan", dataset, packing=1, minibatch_std=True, steps=steps, seed=seed, eval_every=max(1, steps // 5),
    decay_fraction=decay_fraction,
)
print(f"{'run':>20} | modes | high quality | reverse KL | seconds")
for name, run in runs.items():
    metrics = run["metrics"]
    kl = "n/a" if metrics["reverse_kl"] is None else f"{metrics['reverse_kl']:.3f}"
    print(f"{name:>20} | {metrics['modes_captured']:>2}/{metrics['num_modes']} | "
          f"{metrics['high_quality']:>11.1%} | {kl:>10} | {run['wall_seconds']}")

# %%
fig, axes = plt.subplots(1, len(runs), figsize=(4 * len(runs), 4))
for ax, (name, run) in zip(np.atleast_1d(axes), runs.items()):
    samples = run["model"].generate(2500, seed=seed + 1)
    ax.scatter(points[:, 0], points[:, 1], s=1, c="lightgray")
    ax.scatter(samples[:, 0], samples[:, 1], s=1, c="tab:red")
    ax.scatter(mixture.centers[:, 0], mixture.centers[:, 1], marker="x", c="black", s=15)
    limit = np.abs(mixture.centers).max() + 1.5
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_title(f"{name}: {run['metrics']['modes_captured']}/{run['metrics']['num_modes']} modes")
plt.show()

fig, ax = plt.subplots(figsize=(6, 3))
for name, run in runs.items():
    ax.plot([h["step"] for h in run["history"]], [h["modes_captured"] for h in run["history"]],
            marker="o", label=name)
ax.set_xlabel("step")
ax.set_ylabel("modes captured")
ax.legend()
plt.show()

# %% [markdown]
# One run per setting is an anecdote: the paper reports means over 10 seeds. Mode collapse is
# random, and at a few thousand steps runs differ a lot. The lab's benchmark script repeats the
# protocol over seeds (see `docs/mode_collapse.md`).

# %% [markdown]
# ## Exercises
#
# 1. **Seeds.** Repeat the plain GAN and PacGAN2 runs for 5 seeds and report the mean and
#    standard deviation of the modes captured. Is the difference larger than the spread?
# 2. **Fair budgets.** PacGAN's discriminator sees $m$ times more samples per step. Give the
#    plain GAN a minibatch of $100 m$ points (`batch_packs=100 * m`): how much of PacGAN's gain
#    remains?
# 3. **Coding: the protocol.** Write `modes_captured(samples, centers, std)` with numpy (nearest
#    centre, within 3 std) and check it against `lab.toy.count_modes` on the three sample sets
#    at the top of this notebook.
# 4. **Conceptual.** Why does judging pairs of samples help the discriminator detect a
#    generator that produces only 4 of the 8 ring modes? Compute the probability that a real
#    pair comes from the same mode, and the same for that generator.
# 5. **A discriminator that keeps up.** On the grid, print the plain GAN's `d_loss` history
#    (`runs["GAN"]["history"]`). Compare it with $2 \log 2 \approx 1.386$, the loss of a
#    discriminator that outputs 1/2 everywhere. Rerun PacGAN4 with `discriminator_steps=5`
#    (five discriminator updates per generator update) for the same number of generator steps.
#    What happens to `d_loss`, to the scatter plot and to the % high quality? Why can a
#    discriminator at chance not teach the generator where 25 modes 0.05 wide are?

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. Each run
# trains for `exercise_steps` steps, with the notebook's `dataset` and `decay_fraction`.
#
# **1. Seeds.** The plain GAN and PacGAN2 over `exercise_seeds` seeds. In our run (JAX, CPU,
# the grid, 500 steps each) the plain GAN captured 11, 6, 9, 5, 6 modes (7.4 ± 2.5 of 25) and
# PacGAN2 8, 4, 7, 4, 10 (6.6 ± 2.6); seed by seed, PacGAN2 minus GAN was -3, -2, -2, -1, +4. The
# mean difference (-0.8) is far smaller than the spread between seeds: at this budget the runs
# cannot tell the two apart, which is why the paper averages 10 seeds of much longer runs. (The
# high-quality share was higher with packing, 3.2% ± 1.7% against 1.6% ± 1.0%, but tiny for
# both: 500 steps leave the samples between the modes.)

# %% tags=["instructor-solution"]
seed_runs = {"GAN": [], "PacGAN2": []}
for run_seed in range(seed, seed + exercise_seeds):
    for name, m in (("GAN", 1), ("PacGAN2", 2)):
        run = lab.run_toy("gan", dataset, packing=m, steps=exercise_steps, seed=run_seed,
                          eval_every=exercise_steps, decay_fraction=decay_fraction)
        seed_runs[name].append(run)
spread = lambda values: values.std(ddof=1) if len(values) > 1 else 0.0  # noqa: E731  (sample std)
for name, group in seed_runs.items():
    captured = np.array([run["metrics"]["modes_captured"] for run in group])
    quality = np.array([run["metrics"]["high_quality"] for run in group])
    print(f"{name:>8}: modes {captured.tolist()} -> {captured.mean():.1f} ± {spread(captured):.1f} "
          f"(of {mixture.num_modes}), high quality {quality.mean():.1%} ± {spread(quality):.1%}")
difference = np.array([b["metrics"]["modes_captured"] - a["metrics"]["modes_captured"]
                       for a, b in zip(seed_runs["GAN"], seed_runs["PacGAN2"])])
print(f"PacGAN2 - GAN, seed by seed: {difference.tolist()}, mean {difference.mean():+.1f}")

# %% [markdown] tags=["instructor-solution"]
# **2. Fair budgets.** `batch_packs=100 * m` gives the plain GAN's discriminator as many points
# per step as PacGAN$m$'s ($100m$), so what remains of the gain is packing's own. In our run
# (seed 0, 500 steps) the plain GAN with 200 points per minibatch captured 6 modes, PacGAN2 (200
# points in 100 pairs) 8 and the plain GAN with 100 points 11: a larger batch alone did not help
# here, and one seed's gap of 2 modes is within exercise 1's spread of about 2.5. To measure what
# remains of the gain, repeat this over the seeds of exercise 1.

# %% tags=["instructor-solution"]
fair = {"GAN, 100 points (seed runs)": seed_runs["GAN"][0], "PacGAN2 (seed runs)": seed_runs["PacGAN2"][0]}
fair["GAN, 200 points"] = lab.run_toy("gan", dataset, packing=1, batch_packs=200, steps=exercise_steps,
                                      seed=seed, eval_every=exercise_steps, decay_fraction=decay_fraction)
for name, run in fair.items():
    metrics = run["metrics"]
    print(f"{name:>28}: minibatch {run['config']['batch_size']:>3} points, modes "
          f"{metrics['modes_captured']}/{metrics['num_modes']}, high quality {metrics['high_quality']:.1%}")

# %% [markdown] tags=["instructor-solution"]
# **3. The protocol.** The nearest centre of each sample, its distance in standard deviations,
# and the modes that receive at least one sample within 3 of them.

# %% tags=["instructor-solution"]
def modes_captured(samples, centers, std, threshold=3.0):
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)  # (n, K)
    nearest = distances.argmin(axis=1)
    good = distances[np.arange(len(samples)), nearest] < threshold * std
    return len(np.unique(nearest[good]))


for name, samples in [("the data", points), ("half the modes", half), ("blurred (5 std)", blurred)]:
    mine = modes_captured(np.asarray(samples, "float64"), np.asarray(mixture.centers, "float64"), mixture.std)
    reference = lab.toy.count_modes(samples, dataset)["modes_captured"]
    print(f"{name:>16}: modes_captured {mine}, lab.toy.count_modes {reference}")
    np.testing.assert_allclose(mine, reference)

# %% [markdown] tags=["instructor-solution"]
# **4. Conceptual.** With $K$ equally likely modes, two independent real samples share a mode
# with probability $\sum_k (1/K)^2 = 1/K$: $1/8$ on the ring. A generator that covers 4 of the
# 8 modes evenly produces same-mode pairs with probability $4 \cdot (1/4)^2 = 1/4$, twice as
# often. A single sample cannot show it (each sample sits on a real mode), but a pair can: the
# discriminator of pairs sees "same mode" twice as often in fake packs and can reject them.
# PacGAN's analysis in numbers: on the mode labels, the total variation between the real and
# the generated distribution is $\frac12$, and between their $m$-fold products
# $1 - 2^{-m}$: 0.75 for pairs, 0.875 for $m = 3$. Packing amplifies the very defect that mode
# dropping creates.

# %% tags=["instructor-solution"]
import itertools

real_modes, fake_modes = np.full(8, 1 / 8), np.r_[np.full(4, 1 / 4), np.zeros(4)]
print("P(pair in one mode): real", (real_modes**2).sum(), " generator on 4 modes", (fake_modes**2).sum())
for m in (1, 2, 3, 4):
    p = np.array([np.prod(c) for c in itertools.product(real_modes, repeat=m)])
    q = np.array([np.prod(c) for c in itertools.product(fake_modes, repeat=m)])
    print(f"m = {m}: total variation between packs of real and generated mode labels "
          f"{0.5 * np.abs(p - q).sum():.4f} (1 - 2^-m = {1 - 2.0**-m:.4f})")

# %% [markdown] tags=["instructor-solution"]
# **5. A discriminator that keeps up.** In our run (JAX, CPU) the plain GAN's `d_loss` read
# 1.376, 1.359, 1.377, 1.358, 1.233 over its 2,000 steps: at or near $2\log 2 = 1.386$, the loss of
# a discriminator that outputs $\tfrac12$ everywhere. Such a discriminator's gradient says little
# about where the 25 modes (std 0.05, 2 apart) are: its decision surface is nearly flat, so the
# generator's samples spread between the modes (the 1.7% high quality above). PacGAN4 with
# `discriminator_steps=5` (500 generator steps both) kept its `d_loss` lower, 1.225 to 1.343
# against 1.359 to 1.387 with one step, captured 13 modes against 8, and its high-quality share
# rose from 1.2% to 1.8%: a discriminator ahead of the generator draws sharper boundaries
# around the modes, which is what the generator follows. It costs five discriminator updates
# per generator step. One seed again: repeat it over seeds before concluding.

# %% tags=["instructor-solution"]
print("plain GAN d_loss:", " ".join(f"{h['d_loss']:.3f}" for h in runs["GAN"]["history"]),
      f"(2 log 2 = {2 * np.log(2):.3f})")
keeps_up = {}
for k in (1, 5):
    keeps_up[k] = lab.run_toy("gan", dataset, packing=4, discriminator_steps=k, steps=exercise_steps,
                              seed=seed, eval_every=max(1, exercise_steps // 5), decay_fraction=decay_fraction)
fig, axes = plt.subplots(1, 2, figsize=(8, 4))
for ax, (k, run) in zip(axes, keeps_up.items()):
    metrics = run["metrics"]
    print(f"PacGAN4, {k} D step(s) per G step: d_loss", " ".join(f"{h['d_loss']:.3f}" for h in run["history"]),
          f"| modes {metrics['modes_captured']}/{metrics['num_modes']}, high quality {metrics['high_quality']:.1%}")
    samples = run["model"].generate(2500, seed=seed + 1)
    ax.scatter(points[:, 0], points[:, 1], s=1, c="lightgray")
    ax.scatter(samples[:, 0], samples[:, 1], s=1, c="tab:red")
    ax.set_aspect("equal")
    ax.set_title(f"PacGAN4, k = {k}: {metrics['modes_captured']} modes, {metrics['high_quality']:.0%} HQ")
plt.show()
