# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Evaluation: what FID, KID, precision and recall say, and what they don't
#
# **What you will be able to do:** write FID's formula; say what FID, KID, precision and recall
# and class coverage detect and miss, on sets with known defects; explain why FIDs at different
# sample sizes cannot be compared.
#
# A GAN has no likelihood to report. The usual metrics compare **features** of generated and
# real images, taken from a fixed network $\phi$ (Inception-v3 for natural images; for digits a
# digit classifier, which is what `keras_gan.metrics` uses):
#
# * **FID** (Heusel et al. 2017, <https://arxiv.org/abs/1706.08500>): fit a Gaussian to each
#   feature set and take the Fréchet distance
#   $$\mathrm{FID} = \lVert \mu_r - \mu_g \rVert_2^2 + \operatorname{Tr}\big(\Sigma_r + \Sigma_g - 2(\Sigma_r\Sigma_g)^{1/2}\big).$$
#   One number for quality and diversity together; **biased** (too high for small samples).
# * **KID** (Bińkowski et al. 2018, <https://arxiv.org/abs/1801.01401>): the squared maximum
#   mean discrepancy with the kernel $k(x, y) = (x^\top y / d + 1)^3$, estimated without bias:
#   $$\mathrm{KID} = \mathbb{E}[k(x, x')] + \mathbb{E}[k(y, y')] - 2\,\mathbb{E}[k(x, y)].$$
# * **Precision and recall** (Kynkäänniemi et al. 2019, <https://arxiv.org/abs/1904.06991>):
#   the real manifold is the union of balls around each real feature (radius: distance to its
#   $k$-th neighbour, $k=3$); precision is the fraction of generated samples inside it
#   (*quality*), recall the fraction of real samples inside the generated manifold (*coverage*).
#
# Instead of training a GAN, we feed the metrics samples whose defects we *know*, and watch
# which metric notices which defect.

# %% tags=["parameters"]
quick = False  # True: smaller sets and a shorter classifier training (scripts/run_tutorials.sh)
num_samples = 800  # images per compared set; the papers' protocols use 10,000 to 50,000
classifier_epochs = 8  # epochs of the feature classifier
exercise_steps = 600  # steps of the DCGAN trained in the worked exercises (instructor's copy)
seed = 0

# %%
if quick:
    num_samples, classifier_epochs, exercise_steps = 200, 1, 2

# %%
import os
import tempfile

import keras
import matplotlib.pyplot as plt
import numpy as np

from keras_gan import datasets, metrics
from keras_gan.metrics import classifier as digit_classifier
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)


# %% [markdown]
# ## Data and the feature network
#
# The feature network is keras_gan's digit classifier (`keras_gan.metrics.classifier`),
# trained here on one half of the data; its 128-d penultimate layer gives the features.

# %%
def digit_arrays():
    """(images, labels) as numpy: MNIST test split when available, else sklearn digits at 28x28."""
    name, kwargs = "digits", {"image_size": 28}
    if os.environ.get(datasets.ENV_DATA_DIR):
        try:
            datasets.info("mnist")
            name, kwargs = "mnist", {"split": "test"}
        except datasets.DataNotFoundError as error:
            print(f"MNIST is not in ${datasets.ENV_DATA_DIR} ({str(error)[:200]}...)")
    data = datasets.load(name, batch_size=500, with_labels=True, shuffle=False, drop_remainder=False,
                         seed=seed, **kwargs)
    images, labels = zip(*[(x.numpy(), y.numpy()) for x, y in data])
    print(f"Data: {name}" + ("" if name == "mnist" else
          f" (scikit-learn's 8x8 digits upsampled to 28x28, NOT MNIST; set {datasets.ENV_DATA_DIR} for MNIST)"))
    return np.concatenate(images), np.concatenate(labels)


images, labels = digit_arrays()
order = np.random.default_rng(seed).permutation(len(images))
images, labels = images[order], labels[order]
half = len(images) // 2
train_x, train_y, test_x, test_y = images[:half], labels[:half], images[half:], labels[half:]

cache_dir = tempfile.mkdtemp(prefix="keras_gan_classifier_")
digit_classifier.train_classifier(
    "digits", epochs=classifier_epochs, train_data=(train_x, train_y), test_data=(test_x, test_y),
    cache_dir=cache_dir, seed=seed, verbose=0,
)
features_of = metrics.classifier_network("digits", cache_dir=cache_dir)
print(features_of.protocol)


def features(batch):
    """(features, class probabilities) of images in [-1, 1]."""
    return features_of(np.asarray(batch, "float32"))


# %% [markdown]
# ## Your turn: FID's formula
#
# FID (Heusel et al. 2017, <https://arxiv.org/abs/1706.08500>) fits a Gaussian to each set's
# features and reports the squared Fréchet distance between the two Gaussians:
#
# $$d^2 = \lVert \mu_1 - \mu_2 \rVert_2^2 + \operatorname{Tr}\big(\Sigma_1 + \Sigma_2 - 2\,(\Sigma_1 \Sigma_2)^{1/2}\big).$$
#
# $(\Sigma_1 \Sigma_2)^{1/2}$ is a *matrix* square root (`scipy.linalg.sqrtm`), of a product
# that is not symmetric; rounding can leave it a tiny imaginary part, which you drop. Write it
# with numpy and scipy (convert the inputs with `np.asarray`).

# %%
def frechet_distance(mu1, sigma1, mu2, sigma2):
    """The squared Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2), as FID reports it.

    Args:
        mu1: array `(d,)`, the first set's feature mean.
        sigma1: array `(d, d)`, its feature covariance (symmetric, positive definite).
        mu2: array `(d,)`, the second set's feature mean.
        sigma2: array `(d, d)`, its feature covariance.

    Returns:
        A float: ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2)).
    """
    ### BEGIN SOLUTION
    import scipy.linalg

    mu1, mu2 = np.asarray(mu1, "float64"), np.asarray(mu2, "float64")
    sigma1, sigma2 = np.asarray(sigma1, "float64"), np.asarray(sigma2, "float64")
    root = np.real(scipy.linalg.sqrtm(sigma1 @ sigma2))
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2.0 * root))
    ### END SOLUTION


# %% [markdown]
# Check it against `keras_gan.metrics.frechet_distance` on two sets of correlated Gaussian
# "features" (the package's version adds the reference implementations' guard for singular
# covariances, which real features with dead units can have).

# %%
rng = np.random.default_rng(seed)
a = rng.normal(size=(500, 8)) @ rng.normal(size=(8, 8))
b = 0.5 + rng.normal(size=(500, 8)) @ rng.normal(size=(8, 8))
stats = a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
mine, package = frechet_distance(*stats), metrics.frechet_distance(*stats)
print(f"frechet_distance: {mine:.4f}   keras_gan: {package:.4f}")
assert abs(mine - package) <= 1e-4 * max(1.0, abs(package))
assert abs(frechet_distance(*stats[:2], *stats[:2])) < 1e-6  # a set against itself

# %% [markdown]
# ## Sets with known defects
#
# `real` is drawn from one half, every other set from the other half, so "real vs real" shows
# the metrics' floor at this sample size.

# %%
rng = np.random.default_rng(seed)
n = min(num_samples, len(test_x) // 2)
reference = train_x[:n]
candidates = {
    "real (other half)": test_x[:n],
    "noisy (sigma 0.5)": np.clip(test_x[:n] + rng.normal(0, 0.5, test_x[:n].shape), -1, 1),
    "blurred": (test_x[:n] + np.roll(test_x[:n], 1, 1) + np.roll(test_x[:n], 1, 2)
                + np.roll(test_x[:n], -1, 1) + np.roll(test_x[:n], -1, 2)) / 5,
    "digits 0-4 only": np.concatenate([test_x[test_y < 5]] * 2)[:n],
    "one digit per class": np.tile(test_x[[np.flatnonzero(test_y == d)[0] for d in range(10)]], (-(-n // 10), 1, 1, 1))[:n],
    "copies of the reference": reference.copy(),
}
fig, axes = plt.subplots(1, len(candidates), figsize=(3 * len(candidates), 3))
for ax, (name, batch) in zip(axes, candidates.items()):
    ax.imshow(image_grid(batch[:16]), cmap="gray", vmin=0, vmax=255)
    ax.set_title(name, fontsize=9)
    ax.axis("off")
plt.show()

# %%
real_features, _ = features(reference)
mu_r, sigma_r = real_features.mean(0), np.cov(real_features, rowvar=False)
rows = []
for name, batch in candidates.items():
    fake_features, probs = features(batch)
    fid = metrics.frechet_distance(mu_r, sigma_r, fake_features.mean(0), np.cov(fake_features, rowvar=False))
    kid, kid_std = metrics.kernel_inception_distance(
        real_features, fake_features, num_subsets=20, subset_size=min(100, n)
    )
    precision, recall = metrics.precision_recall(real_features, fake_features, k=3)
    # a class counts when it holds 1% of the set: a few misread digits do not cover it
    coverage = metrics.class_coverage(probs, 10, min_count=max(1, len(batch) // 100))
    rows.append((name, fid, kid, kid_std, precision, recall, coverage["classes_covered"]))
print(f"{'set':>24} | {'FID':>8} | {'KID':>16} | precision | recall | classes")
for name, fid, kid, kid_std, precision, recall, classes in rows:
    print(f"{name:>24} | {fid:8.2f} | {kid:7.4f} ± {kid_std:6.4f} | {precision:9.3f} | {recall:6.3f} | {classes:>7}")

# %% [markdown]
# What to read in the table (your numbers depend on the sample size and the classifier):
#
# * **Noise** pushes precision down: the samples fall off the real manifold. FID and KID rise
#   too, but cannot say *why*.
# * **Blur**, mild to the eye, can be the worst set of all here (in our run at the default
#   settings, JAX: FID 345, recall 0.006): a metric sees only what its feature network sees,
#   and this small classifier's features move a lot when strokes soften. With raw pixels as
#   features the same blur looks almost harmless (exercise 4).
# * **Dropping half the classes** keeps precision high (each image is a fine digit) and cuts
#   recall: the two-number view separates quality from coverage. FID only says "worse".
# * **One image per class, repeated**: all ten classes are "covered", so class coverage is
#   blind to it, while recall collapses.
# * **The classes column** counts a class when at least 1% of the set falls in it
#   (`min_count`). With the Stacked MNIST protocol's one image, "digits 0-4 only" covered all
#   ten: the classifier misreads a few percent of the digits, and one misread image is enough.
# * **Copies of the reference set** get a perfect score from every metric: none of them
#   detects memorisation. Compare with nearest training neighbours instead.
#
# ## FID is biased; KID is not
#
# For two sets from the *same* distribution, FID should be 0. Its estimate from $n$ samples
# is biased upwards, the more so the smaller $n$, so FIDs at different $n$ cannot be compared.
# KID's estimator is unbiased (its mean is about 0 at every $n$, with more noise at small $n$).

# %%
sizes = [s for s in (50, 100, 200, 400, 800) if s <= n]
other_features, _ = features(test_x[:n])
fids, kids = [], []
for size in sizes:
    a, b = real_features[:size], other_features[:size]
    fids.append(metrics.frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)))
    kids.append(metrics.kernel_inception_distance(a, b, num_subsets=20, subset_size=size)[0])
fig, axes = plt.subplots(1, 2, figsize=(10, 3))
axes[0].plot(sizes, fids, marker="o")
axes[0].set_title("FID, real vs real")
axes[1].plot(sizes, kids, marker="o")
axes[1].axhline(0, c="gray", lw=1)
axes[1].set_title("KID, real vs real")
for ax in axes:
    ax.set_xlabel("samples per set")
plt.show()

# %% [markdown]
# `keras_gan.metrics.evaluate(model_or_images, real_dataset, feature_network=...)` runs the
# whole protocol (every metric, features in batches, the protocol stated with the result);
# `python -m keras_gan.metrics.classifier --dataset mnist` trains the MNIST classifier once.
#
# ## Exercises
#
# 1. **Truncation.** Train a DCGAN (notebook 02) and sample with latents scaled by
#    $0.5$ (`generate(latents=0.5 * z)`). Which of precision and recall moves, and which way?
# 2. **FID from features.** Write `fid(real_features, fake_features)` on top of your
#    `frechet_distance` (each set's mean and `np.cov(..., rowvar=False)`) and reproduce the FID
#    column of the table above.
# 3. **The choice of $k$.** Recompute precision and recall with $k = 1, 3, 10$ for the "noisy"
#    and "digits 0-4" sets. Why does a large $k$ inflate both?
# 4. **Feature network matters.** Replace the classifier's features by raw pixels
#    (`batch.reshape(len(batch), -1)`) and redo the table. Which defects become invisible or
#    exaggerated?
# 5. **Conceptual.** Give a generator that has a better FID than another but is clearly worse
#    to a human, using the table above.

# %% [markdown] tags=["instructor-solution"]
# ## Worked solutions (instructor's copy)
#
# These cells are tagged `instructor-solution`: the student version
# (`python -m keras_gan.assignments build`) and the documentation site leave them out. They use
# the notebook's feature network, reference set and candidate sets.
#
# **1. Truncation.** A DCGAN (notebook 02's defaults, 32 filters) trained `exercise_steps` steps
# on the classifier's half of the data, sampled from its uniform prior and from the prior
# scaled by 0.5. Shrinking the latents keeps the samples near the generator's "typical"
# outputs: they look more like digits (precision up) and cover less of the data (recall down).
# In our run (JAX, CPU, MNIST, 600 steps) precision rose only from 0.514 to 0.555 while recall
# halved, from 0.434 to 0.211, and FID rose from 108 to 397: FID, one number for both,
# punishes the lost diversity far more than it rewards the cleaner samples. This short-trained
# generator's typical output is not yet a clean digit, so truncation buys little quality; on a
# well-trained GAN (BigGAN's truncation trick) the precision gain is larger, the trade the
# same.

# %% tags=["instructor-solution"]
import tensorflow as tf

from keras_gan.models import DCGAN, DCGANConfig

gan_config = DCGANConfig(base_filters=32, seed=seed)
dcgan = DCGAN.from_train_config(gan_config, (28, 28, 1))
gan_data = tf.data.Dataset.from_tensor_slices(train_x).shuffle(len(train_x), seed=seed)
dcgan.fit(gan_data.batch(gan_config.batch_size, drop_remainder=True).repeat(), epochs=1,
          steps_per_epoch=exercise_steps, verbose=0)
z = keras.ops.convert_to_numpy(dcgan.sample_latent(n, seed=seed + 1))
for scale in (1.0, 0.5):
    samples = dcgan.generate(latents=scale * z)
    fake_features, _ = features(samples)
    precision, recall = metrics.precision_recall(real_features, fake_features, k=3)
    fid_value = metrics.frechet_distance(mu_r, sigma_r, fake_features.mean(0), np.cov(fake_features, rowvar=False))
    print(f"latents x {scale}: precision {precision:.3f}, recall {recall:.3f}, FID {fid_value:.2f}")
    plt.figure(figsize=(3, 3))
    plt.imshow(image_grid(samples[:16]), cmap="gray", vmin=0, vmax=255)
    plt.title(f"DCGAN, latents x {scale}")
    plt.axis("off")
plt.show()

# %% [markdown] tags=["instructor-solution"]
# **2. FID from features.** Each set's mean and covariance, then `frechet_distance`; it
# reproduces the table's FID column:

# %% tags=["instructor-solution"]
def fid(real_features, fake_features):
    return frechet_distance(real_features.mean(0), np.cov(real_features, rowvar=False),
                            fake_features.mean(0), np.cov(fake_features, rowvar=False))


for (name, table_fid, *_), batch in zip(rows, candidates.values()):
    mine = fid(real_features, features(batch)[0])
    print(f"{name:>24}: fid {mine:8.3f}, table {table_fid:8.3f}")
    np.testing.assert_allclose(mine, table_fid, rtol=1e-3, atol=1e-3)

# %% [markdown] tags=["instructor-solution"]
# **3. The choice of $k$.** The radius of each ball is the distance to the $k$-th nearest
# neighbour, so a larger $k$ grows every ball: the real manifold swallows more generated
# samples (precision up) and the generated manifold more real ones (recall up), until both
# approach 1 whatever the sets. $k = 1$ makes the manifolds too thin (even real vs real falls
# well below 1). In our run (JAX, CPU, MNIST, 800 samples per set): real vs real went from
# P 0.589 / R 0.595 at $k = 1$ to 0.876 / 0.902 at $k = 3$ and 0.989 / 0.989 at $k = 10$; the
# noisy set's precision from 0.077 to 0.273 to 0.823 (recall 0.003, 0.025, 0.142); digits 0-4
# from P 0.594 / R 0.309 to 0.892 / 0.529 to 0.999 / 0.680. At $k = 10$ the noisy set's precision
# (0.823) is close to the real set's at $k = 3$: the balls grew to cover its off-manifold
# samples. Both numbers only mean something at a fixed, stated $k$ (the paper's 3).

# %% tags=["instructor-solution"]
for name in ("real (other half)", "noisy (sigma 0.5)", "digits 0-4 only"):
    fake_features, _ = features(candidates[name])
    values = [metrics.precision_recall(real_features, fake_features, k=k) for k in (1, 3, 10)]
    print(f"{name:>18}: " + ", ".join(f"k={k}: P {p:.3f} R {r:.3f}" for k, (p, r) in zip((1, 3, 10), values)))

# %% [markdown] tags=["instructor-solution"]
# **4. Feature network matters.** The same table with raw pixels as features. In our run (JAX,
# CPU, MNIST, 800 samples per set), against the classifier's features:
#
# * **Dropping half the classes nearly disappears**: pixel FID 27.9 against a real-vs-real
#   floor of 14.8 (classifier features: 171.9 against 11.4). In pixel space a 3 and an 8
#   are close; only features that know the classes see that five are missing.
# * **Noise is misread**: precision falls (0.128) but recall *rises* to 0.959, above real vs
#   real (0.916): noisy images are far apart in pixels, so their $k$-NN balls are huge and
#   swallow the real images. Pixel distances measure noise, not digits.
# * **Blur looks almost harmless**: pixel FID 25.5, precision 0.995 (recall 0.273); with the
#   classifier it was the worst set of all (FID 345.4, recall 0.006).
# * **Repetition is exaggerated**: one digit per class scores a pixel FID of 231.5, worse than
#   any other defect, and still a precision of 0.800.
#
# Pixel space ranks "one image per class" far below "half the classes missing", the classifier
# ranks them together: which defect a metric punishes is decided by its feature network.

# %% tags=["instructor-solution"]
def pixels(batch):
    return np.asarray(batch, "float64").reshape(len(batch), -1)


real_pixels = pixels(reference)
mu_p, sigma_p = real_pixels.mean(0), np.cov(real_pixels, rowvar=False)
print(f"{'set':>24} | {'FID (pixels)':>12} | {'KID (pixels)':>12} | precision | recall")
for name, batch in candidates.items():
    fake_pixels = pixels(batch)
    fid_px = metrics.frechet_distance(mu_p, sigma_p, fake_pixels.mean(0), np.cov(fake_pixels, rowvar=False))
    kid_px, _ = metrics.kernel_inception_distance(real_pixels, fake_pixels, num_subsets=20, subset_size=min(100, n))
    precision, recall = metrics.precision_recall(real_pixels, fake_pixels, k=3)
    print(f"{name:>24} | {fid_px:12.2f} | {kid_px:12.4f} | {precision:9.3f} | {recall:6.3f}")

# %% [markdown] tags=["instructor-solution"]
# **5. Conceptual.** The generator that outputs only ten images, one per class, each repeated
# 80 times ("one digit per class"): a human shown 16 of its samples sees the repetition at once
# and calls it broken, yet in our run (JAX, CPU, MNIST) its FID, 174.8, is better than the
# noisy set's (207.5), whose every sample is a different, legible digit, and about half the
# blurred set's (345.4). FID compresses quality and diversity into one number and weighs them as the feature
# network's Gaussian statistics happen to; precision and recall separate them (0.900 / 0.000
# against 0.273 / 0.025). The extreme case is in the table too: the copies of the reference set
# get the best FID of all (0), and a generator that has memorised its training set is useless.

# %% tags=["instructor-solution"]
by_fid = sorted(rows, key=lambda row: row[1])
print("the sets from best to worst FID:", " < ".join(f"{row[0]} ({row[1]:.1f})" for row in by_fid))
