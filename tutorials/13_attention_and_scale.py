# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13 · Attention and class-conditional scale: SAGAN, the projection discriminator, BigGAN's truncation
#
# *Take it after 04 (spectral normalisation and the hinge loss) and 03 (class conditioning).*
#
# **What you will be able to do:** read a self-attention map of a trained generator (where a
# pixel looks when it is drawn), take a projection discriminator's score apart into its
# unconditional and its class term, trade variety for fidelity with the truncation trick, and
# write BigGAN's orthogonal regularisation, which is what makes that trade smooth.
#
# Three papers. **SAGAN** (Zhang et al. 2019, <https://arxiv.org/abs/1805.08318>) adds a
# self-attention block to both networks: for a feature map $x$ with $N$ positions,
#
# $$\beta_{j,i} = \operatorname{softmax}_i\big(f(x_i)^\top g(x_j)\big),\qquad
#   y_j = x_j + \gamma\, v\Big(\sum_i \beta_{j,i}\, h(x_i)\Big),$$
#
# so position $j$ draws on every position $i$, with a gain $\gamma$ that starts at 0. The
# **projection discriminator** (Miyato & Koyama 2018, <https://arxiv.org/abs/1802.05637>) scores
# an image and its class as $D(x, y) = \psi(\phi(x)) + y^\top V \phi(x)$. **BigGAN** (Brock et
# al. 2019, <https://arxiv.org/abs/1809.11096>) scales that recipe up and samples with a
# *truncated* latent, helped by a penalty that keeps the generator's filters apart,
#
# $$R_\beta(W) = \frac{\beta}{2}\,\big\lVert W^\top W \odot (\mathbf{1} - I) \big\rVert_F^2 .$$

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 400  # SAGAN training steps (the whole notebook: under 10 minutes on a 2-core CPU)
base_filters = 16  # the networks' width (the CLI's 32, the paper's 64)
batch_size = 32
log_every = 50  # steps between two readings of the attention gains
seed = 0

# %%
if quick:
    steps, base_filters, batch_size, log_every = 4, 4, 8, 2

# %%
import inspect

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from keras_gan import datasets, losses
from keras_gan.models import SAGAN
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)

# %% [markdown]
# ## A class-conditional SAGAN on MNIST
#
# Labelled digits (real MNIST when `KERAS_GAN_DATA_DIR` holds it, else scikit-learn's digits
# upsampled to 28x28, saying so). At 28x28 the networks have one residual block per scale
# (7 → 14 → 28), and each attends once, at 14x14 (half the image size, the default).

# %%
try:
    data = datasets.load("mnist", batch_size=batch_size, with_labels=True, seed=seed)
except datasets.DataNotFoundError as error:
    print(f"MNIST is not available ({str(error)[:120]}...): scikit-learn's 8x8 digits, "
          "upsampled to 28x28, instead")
    data = datasets.load("digits", image_size=28, batch_size=batch_size, with_labels=True, seed=seed)
model = SAGAN(image_shape=(28, 28, 1), num_classes=10, base_filters=base_filters, seed=seed)
model.compile()  # TTUR: Adam(4e-4) for D, Adam(1e-4) for G, betas (0, 0.9)
print(inspect.getsource(SAGAN.train_step))

# %% [markdown]
# The step is SNGAN's with labels: a hinge-loss discriminator update, then a generator update.
# The logs include each network's gain $\gamma$: train, reading them every `log_every` steps.

# %%
history = model.fit(
    data.repeat(), epochs=steps // log_every, steps_per_epoch=log_every, verbose=0
)
gains = {name: history.history[name] for name in ("g_attention_gain", "d_attention_gain")}
trained = np.arange(1, len(gains["g_attention_gain"]) + 1) * log_every
plt.figure(figsize=(5, 3))
for name, values in gains.items():
    plt.plot(trained, values, marker="o", label=name)
plt.axhline(0.0, color="grey", lw=0.5)
plt.xlabel("training step")
plt.ylabel("gain $\\gamma$ (mean over the last steps)")
plt.legend()
plt.show()

# %% [markdown]
# $\gamma$ leaves 0 as soon as the non-local evidence changes the loss: how far it goes, and
# its sign, is what each network has learned to take from attention. After a few hundred steps
# both are still small (of order 0.01 here): the networks rely on their convolutions first.
#
# ## Where a pixel looks: the attention map
#
# The generator's `SelfAttention` layer returns its map with `layer.attention(x)`:
# $\beta$ of shape `(batch, N, N/4)`, one row per query position (14x14 = 196) over the 2x2
# max-pooled key positions (7x7 = 49). For three query positions of each generated digit, the
# picture shows the digit with the query marked, and where that query attends.

# %%
attention = model.generator.get_layer("attention")
probe = keras.Model(model.generator.inputs, attention.input)
labels = np.array([0, 3, 7], "int32")
z = model.truncated_latents(len(labels), truncation=2.0, seed=seed)
images = model.generate(latents=z, labels=labels)
beta = ops.convert_to_numpy(attention.attention(probe([z, labels])))  # (3, 196, 49)
queries = [(4, 7), (7, 7), (10, 9)]  # (row, column) on the 14x14 map

fig, axes = plt.subplots(len(labels), 1 + len(queries), figsize=(2.2 * (1 + len(queries)), 2.2 * len(labels)))
for row, image in enumerate(images):
    axes[row, 0].imshow(image[..., 0], cmap="gray", vmin=-1, vmax=1)
    axes[row, 0].set_title(f"class {labels[row]}")
    for column, (qy, qx) in enumerate(queries, start=1):
        weights = beta[row, qy * 14 + qx].reshape(7, 7)
        axes[row, column].imshow(image[..., 0], cmap="gray", vmin=-1, vmax=1)
        axes[row, column].imshow(np.kron(weights, np.ones((4, 4))), cmap="magma", alpha=0.6)
        axes[row, column].plot(2 * qx + 0.5, 2 * qy + 0.5, "c+", markersize=12, mew=2)
        axes[row, column].set_title(f"query ({qy}, {qx})")
for ax in axes.ravel():
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# Each map sums to 1 over the 49 key positions. A convolution would only look at the query's
# neighbours; attention can look anywhere, and often looks at the strokes of the digit far from
# the query. (With `quick=True` nothing is learnt: the maps are near uniform.) The package
# draws the same figure from the generator's first attention block, with the weights
# `generate` samples with: `model.plot_attention("maps.png", labels=[0, 3, 7],
# queries=[(4, 7), (7, 7), (10, 9)])`, and returns the maps with `model.attention_maps(labels)`.
#
# ## The projection discriminator, taken apart
#
# The discriminator's last layers compute the pooled features $\phi(x)$ (`sum_pool`), the
# unconditional score $\psi(\phi(x))$ (`score_psi`) and the class term
# $y^\top V\phi(x) = \langle V_y, \phi(x)\rangle$ (`score_projection`). Recompute the score from
# them, and see what the class term does with the wrong label.

# %%
real, real_labels = (np.asarray(t) for t in next(iter(data)))
discriminator = model.discriminator
features = keras.Model(discriminator.inputs, discriminator.get_layer("sum_pool").output)
phi = features([real, real_labels])
psi = discriminator.get_layer("score_psi")(phi)
class_term = discriminator.get_layer("score_projection")([phi, real_labels])
score = discriminator([real, real_labels])
np.testing.assert_allclose(ops.convert_to_numpy(psi + class_term), ops.convert_to_numpy(score), rtol=1e-4, atol=1e-4)
wrong_labels = (real_labels + 1 + np.arange(len(real_labels)) % 9) % 10  # every label changed
wrong = discriminator([real, wrong_labels])
print(f"mean D(x, y):       {float(ops.mean(score)):+.3f}  (psi {float(ops.mean(psi)):+.3f} "
      f"+ class term {float(ops.mean(class_term)):+.3f})")
print(f"mean D(x, y_wrong): {float(ops.mean(wrong)):+.3f}")

# %% [markdown]
# The unconditional term is the same for both labels; only the class term changes. A
# discriminator that has learnt the classes scores real digits with the wrong label lower:
# that is how the generator is pushed to draw the class it was asked for.
#
# ## The truncation trick
#
# BigGAN samples with $z$ drawn from a normal distribution truncated at $\psi$: every value
# beyond $\pm\psi$ is drawn again (`truncated_latents`). The smaller $\psi$, the closer the
# samples stay to what the generator draws best, and the less they vary. It works for any
# latent model; here the SAGAN we trained, one digit class per row.

# %%
truncations = [2.0, 1.0, 0.5, 0.1]
fig, axes = plt.subplots(1, len(truncations), figsize=(3 * len(truncations), 3.2))
spread = {}
for ax, truncation in zip(axes, truncations):
    z = model.truncated_latents(40, truncation=truncation, seed=seed)
    samples = model.generate(latents=z, labels=np.repeat([1, 3, 5, 8], 10))
    ax.imshow(image_grid(samples[::2], rows=4), cmap="gray")
    ax.set_title(f"psi = {truncation}")
    ax.axis("off")
    # variety: the mean distance of each sample to the mean image of its class
    per_class = samples.reshape(4, 10, -1)
    spread[truncation] = float(np.mean(np.linalg.norm(per_class - per_class.mean(1, keepdims=True), axis=-1)))
plt.show()
print("within-class spread:", {t: round(s, 2) for t, s in spread.items()})

# %% [markdown]
# The spread shrinks with $\psi$, but look at the samples: this young SAGAN is not amenable to
# truncation. At $\psi$ = 1 and below its samples fade or saturate into the same texture, a
# failure BigGAN describes for some of its own large models (section 3.1): the generator has
# only learnt to map the typical $z$ (norm about $\sqrt{128}$) to digits, and its batch
# normalisation's moving statistics were taken there. BigGAN's cure is to make the generator
# smooth over the whole latent space, with the orthogonal penalty you write next.
# `benchmarks/quality_conditional.py --variants biggan --truncations ...` measures the trade
# for a BigGAN as precision (fidelity) against recall (variety).
#
# ## Your turn: BigGAN's orthogonal regularisation
#
# Read a kernel as a matrix $W$ with one column per output unit (a convolution's
# `(kh, kw, in, out)` as `(kh * kw * in, out)`). $W^\top W$ holds the inner products of every
# pair of filters; its diagonal holds their squared norms. Full orthogonality would push
# $W^\top W$ to $I$; BigGAN only pushes the off-diagonal entries to 0, leaving the norms free.
# Write it with `keras.ops`, so that it can be a term of a loss.

# %%
def orthogonal_penalty(kernel, beta):
    """BigGAN's orthogonal regularisation of one kernel.

    Args:
        kernel: tensor `(..., units)`, the last axis the output units (a dense kernel
            `(in, units)`, a convolution kernel `(kh, kw, in, units)`).
        beta: float, the strength.

    Returns:
        A scalar tensor: (beta / 2) * the sum of the squares of the off-diagonal entries of
        W^T W, with W = the kernel reshaped to (-1, units).
    """
    ### BEGIN SOLUTION
    units = kernel.shape[-1]
    matrix = ops.reshape(kernel, (-1, units))
    gram = ops.matmul(ops.transpose(matrix), matrix)
    off_diagonal = gram * (1.0 - ops.eye(units, dtype=gram.dtype))
    return 0.5 * beta * ops.sum(ops.square(off_diagonal))
    ### END SOLUTION


# %% [markdown]
# Check it against the package's `keras_gan.losses.orthogonal_regularization` on every kernel
# of the trained generator, and on a kernel whose filters are orthogonal (penalty 0, whatever
# their norms).

# %%
kernels = [w for w in model.generator.trainable_variables if len(w.shape) >= 2]
yours = sum(float(orthogonal_penalty(ops.convert_to_tensor(w), 1e-4)) for w in kernels)
package = float(losses.orthogonal_regularization(kernels, beta=1e-4))
np.testing.assert_allclose(yours, package, rtol=1e-4)
scaled_identity = ops.convert_to_tensor(np.diag([1.0, 2.0, 3.0]).astype("float32"))
assert abs(float(orthogonal_penalty(scaled_identity, 1.0))) < 1e-6
print(f"the generator's penalty at beta = 1e-4: {yours:.4g} (the package: {package:.4g})")

# %% [markdown]
# `keras_gan.models.BigGAN` adds this penalty (over every generator kernel but the shared class
# embedding) to the generator's hinge loss, with BigGAN's other changes: a hierarchical latent
# (a chunk of $z$ for every block's batch norm, with a shared class embedding), the generator's
# moving average, and gradient accumulation for its batches of 2048
# (`python -m keras_gan.train biggan --accumulation-steps 8`).
#
# ## Exercises
#
# 1. Attend elsewhere: train with `attention_resolution=7` and with `0` (no attention: SNGAN's
#    networks with projection), the same steps. Compare the samples and the gains. Why can a
#    7x7 attention map not show the strokes of a digit?
# 2. The class term: over a batch of real digits, compute $D(x, y') - D(x, y)$ for each of the
#    10 labels $y'$. For which pairs of digits does the discriminator hesitate?
# 3. Truncation for BigGAN: train `python -m keras_gan.train biggan --steps 2000` with and
#    without `--orthogonal-regularization 0`, and compare their samples at $\psi$ = 1, 0.5 and
#    0.1 (`keras_gan.sample` on each checkpoint, or `truncated_latents` in Python).
# 4. Gradient accumulation: with a generator and discriminator without batch normalisation, one
#    BigGAN step on a batch of 32 with `accumulation_steps=4` equals the step with
#    `accumulation_steps=1` (`tests/models/test_biggan.py` checks it). Why does it stop being
#    exact with batch normalisation?
