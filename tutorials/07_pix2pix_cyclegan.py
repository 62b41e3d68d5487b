# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Image-to-image translation: pix2pix and CycleGAN
#
# **What you will be able to do:** train pix2pix on paired images and CycleGAN on unpaired ones;
# write CycleGAN's cycle-consistency loss; say what the L1 term, the PatchGAN discriminator and
# the cycle loss each contribute.
#
# The task: turn an image of one kind (here, the **edge map** of a digit) into an image of
# another (the digit).
#
# **pix2pix** (Isola et al. 2017, <https://arxiv.org/abs/1611.07004>) learns from *paired*
# examples $(x, y)$. A U-Net generator $G(x, z)$ (the noise $z$ is dropout) and a **PatchGAN**
# discriminator, which judges every $N \times N$ patch of the pair $(x, \cdot)$, play a
# conditional GAN, and an $L_1$ term keeps the output near the target:
#
# $$G^* = \arg\min_G \max_D\; \mathbb{E}_{x,y}[\log D(x, y)] + \mathbb{E}_{x,z}[\log(1 - D(x, G(x, z)))]
#   + \lambda\,\mathbb{E}_{x,y,z}\lVert y - G(x, z)\rVert_1, \quad \lambda = 100.$$
#
# $L_1$ alone gives blurry averages; the patch discriminator penalises blur at the scale of
# its patches.
#
# **CycleGAN** (Zhu et al. 2017, <https://arxiv.org/abs/1703.10593>) needs no pairs: two
# translators $G: A \to B$ and $F: B \to A$, two (least-squares) discriminators, and the
# **cycle-consistency** loss $\lVert F(G(a)) - a\rVert_1 + \lVert G(F(b)) - b\rVert_1$ (weight
# $\lambda = 10$), which forbids $G$ from mapping every edge map to the same plausible digit.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
pix2pix_steps = 300  # steps of pix2pix (batch 64; ~0.5 s each on a 2-core CPU)
cyclegan_steps = 120  # steps of CycleGAN (batch 16; each step trains four networks, ~2 s on a 2-core CPU)
base_filters = 16  # generator and discriminator widths (the configs' CPU defaults; the papers' 64)
resnet_blocks = None  # CycleGAN's residual blocks; None: 6 below 256x256 (the paper's rule)
receptive_field = 34  # PatchGAN patch size at 32x32 (the papers' 70 at 256x256)
paper = False  # True: the paper settings (Pix2PixConfig.PAPER / CycleGANConfig.PAPER: 256x256, batch 1, 200 epochs)
seed = 0

# %%
if quick:
    pix2pix_steps, cyclegan_steps, base_filters, resnet_blocks, receptive_field = 2, 2, 4, 1, 16

# %%
import inspect
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from keras_gan import datasets
from keras_gan.models import CycleGAN, CycleGANConfig, Pix2Pix, Pix2PixConfig
from keras_gan.plotting import image_grid

print("Keras backend:", keras.backend.backend())
keras.utils.set_random_seed(seed)


# %%
def digit_source():
    """'mnist' when KERAS_GAN_DATA_DIR holds MNIST, else 'digits' (sklearn, upsampled); says which."""
    if os.environ.get(datasets.ENV_DATA_DIR):
        try:
            datasets.info("mnist")
            print("Data: derived from MNIST")
            return "mnist"
        except datasets.DataNotFoundError as error:
            print(f"MNIST is not in ${datasets.ENV_DATA_DIR} ({str(error)[:200]}...)")
    print(f"Data: derived from scikit-learn's 8x8 digits upsampled, NOT MNIST (set {datasets.ENV_DATA_DIR} for MNIST)")
    return "digits"


source = digit_source()


def show_rows(rows, titles, figure_title):
    """Shows aligned rows of images (each (n, h, w, c) in [-1, 1]) one above the other."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(10, 1.4 * len(rows)))
    for ax, images, title in zip(axes, rows, titles):
        ax.imshow(image_grid(images, rows=1), cmap="gray", vmin=0, vmax=255)
        ax.set_ylabel(title, rotation=0, ha="right", va="center")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(figure_title)
    plt.show()


# %% [markdown]
# ## Paired data: `mnist_edges`
#
# Each example is (edge map, digit) at $32 \times 32$ (the U-Net halves the size at each
# level).

# %%
p_config = Pix2PixConfig(base_filters=base_filters, discriminator_filters=base_filters,
                         receptive_field=receptive_field, seed=seed)
if paper:
    p_config = p_config.with_paper_settings()
size = p_config.image_size
pairs = datasets.load("mnist_edges", image_size=size, batch_size=p_config.batch_size, source=source, seed=seed)
edges, digits = (t.numpy()[:12] for t in next(iter(pairs)))
show_rows([edges, digits], ["source", "target"], "mnist_edges pairs")

# %% [markdown]
# ## pix2pix

# %%
display(Markdown(f"```python\n{inspect.getsource(Pix2Pix.train_step)}\n```"))

# %%
pix2pix = Pix2Pix.from_train_config(p_config, (size, size, 1))
blocks = min(5, pix2pix_steps)
history = pix2pix.fit(pairs.repeat(), epochs=blocks, steps_per_epoch=max(1, pix2pix_steps // blocks), verbose=0).history
print("pix2pix last logs:", {k: round(v[-1], 4) for k, v in history.items()})
plt.figure(figsize=(5, 2.5))
for name in ("g_gan_loss", "g_l1_loss"):
    plt.plot(history[name], marker="o", label=name)
plt.legend()
plt.show()
show_rows([edges, pix2pix.translate(edges), digits], ["edges", "pix2pix", "target"], "pix2pix translations")

# %% [markdown]
# ## Your turn: the cycle-consistency loss
#
# CycleGAN's two generators, $G: A \to B$ and $F: B \to A$, are trained without pairs; what
# ties an image to its translation is that the round trip must give it back (the paper's
# equation 2, weighted by $\lambda = 10$):
#
# $$\mathcal{L}_\text{cyc} = \lambda\big(\mathbb{E}_a \lVert F(G(a)) - a\rVert_1 + \mathbb{E}_b \lVert G(F(b)) - b\rVert_1\big),$$
#
# each term the mean absolute difference over every pixel of the batch. Write it with
# `keras.ops`.

# %%
def cycle_consistency_loss(real_a, cycled_a, real_b, cycled_b, weight):
    """CycleGAN's cycle-consistency loss, both round trips, weighted by lambda.

    Args:
        real_a: tensor `(m, h, w, c)`, images of domain A.
        cycled_a: tensor `(m, h, w, c)`, F(G(real_a)).
        real_b: tensor `(m, h, w, c)`, images of domain B.
        cycled_b: tensor `(m, h, w, c)`, G(F(real_b)).
        weight: float, lambda.

    Returns:
        Scalar tensor: weight * (mean |cycled_a - real_a| + mean |cycled_b - real_b|).
    """
    ### BEGIN SOLUTION
    cycle_a = keras.ops.mean(keras.ops.abs(cycled_a - real_a))
    cycle_b = keras.ops.mean(keras.ops.abs(cycled_b - real_b))
    return weight * (cycle_a + cycle_b)
    ### END SOLUTION


# %% [markdown]
# Check it against the cycle term of `keras_gan.models.CycleGAN`'s generator loss
# (`keras_gan.models.cyclegan.cycle_objective`).

# %%
from keras_gan.models.cyclegan import cycle_objective

rng = np.random.default_rng(seed)
a, a_cycled, b, b_cycled = (keras.ops.convert_to_tensor(rng.uniform(-1, 1, (4, 8, 8, 1)).astype("float32"))
                            for _ in range(4))
mine = float(cycle_consistency_loss(a, a_cycled, b, b_cycled, 10.0))
package = float(cycle_objective(a, a_cycled, b, b_cycled, 10.0))
print(f"cycle_consistency_loss: {mine:.6f}   keras_gan: {package:.6f}")
assert abs(mine - package) < 1e-4 * max(1.0, abs(package))

# %% [markdown]
# ## CycleGAN on unpaired data
#
# `paired=False` shuffles the two domains independently: no edge map comes with its digit.

# %%
c_config = CycleGANConfig(
    base_filters=base_filters, discriminator_filters=base_filters, resnet_blocks=resnet_blocks,
    receptive_field=receptive_field, steps_per_epoch=max(1, cyclegan_steps // min(5, cyclegan_steps)), seed=seed,
)
if paper:
    c_config = c_config.with_paper_settings()
unpaired = datasets.load("mnist_edges", image_size=c_config.image_size, batch_size=c_config.batch_size,
                         paired=False, source=source, seed=seed)
display(Markdown(f"```python\n{inspect.getsource(CycleGAN.train_step)}\n```"))

# %%
cyclegan = CycleGAN.from_train_config(c_config, (c_config.image_size, c_config.image_size, 1))
blocks = min(5, cyclegan_steps)
history = cyclegan.fit(unpaired.repeat(), epochs=blocks, steps_per_epoch=c_config.steps_per_epoch, verbose=0).history
print("CycleGAN last logs:", {k: round(v[-1], 4) for k, v in history.items()})
plt.figure(figsize=(6, 2.5))
for name, values in history.items():
    plt.plot(values, marker="o", label=name)
plt.legend(fontsize=7)
plt.show()
translated = cyclegan.translate(edges, direction="a_to_b")
show_rows(
    [edges, translated, cyclegan.translate(translated, direction="b_to_a"), digits],
    ["edges a", "G(a)", "F(G(a))", "(true digit)"],
    "CycleGAN: translation and cycle",
)

# %% [markdown]
# ## Exercises
#
# 1. **No $L_1$, only $L_1$.** Train pix2pix with `l1_weight=0` and with the adversarial term
#    switched off (a plain U-Net regression, e.g. `Pix2Pix(..., l1_weight=100)` with the
#    discriminator's learning rate set to 0). Compare sharpness and correctness, as the paper's
#    figure 4 does.
# 2. **Patch size.** Change `receptive_field` to 16 and 70 (at 32x32, 70 covers the whole
#    image). What does a 1x1 or 16x16 PatchGAN enforce and what can it not see?
# 3. **Coding: the cycle loss.** Write `cycle_loss(a, b, g, f)` with `keras.ops` (mean absolute
#    error of both cycles) and check it on the translated batch above against a numpy
#    computation using `cyclegan.translate`.
# 4. **Conceptual.** Without the cycle term, which mappings $A \to B$ would minimise CycleGAN's
#    adversarial loss? Why does the cycle term not fully pin down the digit's identity
#    (hint: the paper's "steganography" observation)?
