"""Unrolled GAN: the generator plays against its discriminator's future (Metz et al. 2017)."""

import dataclasses

import keras
from keras import ops

from keras_gan import backend, losses
from keras_gan.backend.compat import adam_moments
from keras_gan.config import field
from keras_gan.models.dcgan import DCGAN, DCGANConfig
from keras_gan.registry import register


@dataclasses.dataclass
class UnrolledGANConfig(DCGANConfig):
    unrolling_steps: int = field(
        5,
        "K, the discriminator's updates the generator looks ahead through, differentiated "
        "through. The authors' notebook (poolio/unrolled_gan): 5; the paper's ring figure: 10. "
        "0 is the plain GAN.",
    )
    generator_loss: str = field(
        "minimax",
        "The generator minimises the unrolled value f_K = E[log D_K(x)] + E[log(1 - D_K(G(z)))] "
        "(\"minimax\", the paper's surrogate and its notebook's), or -E[log D_K(G(z))] "
        '("non_saturating").',
        choices=("minimax", "non_saturating"),
    )
    epochs: int = field(
        3,
        "3 CPU epochs of 200 steps: each step also runs K discriminator updates and "
        "differentiates through them (0.3 s per step with TensorFlow at K = 5 on 2 cores, "
        "1.1 s with JAX).",
    )


@register(
    "unrolled_gan",
    config=UnrolledGANConfig,
    summary="Metz et al. 2017: the generator's loss against the discriminator K updates ahead",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class UnrolledGAN(DCGAN):
    r"""Unrolled GAN: the generator is trained against the discriminator it will face after
    K more discriminator updates, with the gradient through those updates.

    $$\theta_D^0 = \theta_D,\quad
      \theta_D^{k+1} = \theta_D^k + \eta^k \frac{\partial f(\theta_G, \theta_D^k)}{\partial \theta_D^k},
      \qquad f_K(\theta_G, \theta_D) = f\big(\theta_G, \theta_D^K(\theta_G, \theta_D)\big)$$

    $$\theta_G \leftarrow \theta_G - \eta \frac{d f_K(\theta_G, \theta_D)}{d \theta_G},\qquad
      \theta_D \leftarrow \theta_D + \eta \frac{\partial f(\theta_G, \theta_D)}{\partial \theta_D}$$

    with $f = \mathbb{E}_x[\log D(x)] + \mathbb{E}_z[\log(1 - D(G(z)))]$ the GAN value. In words:
    a generator that collapses onto the mode the current discriminator likes is punished by the
    discriminator a few updates later, which it now sees, so it spreads over the data instead.
    The discriminator's own update is GAN's. The total derivative $df_K/d\theta_G$ includes how
    $\theta_D^K$ depends on $G$'s samples (the paper's full version, second derivatives and
    all); without that term the surrogate's gradient would be GAN's at $\theta_D^K$.

    The unrolled updates are the discriminator's own optimizer: Adam continued from its moments
    (the authors' notebook unrolls Keras' Adam the same way), or plain gradient steps at its
    learning rate for any other optimizer. They reuse the generator step's minibatch of real and
    generated samples. Both networks update simultaneously from the same state, as in the paper:
    the discriminator's fakes are drawn before the generator moves. `unrolling_steps=0` is GAN.

    The hyperparameters are keyword arguments, with the defaults of `UnrolledGANConfig` (from
    Python, `base_filters=64`): `help(keras_gan.models.UnrolledGAN)` shows them all, the
    stabilisers every model shares included.

    Args:
        unrolling_steps: int >= 0, K.
        generator_loss: `"minimax"` ($f_K$, the paper's) or `"non_saturating"` ($-\mathbb{E}\log
            D_K(G(z))$).
        **kwargs: as in `DCGAN` (`generator`, `discriminator`, `latent_dim`, `image_shape`,
            `base_filters`, ...).

    Reference: https://arxiv.org/abs/1611.02163
    """

    def __init__(self, **kwargs):
        if kwargs.get("discriminator_steps", 1) != 1:
            raise ValueError(
                "UnrolledGAN takes one discriminator update per step (its look-ahead is the "
                "unrolling); `discriminator_steps` does not apply. Received: "
                f"discriminator_steps={kwargs['discriminator_steps']!r}"
            )
        if kwargs.get("generator_steps", 1) != 1:
            raise ValueError(
                "UnrolledGAN takes one generator update per step, against the unrolled "
                "discriminator; `generator_steps` does not apply. Received: "
                f"generator_steps={kwargs['generator_steps']!r}"
            )
        super().__init__(**kwargs)

    # --8<-- [start:train_step]
    def train_step(self, data):
        real = self.unpack_images(data)
        m = ops.shape(real)[0]
        # Simultaneous updates: the discriminator's fakes come from G before G moves.
        fake_for_d = ops.stop_gradient(self.generator(self.sample_latent(m), training=True))
        z = self.sample_latent(m)

        def generator_loss():
            fake = self.generator(z, training=True)
            # theta_D^K(theta_G, theta_D): K discriminator updates, differentiable in G(z)
            weights = self.unrolled_discriminator(real, fake)
            real_logits = self.discriminator_with(weights, real)
            fake_logits = self.discriminator_with(weights, fake)
            if self.generator_loss == "minimax":
                # f_K = E[log D_K(x)] + E[log(1 - D_K(G(z)))], the negated discriminator loss
                return -losses.minimax_discriminator_loss(real_logits, fake_logits)
            # -E[log D_K(G(z))]
            return losses.non_saturating_generator_loss(fake_logits)

        g_loss, _ = self.minimize(generator_loss, self.generator, self.g_optimizer)

        def discriminator_loss():
            # -f(theta_G, theta_D): GAN's discriminator update, from the same state
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake_for_d, training=True)
            return losses.minimax_discriminator_loss(real_logits, fake_logits)

        d_loss, _ = self.minimize(discriminator_loss, self.discriminator, self.d_optimizer)
        return self.update_logs(d_loss=d_loss, g_loss=g_loss)

    # --8<-- [end:train_step]

    # -- The unrolled discriminator ----------------------------------------------------------------

    def discriminator_with(self, weights, samples):
        """The discriminator's logits on `samples` with `weights` in place of its trainable
        weights (`stateless_call`, training mode): differentiable in both."""
        trainable, non_trainable = weights
        logits, _ = self.discriminator.stateless_call(
            trainable, non_trainable, samples, training=True
        )
        return logits

    def unrolled_discriminator(self, real, fake):
        r"""$\theta_D^K$: K updates of the discriminator's optimizer on $-f$ from its current
        weights and state, each a function of the previous weights and of `fake`, so that the
        generator's gradient flows through all of them.

        Returns:
            `(trainable, non_trainable)` lists of tensors: the trainable weights after K
            updates, and the non-trainable ones as they are.
        """
        variables = self.discriminator.trainable_variables
        trainable = [ops.convert_to_tensor(v) for v in variables]
        # BatchNorm's moving statistics (and a dropout seed) stay as they are: in training mode
        # the outputs use the batch's statistics, not the moving ones.
        non_trainable = [
            ops.convert_to_tensor(v) for v in self.discriminator.non_trainable_variables
        ]
        update = self._unrolled_update(variables)
        state = update.initial_state()
        for k in range(self.unrolling_steps):

            def loss(weights):
                # -f(theta_G, theta_D^k), the discriminator's loss
                return losses.minimax_discriminator_loss(
                    self.discriminator_with((weights, non_trainable), real),
                    self.discriminator_with((weights, non_trainable), fake),
                )

            gradients = backend.tensor_gradients(loss, trainable)
            trainable, state = update(trainable, gradients, state, k)
        return trainable, non_trainable

    def _unrolled_update(self, variables):
        # In float16 the optimizer is a LossScaleOptimizer around the Adam the paper continues.
        optimizer = getattr(self.d_optimizer, "inner_optimizer", self.d_optimizer)
        if isinstance(optimizer, keras.optimizers.Adam):
            return _AdamUpdate(optimizer, variables)
        return _GradientStep(optimizer)

    def get_config(self):
        config = super().get_config()
        config["unrolling_steps"] = self.unrolling_steps
        return config


class _GradientStep:
    r"""$\theta^{k+1} = \theta^k - \eta\,g^k$, the paper's equation (4), at the optimizer's
    learning rate."""

    def __init__(self, optimizer):
        self.learning_rate = ops.convert_to_tensor(optimizer.learning_rate)

    def initial_state(self):
        return ()

    def __call__(self, weights, gradients, state, k):
        return [w - self.learning_rate * g for w, g in zip(weights, gradients)], state


class _AdamUpdate:
    r"""Keras' Adam step as a function of the weights and moments, continued from the
    optimizer's state (step t, moments m and v):

    $$m \leftarrow m + (1-\beta_1)(g - m),\quad v \leftarrow v + (1-\beta_2)(g^2 - v),\quad
      \theta \leftarrow \theta - \eta\,\frac{\sqrt{1-\beta_2^{t}}}{1-\beta_1^{t}}
      \frac{m}{\sqrt{v} + \epsilon}$$
    """

    def __init__(self, optimizer, variables):
        self.optimizer = optimizer
        self.momentums, self.velocities = adam_moments(optimizer, variables)

    def initial_state(self):
        return (
            [ops.convert_to_tensor(m) for m in self.momentums],
            [ops.convert_to_tensor(v) for v in self.velocities],
        )

    def __call__(self, weights, gradients, state, k):
        optimizer = self.optimizer
        beta_1, beta_2, epsilon = optimizer.beta_1, optimizer.beta_2, optimizer.epsilon
        step = ops.cast(optimizer.iterations + 1 + k, "float32")
        rate = ops.cast(optimizer.learning_rate, "float32")
        alpha = rate * ops.sqrt(1.0 - ops.power(beta_2, step)) / (1.0 - ops.power(beta_1, step))
        momentums, velocities = state
        new_weights, new_m, new_v = [], [], []
        for w, g, m, v in zip(weights, gradients, momentums, velocities):
            m = m + (g - m) * (1.0 - beta_1)
            v = v + (ops.square(g) - v) * (1.0 - beta_2)
            # sqrt(v + tiny): its derivative stays finite where a gradient is exactly 0
            new_weights.append(w - alpha * m / (ops.sqrt(v + 1e-30) + epsilon))
            new_m.append(m)
            new_v.append(v)
        return new_weights, (new_m, new_v)
