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
seed = 0

# %%
if quick:
    num_samples, classifier_epochs = 200, 1

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
    coverage = metrics.class_coverage(probs, 10)
    rows.append((name, fid, kid, kid_std, precision, recall, coverage["classes_covered"]))
print(f"{'set':>24} | {'FID':>8} | {'KID':>16} | precision | recall | classes")
for name, fid, kid, kid_std, precision, recall, classes in rows:
    print(f"{name:>24} | {fid:8.2f} | {kid:7.4f} ± {kid_std:6.4f} | {precision:9.3f} | {recall:6.3f} | {classes:>7}")

# %% [markdown]
# What to read in the table (your numbers depend on the sample size and the classifier):
#
# * **Noise** pushes precision down: the samples fall off the real manifold. FID and KID rise
#   too, but cannot say *why*. Mild **blur** may barely register: a metric sees only what its
#   feature network sees, and a digit classifier is built to ignore such changes.
# * **Dropping half the classes** keeps precision high (each image is a fine digit) and cuts
#   recall: the two-number view separates quality from coverage. FID only says "worse".
# * **One image per class, repeated**: all ten classes are "covered", so class coverage is
#   blind to it, while recall collapses.
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
