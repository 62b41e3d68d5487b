"""Sample quality of SRGAN, LAPGAN and GAN-INT-CLS on CPU-sized digit data, under a time budget.

Prints one JSON object. Per model, on the backend of this process (`KERAS_BACKEND`):

* `srgan`: 7x7 -> 28x28 digits (x4). PSNR (dB, range [-1, 1]) and SSIM (skimage) of SRGAN's
  output, of the generator after its MSE pretraining alone (SRResNet-MSE), and of bicubic
  upsampling, against the high-resolution test images. Content loss: pixel MSE (the ImageNet
  VGG19 weights cannot be downloaded here).
* `lapgan`: classifier-FID (features of keras_gan's MNIST classifier, `keras_gan.metrics`) of
  LAPGAN (28 -> 14 -> 7) and of DCGAN trained for the same wall-clock budget.
* `gan_int_cls`: the text encoder's joint-embedding pretraining (`text_pretrain_steps`, not
  counted in the budget), then the GAN. Captions "a <digit>" for every digit: the share of
  samples the MNIST classifier labels as the captioned digit. "a thick <d>" vs "a thin <d>"
  with the same latents: the measured stroke thickness (`keras_gan.datasets.measure_digits`)
  of each and the share of pairs where the "thick" one is thicker.

Usage (real MNIST offline via KERAS_GAN_DATA_DIR; `--minutes` is the training budget per model):

    KERAS_GAN_DATA_DIR=/work/shared/data KERAS_BACKEND=jax \\
        python benchmarks/quality_special.py --minutes 3 --models srgan lapgan gan_int_cls
"""

import argparse
import json
import os
import time

import keras
import numpy as np


class TimeBudget(keras.callbacks.Callback):
    """Stops `fit` once `seconds` of training have passed, counted from the end of the first
    step (which includes tracing/XLA compilation: on a loaded CPU, tens of seconds on JAX)."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds, self.start, self.steps, self.first_step_s = seconds, None, 0, None

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.steps == 1:
            self.first_step_s = round(time.time() - self.start, 1)
            self.start = time.time()
        elif time.time() - self.start > self.seconds:
            self.model.stop_training = True


def _fit(model, data, seconds, **kwargs):
    budget = TimeBudget(seconds)
    model.fit(
        data.repeat(), epochs=1, steps_per_epoch=10**7, verbose=0, callbacks=[budget], **kwargs
    )
    return budget.steps


def _test_arrays(dataset, count):
    parts = [[] for _ in dataset.element_spec]
    total = 0
    for batch in dataset.as_numpy_iterator():
        for part, array in zip(parts, batch):
            part.append(array)
        total += len(batch[0])
        if total >= count:
            break
    return [np.concatenate(p)[:count] for p in parts]


def bench_srgan(seconds, seed):
    from skimage.metrics import structural_similarity

    from keras_gan import datasets
    from keras_gan.metrics.image import bicubic_upscale, psnr
    from keras_gan.models import SRGAN, SRGANConfig

    config = SRGANConfig(seed=seed)
    train, info = datasets.load(
        "mnist_superres", batch_size=config.batch_size, seed=seed, with_info=True
    )
    test = datasets.load("mnist_superres", split="test", batch_size=100, shuffle=False)
    low, high = _test_arrays(test, 500)
    model = SRGAN.from_train_config(config, (28, 28, 1))

    def scores(images):
        ssim = [
            structural_similarity(a[..., 0], b[..., 0], data_range=2.0)
            for a, b in zip(images, high)
        ]
        return {"psnr_db": float(np.mean(psnr(images, high))), "ssim": float(np.mean(ssim))}

    # Half the budget on the MSE phase (SRResNet-MSE), half on the adversarial game.
    pretrain_budget = TimeBudget(seconds / 2)
    model.pretrain(train, steps=10**7, verbose=0, callbacks=[pretrain_budget])
    after_mse = scores(model.generate(low))
    steps = _fit(model, train, seconds / 2)
    return {
        "data": f"mnist_superres 7x7 -> 28x28 (source {info.extras.get('source')}), 500 test images",
        "content_loss": "mse (VGG19 ImageNet weights unavailable offline)",
        "pretrain_steps": pretrain_budget.steps,
        "adversarial_steps": steps,
        "srgan": scores(model.generate(low)),
        "srresnet_mse_phase": after_mse,
        "bicubic": scores(np.clip(bicubic_upscale(low, 4), -1, 1)),
    }


def _classifier():
    from keras_gan.metrics import get_feature_network

    return get_feature_network("classifier:mnist")


def bench_lapgan(seconds, seed, num_samples=2000):
    from keras_gan import datasets, metrics
    from keras_gan.models import DCGAN, LAPGAN, DCGANConfig, LAPGANConfig

    train = datasets.load("mnist", batch_size=64, seed=seed)
    real = datasets.load("mnist", split="test", batch_size=100, shuffle=False)
    results = {}
    for name, build in (
        ("lapgan", lambda: LAPGAN.from_train_config(LAPGANConfig(seed=seed), (28, 28, 1))),
        ("dcgan", lambda: DCGAN.from_train_config(DCGANConfig(seed=seed), (28, 28, 1))),
    ):
        model = build()
        steps = _fit(model, train, seconds)
        images = model.generate(num_samples, seed=seed)
        fid = metrics.evaluate(
            np.clip(images, -1, 1), real, feature_network="classifier:mnist",
            num_samples=num_samples, metrics=["fid"], seed=seed,
        )  # fmt: skip
        results[name] = {"steps": steps, "fid": fid.get("fid"), "num_samples": num_samples}
    results["feature_network"] = "classifier:mnist (keras_gan.metrics)"
    return results


def bench_gan_int_cls(seconds, seed, per_digit=50):
    from keras_gan import datasets
    from keras_gan.datasets.captions import DIGIT_WORDS
    from keras_gan.models import GANINTCLS, GANINTCLSConfig

    config = GANINTCLSConfig(seed=seed)
    train = datasets.load("mnist_captions", batch_size=config.batch_size, seed=seed)
    model = GANINTCLS.from_train_config(config, (28, 28, 1))
    start = time.time()
    model.pretrain_text_encoder(train, config.text_pretrain_steps)  # fit() would do it too
    pretrain_seconds = time.time() - start
    steps = _fit(model, train, seconds)
    classifier = _classifier()
    rng = np.random.default_rng(seed)
    agree, thick_gt_thin, thick_mean, thin_mean = [], [], [], []
    for digit in range(10):
        z = rng.normal(size=(per_digit, config.latent_dim)).astype("float32")
        captions = [f"a {DIGIT_WORDS[digit]}"] * per_digit
        _, probs = classifier(model.generate(captions, latents=z))
        agree.append(float(np.mean(probs.argmax(-1) == digit)))
        thick = model.generate([f"a thick {digit}"] * per_digit, latents=z)
        thin = model.generate([f"a thin {digit}"] * per_digit, latents=z)
        t_thick = datasets.measure_digits(thick)["thickness"]
        t_thin = datasets.measure_digits(thin)["thickness"]
        thick_gt_thin.append(float(np.mean(t_thick > t_thin)))
        thick_mean.append(float(t_thick.mean()))
        thin_mean.append(float(t_thin.mean()))
    return {
        "text_pretrain_steps": config.text_pretrain_steps,
        "text_pretrain_seconds": round(pretrain_seconds, 1),
        "steps": steps,
        "caption_digit_agreement": float(np.mean(agree)),
        "agreement_per_digit": [round(a, 3) for a in agree],
        "thickness_thick_caption_px": float(np.mean(thick_mean)),
        "thickness_thin_caption_px": float(np.mean(thin_mean)),
        "share_thick_thicker_than_thin": float(np.mean(thick_gt_thin)),
        "samples_per_digit": per_digit,
        "classifier": "classifier:mnist (keras_gan.metrics)",
    }


BENCHES = {"srgan": bench_srgan, "lapgan": bench_lapgan, "gan_int_cls": bench_gan_int_cls}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="training budget per model")
    parser.add_argument("--models", nargs="+", default=list(BENCHES), choices=list(BENCHES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = {
        "backend": keras.backend.backend(),
        "minutes_per_model": args.minutes,
        "data_dir": os.environ.get("KERAS_GAN_DATA_DIR"),
    }
    for name in args.models:
        start = time.time()
        try:
            out[name] = BENCHES[name](args.minutes * 60, args.seed)
        except Exception as error:  # report and go on with the other models
            out[name] = {"error": f"{type(error).__name__}: {error}"}
        out[name]["wall_s"] = round(time.time() - start, 1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
