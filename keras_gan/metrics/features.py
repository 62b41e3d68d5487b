"""Feature networks and batched feature extraction.

A `FeatureNetwork` maps a batch of images in [-1, 1] to features (for FID, KID, precision/recall,
density/coverage) and, when it classifies, to class probabilities (for the Inception Score and
class coverage). Each one states its protocol, which every metric result repeats, because a
number computed with one network is not comparable with a number computed with another.

Networks:

- `"inception_v3"`: `keras.applications.InceptionV3` with ImageNet weights, the standard FID/IS
  network. 2048-d pool features and the 1000-class softmax.
- `"classifier:mnist"`, `"classifier:fashion_mnist"`, `"classifier:digits"`: a small CNN trained
  by keras_gan on the dataset's training split (`keras_gan.metrics.classifier`). Its
  penultimate layer (128-d, before the ReLU) gives the features, its softmax the probabilities.
- `"classifier:stacked_mnist"`: the MNIST classifier applied to each of the 3 channels; features
  are the 3 channel features concatenated (384-d), probabilities the product of the 3 channel
  softmaxes over the 1000 modes `100 * d_r + 10 * d_g + d_b`.
- any `keras.Model` mapping images to features, or to `[features, probabilities]`.

Extraction runs the network with `predict_on_batch` (compiled on every backend) and accumulates
`RunningMoments` for FID over all images, while keeping at most `max_samples` feature vectors and
probabilities for the metrics that need the samples themselves.
"""

import dataclasses

import keras
import numpy as np

from keras_gan.metrics.fid import RunningMoments
from keras_gan.metrics.sources import iterate_images

CLASSIFIER_DATASETS = ("mnist", "fashion_mnist", "stacked_mnist", "digits")
ACCEPTED = ("inception_v3",) + tuple(f"classifier:{d}" for d in CLASSIFIER_DATASETS)

_INCEPTION_WEIGHTS = (
    # The file and MD5 that keras.applications.InceptionV3(weights="imagenet") downloads.
    "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
    "9a0d58056eeedaa3f26cb7ebd46da564",
)


class FeatureNetwork:
    """A network that maps images in [-1, 1] to features and, optionally, class probabilities.

    Args:
        name: str, the name reported in results (e.g. `"classifier:mnist"`).
        build: callable `build(image_shape) -> keras.Model`, the model for images of that shape
            (without batch axis), outputting `features` or `[features, probabilities]`.
        protocol: str, how images are turned into features, reported with every result.
        num_classes: int, the number of classes of the probabilities, or `None` when the network
            gives features only. Defaults to `None`.
        input_shape: tuple, the only image shape accepted, or `None` for any. Defaults to `None`.
        info: dict, extra facts reported with results (e.g. the classifier's test accuracy).
            Defaults to `None`.
        resizes: bool, whether `build` resizes images of another height and width to
            `input_shape` (then only the channels must match). Defaults to `False`.
    """

    def __init__(
        self, name, build, protocol, num_classes=None, input_shape=None, info=None, resizes=False
    ):
        self.name = name
        self.protocol = protocol
        self.num_classes = num_classes
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.info = dict(info or {})
        self.resizes = resizes
        self._build = build
        self._models = {}

    def model(self, image_shape):
        """The keras.Model for images of `image_shape` (built once per shape)."""
        image_shape = tuple(int(s) for s in image_shape)
        expected = self.input_shape
        if expected is not None and image_shape != expected:
            if not (self.resizes and image_shape[-1:] == expected[-1:]):
                resized = " (other sizes are resized)" if self.resizes else ""
                raise ValueError(
                    f"Feature network '{self.name}' takes images of shape {expected}{resized}. "
                    f"Received: image shape {image_shape}"
                )
        if image_shape not in self._models:
            self._models[image_shape] = self._build(image_shape)
        return self._models[image_shape]

    def __call__(self, images):
        """Returns `(features, probabilities or None)` as numpy arrays for a batch of images."""
        outputs = self.model(images.shape[1:]).predict_on_batch(images)
        if isinstance(outputs, list | tuple):
            features, probs = outputs
        else:
            features, probs = outputs, None
        features = np.asarray(features).reshape(len(images), -1)
        return features, None if probs is None else np.asarray(probs)

    def describe(self):
        """The name, protocol and extra facts, as a dict for results."""
        return {"feature_network": self.name, "protocol": self.protocol, **self.info}


@dataclasses.dataclass
class Extracted:
    """What `extract_features` collects from one set of images.

    Attributes:
        moments: `RunningMoments` of the features of all images read.
        features: float32 array `(min(count, max_samples), d)`, or `None` when not kept.
        probs: float32 array `(min(count, max_samples), num_classes)`, or `None`.
        count: int, the number of images read.
        image_shape: tuple, the shape of one image.
    """

    moments: RunningMoments
    features: np.ndarray | None
    probs: np.ndarray | None
    count: int
    image_shape: tuple


def extract_features(
    network,
    source,
    num_samples=None,
    batch_size=100,
    max_samples=10_000,
    keep_features=True,
    keep_probs=True,
    name="images",
    image_shape=None,
):
    """Runs `network` over images from `source` in batches, streaming the feature moments.

    Only features are kept, never images: the mean and covariance accumulate over every image,
    and the first `max_samples` feature vectors (and probabilities) are stored for the
    sample-based metrics.

    Args:
        network: a `FeatureNetwork`, a name such as `"classifier:mnist"` or a `keras.Model`
            (see `get_feature_network`).
        source: images: a `tf.data.Dataset`, a numpy array, or a callable `generate(n)` (see
            `keras_gan.metrics.sources.iterate_images`).
        num_samples: int, the most images to read. Defaults to `None` (all; required for a
            generator).
        batch_size: int, images per forward pass. Defaults to 100.
        max_samples: int, the most feature vectors kept. Defaults to 10000.
        keep_features: bool, whether to keep feature vectors. Defaults to `True`.
        keep_probs: bool, whether to keep probabilities. Defaults to `True`.
        name: str, how errors name this source. Defaults to `"images"`.
        image_shape: tuple, the image shape required (e.g. that of the real images), or `None`.
            Defaults to `None`.

    Returns:
        An `Extracted`.
    """
    network = get_feature_network(network)
    moments = RunningMoments()
    kept_features, kept_probs, count, shape, padded_size = [], [], 0, None, None
    for images in iterate_images(source, num_samples, batch_size, name):
        if image_shape is not None and images.shape[1:] != tuple(image_shape):
            raise ValueError(
                f"{name} must have the same shape as the real images, {tuple(image_shape)}. "
                f"Received: image shape {images.shape[1:]}"
            )
        n = len(images)
        shape, padded_size = images.shape[1:], padded_size or n
        if n < padded_size:  # pad the last batch so compiled functions see one shape
            images = np.concatenate([images, np.zeros((padded_size - n, *shape), np.float32)])
        features, probs = network(images)
        features, probs = features[:n], None if probs is None else probs[:n]
        moments.update(features)
        room = max(0, max_samples - count)
        if keep_features and room:
            kept_features.append(features[:room].astype(np.float32))
        if keep_probs and probs is not None and room:
            kept_probs.append(probs[:room].astype(np.float32))
        count += n
    if count == 0:
        raise ValueError(f"{name}: the source gave no images.")
    return Extracted(
        moments=moments,
        features=np.concatenate(kept_features) if kept_features else None,
        probs=np.concatenate(kept_probs) if kept_probs else None,
        count=count,
        image_shape=tuple(shape),
    )


def get_feature_network(spec):
    """Returns the `FeatureNetwork` named by `spec`.

    Args:
        spec: a `FeatureNetwork`; `"inception_v3"`; `"classifier:<dataset>"` with dataset one of
            `mnist`, `fashion_mnist`, `stacked_mnist`, `digits`; or a `keras.Model` mapping
            images in [-1, 1] to features, or to `[features, probabilities]`.

    Returns:
        A `FeatureNetwork`.
    """
    if isinstance(spec, FeatureNetwork):
        return spec
    if isinstance(spec, keras.Model):
        return _user_network(spec)
    if spec == "inception_v3":
        return inception_v3()
    if isinstance(spec, str) and spec.startswith("classifier:"):
        dataset = spec.split(":", 1)[1]
        if dataset in CLASSIFIER_DATASETS:
            return classifier_network(dataset)
    raise ValueError(
        f"Unknown feature network. Accepted: {', '.join(repr(a) for a in ACCEPTED)}, a "
        f"keras.Model or a FeatureNetwork. Received: feature_network={spec!r}"
    )


def inception_v3(weights="imagenet", image_size=299):
    """InceptionV3 pool features (2048-d) and ImageNet class probabilities (1000).

    Protocol: images in [-1, 1] (which is already InceptionV3's input scaling) are resized
    bilinearly, without antialiasing, to `image_size` x `image_size`, and grayscale images are
    repeated to 3 channels; the features are the global average pool of the last block
    (`avg_pool`, "pool_3"), the probabilities the softmax of the top layer.

    These are the ImageNet weights of `keras.applications`, not the 2015 TensorFlow graph that
    the original FID and IS code (and pytorch-fid) use, so values are comparable between runs of
    keras_gan, not with numbers published in papers.

    Args:
        weights: `"imagenet"` (downloaded once by `keras.utils.get_file` into
            `~/.keras/models/`), a path to that `.h5` file, or `None` (random weights: only for
            checking shapes). Defaults to `"imagenet"`.
        image_size: int, the side images are resized to; the protocol is 299, and at least 75.
            Defaults to 299.

    Returns:
        A `FeatureNetwork` named `"inception_v3"`.

    Reference: https://arxiv.org/abs/1512.00567
    """
    if image_size < 75:
        raise ValueError(
            f"InceptionV3 needs images of at least 75x75. Received: image_size={image_size}"
        )
    if weights == "imagenet":
        weights = _inception_weights()
    core = keras.applications.InceptionV3(
        include_top=True, weights=weights, input_shape=(image_size, image_size, 3)
    )
    # One forward pass gives both outputs: pool_3 features and the softmax on top of them.
    core = keras.Model(core.input, [core.get_layer("avg_pool").output, core.output])

    def build(image_shape):
        inputs = keras.Input(image_shape)
        x = keras.layers.Resizing(image_size, image_size, interpolation="bilinear")(inputs)
        if image_shape[-1] == 1:
            x = keras.layers.Concatenate()([x, x, x])
        elif image_shape[-1] != 3:
            raise ValueError(
                f"InceptionV3 takes 1- or 3-channel images. Received: image shape {image_shape}"
            )
        return keras.Model(inputs, core(x))

    source = "ImageNet weights" if weights is not None else "random weights (shape checks only)"
    protocol = (
        f"InceptionV3 (keras.applications, {source}): images in [-1, 1] resized bilinearly to "
        f"{image_size}x{image_size}, grayscale repeated to 3 channels; features = 2048-d "
        "avg_pool (pool_3), probabilities = softmax over 1000 ImageNet classes. Not the TF-FID "
        "graph: compare only with values computed by keras_gan."
    )
    return FeatureNetwork("inception_v3", build, protocol, num_classes=1000)


def _inception_weights():
    filename, origin, md5 = _INCEPTION_WEIGHTS
    try:
        return keras.utils.get_file(filename, origin, cache_subdir="models", file_hash=md5)
    except Exception as error:
        raise RuntimeError(
            "Could not download the InceptionV3 ImageNet weights (no network access?). Download "
            f"{origin} on a machine with access and copy it to ~/.keras/models/{filename}, or "
            "pass its path: inception_v3(weights='/path/to/file.h5'). Offline, use a feature "
            "network that keras_gan trains itself, e.g. feature_network='classifier:mnist'. "
            f"Cause: {type(error).__name__}: {error}"
        ) from error


def classifier_network(dataset, cache_dir=None):
    """The keras_gan classifier of `dataset` as a feature network (trained on first use).

    Features are the penultimate dense layer before its ReLU (128-d); probabilities the softmax.
    For `"stacked_mnist"` the MNIST classifier runs on each channel: features are the three
    channel features concatenated, probabilities the product of the three softmaxes over the
    1000 modes `100 * d_r + 10 * d_g + d_b`. Images of another height and width (a run at
    another `--image-size`) are resized bilinearly, antialiased, to the classifier's own size
    first, real and generated alike; the protocol says so.

    Args:
        dataset: str, one of `mnist`, `fashion_mnist`, `stacked_mnist`, `digits`.
        cache_dir: str, where the trained classifier is kept. Defaults to `None`
            (`$KERAS_GAN_CACHE_DIR`, else `~/.keras/keras_gan/`).

    Returns:
        A `FeatureNetwork` named `"classifier:<dataset>"`.
    """
    from keras_gan.metrics import classifier

    base = "mnist" if dataset == "stacked_mnist" else dataset
    model, record = classifier.load_classifier(base, cache_dir=cache_dir)
    head = keras.Model(model.input, [model.get_layer("features").output, model.output])
    height, width, _ = model.input.shape[1:]
    info = {
        "classifier_dataset": base,
        "classifier_test_accuracy": record["test_accuracy"],
        "classifier_test_examples": record["test_examples"],
    }
    accuracy = f"test accuracy {record['test_accuracy']:.4f} on {record['test_examples']} {base} test images"
    # A run at another --image-size (digits at 16x16) is read at the classifier's own size.
    resizing = f"images of another size resized bilinearly (antialiased) to {height}x{width} first"

    def resize(inputs):
        if tuple(inputs.shape[1:3]) == (height, width):
            return inputs
        return keras.layers.Resizing(height, width, "bilinear", antialias=True)(inputs)

    if dataset != "stacked_mnist":
        protocol = (
            f"keras_gan CNN classifier trained on the {base} training split ({accuracy}): images "
            f"in [-1, 1] at {height}x{width}x1 ({resizing}); features = 128-d penultimate dense "
            "layer before ReLU, probabilities = softmax over 10 classes."
        )

        def build_single(image_shape):
            if tuple(image_shape[:2]) == (height, width):
                return head
            inputs = keras.Input(image_shape)
            return keras.Model(inputs, head(resize(inputs)))

        return FeatureNetwork(
            f"classifier:{dataset}", build_single, protocol, 10, (height, width, 1), info,
            resizes=True,
        )  # fmt: skip

    def build(image_shape):
        inputs = keras.Input(image_shape)  # (b, h, w, 3)
        x = resize(inputs)  # (b, 28, 28, 3)
        x = keras.ops.transpose(x, (0, 3, 1, 2))  # (b, 3, 28, 28)
        x = keras.ops.reshape(x, (-1, height, width, 1))  # (3b, 28, 28, 1)
        features, probs = head(x)  # (3b, d), (3b, 10)
        features = keras.ops.reshape(features, (-1, 3 * features.shape[-1]))
        probs = keras.ops.reshape(probs, (-1, 3, 10))
        # p(mode = 100 r + 10 g + b) = p_r(r) p_g(g) p_b(b): an outer product, flattened in C order
        joint = probs[:, 0, :, None, None] * probs[:, 1, None, :, None] * probs[:, 2, None, None, :]
        return keras.Model(inputs, [features, keras.ops.reshape(joint, (-1, 1000))])

    protocol = (
        f"keras_gan MNIST classifier ({accuracy}) applied to each channel of {height}x{width}x3 "
        f"images in [-1, 1] ({resizing}); features = the 3 channels' 128-d penultimate features "
        "concatenated (384-d), probabilities = product of the channel softmaxes over 1000 modes "
        "100*d_r + 10*d_g + d_b."
    )
    return FeatureNetwork(
        "classifier:stacked_mnist", build, protocol, 1000, (height, width, 3), info, resizes=True
    )


def _user_network(model):
    outputs = model.outputs if hasattr(model, "outputs") and model.outputs else None
    num_classes = None
    if outputs is not None and len(outputs) == 2:
        num_classes = int(outputs[1].shape[-1])
    protocol = f"user-supplied keras.Model '{model.name}': images in [-1, 1] passed unchanged; " + (
        "outputs [features, probabilities]." if num_classes else "output = features."
    )
    return FeatureNetwork(f"keras.Model:{model.name}", lambda shape: model, protocol, num_classes)
