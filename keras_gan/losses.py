r"""Adversarial losses and penalties, written with `keras.ops` only.

Every loss takes the discriminator's raw outputs (logits for the log-loss family, unbounded
scores for least squares, Wasserstein and hinge) and returns a scalar mean over the batch, to be
*minimised*. Notation: $D$ is the discriminator's logit, $\sigma$ the sigmoid, $x$ a real
sample, $z$ a latent vector and $G(z)$ a generated sample. Identities used below:
$-\log\sigma(t) = \operatorname{softplus}(-t)$ and $-\log(1-\sigma(t)) = \operatorname{softplus}(t)$,
which are exact and numerically stable.
"""

import contextlib
import contextvars

from keras import ops

from keras_gan import backend

# -- One-sided label smoothing (Salimans et al. 2016, section 3.4) --------------------------------


class LabelSmoothing:
    """The smoothing in force within `one_sided_label_smoothing`: `alpha`, and how many times a
    loss applied it (`applied`), so that the model can tell a variant whose loss ignores it."""

    def __init__(self, alpha):
        self.alpha = float(alpha)
        self.applied = 0


_SMOOTHING = contextvars.ContextVar("keras_gan_label_smoothing", default=None)


@contextlib.contextmanager
def one_sided_label_smoothing(alpha):
    """Within the block, the cross-entropy discriminator losses below give real samples the
    target 1 - alpha instead of 1 (`real_sample_loss`); generated samples keep the target 0.

    A model built with `label_smoothing=alpha` runs each of its training steps in this block
    (`AdversarialBase.loss_settings`), so any variant whose discriminator loss is
    `minimax_discriminator_loss` (or calls `real_sample_loss`) is smoothed without a change to
    its `train_step`.

    Args:
        alpha: float in [0, 0.5), the smoothing (Improved GAN: 0.1, a target of 0.9).

    Yields:
        The `LabelSmoothing` in force.
    """
    smoothing = LabelSmoothing(alpha)
    token = _SMOOTHING.set(smoothing)
    try:
        yield smoothing
    finally:
        _SMOOTHING.reset(token)


def real_sample_loss(real_logits, label_smoothing=None):
    r"""The discriminator's cross-entropy on real samples, with one-sided label smoothing.

    $$-\mathbb{E}_x\big[(1 - \alpha)\log\sigma(D(x)) + \alpha\log(1 - \sigma(D(x)))\big]$$

    With $\alpha = 0$ it is $-\mathbb{E}_x[\log\sigma(D(x))]$. Smoothing only the real side
    keeps the optimal discriminator $D^*(x) = (1-\alpha)p_{data}(x) / (p_{data}(x) + p_g(x))$
    from pushing generated samples toward regions where $p_{data}$ is 0 (the paper's reason for
    leaving the fake target at 0). Per sample, the loss is smallest at
    $\sigma(D(x)) = 1 - \alpha$, so ever larger logits on real samples cost the discriminator.

    Args:
        real_logits: tensor `(batch, ...)`, discriminator logits on real samples.
        label_smoothing: optional float alpha. Defaults to `None`: the alpha of the enclosing
            `one_sided_label_smoothing` block, or 0 outside one.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1606.03498 (section 3.4)
    """
    smoothing = _SMOOTHING.get() if label_smoothing is None else None
    if smoothing is not None:
        smoothing.applied += 1
        label_smoothing = smoothing.alpha
    # -log sigma(D(x)) = softplus(-D(x))
    loss = ops.mean(ops.softplus(-real_logits))
    if label_smoothing:
        alpha = label_smoothing
        # -(1 - alpha) log sigma(D(x)) - alpha log(1 - sigma(D(x)))
        loss = (1.0 - alpha) * loss + alpha * ops.mean(ops.softplus(real_logits))
    return loss


# -- The original GAN (Goodfellow et al. 2014) ----------------------------------------------------


def minimax_discriminator_loss(real_logits, fake_logits, label_smoothing=None):
    r"""The discriminator's side of the GAN value function, negated to be minimised.

    $$\mathcal{L}_D = -\mathbb{E}_x[\log \sigma(D(x))] - \mathbb{E}_z[\log(1 - \sigma(D(G(z))))]$$

    The discriminator is a binary classifier: real samples are class 1, generated ones class 0.
    Both the minimax and the non-saturating game use this loss for the discriminator. With
    one-sided label smoothing the real samples' target is $1 - \alpha$ (`real_sample_loss`).

    Args:
        real_logits: tensor `(batch, ...)`, discriminator logits on real samples.
        fake_logits: tensor `(batch, ...)`, discriminator logits on generated samples.
        label_smoothing: optional float alpha in [0, 0.5). Defaults to `None`: the model's
            `label_smoothing` during its training step (`one_sided_label_smoothing`), else 0.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1406.2661 (equation 1)
    """
    # -log sigma(D(x)) - log(1 - sigma(D(G(z)))), the real target 1 - alpha when smoothed
    return real_sample_loss(real_logits, label_smoothing) + ops.mean(ops.softplus(fake_logits))


def minimax_generator_loss(fake_logits):
    r"""The generator's side of the minimax game (saturating).

    $$\mathcal{L}_G = \mathbb{E}_z[\log(1 - \sigma(D(G(z))))]$$

    The generator minimises the value function directly. Early in training, when the
    discriminator rejects samples with confidence, $\log(1-\sigma(t))$ saturates and its
    gradient vanishes: the reason the paper proposes the non-saturating loss.

    Args:
        fake_logits: tensor, discriminator logits on generated samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1406.2661 (equation 1)
    """
    # log(1 - sigma(D(G(z)))) = -softplus(D(G(z)))
    return ops.mean(-ops.softplus(fake_logits))


def non_saturating_generator_loss(fake_logits):
    r"""The generator loss the GAN paper recommends in practice (non-saturating).

    $$\mathcal{L}_G = -\mathbb{E}_z[\log \sigma(D(G(z)))]$$

    Same fixed point as the minimax game, but strong gradients when the discriminator is winning.

    Args:
        fake_logits: tensor, discriminator logits on generated samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1406.2661 (section 3)
    """
    # -log sigma(D(G(z))) = softplus(-D(G(z)))
    return ops.mean(ops.softplus(-fake_logits))


# -- Least squares (Mao et al. 2017) --------------------------------------------------------------


def least_squares_discriminator_loss(real_outputs, fake_outputs, a=0.0, b=1.0):
    r"""LSGAN discriminator loss with the paper's $a$-$b$ coding.

    $$\mathcal{L}_D = \tfrac12\mathbb{E}_x[(D(x) - b)^2] + \tfrac12\mathbb{E}_z[(D(G(z)) - a)^2]$$

    Args:
        real_outputs: tensor, discriminator outputs on real samples (no sigmoid).
        fake_outputs: tensor, discriminator outputs on generated samples.
        a: float, target for fake samples. Defaults to 0.
        b: float, target for real samples. Defaults to 1.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1611.04076 (equation 2)
    """
    return 0.5 * ops.mean(ops.square(real_outputs - b)) + 0.5 * ops.mean(
        ops.square(fake_outputs - a)
    )


def least_squares_generator_loss(fake_outputs, c=1.0):
    r"""LSGAN generator loss.

    $$\mathcal{L}_G = \tfrac12\mathbb{E}_z[(D(G(z)) - c)^2]$$

    Args:
        fake_outputs: tensor, discriminator outputs on generated samples.
        c: float, the value the generator wants the discriminator to believe. Defaults to 1.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1611.04076 (equation 2)
    """
    return 0.5 * ops.mean(ops.square(fake_outputs - c))


# -- Wasserstein (Arjovsky et al. 2017) -----------------------------------------------------------


def wasserstein_critic_loss(real_scores, fake_scores):
    r"""The critic's loss: the negated Wasserstein-1 estimate.

    $$\mathcal{L}_C = \mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)]$$

    With $f$ 1-Lipschitz, $-\mathcal{L}_C$ estimates $W(P_r, P_g)$ (Kantorovich-Rubinstein
    duality).

    Args:
        real_scores: tensor, critic scores on real samples.
        fake_scores: tensor, critic scores on generated samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1701.07875 (Algorithm 1)
    """
    return ops.mean(fake_scores) - ops.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    r"""The generator's Wasserstein loss.

    $$\mathcal{L}_G = -\mathbb{E}_z[f(G(z))]$$

    Args:
        fake_scores: tensor, critic scores on generated samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1701.07875 (Algorithm 1)
    """
    return -ops.mean(fake_scores)


# -- Hinge (Lim & Ye 2017; Miyato et al. 2018) ----------------------------------------------------


def hinge_discriminator_loss(real_scores, fake_scores):
    r"""Hinge loss for the discriminator, as used by SNGAN.

    $$\mathcal{L}_D = \mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))]$$

    Args:
        real_scores: tensor, discriminator scores on real samples.
        fake_scores: tensor, discriminator scores on generated samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1802.05957 (equation 16)
    """
    return ops.mean(ops.relu(1.0 - real_scores)) + ops.mean(ops.relu(1.0 + fake_scores))


def hinge_generator_loss(fake_scores):
    r"""Hinge loss for the generator.

    $$\mathcal{L}_G = -\mathbb{E}_z[D(G(z))]$$

    Args:
        fake_scores: tensor, discriminator scores on generated samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1802.05957 (equation 17)
    """
    return -ops.mean(fake_scores)


# -- Penalties ------------------------------------------------------------------------------------


def _squared_norms(gradients):
    # (batch, ...) -> (batch,): squared L2 norm of each sample's gradient
    axes = tuple(range(1, len(gradients.shape)))
    return ops.sum(ops.square(gradients), axis=axes)


def interpolate(real, fake, epsilon):
    r"""Random points on the lines between real and generated samples.

    $$\hat{x} = \epsilon x + (1 - \epsilon)\tilde{x}$$

    Args:
        real: tensor `(batch, ...)`.
        fake: tensor `(batch, ...)`, same shape.
        epsilon: tensor `(batch,)` or broadcastable, mixing weights in [0, 1].

    Returns:
        Tensor shaped like `real`.
    """
    epsilon = ops.reshape(epsilon, (-1,) + (1,) * (len(real.shape) - 1))
    return epsilon * real + (1.0 - epsilon) * fake


def gradient_penalty(critic, real, fake, epsilon, target=1.0):
    r"""WGAN-GP's two-sided gradient penalty at random interpolates.

    $$\mathbb{E}_{\hat{x}}\big[(\lVert\nabla_{\hat{x}} D(\hat{x})\rVert_2 - 1)^2\big],
    \quad \hat{x} = \epsilon x + (1-\epsilon)\tilde{x},\ \epsilon \sim U[0, 1]$$

    Pushes the critic's gradient norm to 1 on the lines between the data and the generator's
    samples, where the optimal critic has unit gradient norm (the paper's Proposition 1).
    Multiply by $\lambda$ (10 in the paper) in the critic loss.

    Args:
        critic: callable mapping a batch of samples to scores, e.g.
            `lambda x: discriminator(x, training=True)`.
        real: tensor `(batch, ...)`, real samples.
        fake: tensor `(batch, ...)`, generated samples (their gradient is not needed).
        epsilon: tensor `(batch,)`, draws from U[0, 1], one per sample.
        target: float, the gradient norm aimed at. Defaults to 1.

    Returns:
        Scalar tensor, differentiable with respect to the critic's weights.

    Reference: https://arxiv.org/abs/1704.00028 (Algorithm 1, line 7)
    """
    interpolates = interpolate(real, fake, epsilon)
    gradients = backend.input_gradients(critic, interpolates)
    # ||grad D(x_hat)||_2, with a small epsilon inside the root so its gradient stays finite at 0
    norms = ops.sqrt(_squared_norms(gradients) + 1e-12)
    # (||grad D(x_hat)|| - 1)^2
    return ops.mean(ops.square(norms - target))


def r1_penalty(discriminator, real):
    r"""The R1 regulariser: the squared gradient norm on real data.

    $$R_1 = \tfrac12\,\mathbb{E}_x\big[\lVert\nabla_x D(x)\rVert_2^2\big]$$

    Multiply by $\gamma$ in the discriminator loss (the $\tfrac12$ is included here, so the
    total is $\tfrac{\gamma}{2}\mathbb{E}\lVert\nabla D\rVert^2$ as in the paper).

    Args:
        discriminator: callable mapping samples to logits.
        real: tensor `(batch, ...)`, real samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1801.04406 (equation 9)
    """
    gradients = backend.input_gradients(discriminator, real)
    return 0.5 * ops.mean(_squared_norms(gradients))


def path_lengths(synthesis, ws, directions):
    r"""StyleGAN2's path lengths: how far the image moves for a step in w, along a random
    image direction (section 3.2).

    $$\ell = \sqrt{\tfrac{1}{N}\textstyle\sum_{i=1}^{N}\lVert \mathbf{J}_{w_i}^\top y\rVert_2^2},
      \qquad \mathbf{J}_{w_i} = \partial g(\mathbf{w}) / \partial w_i,
      \quad y \sim N(0, I) / \sqrt{HW}$$

    with $\mathbf{w} = (w_1, \ldots, w_N)$ the synthesis network's copies of w. The gradient
    $\mathbf{J}^\top y = \nabla_{\mathbf{w}}\,(g(\mathbf{w}) \cdot y)$ costs one backward
    pass; the mean over the copies and the square root follow the authors' code
    (`training/loss.py`: `pl_grads.square().sum(2).mean(1).sqrt()`). The result is
    differentiable with respect to the network's weights (the penalty's gradient).

    Args:
        synthesis: callable from `ws` to images, e.g. `lambda ws: synthesis(ws, training=True)`;
            no sample may depend on another (no batch statistics).
        ws: tensor `(batch, N, w_dim)`.
        directions: tensor shaped like the images, $y$.

    Returns:
        Tensor `(batch,)`, one path length per sample.

    Reference: https://arxiv.org/abs/1912.04958 (section 3.2, equation 4)
    """
    directions = ops.convert_to_tensor(directions)
    axes = tuple(range(1, len(directions.shape)))
    # J^T y = grad_w (g(w) . y), one gradient per sample; the product in float32, since a
    # mixed-precision synthesis network draws float16 images (TensorFlow refuses to mix them)
    gradients = backend.input_gradients(
        lambda ws: ops.sum(
            ops.cast(synthesis(ws), "float32") * ops.cast(directions, "float32"), axis=axes
        ),
        ws,
    )
    # sqrt(mean_i ||J_i^T y||^2)
    return ops.sqrt(ops.mean(ops.sum(ops.square(gradients), axis=2), axis=1))


def path_length_penalty(lengths, target):
    r"""StyleGAN2's path-length penalty: the path lengths' squared distance to their running
    mean $a$ (section 3.2, equation 4).

    $$\mathbb{E}_{w, y}\big(\lVert \mathbf{J}_w^\top y\rVert_2 - a\big)^2$$

    Zero when a fixed-size step in w moves the image by the same amount everywhere in the
    latent space: the mapping from w to images is then smooth and easier to invert. Multiply
    by the weight (StyleGAN2: 2) and, applied lazily, by the interval.

    Args:
        lengths: tensor `(batch,)` from `path_lengths`.
        target: scalar tensor $a$, the running mean (held fixed: no gradient reaches it).

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1912.04958 (section 3.2)
    """
    target = ops.stop_gradient(ops.convert_to_tensor(target, dtype=lengths.dtype))
    return ops.mean(ops.square(lengths - target))


def l1_loss(target, output):
    r"""$\mathbb{E}_{x,y,z}\,\|y - G(x, z)\|_1$: the mean absolute error over every pixel."""
    return ops.mean(ops.abs(target - output))


# -- Improved GAN (Salimans et al. 2016) -----------------------------------------------------------


def feature_matching_loss(real_features, fake_features):
    r"""Feature matching: the generator matches the mean of the discriminator's features.

    $$\mathcal{L}_G = \big\lVert \mathbb{E}_x f(x) - \mathbb{E}_z f(G(z)) \big\rVert_2^2$$

    where $f$ is an intermediate layer of the discriminator. Instead of maximising the
    discriminator's output, the generator matches the statistics the discriminator finds worth
    computing on real data, a target that does not move as far when the discriminator
    over-trains (section 3.1). The authors' Theano code takes the mean of the squares instead of
    the sum, which is this loss divided by the number of features.

    Args:
        real_features: tensor `(batch, ...)`, $f$ on real samples (no gradient is needed:
            pass it through `keras.ops.stop_gradient` to train only the generator).
        fake_features: tensor `(batch, ...)`, $f$ on generated samples.

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1606.03498 (section 3.1)
    """
    real_features = ops.reshape(real_features, (ops.shape(real_features)[0], -1))
    fake_features = ops.reshape(fake_features, (ops.shape(fake_features)[0], -1))
    # E_x f(x) - E_z f(G(z)): (batch, features) -> (features,)
    difference = ops.mean(real_features, axis=0) - ops.mean(fake_features, axis=0)
    return ops.sum(ops.square(difference))


def class_realness(class_logits):
    r"""The real/fake logit of a K-class classifier used as a K+1-class discriminator.

    The semi-supervised discriminator (section 5) has K class logits $\ell_1..\ell_K$ and a
    (K+1)-th class "generated" whose logit is fixed at 0, so with $Z(x) = \sum_k e^{\ell_k(x)}$

    $$D(x) = 1 - p(y = K+1 \mid x) = \frac{Z(x)}{Z(x) + 1} = \sigma(\log Z(x))$$

    i.e. its real/fake logit is $\log Z(x) = \operatorname{logsumexp}_k \ell_k(x)$, and every
    cross-entropy GAN loss of this module applies to it unchanged (with one-sided label
    smoothing too).

    Args:
        class_logits: tensor `(batch, K)`.

    Returns:
        Tensor `(batch, 1)`, the logits of $D(x)$.

    Reference: https://arxiv.org/abs/1606.03498 (section 5)
    """
    return ops.logsumexp(class_logits, axis=-1, keepdims=True)


def historical_averaging_penalty(weights, averages):
    r"""Historical averaging: each player's distance to the average of its past parameters.

    $$\Big\lVert \theta - \frac1t \sum_{i=1}^{t} \theta[i] \Big\rVert_2^2$$

    summed over every weight tensor, added to the player's cost (section 3.3). It is inspired
    by fictitious play, and lets gradient descent settle on equilibria around which it would
    otherwise orbit.

    Args:
        weights: list of tensors $\theta$ (the trainable weights, differentiated).
        averages: list of tensors of the same shapes, $\frac1t\sum_i \theta[i]$ (held fixed).

    Returns:
        Scalar tensor.

    Reference: https://arxiv.org/abs/1606.03498 (section 3.3)
    """
    if len(weights) != len(averages):
        raise ValueError(
            "historical_averaging_penalty needs one average per weight. Received: "
            f"{len(weights)} weights and {len(averages)} averages"
        )
    total = 0.0
    for weight, average in zip(weights, averages):
        weight = ops.convert_to_tensor(weight)
        average = ops.stop_gradient(ops.convert_to_tensor(average))
        total = total + ops.sum(ops.square(weight - average))
    return total


def weight_decay_penalty(weights, weight_decay):
    r"""L2 weight decay written as a loss term, the form PyTorch's `Adam(weight_decay=λ)` takes.

    $$\frac{\lambda}{2} \sum_\theta \lVert \theta \rVert_2^2$$

    Its gradient $\lambda\theta$ is what PyTorch adds to each gradient before Adam's moments,
    so Adam on the loss plus this term takes the reference code's steps. (Keras' own
    `weight_decay=` is decoupled, AdamW's: it shrinks the weights after Adam's step instead.)

    Args:
        weights: list of tensors $\theta$ (the trainable weights, differentiated).
        weight_decay: float $\lambda \ge 0$.

    Returns:
        Scalar tensor (0 when `weight_decay` is 0).
    """
    if not weight_decay:
        return ops.zeros(())
    total = 0.0
    for weight in weights:
        total = total + ops.sum(ops.square(ops.convert_to_tensor(weight)))
    return 0.5 * weight_decay * total


def orthogonal_regularization(weights, beta=1e-4):
    r"""BigGAN's orthogonal regularisation: the off-diagonal part of each weight's Gram matrix.

    $$R_\beta(W) = \frac{\beta}{2}\,\big\lVert W^\top W \odot (\mathbf{1} - I) \big\rVert_F^2$$

    summed over the weights, with each kernel read as a matrix $W$ of one column per output unit
    (a convolution's `(kh, kw, in, out)` as `(kh kw in, out)`). Unlike full orthogonality
    $\lVert W^\top W - I\rVert_F^2$ it leaves the norms of the filters free and only pushes
    them apart, which is what makes BigGAN's generator amenable to the truncation trick (Brock et
    al. 2019, section 3.1). Its gradient $2\beta\, W (W^\top W \odot (\mathbf{1} - I))$ is the
    one the authors' code adds to each gradient (BigGAN-PyTorch's `utils.ortho`); the paper
    writes the term without the 1/2, with the same $\beta = 10^{-4}$.

    Args:
        weights: list of tensors with at least 2 axes, the last one the output units (the
            Keras layout of dense and convolution kernels). Biases, gains and the class
            embedding are left out by the caller, as BigGAN leaves them out.
        beta: float $\beta \ge 0$. Defaults to 1e-4, BigGAN's.

    Returns:
        Scalar tensor.

    Raises:
        ValueError: a weight with fewer than 2 axes.

    Reference: https://arxiv.org/abs/1809.11096 (section 3.1)
    """
    total = 0.0
    for weight in weights:
        weight = ops.convert_to_tensor(weight)
        if len(weight.shape) < 2:
            raise ValueError(
                "orthogonal_regularization takes kernels with at least 2 axes (the last one the "
                f"output units). Received a weight of shape {tuple(weight.shape)}"
            )
        units = weight.shape[-1]
        matrix = ops.reshape(weight, (-1, units))  # (fan-in, units)
        gram = ops.matmul(ops.transpose(matrix), matrix)  # (units, units)
        off_diagonal = gram * (1.0 - ops.eye(units, dtype=gram.dtype))
        total = total + ops.sum(ops.square(off_diagonal))
    return 0.5 * beta * total
