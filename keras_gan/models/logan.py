"""LOGAN: Latent Optimisation for Generative Adversarial Networks (Wu et al. 2019)."""

import dataclasses

import keras
from keras import ops

from keras_gan import backend, losses, plotting
from keras_gan.config import field
from keras_gan.models.biggan import BigGAN, BigGANConfig
from keras_gan.models.sagan import attention_gains
from keras_gan.registry import register


@dataclasses.dataclass
class LoGANConfig(BigGANConfig):
    latent_step_size: float = field(
        0.9,
        "alpha, the size of the natural-gradient step on z (StudioGAN's CIFAR-10 LOGAN config, "
        "lo_alpha 0.9). 0 turns the latent step off, and its cost: BigGAN with LoGAN's prior "
        "and ReLUs.",
    )
    latent_damping: float = field(
        0.1,
        "beta, the Tikhonov damping of the empirical Fisher g g^T + beta I: the step is "
        "alpha g / (beta + |g|^2), at most alpha / (2 sqrt(beta)) long (StudioGAN's lo_beta 0.1).",
    )
    latent_optimised_share: float = field(
        0.8,
        "The share of latents that take the step, each chosen with this probability "
        "(StudioGAN's lo_rate 0.8, drawn per sample): the others keep the prior's randomness.",
    )
    latent_steps: int = field(
        1,
        "Latent steps per update: the paper's one (StudioGAN's CIFAR-10 config takes 2).",
    )
    transport_weight: float = field(
        0.1,
        "w_R of the transport cost E||dz||^2 added to both losses, which keeps the step short "
        "(the paper's Euclidean-norm regulariser; StudioGAN's lo_lambda 0.1).",
    )
    negative_slope: float = field(
        0.2,
        "Leaky ReLUs in both networks, slope 0.2 below zero: the paper's change to BigGAN for "
        "a smoother gradient with respect to z (0: BigGAN's ReLU).",
    )
    epochs: int = field(
        10,
        "Epochs of --steps-per-epoch steps: BigGAN's 2,000 steps, about 3.4 hours on one CPU "
        "core (a step costs four BigGAN steps: 6.1 s at the defaults); set --steps to a budget.",
    )


@register(
    "logan",
    config=LoGANConfig,
    summary="Wu et al. 2019: BigGAN with one natural-gradient step on z towards a higher D score",
)
@keras.saving.register_keras_serializable(package="keras_gan")
class LoGAN(BigGAN):
    r"""LOGAN: BigGAN trained on latents moved by one natural-gradient step towards a higher
    discriminator score, differentiated through that step.

    $$\Delta z = \alpha\,(g g^\top + \beta I)^{-1} g = \frac{\alpha\, g}{\beta + \lVert g \rVert^2},
      \quad g = \frac{\partial D(G(z, y), y)}{\partial z}, \quad
      z' = [z + \Delta z]_{-1}^{1}$$
    $$L_D = \mathbb{E}[\max(0, 1 - D(x, y))] + \mathbb{E}[\max(0, 1 + D(G(z', y), y))]
      + w_R\, \mathbb{E}\lVert \Delta z \rVert^2, \qquad
      L_G = -\mathbb{E}[D(G(z', y), y)] + w_R\, \mathbb{E}\lVert \Delta z \rVert^2
      + \text{BigGAN's orthogonal penalty}$$

    Each latent takes one step uphill on the discriminator's score before the losses are
    computed, and both networks are trained through that step: since $\Delta z$ is a function
    of both networks' weights, each gradient carries second-order terms (the paper's analysis
    relates them to symplectic gradient adjustment and unrolled GANs, at the cost of one more
    forward and backward pass rather than many). The step is natural gradient descent with the
    empirical Fisher $g g^\top$ damped by $\beta I$, whose inverse applied to $g$ is
    $g / (\beta + \lVert g\rVert^2)$ (Sherman-Morrison): a step of length about $\alpha /
    \lVert g \rVert$ where the score is steep and $\alpha \lVert g \rVert / \beta$ where it is
    flat. Everything else is `BigGAN`'s (hierarchical latents, shared embedding, orthogonal
    regularisation, EMA, gradient accumulation), with the paper's three changes to it: the
    uniform prior U(-1, 1), to which $[\cdot]_{-1}^{1}$ clips the moved latent back; leaky
    ReLUs (slope 0.2) for a smoother $g$; and the transport cost $w_R \lVert\Delta z\rVert^2$
    in both losses. Only a share of the latents moves (`latent_optimised_share`), as in
    StudioGAN's implementation. Samples (`generate`, the grids, `evaluate`) come from the
    generator alone, on unoptimised latents; `optimise_latents` moves any latents by hand.
    Logs: `d_loss` and `g_loss` (the hinge terms on z'), `transport_cost` (the generator
    update's $\mathbb{E}\lVert\Delta z\rVert^2$), `orthogonal_penalty` (when BigGAN's beta > 0)
    and each network's attention gain.

    As in StudioGAN and our `BigGAN`, the two networks are updated in turn, the generator on
    fresh latents (optimised against the updated discriminator); the paper's Algorithm 1
    updates both from the same batch of z'. The paper's network is BigGAN-deep with a 256-d z
    at 128x128 (not built here); the step's hyperparameters are StudioGAN's CIFAR-10 ones.

    The hyperparameters are keyword arguments, with the defaults of `LoGANConfig` (BigGAN's
    paper `base_filters`): `help(keras_gan.models.LoGAN)` shows them all.

    Args:
        generator, discriminator, num_classes, image_shape, seed: as in `BigGAN`.
        latent_distribution: `"uniform"` (the paper's U(-1, 1); the moved latents are clipped
            back into it) or `"normal"` (no clipping). Defaults to `"uniform"`.
        latent_step_size: float alpha >= 0, the step's size.
        latent_damping: float beta > 0, the Fisher's damping.
        latent_optimised_share: float in [0, 1], the probability that a latent takes the step.
        latent_steps: int >= 1, steps per update.
        transport_weight: float w_R >= 0 of the transport cost.
        **kwargs: `latent_dim`, `base_filters`, `negative_slope` (0.2 here), ... as in
            `BigGAN`.

    Example:

    ```python
    logan = keras_gan.models.LoGAN(image_shape=(32, 32, 3), num_classes=10)
    logan.compile()  # BigGAN's TTUR: Adam(4e-4) for D, Adam(1e-4) for G, betas (0, 0.999)
    logan.fit(keras_gan.datasets.load("cifar10", batch_size=64, with_labels=True), epochs=1)
    z = logan.sample_latent(8)
    y = keras.ops.arange(8) % 10
    moved, transport = logan.optimise_latents(z, y)  # z' = [z + dz], E||dz||^2
    ```

    Reference: https://arxiv.org/abs/1912.00953
    """

    extra_log_names = ("transport_cost",)

    def __init__(
        self,
        generator=None,
        discriminator=None,
        num_classes=10,
        image_shape=(32, 32, 3),
        latent_distribution="uniform",
        seed=None,
        *,
        latent_step_size,
        latent_damping,
        latent_optimised_share,
        latent_steps,
        transport_weight,
        **kwargs,
    ):
        super().__init__(
            generator,
            discriminator,
            num_classes,
            image_shape,
            latent_distribution=latent_distribution,
            seed=seed,
            **kwargs,
        )
        self.latent_step_size = float(latent_step_size)
        self.latent_damping = float(latent_damping)
        self.latent_optimised_share = float(latent_optimised_share)
        self.latent_steps = int(latent_steps)
        self.transport_weight = float(transport_weight)

    def train_step(self, data):
        images, labels = self.unpack_labelled(data)
        k = self.accumulation_steps
        # discriminator_steps minibatches of m labelled real samples, z ~ U(-1, 1)
        for real, y in zip(self.minibatches(images), self.minibatches(labels)):
            z = self.sample_latent(ops.shape(real)[0])
            # the minibatch as k micro-batches of m / k: one gradient each, summed, one update
            reals, ys, zs = (self.micro_batches(tensor) for tensor in (real, y, z))

            def discriminator_loss(i):
                # z' = [z + dz]: each latent one step uphill on D(G(z, y), y). dz is a function
                # of D's weights, so D's gradient goes through the step too (no stop_gradient
                # on G(z'): only D's weights are differentiated here).
                moved, transport = self.optimise_latents(zs[i], ys[i], training=True)
                fake = self.generator([moved, ys[i]], training=True)
                real_scores = self.discriminator([reals[i], ys[i]], training=True)
                fake_scores = self.discriminator([fake, ys[i]], training=True)
                # E[max(0, 1 - D(x, y))] + E[max(0, 1 + D(G(z', y), y))]
                hinge = losses.hinge_discriminator_loss(real_scores, fake_scores)
                # + w_R E||dz||^2, the transport cost, in both losses
                return hinge + self.transport_weight * transport, {"d_loss": hinge}

            _, d_logs = self.minimize(
                discriminator_loss, self.discriminator, self.d_optimizer, accumulation_steps=k
            )

        # generator_steps generator updates (1 in the paper), each on fresh latents, moved by
        # a step against the updated discriminator, for the labels of the last minibatch
        for _ in self.generator_updates():
            zs = self.micro_batches(self.sample_latent(ops.shape(real)[0]))

            def generator_loss(i):
                # dz depends on G's weights too: G's gradient carries the second-order terms
                moved, transport = self.optimise_latents(zs[i], ys[i], training=True)
                fake_scores = self.discriminator(
                    [self.generator([moved, ys[i]], training=True), ys[i]], training=True
                )
                adversarial = losses.hinge_generator_loss(fake_scores)  # -E[D(G(z', y), y)]
                loss = adversarial + self.transport_weight * transport
                logs = {"g_loss": adversarial, "transport_cost": transport}
                if self.orthogonal_regularization:
                    # BigGAN's (beta/2) sum_W ||W^T W * (1 - I)||_F^2, 1/k per micro-batch
                    penalty = losses.orthogonal_regularization(
                        self.orthogonal_weights(), self.orthogonal_regularization
                    )
                    loss = loss + penalty
                    logs["orthogonal_penalty"] = penalty
                return loss, logs

            _, g_logs = self.minimize(
                generator_loss, self.generator, self.g_optimizer, accumulation_steps=k
            )
        return self.update_logs(**d_logs, **g_logs, **attention_gains(self))

    def optimise_latents(self, latents, labels, steps=None, training=False):
        r"""Moves latents uphill on the discriminator's score: LoGAN's natural-gradient step.

        Per step, with $g = \partial D(G(z, y), y) / \partial z$ (one row per latent):
        $\Delta z = \alpha g / (\beta + \lVert g \rVert^2)$ for a share `latent_optimised_share`
        of the latents (0 for the others), $z \leftarrow [z + \Delta z]_{-1}^{1}$ (clipped only
        under the uniform prior). Differentiable: inside a loss, the gradient of anything
        computed from the result reaches both networks' weights through $g$.

        Args:
            latents: `(batch, latent_dim)` latents z.
            labels: `(batch,)` integer class labels y.
            steps: optional int, steps to take. Defaults to `latent_steps`.
            training: bool, run both networks in training mode (batch statistics; inside
                `train_step`). Defaults to False: moving averages, nothing updated.

        With `latent_step_size` 0 no step is computed (z' = z, transport 0), so the ablation
        trains at BigGAN's cost, not LoGAN's.

        Returns:
            `(moved, transport)`: the latents z' `(batch, latent_dim)` and the transport cost
            $\mathbb{E}\lVert\Delta z\rVert^2$ summed over the steps.
        """
        latents = ops.convert_to_tensor(latents, "float32")
        labels = ops.convert_to_tensor(labels, "int32")

        def scores(z):
            return self.discriminator(
                [self.generator([z, labels], training=training), labels], training=training
            )

        transport = ops.zeros((), "float32")  # a tensor even when no step is taken
        steps = self.latent_steps if steps is None else int(steps)
        if self.latent_step_size == 0:
            steps = 0  # alpha = 0 moves nothing: no gradient to compute, BigGAN's cost
        for _ in range(steps):
            # g = dD(G(z, y), y)/dz: the scores' sum, since each score depends on its own z
            # only (batch norm's statistics aside, as in StudioGAN); itself differentiable
            g = backend.input_gradients(scores, latents)
            # dz = alpha (g g^T + beta I)^-1 g = alpha g / (beta + ||g||^2), per latent
            squared_norm = ops.sum(ops.square(g), axis=1, keepdims=True)
            delta = self.latent_step_size * g / (self.latent_damping + squared_norm)
            if self.latent_optimised_share < 1.0:
                # a share c of the latents moves; the rest keep their prior draw
                chosen = keras.random.uniform((ops.shape(g)[0], 1), seed=self.seed_generator)
                delta = delta * ops.cast(chosen < self.latent_optimised_share, delta.dtype)
            latents = latents + delta
            if self.latent_distribution == "uniform":
                # [z + dz]: back inside the support of U(-1, 1)
                latents = ops.clip(latents, -1.0, 1.0)
            transport = transport + ops.mean(ops.sum(ops.square(delta), axis=1))
        return latents, transport

    def plot_latent_steps(self, path, labels, seed=0, steps=None):
        """Saves the figure of the latent step: G(z, y) above G(z', y) for the same z and y, each
        with the discriminator's score (from the trained generator, not its average).

        Args:
            path: output file (`.png`).
            labels: sequence of integer class labels, one per column.
            seed: int, seed of the latents. Defaults to 0.
            steps: optional int, latent steps to take. Defaults to `latent_steps`.

        Returns:
            `path`.
        """
        labels = ops.convert_to_tensor(labels, "int32")
        latents = self.sample_latent(ops.shape(labels)[0], seed=seed)
        moved, _ = self.optimise_latents(latents, labels, steps=steps)

        def images_and_scores(z):
            images = self.generator([z, labels], training=False)
            scores = self.discriminator([images, labels], training=False)
            return ops.convert_to_numpy(images), ops.convert_to_numpy(scores)

        before, after = images_and_scores(latents), images_and_scores(moved)
        return plotting.plot_latent_steps(
            before[0], after[0], before[1], after[1], path,
            title=f"LoGAN's latent step (alpha {self.latent_step_size:g}, beta "
            f"{self.latent_damping:g})",
        )  # fmt: skip
