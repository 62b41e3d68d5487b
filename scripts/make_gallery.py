"""The documentation's gallery: one sample grid per variant, with the command that made it.

Each variant is trained from the command line's defaults (its own dataset, `--seed 0`) for a
budget of training time, each in its own process; the budget is turned into a step count (a
probe of 10 steps, then 10 more to time a compiled step), and the run is continued to that step.
A run continued to step N is the run `python -m keras_gan.train VARIANT --steps N` (resume is
exact, docs/training.md), so that is the command the page shows; its last fixed-latent grid
(`samples/epoch_*.png`) is copied, as a JPEG, to `docs/images/gallery/VARIANT.jpg`. The page
`docs/gallery.md` is written from `docs/gallery.json` (one record per variant: steps, seconds,
backend, the machine, the commit).

    # every variant, 90 s of training each, on one core (about 50 minutes with compilation)
    KERAS_GAN_DATA_DIR=../shared/data KERAS_BACKEND=jax taskset -c 1 python scripts/make_gallery.py
    # some variants again, with a longer budget; the others' records are kept
    python scripts/make_gallery.py dcgan wgan_gp --seconds 300
    # rewrite docs/gallery.md from docs/gallery.json alone (no training)
    python scripts/make_gallery.py --page-only

The grids are small JPEGs (about 20-60 kB each): the site needs them, and producing them takes
about an hour of CPU, more than CI can spend.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(ROOT, "docs", "images", "gallery")
MANIFEST = os.path.join(ROOT, "docs", "gallery.json")
PAGE = os.path.join(ROOT, "docs", "gallery.md")
PROBE_STEPS = 10  # the first call compiles; the second 10 steps time a compiled step


def train_one(variant, seconds, output):
    """In a child process: trains `variant` for about `seconds`; returns its record."""
    import keras

    import keras_gan

    class StepClock(keras.callbacks.Callback):
        """The wall time at the end of each step (a call's first step includes compiling)."""

        def on_train_begin(self, logs=None):
            self.ends = []

        def on_train_batch_end(self, batch, logs=None):
            self.ends.append(time.perf_counter())

    clock = StepClock()
    quiet = {"verbose": 0}
    run = keras_gan.Run(variant, output=output, seed=0, callbacks=[clock])
    planned = run.config.epochs * run.config.steps_per_epoch if run.config.steps_per_epoch else None
    start = time.perf_counter()
    # every step of the run counts, SRGAN's MSE pretraining steps included (`--steps` too)
    reached = run.train(steps=PROBE_STEPS, **quiet).step
    first = time.perf_counter() - start
    start = time.perf_counter()
    reached = run.train(steps=reached + PROBE_STEPS, **quiet).step
    second = time.perf_counter() - start
    per_step = (clock.ends[-1] - clock.ends[0]) / (len(clock.ends) - 1)
    steps = max(reached, int(seconds / per_step))
    if planned:
        steps = max(reached, min(steps, planned))
    start = time.perf_counter()
    result = run.train(steps=steps, **quiet)
    if result.status != 0:
        raise SystemExit(f"{variant}: the run ended with status {result.status}")
    trained = first + second + time.perf_counter() - start
    grids = sorted(glob.glob(os.path.join(output, "samples", "epoch_*.png")), key=os.path.getmtime)
    if not grids:
        raise SystemExit(f"{variant}: the run wrote no sample grid")
    return {
        "variant": variant,
        "title": keras_gan.registry.get(variant).summary,
        "steps": steps,
        "seconds": round(trained, 1),
        "ms_per_step": round(1000 * per_step, 1),
        "dataset": run.config.dataset,
        "backend": keras.backend.backend(),
        "grid": grids[-1],
    }


def save_jpeg(png, target):
    from PIL import Image

    image = Image.open(png)
    image = image.convert("L" if _gray(image) else "RGB")
    # The run's grids are enlarged 2x by pixel repetition: the page enlarges them instead.
    image = image.resize((image.width // 2, image.height // 2), Image.Resampling.NEAREST)
    image.save(target, "JPEG", quality=90, optimize=True)


def _gray(image):
    rgb = image.convert("RGB")
    r, g, b = rgb.split()
    return r.tobytes() == g.tobytes() == b.tobytes()


def machine():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{platform.processor() or platform.machine()}, {cores} of {os.cpu_count()} CPU cores"


def commit():
    """The commit the grids were made at; "+uncommitted" when tracked files (other than the
    gallery's own outputs) differ from it, so a record never names code it did not run."""
    try:
        head = subprocess.run(
            ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no", "--", ".",
             ":!docs/gallery.json", ":!docs/gallery.md", ":!docs/images/gallery"],
            capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+uncommitted" if head and changed else "")


def write_page(records):
    from mkdocs_hooks import VARIANTS  # the course order of the variants' pages

    order = {name: i for i, name in enumerate(VARIANTS)}
    lines = [
        "# Gallery",
        "",
        "One grid of samples per variant, each from the command line's defaults (its own",
        "dataset, seed 0) trained for about the same short time on one CPU core: what a first",
        "run of each model gives, not what it can reach. The variants' pages give measured",
        "quality at longer budgets. Each grid is the run's own preview: the generator on fixed",
        "latent vectors (one row per class for conditional models), or, for the image-to-image",
        "and super-resolution models, its outputs on a fixed batch of inputs (the inputs are not",
        "shown).",
        "",
        "At this budget the variants whose steps cost most on a CPU (BigGAN, LoGAN, CoGAN, SAGAN,",
        "StyleGAN, Unrolled GAN, WGAN-GP: 20 to 85 steps each) and WGAN and SNGAN still draw",
        "noise or flat blobs, ProGAN is still growing at 4x4, and Improved GAN's generator, trained",
        "by feature matching for semi-supervised classification, repeats one pattern (Salimans et",
        "al. 2016 found feature matching good for the classifier, not for the samples).",
        "",
        "Made by `scripts/make_gallery.py` (this page and `docs/images/gallery/` are its output);",
        "the command under each grid trains the same run (resume is exact, so a run continued to",
        "step N is the run stopped there), and its grid is `RUN/samples/epoch_*.png`.",
        "",
    ]
    for record in sorted(records.values(), key=lambda r: order.get(r["variant"], len(order))):
        name = record["variant"]
        lines += [
            f"## {name}",
            "",
            f"{record['title']}.",
            "",
            f"![{name}: samples after {record['steps']:,} steps](images/gallery/{name}.jpg)"
            '{ width="448" style="image-rendering: pixelated" }',
            "",
            "```bash",
            f"KERAS_BACKEND={record['backend']} python -m keras_gan.train {name} "
            f"--steps {record['steps']} --seed 0",
            "```",
            "",
            f"{record['steps']:,} steps on `{record['dataset']}`, "
            f"{record['seconds']:.0f} s of training including compilation ({record['ms_per_step']:.0f} ms "
            f"a step; {record['machine']}; commit {record['commit']}, {record['date']}).",
            "",
        ]
    with open(PAGE, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variants", nargs="*", help="variants to train (default: every one)")
    parser.add_argument("--seconds", type=float, default=90.0, help="training time per variant")
    parser.add_argument("--page-only", action="store_true", help="rewrite the page, train none")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # VARIANT:OUTPUT:RESULT_JSON
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error(f"--seconds must be positive. Received: {args.seconds}")

    if args.child:
        variant, output, result = args.child.split(":")
        with open(result, "w", encoding="utf-8") as handle:
            json.dump(train_one(variant, args.seconds, output), handle)
        return 0

    sys.path[:0] = [ROOT, os.path.join(ROOT, "scripts")]
    from keras_gan.registry import available

    records = {}
    if os.path.exists(MANIFEST):
        with open(MANIFEST, encoding="utf-8") as handle:
            records = {r["variant"]: r for r in json.load(handle)}
    unknown = sorted(set(args.variants) - set(available()))
    if unknown:
        parser.error(f"unknown variants {unknown}; accepted: {', '.join(available())}")
    variants = [] if args.page_only else args.variants or available()
    os.makedirs(IMAGES, exist_ok=True)
    failed = []
    with tempfile.TemporaryDirectory(prefix="keras_gan_gallery_") as work:
        for variant in variants:
            output, result = os.path.join(work, variant), os.path.join(work, variant + ".json")
            start = time.time()
            child = [sys.executable, __file__, "--child", f"{variant}:{output}:{result}"]
            code = subprocess.run(child + ["--seconds", str(args.seconds)]).returncode
            if code != 0 or not os.path.exists(result):
                print(f"== {variant}: FAILED (exit {code})", flush=True)
                failed.append(variant)
                continue
            with open(result, encoding="utf-8") as handle:
                record = json.load(handle)
            save_jpeg(record.pop("grid"), os.path.join(IMAGES, variant + ".jpg"))
            record.update(
                machine=machine(), commit=commit(), date=datetime.date.today().isoformat()
            )
            records[variant] = record
            print(
                f"== {variant}: {record['steps']} steps in {record['seconds']:.0f} s "
                f"({time.time() - start:.0f} s with start-up)",
                flush=True,
            )
            with open(MANIFEST, "w", encoding="utf-8") as handle:
                json.dump(sorted(records.values(), key=lambda r: r["variant"]), handle, indent=1)
    write_page(records)
    print(f"wrote {PAGE} ({len(records)} variants)" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
