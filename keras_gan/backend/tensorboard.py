"""TensorBoard event files, written with `tf.summary` whatever the Keras backend.

TensorFlow is a dependency on every backend (tf.data feeds the training loop); `tf.summary`
writes through the `tensorboard` package, which `tensorflow-cpu` 2.21 no longer installs
(FINDINGS.md). Without it the writer is None and the run says so once.
"""

import os
import sys

_WARNED = []


def summary_writer(log_dir):
    """A `tf.summary` file writer for `log_dir`, or None (said once) without TensorBoard."""
    try:
        import tensorboard  # noqa: F401  (tf.summary writes through it)
    except ImportError:
        if not _WARNED:
            _WARNED.append(True)
            print(
                "Skipping TensorBoard logs: the 'tensorboard' package is not installed "
                "(pip install tensorboard). Samples, losses.png and history.json are written.",
                file=sys.stderr,
            )
        return None
    import tensorflow as tf

    return tf.summary.create_file_writer(os.fspath(log_dir))


def write_image(writer, tag, image, step):
    """Writes one image `(height, width)` or `(height, width, channels)` in [0, 1] at `step`."""
    import tensorflow as tf

    image = image[..., None] if image.ndim == 2 else image
    with writer.as_default():
        tf.summary.image(tag, image[None], step=step)
    writer.flush()


def write_scalars(writer, scalars, step):
    """Writes `{tag: float}` at `step`."""
    import tensorflow as tf

    with writer.as_default():
        for tag, value in scalars.items():
            tf.summary.scalar(tag, value, step=step)
    writer.flush()
