"""Training-time augmentation on batches of 28x28 digits, as TensorFlow ops (cheap next to the model).

It prepares a model for what the app's preprocessing hands it from canvases and photos:
digits a little rotated, sheared, shifted and mis-scaled, and strokes thinner or bolder
than MNIST's pen.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import tensorflow as tf


@dataclass(frozen=True)
class AugmentConfig:
    """Amounts of each augmentation; 0 switches one off."""

    rotation: float = 12.0  # max degrees either way
    zoom: float = 0.12  # scale in [1 - zoom, 1 + zoom]
    shift: float = 0.1  # max shift as a fraction of 28 px
    shear: float = 0.15  # max shear factor
    thickness: float = 0.6  # strength of random stroke thinning/thickening, 0..1
    contrast: float = 0.3  # random gamma in [1 - c, 1 + c]

    def to_dict(self) -> dict[str, float]:
        """Plain dict for run metadata."""
        return asdict(self)

    @classmethod
    def off(cls) -> AugmentConfig:
        """No augmentation at all."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)

    def is_off(self) -> bool:
        """True when no augmentation would change an image."""
        return not any(self.to_dict().values())

    def validate(self) -> None:
        """Raise ValueError with a readable message for out-of-range amounts."""
        limits = {"rotation": 45.0, "zoom": 0.5, "shift": 0.3, "shear": 0.5, "thickness": 1.0, "contrast": 0.9}
        for key, hi in limits.items():
            val = getattr(self, key)
            if not (0.0 <= val <= hi):
                raise ValueError(f"Augmentation '{key}' must be between 0 and {hi}, got {val}.")


def _affine_transforms(n: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    """Per-image 8-parameter projective transforms mapping output to input pixels."""
    u = lambda lo, hi: tf.random.uniform([n], lo, hi)  # noqa: E731
    theta = u(-cfg.rotation, cfg.rotation) * (math.pi / 180.0)
    scale = u(1.0 - cfg.zoom, 1.0 + cfg.zoom)
    shear = u(-cfg.shear, cfg.shear)
    tx = u(-cfg.shift, cfg.shift) * 28.0
    ty = u(-cfg.shift, cfg.shift) * 28.0
    c, s = tf.cos(theta), tf.sin(theta)
    # Forward map (about the image centre): p_out = S * R * Shear * (p_in - c) + c + t.
    # ImageProjectiveTransform wants the inverse (output -> input).
    a = scale * c
    b = scale * (c * shear - s)
    d = scale * s
    e = scale * (s * shear + c)
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    cx = cy = 13.5
    ox = cx + tx
    oy = cy + ty
    a2 = cx - (ia * ox + ib * oy)
    b2 = cy - (id_ * ox + ie * oy)
    zeros = tf.zeros([n])
    return tf.stack([ia, ib, a2, id_, ie, b2, zeros, zeros], axis=1)


def _thickness(x: tf.Tensor, strength: float) -> tf.Tensor:
    """Blend each image towards its grey-level dilation or erosion by a random amount."""
    n = tf.shape(x)[0]
    dil = tf.nn.max_pool2d(x, 3, 1, "SAME")
    ero = -tf.nn.max_pool2d(-x, 3, 1, "SAME")
    amount = tf.random.uniform([n, 1, 1, 1], -strength, strength)
    # Erosion can wipe out thin MNIST strokes, so it gets only half the reach of dilation.
    thick = x + tf.maximum(amount, 0.0) * (dil - x)
    return thick + tf.maximum(-amount, 0.0) * 0.5 * (ero - x)


def augment_batch(x: tf.Tensor, cfg: AugmentConfig) -> tf.Tensor:
    """Augment a float batch (N,28,28,1) in [0,1]; returns the same shape and range."""
    n = tf.shape(x)[0]
    if cfg.rotation or cfg.zoom or cfg.shift or cfg.shear:
        x = tf.raw_ops.ImageProjectiveTransformV3(
            images=x,
            transforms=_affine_transforms(n, cfg),
            output_shape=tf.constant([28, 28]),
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="CONSTANT",
        )
    if cfg.thickness:
        x = _thickness(x, cfg.thickness)
    if cfg.contrast:
        gamma = tf.random.uniform([n, 1, 1, 1], 1.0 - cfg.contrast, 1.0 + cfg.contrast)
        x = tf.pow(tf.clip_by_value(x, 1e-6, 1.0), gamma) * tf.cast(x > 1e-6, x.dtype)
    return tf.clip_by_value(x, 0.0, 1.0)
