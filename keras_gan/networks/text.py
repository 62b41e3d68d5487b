"""A small trainable text encoder for text-to-image GANs (GAN-INT-CLS).

Reed et al. 2016 encode captions with a character-level CNN-RNN (char-CNN-RNN, 1024-d)
pretrained with a structured joint embedding of images and text. keras_gan's captions have a
word vocabulary of a few dozen words, so the encoder here is word-level: an embedding of each
token, a GRU over the caption (padding masked), and a dense projection to the text embedding
$\\varphi(t)$. It has no pretrained weights; `GANINTCLS` trains it (see that class).

Reference: https://arxiv.org/abs/1605.05396
"""

import keras
from keras import layers


def text_encoder(
    vocabulary_size, max_len=12, token_dim=32, units=128, embedding_dim=128, name="text_encoder"
):
    """Builds the caption encoder: token ids -> text embedding $\\varphi(t)$.

    Args:
        vocabulary_size: int, number of token ids (id 0 pads and is masked).
        max_len: int, caption length in tokens. Defaults to 12.
        token_dim: int, size of each word vector. Defaults to 32.
        units: int, GRU width. Defaults to 128.
        embedding_dim: int, size of the text embedding. Defaults to 128.
        name: string. Defaults to `"text_encoder"`.

    Returns:
        A functional `keras.Model` mapping int32 `(batch, max_len)` to float
        `(batch, embedding_dim)`.
    """
    tokens = keras.Input((max_len,), dtype="int32", name="token_ids")
    # (b, max_len) -> (b, max_len, token_dim), padding masked
    x = layers.Embedding(vocabulary_size, token_dim, mask_zero=True, name="words")(tokens)
    # (b, max_len, token_dim) -> (b, units): the GRU's last state over the unmasked words
    x = layers.GRU(units, name="gru")(x)
    embedding = layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(tokens, embedding, name=name)
