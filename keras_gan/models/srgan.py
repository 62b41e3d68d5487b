"""SRGAN: photo-realistic single-image super-resolution with a GAN (Ledig et al. 2017)."""

import dataclasses
import sys

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import TranslationModel
from keras_gan.config import TrainConfig, field
from keras_gan.networks.srresnet import (
    VGG_LAYERS,
    srgan_discriminator,
    srresnet_generator,
    vgg19_features,
)
from keras_gan.pairs import unpack_pair
from keras_gan.registry import register

# "we rescaled the VGG feature maps by a factor of 1/12.75 ... to obtain VGG losses of a scale
# that is comparable to the MSE loss" (section 2.2.1).
VGG_RESCALE = 1.0 / 12.75
# Caffe-style VGG preprocessing: BGR channel means of ImageNet.
_VGG_BGR_MEAN = np.array([103.939, 116.779, 123.68], dtype="float32")


@dataclasses.dataclass
class SRGANConfig(TrainConfig):
    dataset: str = field(
        "mnist_superres",
        "(low-res, high-res) digit pairs from keras_gan.datasets; 7x7 -> 28x28 at scale 4.",
    )
    scale: int = field(
        4,
        "Upscaling factor: the paper's 4x (two x2 sub-pixel stages).",
    )
    num_blocks: int = field(
        4,
        "Residual blocks B. CPU scale; the paper's generator has 16 (--paper).",
    )
    filters: int = field(
        32,
        "Width of the generator's residual trunk; 64 in the paper (--paper).",
    )
    discriminator_filters: int = field(
        16,
        "Width of the discriminator's first convolutions (64 in the paper; doubles every two "
        "layers).",
    )
    dense_units: int = field(
        128,
        "Hidden dense layer of the discriminator: 1024 in the paper.",
    )
    content_loss: str = field(
        "mse",
        '"mse" (SRGAN-MSE), "vgg22" or "vgg54" (the paper\'s SRGAN-VGG54, needs the ImageNet '
        "VGG19 weights, which this offline CPU setup cannot download).",
    )
    adversarial_weight: float = field(
        1e-3,
        "Weight of the adversarial loss in the perceptual loss: l = l_X + 10^-3 l_Gen "
        "(equation 3).",
    )
    pretrain_steps: int = field(
        200,
        "Generator steps on the pixel MSE before the adversarial game (the paper initialises "
        "SRGAN with SRResNet-MSE trained for 10^6 updates). CPU scale.",
    )
    learning_rate: float = field(
        1e-4,
        'Adam step size: "learning rate of 10^-4" (then 10^-5 for the second 10^5 updates).',
    )
    beta_1: float = field(
        0.9,
        "Adam beta_1 = 0.9, the paper's.",
    )
    batch_size: int = field(
        16,
        '"16 random 96x96 HR sub images ... of distinct training images" per minibatch.',
    )

    PAPER = {
        "num_blocks": 16, "filters": 64, "discriminator_filters": 64, "dense_units": 1024,
        "content_loss": "vgg54", "pretrain_steps": 1_000_000,
    }  # fmt: skip
    PYTHON_FROM_PAPER = ("num_blocks", "filters", "discriminator_filters", "dense_units",
                         "content_loss")  # fmt: skip
    # Pretraining is asked for from Python (`pretrain_steps=`), done by default on the command
    # line.
    PYTHON = {"pretrain_steps": 0}


@register(
    "srgan",
    config=SRGANConfig,
    summary="Ledig et al. 2017: SRResNet + adversarial and VGG content losses, 4x super-resolution",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class SRGAN(TranslationModel):
    r"""SRGAN: a super-resolution network trained with a perceptual loss.

    $$\hat\theta_G = \arg\min_{\theta_G} \frac{1}{N}\sum_n l^{SR}\big(G_{\theta_G}(I^{LR}_n),
      I^{HR}_n\big), \qquad l^{SR} = l^{SR}_X + 10^{-3}\, l^{SR}_{Gen},$$
    $$l^{SR}_{VGG/i,j} = \frac{1}{W_{i,j}H_{i,j}}\sum_{x,y}\big(\phi_{i,j}(I^{HR})_{x,y}
      - \phi_{i,j}(G(I^{LR}))_{x,y}\big)^2, \qquad
      l^{SR}_{Gen} = -\log D(G(I^{LR})),$$

    while $D$ maximises $\mathbb{E}[\log D(I^{HR})] + \mathbb{E}[\log(1 - D(G(I^{LR})))]$.
    The generator learns to upscale a low-resolution image so that its features match the
    high-resolution original's and the discriminator cannot tell it from a real photograph.

    `train_step` is one discriminator update, then one generator update on the perceptual loss.
    Before that, the generator is trained on the pixel MSE alone (the paper's SRResNet-MSE, used
    to initialise SRGAN "to avoid undesired local optima"): `pretrain(data, steps)` runs that
    phase, and `fit()` runs it first by itself while fewer than `pretrain_steps` pretraining
    steps have been taken (the count, `pretrained_steps`, is saved with the model).

    The content loss $l_X$ is `content_loss`: `"vgg54"` (the paper's $\phi_{5,4}$, on VGG19
    features rescaled by 1/12.75), `"vgg22"`, `"mse"` (pixel MSE, SRGAN-MSE) or any
    `keras.Model` mapping images in [-1, 1] to features (kept frozen), e.g. a classifier
    trained locally where the ImageNet VGG19 weights cannot be downloaded. Its name is in the
    logs: `content_vgg54`, `content_mse` or `content_<model name>`.

    The hyperparameters are keyword arguments, with the defaults of `SRGANConfig` (the paper's
    values for `num_blocks`, `filters`, `discriminator_filters`, `dense_units`, `content_loss`;
    from Python, `pretrain_steps=0`): `help(keras_gan.models.SRGAN)` shows them all, the
    stabilisers every model shares included.

    Args:
        generator: optional `keras.Model` from low-res to high-res images. Defaults to
            `srresnet_generator(low_res_shape, scale, num_blocks, filters)`.
        discriminator: optional `keras.Model` from high-res images to one logit. Defaults to
            `srgan_discriminator(image_shape, discriminator_filters, dense_units)`.
        image_shape: tuple, the high-resolution image shape, its height and width divisible by
            `scale`. Defaults to `(28, 28, 1)`.
        scale: int, a power of two, the upscaling factor.
        num_blocks: int, residual blocks B of the default generator.
        filters: int, width of the default generator.
        discriminator_filters: int, first width of the default discriminator.
        dense_units: int, hidden dense layer of the default discriminator.
        content_loss: `"vgg54"`, `"vgg22"`, `"mse"` or a `keras.Model`.
        adversarial_weight: float, weight of $l_{Gen}$.
        pretrain_steps: int >= 0, MSE pretraining steps `fit()` takes first.
        seed: optional int, seed of the model's random stream.
        **kwargs: passed to `keras.Model` (`name`).

    Example:

    ```python
    pairs = keras_gan.datasets.load("mnist_superres", batch_size=16)  # (7x7, 28x28) pairs
    srgan = keras_gan.models.SRGAN(image_shape=(28, 28, 1), content_loss="mse", pretrain_steps=500)
    srgan.compile()  # Adam(1e-4, beta_1=0.9) for both networks
    srgan.fit(pairs, epochs=1)  # 500 MSE steps, then the adversarial game
    high_res = srgan.generate(low_res)
    ```

    Reference: https://arxiv.org/abs/1609.04802
    """

    network_names = ("generator", "discriminator")
    #: What the CLI loads for it (keras_gan.train): paired batches.
    data_kind = "paired"

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        seed=None,
        *,
        scale,
        num_blocks,
        filters,
        discriminator_filters,
        dense_units,
        content_loss,
        **kwargs,
    ):
        image_shape = tuple(image_shape)
        if generator is not None:
            scale = generator.output_shape[1] // generator.input_shape[1]
            image_shape = tuple(generator.output_shape[1:])
        height, width, channels = image_shape
        if not isinstance(scale, (int, np.integer)) or scale < 2:
            raise ValueError(f"`scale` must be an integer >= 2. Received: scale={scale!r}")
        if height % scale or width % scale:
            raise ValueError(
                f"SRGAN upscales by scale={scale}, so the high-resolution image size must be "
                f"divisible by {scale}. Received: image_shape={image_shape}; use e.g. "
                f"{scale * max(1, height // scale)}x{scale * max(1, width // scale)}."
            )
        low_res_shape = (height // scale, width // scale, channels)
        generator = generator or srresnet_generator(low_res_shape, scale, num_blocks, filters)
        discriminator = discriminator or srgan_discriminator(
            image_shape, discriminator_filters, dense_units
        )
        content_name, content_network = self._content_setting(content_loss)
        log_names = (
            "d_loss", "g_loss", f"content_{content_name}", "adversarial_loss", "pixel_mse",
        )  # fmt: skip
        super().__init__(generator, discriminator, seed=seed, log_names=log_names, **kwargs)
        self.scale = int(scale)
        self.content_loss = content_loss if isinstance(content_loss, str) else None
        self.content_name = content_name
        self.content_network = content_network
        # How many MSE pretraining steps were taken; saved with the weights, so a reloaded
        # model does not pretrain again.
        self.pretrained_steps = self.add_weight(
            name="pretrained_steps", shape=(), dtype="int32", initializer="zeros", trainable=False
        )
        self._pretraining = False

    @staticmethod
    def _content_setting(content_loss):
        if isinstance(content_loss, keras.Model):
            content_loss.trainable = False  # a fixed feature space, as VGG19 is in the paper
            return content_loss.name, content_loss
        if content_loss == "mse":
            return "mse", None
        if content_loss in VGG_LAYERS:
            return content_loss, vgg19_features(content_loss)
        raise ValueError(
            "`content_loss` must be 'mse', 'vgg54', 'vgg22' or a keras.Model feature network. "
            f"Received: content_loss={content_loss!r}"
        )

    # -- The losses ------------------------------------------------------------------------------

    def content_features(self, images):
        """phi(images): the content loss's feature maps (the images themselves for `"mse"`)."""
        if self.content_network is None:
            return images
        if self.content_loss in VGG_LAYERS:
            # [-1, 1] grey or RGB -> [0, 255] BGR minus the ImageNet means (Caffe VGG input)
            x = (images + 1.0) * 127.5
            if x.shape[-1] == 1:
                x = ops.concatenate([x, x, x], axis=-1)
            x = x[..., ::-1] - ops.convert_to_tensor(_VGG_BGR_MEAN)
            return self.content_network(x, training=False) * VGG_RESCALE
        return self.content_network(images, training=False)

    def content_loss_value(self, super_resolved, high_res):
        """$l_X$: the mean squared difference of the content features."""
        difference = self.content_features(super_resolved) - self.content_features(high_res)
        return ops.mean(ops.square(difference))

    @staticmethod
    def unpack_pairs(data):
        """`(low_res, high_res)` from a batch (`keras_gan.pairs.unpack_pair`)."""
        return unpack_pair(data, ("low_res", "high_res"))

    def train_step(self, data):
        low_res, high_res = self.unpack_pairs(data)
        # numpy batches (train_on_batch on torch) must not meet tensors in `-`
        low_res, high_res = ops.convert_to_tensor(low_res), ops.convert_to_tensor(high_res)
        if self._pretraining:
            return self._pretrain_step(low_res, high_res)

        def discriminator_loss():
            # G(I_LR) as a fixed input: the discriminator update must not reach the generator
            super_resolved = ops.stop_gradient(self.generator(low_res, training=True))
            real_logits = self.discriminator(high_res, training=True)
            fake_logits = self.discriminator(super_resolved, training=True)
            # -[log D(I_HR) + log(1 - D(G(I_LR)))]
            return losses.minimax_discriminator_loss(real_logits, fake_logits)

        d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        def perceptual_loss():
            super_resolved = self.generator(low_res, training=True)
            content = self.content_loss_value(super_resolved, high_res)
            # l_Gen = -log D(G(I_LR)), averaged over the minibatch
            adversarial = losses.non_saturating_generator_loss(
                self.discriminator(super_resolved, training=True)
            )
            pixel_mse = ops.mean(ops.square(super_resolved - high_res))
            # l_SR = l_X + 10^-3 l_Gen
            total = content + self.adversarial_weight * adversarial
            return total, {"content": content, "adversarial": adversarial, "pixel_mse": pixel_mse}

        g_loss, extra = self.minimize(perceptual_loss, self.generator, self.g_optimizer)
        return self.update_logs(
            d_loss=d_loss, g_loss=g_loss, adversarial_loss=extra["adversarial"],
            pixel_mse=extra["pixel_mse"], **{f"content_{self.content_name}": extra["content"]},
        )  # fmt: skip

    def _pretrain_step(self, low_res, high_res):
        def pixel_loss():
            # SRResNet-MSE: ||G(I_LR) - I_HR||^2 per pixel
            return ops.mean(ops.square(self.generator(low_res, training=True) - high_res))

        mse, _ = self.minimize(pixel_loss, self.generator, self.g_optimizer)
        self.pretrained_steps.assign_add(1)
        logs = self.update_logs(pixel_mse=mse)
        return {"pixel_mse": logs["pixel_mse"]}

    # -- Training phases -------------------------------------------------------------------------

    def pretrain(self, x, steps, batch_size=None, verbose="auto", callbacks=None):
        """Trains the generator alone on the pixel MSE (the paper's SRResNet-MSE phase).

        Uses the generator's optimizer (`g_optimizer`, Adam 1e-4 as in the paper). Each step
        counts in `pretrained_steps` and in `optimizer.iterations`.

        Args:
            x: `(low_res, high_res)` data, as for `fit()`.
            steps: int > 0, generator updates.
            batch_size: int, for array data.
            verbose: as in `fit()`.
            callbacks: optional list of callbacks.

        Returns:
            The `History` of the phase (log `pixel_mse`).
        """
        if not isinstance(steps, (int, np.integer)) or steps <= 0:
            raise ValueError(f"`steps` must be a positive integer. Received: steps={steps!r}")
        self._check_compiled()
        self._check_data(x)
        tf = sys.modules.get("tensorflow")
        dataset = tf is not None and isinstance(x, tf.data.Dataset)
        if dataset:
            x = x.repeat()
        self._pretraining, self.train_function = True, None  # retrace the step for this phase
        try:
            # a dataset is shuffled by its own pipeline: Keras would ignore shuffle=True, warning
            return keras.Model.fit(
                self, x, batch_size=batch_size, epochs=1, steps_per_epoch=int(steps),
                verbose=verbose, callbacks=callbacks, shuffle=not dataset,
            )  # fmt: skip
        finally:
            self._pretraining, self.train_function = False, None
            self.reset_metrics()

    def pending_pretraining_steps(self):
        """MSE pretraining steps still to take: `pretrain_steps` minus `pretrained_steps`."""
        return max(0, self.pretrain_steps - int(ops.convert_to_numpy(self.pretrained_steps)))

    def fit(self, x=None, y=None, **kwargs):
        """Runs the remaining MSE pretraining steps (if any), then the adversarial training."""
        self._check_compiled()
        self._check_data(x)
        remaining = self.pending_pretraining_steps()
        if remaining > 0:
            self.pretrain(x, remaining, kwargs.get("batch_size"), kwargs.get("verbose", "auto"))
        return super().fit(x, y, **kwargs)

    # -- Data checks and sampling ----------------------------------------------------------------

    @property
    def low_res_shape(self):
        return tuple(self.generator.input_shape[1:])

    def _check_pair_shapes(self, low_shape, high_shape):
        low_shape, high_shape = tuple(low_shape)[1:], tuple(high_shape)[1:]
        if len(low_shape) == 3 and len(high_shape) == 3 and low_shape[0] and high_shape[0]:
            if (
                high_shape[0] % low_shape[0]
                or high_shape[0] // low_shape[0] != self.scale
                or (high_shape[1] != low_shape[1] * self.scale)
            ):
                raise ValueError(
                    f"SRGAN upscales by scale={self.scale}, but the data pairs low-resolution "
                    f"images of {low_shape[0]}x{low_shape[1]} with high-resolution images of "
                    f"{high_shape[0]}x{high_shape[1]}: the high-resolution size must be the "
                    f"low-resolution size times {self.scale} (expected "
                    f"{low_shape[0] * self.scale}x{low_shape[1] * self.scale})."
                )
        if low_shape != self.low_res_shape:
            raise ValueError(
                f"SRGAN takes low-resolution images of shape {self.low_res_shape}. "
                f"Received: {low_shape}"
            )
        self.check_samples((None, *high_shape), what="high-resolution images")

    def _check_data(self, x, batch_size=None):
        tf = sys.modules.get("tensorflow")  # tf.data implies TensorFlow is imported
        if tf is not None and isinstance(x, tf.data.Dataset):
            spec = x.element_spec
            if not isinstance(spec, tuple) or len(spec) < 2:
                raise ValueError(
                    "SRGAN trains on (low_res, high_res) image pairs, e.g. "
                    "keras_gan.datasets.load('mnist_superres'). Received a dataset of "
                    f"{spec}"
                )
            self._check_pair_shapes(spec[0].shape, spec[1].shape)
            first = next(iter(x.take(1)), None)
            if first is None:
                raise ValueError("The dataset passed to fit() is empty.")
            high = np.asarray(first[1])
            self.check_samples(
                (None, *high.shape[1:]),
                high.dtype.name,
                (high.min(), high.max()),
                "high-resolution images",
            )
        elif isinstance(x, (tuple, list)) and len(x) >= 2:
            low, high = np.asarray(x[0]), np.asarray(x[1])
            self._check_pair_shapes(low.shape, high.shape)
            self.check_samples(
                (None, *high.shape[1:]),
                high.dtype.name,
                (high.min(), high.max()),
                "high-resolution images",
            )
        else:
            raise ValueError(
                "SRGAN trains on (low_res, high_res) image pairs: pass a tuple of two arrays or "
                f"a dataset of pairs. Received: {type(x).__name__}"
            )

    def call(self, low_res, training=False):
        """SRGAN called on low-resolution images returns the super-resolved images."""
        return self.generator(low_res, training=training)

    def sample_inputs(self, num_samples, seed=0, batch=None):
        """`generate()` keywords for the CLI's sample grids: low-res images of a training batch."""
        if batch is None:
            raise NotImplementedError("SRGAN samples from low-resolution images: pass a batch.")
        low_res, _ = self.unpack_pairs(batch)
        return {"low_res": np.asarray(low_res)[:num_samples]}

    def generate(self, low_res, batch_size=256):
        """Super-resolves `low_res` images `(n, h, w, c)` in [-1, 1] to `(n, h*s, w*s, c)`."""
        low_res = np.asarray(low_res, dtype="float32")
        if low_res.ndim != 4 or low_res.shape[1:] != self.low_res_shape:
            raise ValueError(
                f"generate() takes low-resolution images of shape (n, {', '.join(map(str, self.low_res_shape))}). "
                f"Received: {low_res.shape}"
            )
        return self._decode(lambda lo, hi: low_res[lo:hi], len(low_res), batch_size)

    def get_config(self):
        config = super().get_config()
        if self.content_loss is None:  # a feature network of the user's: saved whole
            config["content_loss"] = keras.saving.serialize_keras_object(self.content_network)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("content_loss"), dict):
            config["content_loss"] = keras.saving.deserialize_keras_object(config["content_loss"])
        return super().from_config(config)
