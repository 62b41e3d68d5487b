"""The lab's protocol runner: train a toy GAN on `ring` or `grid`, count its modes.

`run_toy(variant="gan", dataset="ring", packing=1, minibatch_std=False, steps=..., seed=...)`
builds the PacGAN paper's 2-D networks (which follow VEEGAN/ALI), trains with `fit()`, and
evaluates the protocol of `keras_gan.lab.toy` every `eval_every` steps and at the end.

The networks, from PacGAN's released 2-D configuration (`synthetic_data_experiments/2DRing_GAN&
PacGAN/config.py` and `pacgan_task.py`): a generator of 4 hidden layers x 400 units, each
BatchNorm + ReLU, from a 2-D N(0, I) latent, linear output; a discriminator of 3 maxout layers x
200 units x 5 pieces and a linear logit, taking `2 m` inputs for packing m. Adam with learning
rate 1e-4 and beta_1 0.8; 100 packs per minibatch (so `100 m` samples); the paper trains for 400
epochs of 100,000 points (400k steps). On a CPU we train far fewer steps with a larger step
size (`TOY_DEFAULTS`), which the benchmark cards state.

Example:

>>> result = run_toy("gan", "ring", packing=2, steps=3000, seed=0)  # doctest: +SKIP
>>> result["metrics"]["modes_captured"], result["metrics"]["high_quality"]  # doctest: +SKIP
(8, 0.97)
"""

from __future__ import annotations

import time

import keras

from keras_gan.lab import toy
from keras_gan.lab.layers import MinibatchStdDev
from keras_gan.lab.packing import pack_discriminator

VARIANTS = ("gan", "unrolled_gan")
TOY_DATASETS = ("ring", "grid")

# The paper's settings (PacGAN 2-D experiments) and the CPU-scaled defaults used here.
PAPER = {"learning_rate": 1e-4, "beta_1": 0.8, "batch_packs": 100, "steps": 400_000}
TOY_DEFAULTS = {
    # 1e-4 needs the paper's 400k steps; 5e-4 reaches the modes in a few thousand.
    "learning_rate": 5e-4,
    # The paper's beta_1.
    "beta_1": 0.8,
    # 100 packs per minibatch, as the paper.
    "batch_packs": 100,
}


def toy_generator(latent_dim=2, units=400, depth=4, seed=None):
    """PacGAN/VEEGAN's 2-D generator: `depth` x (Dense(units) -> BatchNorm -> ReLU) -> Dense(2)."""
    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    z = keras.Input((latent_dim,), name="latent")
    x = z
    for i in range(depth):
        x = keras.layers.Dense(
            units, use_bias=False, kernel_initializer=init, name=f"hidden{i + 1}"
        )(x)
        x = keras.layers.BatchNormalization(name=f"hidden{i + 1}_bn")(x)
        x = keras.layers.ReLU()(x)
    points = keras.layers.Dense(2, kernel_initializer=init, name="output")(x)
    return keras.Model(z, points, name="generator")


def toy_discriminator(packing=1, units=200, depth=3, pieces=5, minibatch_std=False, seed=None):
    """PacGAN's 2-D discriminator: `depth` maxout layers (units x pieces) and a linear logit.

    Args:
        packing: int, m; the inner network takes `2 m` inputs and the result takes single
            points (see `pack_discriminator`). Defaults to 1 (a plain GAN).
        units, depth, pieces: the maxout layers. Defaults to 200, 3, 5 (the paper's).
        minibatch_std: bool, insert a `MinibatchStdDev` layer (whole-batch statistics) before
            the last maxout layer, as ProGAN does near the end of its discriminator.
        seed: optional int, weight seed.

    Returns:
        `keras.Model` from `(b, 2)` points to `(b / m, 1)` logits.
    """
    from keras_gan.networks.mlp import Maxout

    init = keras.initializers.RandomNormal(stddev=0.02, seed=seed)
    inputs = keras.Input((2 * packing,), name="packed_points")
    x = inputs
    for i in range(depth):
        if minibatch_std and i == depth - 1:
            x = MinibatchStdDev(name="minibatch_std")(x)  # (b, f) -> (b, f + 1)
        x = keras.layers.Dense(units * pieces, kernel_initializer=init, name=f"hidden{i + 1}")(x)
        x = Maxout(pieces)(x)  # (b, units * pieces) -> (b, units)
    logits = keras.layers.Dense(1, kernel_initializer=init, name="logit")(x)
    network = keras.Model(inputs, logits, name="maxout_discriminator")
    return pack_discriminator(network, packing, sample_shape=(2,), name="discriminator")


def build_toy_gan(
    packing=1,
    minibatch_std=False,
    learning_rate=None,
    beta_1=None,
    seed=0,
    generator_units=400,
    discriminator_units=200,
    steps=None,
    decay_fraction=0.0,
    discriminator_steps=1,
    variant="gan",
    unrolling_steps=10,
    **stabilisers,
):
    """A compiled `keras_gan.models.GAN` with the lab's 2-D networks, or with
    `variant="unrolled_gan"` a `keras_gan.models.UnrolledGAN` with them (its generator trained
    against the discriminator `unrolling_steps` updates ahead; the paper's ring figure: 10, and
    0 for its collapsing baseline, the same code).

    `**stabilisers` are the core's options every model takes: the generator's EMA
    (`ema_decay=`, `ema_half_life=`, `ema_rampup=`, `ema_start=`; `keras_gan.ema`),
    `generator_steps=`, `label_smoothing=`, `r1_gamma=`, ... (`docs/stabilisers.md`).

    With `decay_fraction > 0` (and `steps`), both learning rates are held for the first
    `(1 - decay_fraction) * steps` steps and then decay linearly to zero at `steps`
    (the schedule CycleGAN uses, `keras_gan.schedules.LinearDecay`, counted in steps;
    the discriminator's schedule counts its `discriminator_steps` updates per step, the
    generator's its `generator_steps`).
    """
    from keras_gan.models import GAN, UnrolledGAN

    if variant not in VARIANTS:
        raise ValueError(
            f"Unknown lab variant. Accepted: {', '.join(VARIANTS)}. Received: variant={variant!r}"
        )
    networks = dict(
        generator=toy_generator(units=generator_units, seed=seed),
        discriminator=toy_discriminator(
            packing, units=discriminator_units, minibatch_std=minibatch_std, seed=seed + 1
        ),
        latent_dim=2, seed=seed, discriminator_steps=discriminator_steps,
    )  # fmt: skip
    if variant == "unrolled_gan":
        model = UnrolledGAN(
            **networks, latent_distribution="normal", unrolling_steps=unrolling_steps, **stabilisers
        )
    else:
        model = GAN(**networks, sample_shape=(2,), **stabilisers)
    learning_rate = TOY_DEFAULTS["learning_rate"] if learning_rate is None else learning_rate
    beta_1 = TOY_DEFAULTS["beta_1"] if beta_1 is None else beta_1
    # each schedule counts its optimizer's updates: k per step for D, generator_steps for G
    d_steps = steps * discriminator_steps if steps else steps
    g_steps = steps * stabilisers.get("generator_steps", 1) if steps else steps
    model.compile(
        d_optimizer=keras.optimizers.Adam(
            held_then_decayed(learning_rate, d_steps, decay_fraction), beta_1=beta_1
        ),
        g_optimizer=keras.optimizers.Adam(
            held_then_decayed(learning_rate, g_steps, decay_fraction), beta_1=beta_1
        ),
    )
    return model


def held_then_decayed(learning_rate, steps, decay_fraction):
    """A learning rate held, then decayed linearly to 0 over the last `decay_fraction` of `steps`.

    Args:
        learning_rate: float, the held rate.
        steps: int, the training length in optimizer steps (needed when decaying).
        decay_fraction: float in [0, 1]; 0 returns `learning_rate` itself.

    Returns:
        `learning_rate`, or a `keras_gan.schedules.LinearDecay` counted in steps.
    """
    if not 0.0 <= decay_fraction <= 1.0:
        raise ValueError(
            f"`decay_fraction` must be in [0, 1]. Received: decay_fraction={decay_fraction!r}"
        )
    if not decay_fraction:
        return learning_rate
    if not steps:
        raise ValueError(f"`decay_fraction` needs `steps`. Received: steps={steps!r}")
    from keras_gan.schedules import LinearDecay

    decay_steps = max(1, round(decay_fraction * steps))
    # eta(t) = eta_0 (1 - max(0, t + 1 - hold) / (decay + 1)), one "epoch" per step
    return LinearDecay(learning_rate, steps - decay_steps, decay_steps, steps_per_epoch=1)


class ModeHistory(keras.callbacks.Callback):
    """Counts the modes on fixed latents at the end of every epoch (one epoch = a log interval).

    Attributes:
        history: list of dicts, one per evaluation: `step`, the losses and the protocol's
            `modes_captured`, `high_quality`, `reverse_kl`.
    """

    def __init__(self, mixture, num_samples=toy.PROTOCOL_SAMPLES, seed=1234):
        super().__init__()
        self.mixture = mixture
        self.num_samples = num_samples
        self.seed = seed
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        samples = self.model.generate(self.num_samples, seed=self.seed)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty histogram early in training is expected
            metrics = toy.count_modes(samples, self.mixture, min_samples=self.num_samples)
        step = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))
        self.history.append({
            "step": step,
            **{k: float(v) for k, v in (logs or {}).items()},
            **{k: metrics[k] for k in ("modes_captured", "high_quality", "reverse_kl")},
        })  # fmt: skip


def run_toy(
    variant="gan",
    dataset="ring",
    packing=1,
    minibatch_std=False,
    steps=3000,
    seed=0,
    eval_every=500,
    learning_rate=None,
    batch_packs=None,
    callbacks=(),
    verbose=0,
    generator_units=400,
    discriminator_units=200,
    decay_fraction=0.0,
    discriminator_steps=1,
    unrolling_steps=10,
    **stabilisers,
):
    """Trains a toy GAN on a 2-D mixture and evaluates the VEEGAN/PacGAN protocol.

    Args:
        variant: str, the adversarial game: `"gan"` (the non-saturating GAN, as PacGAN's
            baseline) or `"unrolled_gan"` (`keras_gan.models.UnrolledGAN`, the minimax
            surrogate with `unrolling_steps` unrolled discriminator updates). Defaults to
            `"gan"`.
        dataset: `"ring"` (8 modes) or `"grid"` (25 modes). Defaults to `"ring"`.
        packing: int >= 1, PacGAN's m (1: no packing). Defaults to 1.
        minibatch_std: bool, add a minibatch-std layer to the discriminator. Defaults to False.
        steps: int, adversarial steps (each one discriminator and one generator update).
            Defaults to 3000.
        seed: int, seed of the weights, the training stream and the data. Defaults to 0.
        eval_every: int, steps between two protocol evaluations in the history (rounded so
            that it divides `steps`). Defaults to 500.
        learning_rate: float, Adam step size. Defaults to `TOY_DEFAULTS["learning_rate"]`.
        batch_packs: int, packs per minibatch (the minibatch holds `batch_packs * packing`
            points). Defaults to 100, the paper's.
        callbacks: extra Keras callbacks (e.g. `keras_gan.lab.plots.DecisionSurfaceAnimation`).
        verbose: passed to `fit`. Defaults to 0.
        generator_units: int, width of the generator's 4 hidden layers. Defaults to 400.
        discriminator_units: int, maxout units of the discriminator's 3 layers. Defaults to 200.
        decay_fraction: float in [0, 1], the last fraction of `steps` over which both
            learning rates fall linearly to zero (0: constant). Defaults to 0. A decay sharpens
            the samples around the modes (the "% high quality"), since a constant large step
            keeps the generator jittering around the modes.
        discriminator_steps: int >= 1, discriminator updates per generator update, each on
            its own minibatch of `batch_packs * packing` real points. Defaults to 1 (the
            paper's). More lets the discriminator resolve the grid's 25 narrow modes before
            the generator moves on (see the grid card in `docs/benchmarks.md`).
        unrolling_steps: int >= 0, with `variant="unrolled_gan"`, K. Defaults to 10, the
            paper's ring figure.
        **stabilisers: the core's options, passed to `build_toy_gan`: the generator's EMA
            (`ema_decay=`, `ema_start=`, ...; the protocol and the history then score the
            average, as `generate` does), `generator_steps=`, `label_smoothing=`, ...
            (`docs/stabilisers.md`). Recorded in the result's `config`.

    Returns:
        A dict: `metrics` (the protocol on 2,500 fresh samples, see `toy.count_modes`; from
        the generator's average when it keeps one, and then `raw_metrics` from its trained
        weights on the same latents),
        `history` (list of per-interval dicts for plots), `config`, `wall_seconds`,
        `backend` and `model` (the trained GAN).

    Raises:
        ValueError: an unknown variant or dataset, packing < 1, steps < 1.
    """
    from keras_gan import datasets

    if variant not in VARIANTS:
        raise ValueError(
            f"Unknown lab variant '{variant}'. Accepted: {', '.join(VARIANTS)}. Received: variant={variant!r}"
        )
    if dataset not in TOY_DATASETS:
        raise ValueError(
            f"Unknown toy dataset '{dataset}'. Accepted: {', '.join(TOY_DATASETS)}. "
            f"Received: dataset={dataset!r}"
        )
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"`steps` must be a positive int. Received: steps={steps!r}")
    batch_packs = batch_packs or TOY_DEFAULTS["batch_packs"]
    keras.utils.set_random_seed(seed)
    eval_every = max(1, min(eval_every, steps))
    epochs = max(1, steps // eval_every)
    model = build_toy_gan(
        packing,
        minibatch_std,
        learning_rate,
        seed=seed,
        generator_units=generator_units,
        discriminator_units=discriminator_units,
        steps=epochs * eval_every,
        decay_fraction=decay_fraction,
        discriminator_steps=discriminator_steps,
        variant=variant,
        unrolling_steps=unrolling_steps,
        **stabilisers,
    )
    batch = batch_packs * packing
    # one minibatch of `batch` real points per discriminator update
    data = datasets.load(
        dataset, batch_size=batch * discriminator_steps, seed=seed,
        num_examples=min(100_000, max(batch * steps, batch * 10)),
    ).repeat()  # fmt: skip
    history = ModeHistory(dataset)
    start = time.perf_counter()
    model.fit(
        data, epochs=epochs, steps_per_epoch=eval_every, verbose=verbose,
        callbacks=[history, *callbacks],
    )  # fmt: skip
    wall = time.perf_counter() - start
    samples = model.generate(toy.PROTOCOL_SAMPLES, seed=seed + 10_000)
    metrics = toy.count_modes(samples, dataset)
    raw = {}
    if model.generator_average:  # the same latents through the trained weights, to compare
        raw_samples = model.generate(toy.PROTOCOL_SAMPLES, seed=seed + 10_000, ema=False)
        raw = {"raw_metrics": toy.count_modes(raw_samples, dataset)}
    return {
        "metrics": metrics,
        **raw,
        "history": history.history,
        "config": {
            "variant": variant,
            "dataset": dataset,
            "packing": packing,
            "minibatch_std": minibatch_std,
            "steps": epochs * eval_every,
            "seed": seed,
            "batch_size": batch,
            "learning_rate": TOY_DEFAULTS["learning_rate"]
            if learning_rate is None
            else learning_rate,
            "beta_1": TOY_DEFAULTS["beta_1"],
            "decay_fraction": decay_fraction,
            "discriminator_steps": discriminator_steps,
            **({"unrolling_steps": unrolling_steps} if variant == "unrolled_gan" else {}),
            **stabilisers,
        },  # fmt: skip
        "wall_seconds": round(wall, 1),
        "backend": keras.backend.backend(),
        "model": model,
    }
