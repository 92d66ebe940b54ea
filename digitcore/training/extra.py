"""``--extra-data``: MNIST + USPS + generated styles + "not a digit" examples, as one training mix.

The generated part comes from the cache of :mod:`digitcore.training.generated.builder` (built
first when missing). A small stratified share of the mix is held out, never trained on, to fit
the temperature that calibrates the 11-class model (see :mod:`digitcore.insight.calibration`).
Digits cut out of rendered whole numbers (:mod:`digitcore.training.generated.number_parts`) join
the mix too. Sizes of the generated parts can be set with ``DIGITCORE_EXTRA_DIGITS`` /
``DIGITCORE_EXTRA_NEGATIVES`` / ``DIGITCORE_EXTRA_NUMBERS`` and the cache folder with
``DIGITCORE_CACHE_DIR`` (tests and quick classroom runs use small ones).
``DIGITCORE_EXTRA_USPS_REPEAT=N`` trains on each USPS training digit N times (copies are added
after the hold-out is taken, so no image sits on both sides of it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..storage.datasets import Mnist, file_sha256
from .generated import builder, number_parts
from .generated.usps import load_usps

#: Outputs of a model trained with extra data; index 10 = not a digit.
EXTRA_CLASSES = 11
NOT_A_DIGIT_INDEX = builder.NOT_A_DIGIT
#: Share of the mix held out for the temperature fit (at most CALIBRATION_MAX images).
CALIBRATION_SHARE = 0.05
CALIBRATION_MAX = 5000


@dataclass
class TrainingMix:
    """The training images and labels, the calibration hold-out, and what went into them."""

    x: np.ndarray
    y: np.ndarray
    x_cal: np.ndarray
    y_cal: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)


def generated_sizes(subset: int | None = None) -> tuple[int, int]:
    """(digits, non-digits) to generate: the env overrides, else the defaults (scaled down for a subset run)."""
    digits = int(os.environ.get("DIGITCORE_EXTRA_DIGITS", builder.DEFAULT_DIGITS))
    negatives = int(os.environ.get("DIGITCORE_EXTRA_NEGATIVES", builder.DEFAULT_NEGATIVES))
    if subset:  # a quick run on a few images needs no 18,000 generated ones
        digits = min(digits, max(10, subset // 5))
        negatives = min(negatives, max(10, subset // 6))
    return digits, negatives


def number_count(subset: int | None = None) -> int:
    """Whole numbers to render and cut into digits (``DIGITCORE_EXTRA_NUMBERS``; fewer for a subset run)."""
    raw = os.environ.get("DIGITCORE_EXTRA_NUMBERS", str(number_parts.DEFAULT_NUMBERS))
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(f"DIGITCORE_EXTRA_NUMBERS must be a whole number >= 0, not {raw!r}") from None
    if n < 0:
        raise ValueError(f"DIGITCORE_EXTRA_NUMBERS must be a whole number >= 0, not {n}")
    return min(n, max(5, subset // 40)) if subset else n


def usps_repeat() -> int:
    """How many times each USPS training digit is trained on (``DIGITCORE_EXTRA_USPS_REPEAT``, default 1)."""
    raw = os.environ.get("DIGITCORE_EXTRA_USPS_REPEAT", "1")
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(f"DIGITCORE_EXTRA_USPS_REPEAT must be a whole number from 1 to 10, not {raw!r}") from None
    if not 1 <= n <= 10:
        raise ValueError(f"DIGITCORE_EXTRA_USPS_REPEAT must be a whole number from 1 to 10, not {n}")
    return n


def training_mix(data: Mnist, seed: int, subset: int | None = None, *,
                 progress: Callable[[int, int], None] | None = None) -> TrainingMix:
    """MNIST train + USPS train + the generated set, shuffled with ``seed``; calibration split held out.

    ``subset`` keeps only the first N images of the shuffled mix for training (after the hold-out).
    Raises DataError when USPS is missing.
    """
    usps = load_usps()
    n_digits, n_negatives = generated_sizes(subset)
    folder = os.environ.get("DIGITCORE_CACHE_DIR") or None
    extra, cache = builder.cached_extra(builder.DEFAULT_SEED, n_digits, n_negatives, folder=folder,
                                        progress=progress)
    n_numbers = number_count(subset)
    x_num, y_num, num_cache = number_parts.cached_number_parts(
        folder or builder.cache_dir(), n_numbers, mnist_path=data.source if os.path.isfile(data.source) else None,
        progress=progress)
    x = np.concatenate([data.x_train, usps.x_train, extra.x, x_num])
    y = np.concatenate([data.y_train.astype(np.uint8), usps.y_train, extra.y, y_num])
    from_usps = np.zeros(len(y), bool)
    from_usps[len(data.y_train): len(data.y_train) + len(usps.y_train)] = True
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    x, y, from_usps = x[order], y[order], from_usps[order]
    # Stratified hold-out: the same share of every class.
    n_cal = min(CALIBRATION_MAX, int(round(CALIBRATION_SHARE * len(y))))
    cal = np.zeros(len(y), bool)
    for c in range(EXTRA_CLASSES):
        idx = np.flatnonzero(y == c)
        cal[idx[: int(round(n_cal * len(idx) / len(y)))]] = True
    x_cal, y_cal, x, y, from_usps = x[cal], y[cal], x[~cal], y[~cal], from_usps[~cal]
    repeat = usps_repeat()
    if repeat > 1:  # copies of the training side's USPS digits, shuffled in
        copies = np.tile(np.flatnonzero(from_usps), repeat - 1)
        order = np.random.default_rng(seed + 1).permutation(len(y) + len(copies))
        x = np.concatenate([x, x[copies]])[order]
        y = np.concatenate([y, y[copies]])[order]
    if subset:
        x, y = x[:subset], y[:subset]
    info = {
        "mnist": {"source": os.path.basename(data.source), "sha256": data.sha256, "images": int(len(data.y_train))},
        "usps": {"source": os.path.basename(usps.source), "sha256": usps.sha256, "images": int(len(usps.y_train)),
                 "repeat": repeat, "form": "16x16 upscaled so the longer side is 20 px, centred by mass in 28x28"},
        "generated": {"version": builder.GENERATOR_VERSION, "seed": builder.DEFAULT_SEED, "digits": n_digits,
                      "negatives": n_negatives, "images": int(len(extra.y)),
                      "not_a_digit_images": int((extra.y == NOT_A_DIGIT_INDEX).sum()),
                      "cache": cache.name, "cache_sha256": file_sha256(cache),
                      "render_mix": dict(builder.RENDER_MIX)},
        "number_parts": {"version": number_parts.NUMBER_PARTS_VERSION, "seed": number_parts.DEFAULT_SEED,
                         "numbers": n_numbers, "images": int(len(y_num)), "cache": num_cache.name,
                         "cache_sha256": file_sha256(num_cache), "render_mix": dict(number_parts.KIND_MIX),
                         "how": "2-4 digit numbers in training-only shapes, rendered, segmented as read_number "
                                "does; kept when each part lies on its digit, labelled left to right"},
        "mix_images": int(len(order)),
        "calibration_split": {"images": int(len(y_cal)), "share": CALIBRATION_SHARE,
                              "how": "stratified random share of the shuffled mix, never trained on"},
        "train_images": int(len(y)),
        "train_not_a_digit": int((y == NOT_A_DIGIT_INDEX).sum()),
    }
    return TrainingMix(x, y, x_cal, y_cal, info)
