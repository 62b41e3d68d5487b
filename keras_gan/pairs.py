"""Models trained on two image sets (pix2pix's aligned pairs, CycleGAN's two domains, SRGAN's
low/high-resolution pairs): one place that unpacks such a batch and checks such data."""

import numpy as np
from keras import ops

from keras_gan.datasets.pipeline import is_dataset


def unpack_pair(data, names=("source", "target")):
    """The two image batches of a paired (or unpaired) batch: `(a, b)`, `((a, b),)` or a dict."""
    if isinstance(data, dict):
        return data[names[0]], data[names[1]]
    if isinstance(data, (tuple, list)):
        # fit(x=(a, b)) gives ((a, b),); train_on_batch((a, b)) gives ((a, b), None, None)
        data = tuple(part for part in data if part is not None)
        if len(data) == 1:
            data = data[0]
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise ValueError(
            f"Expected a batch of two image tensors ({names[0]}, {names[1]}). "
            f"Received: {type(data).__name__}"
        )
    # train_on_batch on torch hands numpy arrays through unconverted
    return ops.convert_to_tensor(data[0]), ops.convert_to_tensor(data[1])


def check_pair_data(model, x, names, same_size):
    """Checks `fit()` data made of two image sets against `model.input_shapes`.

    Args:
        model: a model with `pair_shapes` (the two expected image shapes) and `check_samples`.
        x: `tf.data.Dataset` of pairs, or a tuple of two arrays.
        names: the two sides' names, for the messages.
        same_size: bool, the two sides must have the same height and width (pixel-aligned).
    """
    cls = type(model).__name__
    if is_dataset(x):
        spec = x.element_spec
        if not isinstance(spec, (tuple, list)) or len(spec) != 2:
            raise ValueError(
                f"{cls} trains on ({names[0]}, {names[1]}) image pairs; the dataset yields "
                f"{spec}. Load a paired set (e.g. keras_gan.datasets.load('mnist_edges'))."
            )
        first = next(iter(x.take(1)), None)
        if first is None:
            raise ValueError("The dataset passed to fit() is empty.")
        shapes = [tuple(s.shape) for s in spec]
        arrays = [np.asarray(a) for a in first]
    elif isinstance(x, (tuple, list)) and len(x) == 2:
        arrays = [np.asarray(a) for a in x]
        shapes = [(None, *a.shape[1:]) for a in arrays]
        if same_size and len(arrays[0]) != len(arrays[1]):
            raise ValueError(
                f"{cls} needs as many {names[0]} as {names[1]} images (one pair each). "
                f"Received: {len(arrays[0])} and {len(arrays[1])}"
            )
    else:
        raise ValueError(
            f"{cls} trains on ({names[0]}, {names[1]}) image pairs: pass fit(({names[0]}, "
            f"{names[1]})), fit({names[0]}, {names[1]}) or a dataset of pairs. "
            f"Received: {type(x).__name__}"
        )
    got = [shape[1:] for shape in shapes]
    if same_size and (len(got[0]) != 3 or len(got[1]) != 3 or got[0][:2] != got[1][:2]):
        raise ValueError(
            f"{cls} translates pixel-aligned pairs: {names[0]} and {names[1]} images must have "
            f"the same height and width. Received: {names[0]} shape {got[0]}, {names[1]} shape "
            f"{got[1]}"
        )
    for name, shape, expected, array in zip(names, shapes, model.pair_shapes, arrays):
        if tuple(shape[1:]) != tuple(expected):
            raise ValueError(
                f"{cls} was built for {name} images of shape {tuple(expected)}, but the data has "
                f"{name} images of shape {tuple(shape[1:])}. Build the model for the data's shape "
                "or resize the data (`image_size=` in keras_gan.datasets.load)."
            )
        model.check_samples(
            (shape[0], *model.sample_shape), array.dtype.name, (array.min(), array.max()), what=f"{name} images"
        )  # fmt: skip


def check_pair_info(model_class, config, info, names, channels_flag):
    """Refuses a paired or unpaired dataset whose two sides a translation model cannot use.

    Both sides must have the same height and width (the generators keep the size), and the
    source side the channels the config builds for (`source_channels`, None: the targets').

    Args:
        model_class: the model class, for the message.
        config: its config, with `dataset` and `source_channels`.
        info: the dataset's `keras_gan.datasets.DatasetInfo`.
        names: the two sides' names, e.g. `("source", "target")`.
        channels_flag: the flag that sets the source channels, for the message.

    Raises:
        ValueError: one line, naming the shapes and the fix.
    """
    target = tuple(info.image_shape)
    source = tuple(info.source_shape or target)
    cls = model_class.__name__
    if source[:2] != target[:2]:
        hint = ", ".join(getattr(model_class, "suggested_datasets", ()))
        raise ValueError(
            f"{cls} translates pixel-aligned images, but dataset '{config.dataset}' has "
            f"{names[0]} images of {source[0]}x{source[1]} and {names[1]} images of "
            f"{target[0]}x{target[1]}. Choose a dataset whose two sides have the same size with "
            f"--dataset: {hint}."
        )
    channels = config.source_channels or target[-1]
    if source[-1] != channels:
        raise ValueError(
            f"{cls} is configured for {channels}-channel {names[0]} images, but dataset "
            f"'{config.dataset}' has {source[-1]}-channel ones. Pass {channels_flag} {source[-1]}."
        )
