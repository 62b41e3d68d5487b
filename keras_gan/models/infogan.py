"""InfoGAN: interpretable latent codes by maximising mutual information (Chen et al. 2016)."""

import dataclasses
import math

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan.adversarial import AdversarialModel
from keras_gan.config import AugmentConfig, field
from keras_gan.networks.conditional import infogan_discriminator, infogan_generator
from keras_gan.registry import register

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def categorical_info_loss(codes, logits):
    r"""$-\mathbb{E}[\log Q(c \mid x)]$ for a categorical code: the cross-entropy.

    Args:
        codes: int tensor `(batch,)`, the category fed to the generator.
        logits: tensor `(batch, num_categories)`, the Q head's logits.

    Returns:
        Scalar tensor. For a Q that ignores x (uniform prediction) it is $\log K$.
    """
    log_q = ops.log_softmax(logits, axis=-1)
    return -ops.mean(
        ops.take_along_axis(log_q, ops.expand_dims(ops.cast(codes, "int32"), -1), axis=-1)
    )


def gaussian_info_loss(codes, means, stddev=1.0):
    r"""$-\mathbb{E}[\log Q(c \mid x)]$ for continuous codes under a factored Gaussian Q.

    $$-\log \mathcal{N}(c; \mu, \sigma^2) = \tfrac12 \log 2\pi + \log\sigma
      + \frac{(c - \mu)^2}{2\sigma^2}$$

    summed over the code dimensions, averaged over the batch. InfoGAN's MNIST experiment fixes
    $\sigma = 1$ (the authors' code: `Uniform(1, fix_std=True)`).

    Args:
        codes: tensor `(batch, num_continuous)`, the codes fed to the generator.
        means: tensor `(batch, num_continuous)`, the Q head's means.
        stddev: float, the fixed standard deviation. Defaults to 1.

    Returns:
        Scalar tensor.
    """
    nll = _HALF_LOG_2PI + math.log(stddev) + 0.5 * ops.square((codes - means) / stddev)
    return ops.mean(ops.sum(nll, axis=-1))


@dataclasses.dataclass
class InfoGANConfig(AugmentConfig):
    noise_dim: int = field(
        62,
        'Incompressible noise z: "62 dimensions" U(-1, 1) on MNIST (authors\' launcher: '
        "Uniform(62)).",
    )
    num_categories: int = field(
        10,
        '"one categorical code c1 ~ Cat(K = 10, p = 0.1)".',
    )
    num_continuous: int = field(
        2,
        '"two continuous codes c2, c3 ~ Unif(-1, 1)".',
    )
    info_weight: float = field(
        1.0,
        'lambda of L_I for the categorical code: "lambda = 1 for discrete latent codes".',
    )
    continuous_weight: float = field(
        1.0,
        "lambda of L_I for the continuous codes: the authors' MNIST run uses one coefficient, "
        "1.0, for both, with Q's standard deviation fixed at 1 (which keeps the term on the "
        "GAN scale).",
    )
    hidden_units: int = field(
        512,
        "Width of the shared fully connected layer of D/Q and the generator's first layer "
        "(table 1: 1024). CPU scale here; --paper restores it.",
    )
    base_filters: int = field(
        32,
        "Channels of the first conv / last upconv (table 1: 64, then 128).",
    )
    d_learning_rate: float = field(
        2e-4,
        "Table 1 / authors' code: Adam with learning rate 2e-4 for D (and Q), 1e-3 for G, "
        "beta_1 0.5.",
    )
    g_learning_rate: float = field(1e-3, "Adam step size of G: 1e-3 (table 1 / the authors' code).")
    beta_1: float = field(0.5, "Adam beta_1 of every optimizer: 0.5 (table 1 / the authors' code).")
    batch_size: int = field(
        64,
        "The authors' launcher uses batches of 128; 64 keeps a CPU step short.",
    )

    PAPER = {"hidden_units": 1024, "base_filters": 64, "batch_size": 128}
    PYTHON_FROM_PAPER = ("hidden_units", "base_filters")


@register(
    "infogan",
    config=InfoGANConfig,
    summary="Chen et al. 2016: categorical and continuous codes, mutual information via a Q head",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class InfoGAN(AdversarialModel):
    r"""InfoGAN: a GAN whose generator input has codes c that a Q network can recover.

    $$\min_{G, Q} \max_D \; V_{InfoGAN}(D, G, Q) = V(D, G) - \lambda L_I(G, Q)$$
    $$L_I(G, Q) = \mathbb{E}_{c \sim P(c), x \sim G(z, c)}[\log Q(c \mid x)] + H(c)
      \le I(c; G(z, c))$$

    Besides the noise z, the generator receives a 10-way categorical code and 2 continuous
    U(-1, 1) codes (MNIST). A Q head, sharing every layer of the discriminator but the last,
    predicts the codes from the image; maximising the variational lower bound $L_I$ on the mutual
    information makes the codes control visible factors (digit class, slant, width) without
    labels. Here $-L_I + H(c)$ is the `info_loss` log: the categorical cross-entropy plus the
    Gaussian negative log-likelihood of the continuous codes (Q's standard deviation fixed at 1).
    As in the paper and its code, one step updates D (body, D head *and* Q head) on
    $-V - \lambda L_I$, then G on its non-saturating GAN loss $- \lambda L_I$.

    The hyperparameters are keyword arguments, with the defaults of `InfoGANConfig` (the paper's
    values for `hidden_units`, `base_filters`): `help(keras_gan.models.InfoGAN)` shows them all,
    the stabilisers every model shares included.

    Args:
        generator: optional `keras.Model` from `(batch, noise_dim + num_categories +
            num_continuous)` (`[z, one_hot(c1), c2, c3]`) to images. Defaults to the paper's
            MNIST generator (`infogan_generator`).
        discriminator: optional `keras.Model` images -> `[logits (batch, 1), q_params (batch,
            num_categories + num_continuous)]`: the shared body with the D and Q heads.
            Defaults to `infogan_discriminator`.
        noise_dim: int, size of z.
        num_categories: int, categories of the categorical code (0 for none).
        num_continuous: int, number of continuous U(-1, 1) codes.
        info_weight: float, lambda of the categorical term.
        continuous_weight: float, lambda of the continuous term.
        image_shape: tuple for the default networks. Defaults to `(28, 28, 1)`.
        hidden_units: int, width of the default networks' fully connected layers.
        base_filters: int, width of the default networks' convolutions.
        **kwargs: `seed`, `discriminator_steps`, ... as in `AdversarialModel`.

    Example:

    ```python
    infogan = keras_gan.models.InfoGAN()
    infogan.compile()  # Adam: 2e-4 for D/Q, 1e-3 for G, beta_1 = 0.5
    infogan.fit(keras_gan.datasets.load("mnist", batch_size=128), epochs=1)
    fours = infogan.generate(codes={"categorical": 4, "continuous": [0.5, -1.0]}, num_samples=8)
    grid = infogan.traversal_grid("continuous", index=0)  # (rows, 10, 28, 28, 1)
    ```

    Reference: https://arxiv.org/abs/1606.03657
    """

    log_names = ("d_loss", "g_loss", "info_loss", "mutual_info")

    def __init__(
        self,
        generator=None,
        discriminator=None,
        image_shape=(28, 28, 1),
        seed=None,
        *,
        noise_dim,
        num_categories,
        num_continuous,
        hidden_units,
        base_filters,
        **kwargs,
    ):
        kwargs.pop("latent_dim", None)  # derived: noise + codes
        kwargs.setdefault("latent_distribution", "uniform")
        for name, value, low in (
            ("noise_dim", noise_dim, 1),
            ("num_categories", num_categories, 0),
            ("num_continuous", num_continuous, 0),
        ):
            if not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(
                    f"`{name}` must be an integer >= {low}. Received: {name}={value!r}"
                )
        if num_categories == 1:
            raise ValueError(
                "A categorical code needs at least 2 categories (or 0 for none). Received: num_categories=1"
            )
        if num_categories + num_continuous == 0:
            raise ValueError(
                "InfoGAN needs at least one code: num_categories or num_continuous > 0."
            )
        image_shape = tuple(image_shape)
        input_dim = noise_dim + num_categories + num_continuous
        generator = generator or infogan_generator(
            image_shape, input_dim, hidden_units, base_filters, seed=seed
        )
        discriminator = discriminator or infogan_discriminator(
            image_shape,
            num_categories + num_continuous,
            hidden_units,
            base_filters,
            seed=None if seed is None else seed + 1000,
        )
        outputs = getattr(discriminator, "outputs", None)
        if outputs is not None and (
            len(outputs) != 2 or outputs[1].shape[-1] != num_categories + num_continuous
        ):
            raise ValueError(
                "InfoGAN's discriminator must output [logits (batch, 1), q_params (batch, "
                f"{num_categories + num_continuous})]. Received outputs: {[tuple(o.shape) for o in outputs]}"
            )
        super().__init__(generator, discriminator, input_dim, seed=seed, **kwargs)
        self.noise_dim = int(noise_dim)
        self.num_categories = int(num_categories)
        self.num_continuous = int(num_continuous)
        self.image_shape = image_shape
        self.hidden_units = hidden_units
        self.base_filters = base_filters

    # -- Codes ------------------------------------------------------------------------------

    @property
    def code_entropy(self):
        """H(c): log K for the categorical code plus log 2 per U(-1, 1) code (nats)."""
        categorical = math.log(self.num_categories) if self.num_categories else 0.0
        return categorical + self.num_continuous * math.log(2.0)

    def sample_codes(self, batch_size, seed=None):
        """Draws `(noise, categorical, continuous)`: z, c1 ~ Cat(K), c2.. ~ U(-1, 1)."""
        seed = self.seed_generator if seed is None else seed
        noise = keras.random.uniform((batch_size, self.noise_dim), -1.0, 1.0, seed=seed)
        categorical = keras.random.randint(
            (batch_size,), 0, max(self.num_categories, 1), dtype="int32", seed=seed
        )
        continuous = keras.random.uniform((batch_size, self.num_continuous), -1.0, 1.0, seed=seed)
        return noise, categorical, continuous

    def join_codes(self, noise, categorical, continuous):
        """The generator input `[z, one_hot(c1), c2, ...]` `(batch, latent_dim)`."""
        parts = [ops.cast(noise, "float32")]
        if self.num_categories:
            parts.append(ops.one_hot(ops.cast(categorical, "int32"), self.num_categories))
        if self.num_continuous:
            parts.append(ops.cast(continuous, "float32"))
        return ops.concatenate(parts, axis=-1)

    def sample_latent(self, batch_size, seed=None):
        """Full generator inputs `(batch, latent_dim)` with z and codes from their priors."""
        return self.join_codes(*self.sample_codes(batch_size, seed))

    def info_loss(self, categorical, continuous, q_params):
        r"""$-(L_I - H(c))$ weighted: $\lambda\,CE(c_1) + \lambda_{cont}\,NLL(c_{2..})$.

        Args:
            categorical: int tensor `(batch,)`.
            continuous: tensor `(batch, num_continuous)`.
            q_params: tensor `(batch, num_categories + num_continuous)`, the Q head's output.

        Returns:
            `(weighted loss, mutual information estimate)`: the loss to minimise and the lower
            bound of I(c; G(z, c)) it gives, `H(c) - CE - NLL` (unweighted).
        """
        total, unweighted = 0.0, 0.0
        if self.num_categories:
            ce = categorical_info_loss(categorical, q_params[:, : self.num_categories])
            total, unweighted = total + self.info_weight * ce, unweighted + ce
        if self.num_continuous:
            nll = gaussian_info_loss(continuous, q_params[:, self.num_categories :])
            total, unweighted = total + self.continuous_weight * nll, unweighted + nll
        return total, self.code_entropy - unweighted

    # -- Training ----------------------------------------------------------------------------

    def train_step(self, data):
        for real in self.minibatches(self.unpack_images(data)):
            m = ops.shape(real)[0]
            noise, categorical, continuous = self.sample_codes(m)
            latents = self.join_codes(noise, categorical, continuous)

            def discriminator_loss():
                fake = ops.stop_gradient(self.generator(latents, training=True))
                real_logits, _ = self.discriminator(real, training=True)
                fake_logits, q_params = self.discriminator(fake, training=True)
                # -V(D, G) for D, minus lambda L_I for Q (and the shared body)
                info, mutual_info = self.info_loss(categorical, continuous, q_params)
                gan = losses.minimax_discriminator_loss(real_logits, fake_logits)
                return gan + info, {"info_loss": info, "mutual_info": mutual_info}

            d_loss, d_logs = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)

        # generator_steps generator updates (1 in the paper), each on fresh noise
        for _ in self.generator_updates():
            noise, categorical, continuous = self.sample_codes(m)
            latents = self.join_codes(noise, categorical, continuous)

            def generator_loss():
                fake_logits, q_params = self.discriminator(
                    self.generator(latents, training=True), training=True
                )
                info, _ = self.info_loss(categorical, continuous, q_params)
                # non-saturating -log D(G(z, c)), minus lambda L_I
                return losses.non_saturating_generator_loss(fake_logits) + info

            g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss, **d_logs)

    # -- Sampling ----------------------------------------------------------------------------

    def _check_codes(self, codes, num_samples):
        """`codes` dict -> `(n, categorical or None, continuous or None)` numpy, checked."""
        name = type(self).__name__
        if not isinstance(codes, dict) or set(codes) - {"categorical", "continuous"}:
            raise ValueError(
                f"{name}.generate() takes `codes` as a dict with keys 'categorical' (int or "
                f"(n,) ints in [0, {self.num_categories})) and/or 'continuous' ((n, "
                f"{self.num_continuous}) or ({self.num_continuous},) floats). Received: codes={codes!r}"
            )
        categorical = codes.get("categorical")
        continuous = codes.get("continuous")
        if categorical is not None:
            if not self.num_categories:
                raise ValueError(
                    f"{name} has no categorical code. Received: codes['categorical']={categorical!r}"
                )
            categorical = np.asarray(categorical)
            if categorical.ndim > 1 or not np.issubdtype(categorical.dtype, np.integer):
                raise ValueError(
                    f"codes['categorical'] must be an int or a vector of ints. Received: "
                    f"shape {categorical.shape}, dtype {categorical.dtype}"
                )
            if categorical.size and (
                categorical.min() < 0 or categorical.max() >= self.num_categories
            ):
                raise ValueError(
                    f"codes['categorical'] must lie in [0, {self.num_categories - 1}]. "
                    f"Received: {categorical.tolist()}"
                )
        if continuous is not None:
            continuous = np.asarray(continuous, dtype="float32")
            if continuous.ndim not in (1, 2) or continuous.shape[-1] != self.num_continuous:
                raise ValueError(
                    f"codes['continuous'] must have {self.num_continuous} values per sample, "
                    f"shape ({self.num_continuous},) or (n, {self.num_continuous}). "
                    f"Received: shape {continuous.shape}"
                )
        sizes = {
            len(a)
            for a in (categorical, continuous)
            if a is not None and a.ndim == (1 if a is categorical else 2)
        }
        if num_samples is not None:
            sizes.add(int(num_samples))
        if len(sizes) > 1:
            raise ValueError(
                f"The codes and num_samples disagree on the number of samples: {sorted(sizes)}"
            )
        n = sizes.pop() if sizes else 1
        if categorical is not None and categorical.ndim == 0:
            categorical = np.full((n,), int(categorical))
        if continuous is not None and continuous.ndim == 1:
            continuous = np.tile(continuous, (n, 1))
        return n, categorical, continuous

    def generate(
        self,
        num_samples=None,
        codes=None,
        noise=None,
        latents=None,
        seed=None,
        batch_size=256,
        **conditions,
    ):
        """Samples from the generator, with chosen codes.

        Args:
            num_samples: int, how many samples (optional when `codes` or `noise` fix it).
            codes: optional dict: `"categorical"`: int or `(n,)` ints in `[0, num_categories)`;
                `"continuous"`: `(num_continuous,)` or `(n, num_continuous)` floats (the prior
                is U(-1, 1); the paper also looks at -2..2). Codes left out are drawn from the
                prior.
            noise: optional array `(n, noise_dim)`, the incompressible noise z.
            latents: optional full generator inputs `(n, latent_dim)`; excludes `codes`/`noise`.
            seed: optional int, seed of whatever is drawn.
            batch_size: int. Defaults to 256.

        Returns:
            numpy array `(n, *image_shape)` in [-1, 1].

        Raises:
            ValueError: codes of the wrong size or out of range, or other conditions (`labels=`).
        """
        if conditions:
            raise ValueError(
                f"{type(self).__name__} is not label-conditioned: it takes `codes=` "
                "({'categorical': ..., 'continuous': ...}). Received: "
                + ", ".join(sorted(conditions))
            )
        if latents is not None:
            if codes is not None or noise is not None:
                raise ValueError(
                    "Pass either `latents` or `codes`/`noise` to generate(), not both."
                )
            return super().generate(latents=latents, batch_size=batch_size)
        if noise is not None:
            noise = np.asarray(noise, dtype="float32")
            if noise.ndim != 2 or noise.shape[1] != self.noise_dim:
                raise ValueError(
                    f"`noise` must have shape (n, {self.noise_dim}). Received: {noise.shape}"
                )
            if num_samples is not None and int(num_samples) != len(noise):
                raise ValueError(f"num_samples={num_samples} but `noise` has {len(noise)} rows.")
            num_samples = len(noise)
        if codes is None:
            if num_samples is None or int(num_samples) <= 0:
                raise ValueError(
                    f"generate() needs `num_samples` > 0, `codes` or `noise`. Received: num_samples={num_samples!r}"
                )
            codes = {}
        n, categorical, continuous = self._check_codes(codes, num_samples)
        rng = np.random.default_rng(seed)
        if noise is None:
            noise = rng.uniform(-1.0, 1.0, (n, self.noise_dim)).astype("float32")
        if categorical is None:
            categorical = rng.integers(0, max(self.num_categories, 1), n)
        if continuous is None:
            continuous = rng.uniform(-1.0, 1.0, (n, self.num_continuous)).astype("float32")
        latents = ops.convert_to_numpy(
            self.join_codes(noise, categorical.astype("int32"), continuous)
        )
        return self._decode(lambda lo, hi: latents[lo:hi], n, batch_size)

    def traversal_grid(
        self, code="categorical", index=0, values=None, rows=10, seed=0, batch_size=256
    ):
        """A latent traversal: each row holds z and the other codes fixed, one code varies.

        Args:
            code: `"categorical"` (columns are the K categories) or `"continuous"`.
            index: int, which continuous code varies (for `code="continuous"`).
            values: optional values of the varying code along the columns. Defaults to every
                category, or `linspace(-2, 2, 10)` for a continuous code (the paper's figure 2
                range, wider than the U(-1, 1) prior).
            rows: int, number of rows (independent draws of z and the fixed codes).
                Defaults to 10.
            seed: int, seed of the fixed draws. Defaults to 0.
            batch_size: int. Defaults to 256.

        Returns:
            numpy array `(rows, columns, *image_shape)`.
        """
        if code == "categorical":
            if not self.num_categories:
                raise ValueError(f"{type(self).__name__} has no categorical code to traverse.")
            values = np.arange(self.num_categories) if values is None else np.asarray(values)
        elif code == "continuous":
            if not 0 <= int(index) < self.num_continuous:
                raise ValueError(
                    f"`index` must be in [0, {self.num_continuous - 1}] for a continuous code. Received: index={index!r}"
                )
            values = (
                np.linspace(-2.0, 2.0, 10)
                if values is None
                else np.asarray(values, dtype="float32")
            )
        else:
            raise ValueError(
                f"`code` must be 'categorical' or 'continuous'. Received: code={code!r}"
            )
        columns = len(values)
        rng = np.random.default_rng(seed)
        # Fixed per row: z, the categorical code, and the continuous codes (held at 0, as in the
        # paper's figures, while the one under study varies).
        noise = np.repeat(rng.uniform(-1.0, 1.0, (rows, self.noise_dim)), columns, axis=0).astype(
            "float32"
        )
        categorical = np.repeat(rng.integers(0, max(self.num_categories, 1), rows), columns)
        continuous = np.zeros((rows * columns, self.num_continuous), dtype="float32")
        if code == "categorical":
            categorical = np.tile(values, rows)
        else:
            continuous[:, int(index)] = np.tile(values, rows)
        codes = {"continuous": continuous}
        if self.num_categories:
            codes["categorical"] = categorical.astype("int64")
        images = self.generate(codes=codes, noise=noise, batch_size=batch_size)
        return images.reshape((rows, columns, *images.shape[1:]))

    # -- Serialisation -------------------------------------------------------------------------

    def optimizers_from_config(self, config):
        """Adam for D (and Q) and for G, each at its own rate (`InfoGANConfig`)."""
        return {
            "d_optimizer": keras.optimizers.Adam(config.d_learning_rate, beta_1=config.beta_1),
            "g_optimizer": keras.optimizers.Adam(config.g_learning_rate, beta_1=config.beta_1),
        }

    def get_config(self):
        config = super().get_config()
        config.pop("latent_dim")  # noise_dim plus the codes' sizes, saved as InfoGANConfig's fields
        return config
