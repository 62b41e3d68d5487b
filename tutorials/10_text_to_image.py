# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Text to image: GAN-INT-CLS
#
# **What you will be able to do:** generate images from sentences with GAN-INT-CLS: pretrain a
# text encoder, condition both networks on the sentence's embedding, and use the matching-aware
# discriminator and interpolated embeddings.
#
# **GAN-INT-CLS** (Reed et al. 2016, <https://arxiv.org/abs/1605.05396>) generates an image
# from a sentence. A text encoder $\varphi$ embeds the caption $t$; the generator gets
# $G(z, \varphi(t))$ and the discriminator judges image *and* text, $D(x, \varphi(t))$. Two ideas:
#
# * **CLS, the matching-aware discriminator.** Besides real/fake, $D$ sees real images with the
#   *wrong* caption and must reject them, so it learns whether image and text agree. With
#   $s_r = D(x, h)$, $s_w = D(x, \hat h)$ (wrong text), $s_f = D(G(z, h), h)$:
#   $$\mathcal{L}_D = -\log s_r - \tfrac12\big(\log(1 - s_w) + \log(1 - s_f)\big).$$
# * **INT, manifold interpolation.** The generator is also trained on embeddings *between*
#   two captions, $\beta\,\varphi(t_1) + (1-\beta)\,\varphi(t_2)$ with $\beta = 0.5$, which need
#   no image: the discriminator only judges whether the result looks real and matches.
#
# The paper's birds and flowers need a GPU and a pretrained char-CNN-RNN; here the captions
# describe digits (`mnist_captions`: "a thick seven", "a small slanted 2", ...) and a small GRU
# encoder is first pretrained on a joint embedding with images, as the paper pretrains its
# encoder (each image must pick out its own caption in the batch), then trained on with the
# discriminator.

# %% tags=["parameters"]
quick = False  # True: a few steps, to check that the notebook runs (scripts/run_tutorials.sh)
steps = 600  # training steps (~0.5 s each on a 2-core CPU)
base_filters = 32  # GANINTCLSConfig's default 32; the paper's 64 at 64x64
text_pretrain_steps = 1000  # joint-embedding pretraining of the text encoder (~40 s)
paper = False  # True: GANINTCLSConfig.PAPER (embedding 1024, 64 filters, 64x64 images, 600 epochs)
seed = 0

# %%
if quick:
    steps, base_filters, text_pretrain_steps = 2, 8, 2

# %%
import inspect
import os

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

from keras_gan import datasets
from keras_gan.models import GANINTCLS, GANINTCLSConfig
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


config = GANINTCLSConfig(base_filters=base_filters, text_pretrain_steps=text_pretrain_steps, seed=seed)
if paper:
    config = config.with_paper_settings()
data, info = datasets.load("mnist_captions", batch_size=config.batch_size, image_size=config.image_size,
                           source=digit_source(), seed=seed, with_info=True)
vocabulary = info.vocabulary
images, token_ids = (t.numpy() for t in next(iter(data)))
fig, axes = plt.subplots(2, 4, figsize=(10, 5))
for ax, image, ids in zip(axes.ravel(), images, token_ids):
    ax.imshow(image[..., 0], cmap="gray", vmin=-1, vmax=1)
    ax.set_title(vocabulary.decode(ids), fontsize=9)
    ax.axis("off")
plt.show()

# %%
display(Markdown(f"```python\n{inspect.getsource(GANINTCLS.train_step)}\n```"))

# %%
model = GANINTCLS.from_train_config(config, images.shape[1:])
# fit() first pretrains the text encoder (config.text_pretrain_steps), then plays the game
blocks = min(5, steps)
history = model.fit(data.repeat(), epochs=blocks, steps_per_epoch=max(1, steps // blocks), verbose=0).history
print("GAN-INT-CLS last logs:", {k: round(v[-1], 3) for k, v in history.items()})
plt.figure(figsize=(5, 2.5))
for name, values in history.items():
    plt.plot(values, marker="o", label=name)
plt.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## Images from sentences
#
# Each row is one caption, each column a different $z$: the text should fix the digit and its
# described style, $z$ the rest.

# %%
captions = ["a zero", "a thick seven", "a thin one", "a small 3", "a large slanted 4", "an eight"]
captions = [c for c in captions if all(w in vocabulary.words for w in vocabulary.tokenize(c))] or \
    [vocabulary.decode(ids) for ids in token_ids[:6]]
samples = model.generate(captions, num_samples=8, seed=seed)
fig, ax = plt.subplots(figsize=(8, 1.2 * len(captions)))
ax.imshow(image_grid(samples, rows=len(captions)), cmap="gray", vmin=0, vmax=255)
ax.set_yticks((np.arange(len(captions)) + 0.5) * (samples.shape[1] + 1))
ax.set_yticklabels(captions)
ax.set_xticks([])
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. **CLS off.** What does the discriminator lose if the wrong-caption term is removed
#    (set its weight to 0 in a copy of `train_step`)? Predict, then measure how often the
#    generated digit matches the caption with notebook 06's classifier.
# 2. **Coding: the matching-aware loss.** Write `cls_discriminator_loss(s_r, s_w, s_f)` from
#    the logits with `keras.ops` (use softplus as in notebook 01) and check it against a numpy
#    computation of $-\log\sigma(s_r) - \frac12(\log(1 - \sigma(s_w)) + \log(1 - \sigma(s_f)))$.
# 3. **Interpolating captions.** Embed "a thin one" and "a thick one" with `model.text_encoder`,
#    interpolate the embeddings and decode with the generator at fixed $z$. Compare a model
#    trained with `interpolation=False`.
# 4. **Style transfer (the paper's section 4.4).** Swap $z$ between two captions: does $z$
#    carry the "style" that the caption does not name?
