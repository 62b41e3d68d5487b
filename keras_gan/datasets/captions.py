"""Captions that describe digit images, and the fixed vocabulary that encodes them.

Each caption names the digit and up to three properties *measured on that image* (not drawn at
random), so a text-to-image GAN has something real to condition on:

* thickness: stroke width $w \\approx 2A / P$, with $A$ the ink area and $P$ the length of the
  ink boundary (a stroke of length $L$ and width $w$ has $A = wL$, $P \\approx 2L$);
* size: the area of the ink's bounding box, as a fraction of the image area;
* slant: the shear of the ink from its second moments, $-\\mu_{11}/\\mu_{02}$ (positive when
  the top leans right; image rows grow downwards).

A property is only named when it is clearly low or high: thickness and size when below the
dataset's 1/3 quantile or above its 2/3 quantile, slant when the shear exceeds 0.2 (about 11
degrees) either way (`caption_thresholds`). The wording varies ("a thick 7", "a small slanted seven
written thin"), and which properties are named is drawn with the seed, once per image.
"""

from __future__ import annotations

import re

import numpy as np

PAD = "<pad>"
UNKNOWN = "<unk>"

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

# Every word a caption can contain; the vocabulary is fixed so ids never change between runs.
_CAPTION_WORDS = (
    *DIGIT_WORDS,
    *(str(d) for d in range(10)),
    "a", "an", "the", "digit", "number", "written", "drawn", "in", "with", "strokes", "and",
    "thin", "thick", "bold", "small", "large", "big", "tiny", "slanted", "leaning", "right",
    "left",
)  # fmt: skip


class Vocabulary:
    """A fixed word-level vocabulary: id 0 pads, id 1 stands for any unknown word.

    Args:
        words: sequence of str, the known words (ids 2, 3, ... in this order).
        max_len: int, the length `encode` pads or truncates to. Defaults to `12`.

    Example:

    >>> vocab = Vocabulary(["a", "thick", "seven"], max_len=5)
    >>> vocab.encode("a thick seven").tolist()
    [2, 3, 4, 0, 0]
    >>> vocab.encode(["a zebra"]).tolist()
    [[2, 1, 0, 0, 0]]
    >>> vocab.decode([2, 3, 4, 0, 0])
    'a thick seven'
    """

    pad_id = 0
    unknown_id = 1

    def __init__(self, words, max_len=12):
        words = [w for w in dict.fromkeys(words) if w not in (PAD, UNKNOWN)]
        self.words = (PAD, UNKNOWN, *words)
        self.max_len = int(max_len)
        self._ids = {w: i for i, w in enumerate(self.words)}

    @property
    def vocabulary_size(self) -> int:
        """int, number of ids including padding and unknown."""
        return len(self.words)

    @staticmethod
    def tokenize(text: str) -> list[str]:
        """Lower-cases `text` and splits it into words and single digits."""
        return re.findall(r"[a-z]+|[0-9]", text.lower())

    def encode(self, texts, max_len=None):
        """Encodes a string or a list of strings to int32 token ids, padded with 0.

        Args:
            texts: str or list of str.
            max_len: int or None, the padded length. Defaults to `self.max_len`.

        Returns:
            int32 array `(max_len,)` for a str, `(len(texts), max_len)` for a list. Unknown words
            map to `unknown_id`; longer captions are truncated.
        """
        max_len = self.max_len if max_len is None else int(max_len)
        single = isinstance(texts, str)
        rows = np.zeros((1 if single else len(texts), max_len), dtype=np.int32)
        for row, text in zip(rows, [texts] if single else texts):
            ids = [self._ids.get(w, self.unknown_id) for w in self.tokenize(text)][:max_len]
            row[: len(ids)] = ids
        return rows[0] if single else rows

    def decode(self, ids) -> str | list[str]:
        """Turns token ids back into text (padding dropped); a 2-D input gives a list."""
        ids = np.asarray(ids)
        if ids.ndim == 2:
            return [self.decode(row) for row in ids]
        return " ".join(self.words[int(i)] for i in ids if int(i) != self.pad_id)

    def get_config(self) -> dict:
        return {"words": list(self.words[2:]), "max_len": self.max_len}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"Vocabulary(vocabulary_size={self.vocabulary_size}, max_len={self.max_len})"


DIGIT_VOCABULARY = Vocabulary(_CAPTION_WORDS, max_len=12)
"""The fixed `Vocabulary` of `mnist_captions`."""


def measure_digits(images):
    """Measures stroke thickness, size and slant of each digit image.

    Args:
        images: array `(n, height, width)` or `(n, height, width, 1)`, uint8 in [0, 255] (or
            float in [-1, 1], as the datasets yield). Ink is any pixel brighter than mid-grey.

    Returns:
        dict of float arrays `(n,)`: `"thickness"` (pixels, $2A/P$), `"size"` (bounding-box area
        over image area), `"slant"` ($-\\mu_{11}/\\mu_{02}$; > 0 leans right).
    """
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    # In chunks of ~1M pixels: the float64 intermediates below take ~40 bytes per pixel.
    step = max(1, 2**20 // max(1, images.shape[1] * images.shape[2]))
    if len(images) > step:
        parts = [measure_digits(images[i : i + step]) for i in range(0, len(images), step)]
        return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    mid = 0.0 if np.issubdtype(images.dtype, np.floating) else 127.5
    ink = images > mid
    n, h, w = ink.shape
    area = ink.sum(axis=(1, 2)).astype(np.float64)
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    perimeter = (np.diff(padded, axis=1) != 0).sum(axis=(1, 2)) + (
        np.diff(padded, axis=2) != 0
    ).sum(axis=(1, 2))
    thickness = 2.0 * area / np.maximum(perimeter, 1)

    def extent(mask):  # rows (or columns) between the first and last holding ink
        return mask.shape[1] - np.argmax(mask[:, ::-1], axis=1) - np.argmax(mask, axis=1)

    size = np.where(area > 0, extent(ink.any(axis=2)) * extent(ink.any(axis=1)) / (h * w), 0.0)

    ys, xs = np.mgrid[0:h, 0:w]
    weight = ink.astype(np.float64)
    total = np.maximum(area, 1.0)
    my = (weight * ys).sum(axis=(1, 2)) / total
    mx = (weight * xs).sum(axis=(1, 2)) / total
    dy = ys[None] - my[:, None, None]
    dx = xs[None] - mx[:, None, None]
    mu11 = (weight * dx * dy).sum(axis=(1, 2)) / total
    mu02 = (weight * dy * dy).sum(axis=(1, 2)) / total
    slant = -mu11 / np.maximum(mu02, 1e-6)
    return {"thickness": thickness, "size": size, "slant": slant}


# A shear of 0.2 (about 11 degrees) is visibly slanted; below it a digit reads as upright.
SLANT_THRESHOLD = 0.2


def caption_thresholds(measures) -> dict:
    """The `(low, high)` bounds outside which a property is named in a caption.

    Thickness and size: their 1/3 and 2/3 quantiles over the dataset. Slant: -0.2 and 0.2.

    Args:
        measures: dict from `measure_digits`.

    Returns:
        dict mapping each measure name to a `(low, high)` pair of floats.
    """
    thresholds = {
        k: tuple(float(q) for q in np.quantile(measures[k], [1 / 3, 2 / 3]))
        for k in ("thickness", "size")
    }
    thresholds["slant"] = (-SLANT_THRESHOLD, SLANT_THRESHOLD)
    return thresholds


# The words each property level may be said with.
PROPERTY_WORDS = {
    ("thickness", "low"): ("thin",),
    ("thickness", "high"): ("thick", "bold"),
    ("size", "low"): ("small", "tiny"),
    ("size", "high"): ("large", "big"),
    ("slant", "low"): ("leaning left",),
    ("slant", "high"): ("slanted", "leaning right"),
}


def levels(measures, thresholds) -> dict:
    """For each measure, an array of `"low"`, `"high"` or `""` (neither)."""
    out = {}
    for key, values in measures.items():
        low, high = thresholds[key]
        out[key] = np.where(values < low, "low", np.where(values > high, "high", ""))
    return out


def _article(next_word):
    return "an" if next_word[0] in "aeiou8" else "a"


def _compose(rng, label, named):
    """One caption for digit `label` naming the properties in `named` ({measure: level})."""
    digit = DIGIT_WORDS[label] if rng.random() < 0.5 else str(label)
    before, after = [], []
    for key, level in named.items():
        word = PROPERTY_WORDS[(key, level)][rng.integers(len(PROPERTY_WORDS[(key, level)]))]
        if key == "thickness" and rng.random() < 0.4:
            after.append(
                rng.choice([f"written {word}", f"in {word} strokes", f"with {word} strokes"])
            )
        elif key == "slant" and " " in word:
            after.append(word)
        else:
            before.append(word)
    noun = [digit] if rng.random() < 0.7 else ["digit", digit]
    words = before + noun
    det = rng.choice(["a", "the", ""]) if rng.random() < 0.8 else ""
    if det == "a":
        det = _article(words[0])
    return " ".join([w for w in [det, *words] if w] + after)


def caption_digits(images, labels, seed=0, thresholds=None):
    """Writes one caption per digit image from its label and measured properties.

    Args:
        images: uint8 array `(n, height, width[, 1])`, white digits on black.
        labels: int array `(n,)`, the digit of each image.
        seed: int, chooses the wording and which properties each caption names. Defaults to `0`.
        thresholds: dict or None, from `caption_thresholds`. Defaults to the quantiles of
            `images` themselves.

    Returns:
        A tuple `(captions, measures, thresholds)`: a list of `n` str, the dict of measures and the
        thresholds used.

    Example:

    >>> captions, _, _ = caption_digits(images, labels)  # doctest: +SKIP
    >>> captions[:2]  # doctest: +SKIP
    ['a thick 7', 'small slanted three written thin']
    """
    measures = measure_digits(images)
    thresholds = caption_thresholds(measures) if thresholds is None else thresholds
    level = levels(measures, thresholds)
    rng = np.random.default_rng(seed)
    captions = []
    for i, label in enumerate(np.asarray(labels).astype(int)):
        extreme = [k for k in ("size", "thickness", "slant") if level[k][i]]
        # Name 1..all of the extreme properties (sometimes none), in a random order.
        count = rng.integers(0, len(extreme) + 1) if extreme else 0
        count = max(count, 1) if extreme and rng.random() < 0.8 else count
        chosen = [extreme[j] for j in sorted(rng.permutation(len(extreme))[:count])]
        captions.append(_compose(rng, int(label), {k: level[k][i] for k in chosen}))
    return captions, measures, thresholds


def named_properties(caption: str) -> dict:
    """Parses a caption back into `{measure: "low" | "high"}` for the properties it names."""
    text = " ".join(Vocabulary.tokenize(caption))
    found = {}
    for (key, level), words in PROPERTY_WORDS.items():
        for word in words:
            if re.search(rf"\b{word}\b", text):
                if key == "slant" and word == "slanted" and "leaning" in text:
                    continue
                found[key] = level
    return found


def named_digit(caption: str) -> int | None:
    """The digit a caption names (as a word or numeral), or None."""
    for token in Vocabulary.tokenize(caption):
        if token in DIGIT_WORDS:
            return DIGIT_WORDS.index(token)
        if token.isdigit():
            return int(token)
    return None
