"""Sample from a checkpoint: `python -m keras_gan.sample CHECKPOINT [flags]`.

Loads a whole-GAN `.keras` checkpoint (written on any backend) and writes a PNG or GIF, the format
taken from the --output extension. Without --output the file goes into the run that made the
checkpoint, `RUN/samples/sample_<mode>_step<N>_seed<S>.png` for `RUN/checkpoints/last.keras`
(beside the checkpoint when it is not in a run folder); the command prints where it wrote.

Examples:

  # A grid of 64 samples, written to runs/dcgan/samples/sample_grid_step<N>_seed0.png
  python -m keras_gan.sample runs/dcgan/checkpoints/last.keras

  # The same grid, to a file of your choice
  python -m keras_gan.sample runs/dcgan/checkpoints/last.keras --output grid.png

  # One row per class (conditional models: cgan, acgan, ...), 10 samples each
  python -m keras_gan.sample runs/cgan/checkpoints/last.keras --mode classes --num 10 --output classes.png

  # 8 spherical interpolations between pairs of latent vectors, 12 steps each, as an animation
  python -m keras_gan.sample runs/dcgan/checkpoints/last.keras --mode interpolate --rows 8 --steps 12 --output walk.gif

  # Morph class 3 into class 8 (generators that take a one-hot label)
  python -m keras_gan.sample runs/cgan/checkpoints/last.keras --mode class-interpolate --classes 3 8 --output morph.gif

  # A run trained with a generator EMA (--ema-half-life, --ema-decay) draws from the average;
  # the raw generator's weights instead:
  python -m keras_gan.sample runs/dcgan_ema/checkpoints/last.keras --raw-generator --output raw.png

  # Batch norm statistics recomputed for the weights drawn from, over 16 generated batches
  # (BigGAN's standing statistics)
  python -m keras_gan.sample runs/dcgan/checkpoints/last.keras --standing-statistics 16 --output standing.png

Exit status: 0, or 2 with a one-line message saying what to change (a missing or corrupt
checkpoint, an output path that cannot be written, a mode the model does not support).
"""

import argparse
import contextlib
import inspect
import os
import sys

import numpy as np

from keras_gan import _cli

PROG = "python -m keras_gan.sample"
MODES = ("grid", "classes", "interpolate", "class-interpolate")
FORMATS = (".png", ".gif")


def slerp(a, b, t):
    """Spherical interpolation between latent vectors `a` and `b` at fractions `t`.

    Walks the great circle between the two directions while interpolating the norms, which keeps
    intermediate points at the typical norm of a high-dimensional Gaussian sample (a straight
    line passes through low-norm points the generator rarely saw). Falls back to a straight line
    when the vectors are (anti)parallel.

    Args:
        a: array `(d,)`.
        b: array `(d,)`.
        t: array `(k,)` of fractions in [0, 1].

    Returns:
        float32 array `(k, d)`; row 0 is `a` at t=0, the last is `b` at t=1.
    """
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    t = np.asarray(t, "float64")[:, None]
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    cosine = np.clip(np.dot(a / norm_a, b / norm_b), -1.0, 1.0)
    omega = np.arccos(cosine)
    if np.sin(omega) < 1e-6:
        return ((1 - t) * a + t * b).astype("float32")
    directions = (np.sin((1 - t) * omega) * a / norm_a + np.sin(t * omega) * b / norm_b) / np.sin(
        omega
    )
    norms = (1 - t) * norm_a + t * norm_b
    return (directions * norms).astype("float32")


def _takes_labels(model):
    return "labels" in inspect.signature(model.generate).parameters and getattr(
        model, "num_classes", None
    )


def grid_samples(model, num, seed):
    """`num` samples at seeded latents; returns (samples, rows)."""
    latents = np.asarray(_latents(model, num, seed))
    if _takes_labels(model):
        labels = np.arange(num) % model.num_classes
        return model.generate(latents=latents, labels=labels), None
    return model.generate(latents=latents), None


def class_samples(model, per_class, seed):
    """`per_class` samples of each class, a row per class; returns (samples, rows)."""
    if not _takes_labels(model):
        raise ValueError(
            f"--mode classes needs a conditional model; {type(model).__name__} generates "
            "without labels. Use --mode grid."
        )
    classes = model.num_classes
    # The same latents in every row, so a column shows one "style" across classes.
    latents = np.tile(np.asarray(_latents(model, per_class, seed)), (classes, 1))
    labels = np.repeat(np.arange(classes), per_class)
    return model.generate(latents=latents, labels=labels), classes


def interpolation_frames(model, rows, steps, seed):
    """`rows` slerp paths of `steps` points; returns samples `(rows, steps, ...)`."""
    latents = np.asarray(_latents(model, 2 * rows, seed))
    path = np.concatenate(
        [slerp(latents[2 * r], latents[2 * r + 1], np.linspace(0, 1, steps)) for r in range(rows)]
    )
    if _takes_labels(model):
        labels = np.repeat(np.arange(rows) % model.num_classes, steps)
        samples = model.generate(latents=path, labels=labels)
    else:
        samples = model.generate(latents=path)
    return samples.reshape(rows, steps, *samples.shape[1:])


def class_interpolation_frames(model, rows, steps, seed, classes):
    """Fixed latents, the label moving linearly from class A to B; `(rows, steps, ...)`.

    The interpolation is between label vectors: the one-hot labels of a generator that takes one
    as its second input, or, for `networks.conditional_generator` (CGAN, ACGAN: an int label
    turned into a one-hot vector or an embedding and concatenated with z), those vectors.
    """
    from keras import ops

    num_classes = getattr(model, "num_classes", None)
    generator = model.generator
    inputs = getattr(generator, "inputs", None) or []
    takes_onehot = bool(
        num_classes
        and len(inputs) == 2
        and inputs[1].shape[-1] == num_classes
        and "float" in str(inputs[1].dtype)
    )
    label_path = None if takes_onehot or not num_classes else _label_path(generator)
    if not (takes_onehot or label_path):
        raise ValueError(
            "--mode class-interpolate needs a conditional generator (a one-hot label input, or "
            f"a label vector joined to z as in cgan and acgan); {type(model).__name__}'s "
            f"generator takes {[tuple(i.shape) for i in inputs]}. Use --mode interpolate."
        )
    a, b = classes
    for c in (a, b):
        if not 0 <= c < num_classes:
            raise ValueError(f"--classes must lie in [0, {num_classes}). Received: {c}")
    latents = np.repeat(np.asarray(_latents(model, rows, seed)), steps, axis=0)
    t = np.tile(np.linspace(0, 1, steps), rows)[:, None].astype("float32")
    if takes_onehot:
        eye = np.eye(num_classes, dtype="float32")
        samples = generator([latents, (1 - t) * eye[a] + t * eye[b]], training=False)
    else:
        label_layer, join, body = label_path
        ends = ops.convert_to_numpy(label_layer(np.array([a, b], dtype="int32")))  # (2, d)
        vectors = (1 - t) * ends[0] + t * ends[1]  # (rows * steps, d)
        samples = body(join([latents, vectors]), training=False)
    samples = ops.convert_to_numpy(samples)
    return samples.reshape(rows, steps, *samples.shape[1:])


def _label_path(generator):
    """`(label layer, join, body)` of a `conditional_generator`, or `None` for other nets.

    That generator maps `[z, labels]`: labels -> label layer (one-hot or embedding) -> joined
    to z by the `latent_and_label` Concatenate -> body (its last layer) -> images.
    """
    import keras

    layers = getattr(generator, "layers", [])
    join = next((layer for layer in layers if layer.name == "latent_and_label"), None)
    label_layers = (keras.layers.CategoryEncoding, keras.layers.Embedding)
    label = [layer for layer in layers if isinstance(layer, label_layers)]
    if join is None or len(label) != 1 or layers[-1] is join:
        return None
    return label[0], join, layers[-1]


def _latents(model, num, seed):
    from keras import ops

    return ops.convert_to_numpy(model.sample_latent(num, seed=seed))


def build_parser():
    parser = _cli.Parser(
        prog=PROG, description=__doc__, allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument(
        "checkpoint", help="a .keras checkpoint (e.g. runs/dcgan/checkpoints/last.keras)"
    )
    parser.add_argument(
        "--output",
        default=None,
        help="output file, .png or .gif. Default: RUN/samples/sample_<mode>_step<N>_seed<S>.png for a run's checkpoint, else that name beside the checkpoint",
    )
    parser.add_argument("--mode", choices=MODES, default="grid", help="what to draw. Default: grid")
    parser.add_argument(
        "--num",
        type=int,
        default=64,
        help="samples in the grid (per class with --mode classes). Default: 64",
    )
    parser.add_argument("--rows", type=int, default=8, help="interpolation paths. Default: 8")
    parser.add_argument(
        "--steps", type=int, default=10, help="points along each interpolation. Default: 10"
    )
    parser.add_argument(
        "--classes",
        type=int,
        nargs=2,
        default=(0, 1),
        metavar=("A", "B"),
        help="classes to morph between in class-interpolate. Default: 0 1",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the latent vectors. Default: 0"
    )
    parser.add_argument("--scale", type=int, default=2, help="pixel enlargement. Default: 2")
    parser.add_argument(
        "--raw-generator",
        action="store_true",
        help="a model with a generator EMA (--ema-decay, --ema-half-life): draw from the raw "
        "generator's weights, not their moving average. Default: the average",
    )
    parser.add_argument(
        "--standing-statistics",
        type=int,
        default=None,
        metavar="BATCHES",
        help="a generator with batch normalisation: recompute its statistics for the weights "
        "drawn from, over this many generated batches of 64 (BigGAN's standing statistics; "
        "the authors use 16 or 32). Default: the statistics training gathered",
    )
    return parser


def default_output(checkpoint, mode="grid", step=None, seed=0):
    """Where samples of `checkpoint` go without --output.

    Args:
        checkpoint: str, the checkpoint's path.
        mode: str, one of `MODES`. Defaults to `"grid"`.
        step: int, the checkpoint's training step, or `None` (left out of the name).
            Defaults to `None`.
        seed: int, the seed of the latent vectors. Defaults to 0.

    Returns:
        `RUN/samples/sample_<mode>_step<step>_seed<seed>.png` when the checkpoint sits in a run
        folder (`RUN/checkpoints/X.keras` with `RUN/config.json`), else that file name in the
        checkpoint's own folder.
    """
    run = _cli.run_folder(checkpoint)
    folder = os.path.join(run, "samples") if run else os.path.dirname(os.fspath(checkpoint))
    at = "" if step is None else f"_step{step}"
    return os.path.join(folder, f"sample_{mode}{at}_seed{seed}.png")


def main(argv=None):
    """Runs the command line; returns the exit status: 0, or 2 with a one-line message."""
    try:
        return _sample(build_parser().parse_args(argv))
    except _cli.UsageError as error:
        return _cli.fail(PROG, error)
    except KeyboardInterrupt:
        return _cli.fail(PROG, "interrupted (Ctrl-C).")


def _sample(args):
    if args.output is not None:
        _check_extension(args.output)
    for name in ("num", "rows", "steps", "scale", "standing_statistics"):
        if getattr(args, name) is not None and getattr(args, name) <= 0:
            value = getattr(args, name)
            flag = "--" + name.replace("_", "-")
            raise _cli.UsageError(f"{flag} must be a positive integer. Received: {flag} {value}")
    if args.output is not None:
        _cli.check_output_file(args.output)

    from keras_gan import checkpoints, plotting

    try:
        model = checkpoints.load(args.checkpoint)
    except checkpoints.CheckpointError as error:
        raise _cli.UsageError(str(error)) from error
    step = _step(model)
    output = args.output
    if output is None:
        output = default_output(args.checkpoint, args.mode, step, args.seed)
        _cli.check_output_file(output)
    extension = os.path.splitext(output)[1].lower()
    kind = getattr(model, "data_kind", "images")
    if not hasattr(model, "sample_latent"):  # a translation model: no z to draw
        raise _cli.UsageError(
            f"The checkpoint holds {type(model).__name__}, which translates {kind} images rather "
            "than drawing from noise; keras_gan.sample draws from noise. Call "
            "model.generate(images) in Python instead."
        )
    if args.raw_generator and not getattr(model, "generator_average", None):
        raise _cli.UsageError(
            "--raw-generator draws from the raw generator instead of its moving average, but "
            "this checkpoint has no generator EMA (it was trained without --ema-decay or "
            "--ema-half-life): its samples are the raw generator's already. Drop --raw-generator."
        )
    try:
        with sampling_weights(model, not args.raw_generator, args.standing_statistics):
            frames = _draw(model, args, extension)
    except ValueError as error:
        raise _cli.UsageError(str(error)) from error
    try:
        if extension == ".gif":
            plotting.save_gif(frames, output, duration_ms=120, scale=args.scale)
        else:
            plotting.save_image(frames[0], output, scale=args.scale)
    except OSError as error:
        if os.path.isfile(output):
            os.remove(output)  # no half-written image left behind
        raise _cli.write_error(output, error) from error
    print(
        f"Wrote {output} ({len(frames)} frame{'s' * (len(frames) > 1)}) from {args.checkpoint} "
        f"({type(model).__name__}, step {'?' if step is None else step})"
    )
    return 0


@contextlib.contextmanager
def sampling_weights(model, average=True, standing_statistics=None):
    """Within the block `model.generate` draws from the average (`average=True`, where the model
    keeps one) or the raw weights, with its batch normalisations' statistics recomputed for
    them over `standing_statistics` generated batches when that is set
    (`AdversarialBase.standing_statistics`). `keras_gan.evaluate` samples the same way.

    Raises:
        ValueError: the model cannot take standing statistics (no batch normalisation in its
            generator, or it does not sample from a prior), naming why.
    """
    with model.averaged_generator(average=average):
        if standing_statistics is None:
            yield
        else:
            with model.standing_statistics(batches=standing_statistics, ema=average):
                yield


def _draw(model, args, extension):
    """The frames `args` asks for: one picture, or the frames of a GIF."""
    from keras_gan import plotting

    if args.mode in ("grid", "classes"):
        make = grid_samples if args.mode == "grid" else class_samples
        samples, rows = make(model, args.num, args.seed)
        frames = [plotting.image_grid(samples, rows=rows)]
    else:
        if args.mode == "interpolate":
            paths = interpolation_frames(model, args.rows, args.steps, args.seed)
        else:
            paths = class_interpolation_frames(
                model, args.rows, args.steps, args.seed, args.classes
            )
        rows, steps = paths.shape[:2]
        if extension == ".gif":  # one frame per point of the paths, there and back
            order = list(range(steps)) + list(range(steps - 2, 0, -1))
            frames = [plotting.image_grid(paths[:, i], rows=rows) for i in order]
        else:  # a row per path
            frames = [plotting.image_grid(paths.reshape(-1, *paths.shape[2:]), rows=rows)]
    return frames


def _check_extension(path):
    if os.path.isdir(path):
        _cli.check_output_file(path)  # the message for a folder
    if os.path.splitext(path)[1].lower() not in FORMATS:
        raise _cli.UsageError(
            f"--output must end in .png or .gif (the format follows the extension). "
            f"Received: --output {path}"
        )


def _step(model):
    try:
        from keras_gan import checkpoints

        return checkpoints.step_of(model)
    except Exception:  # an uncompiled model has no step counter
        return None


if __name__ == "__main__":
    sys.exit(main())
