"""Model architectures. Every builder returns an uncompiled Keras model: (28,28,1) floats in [0,1] -> ``classes`` scores.

``classes`` is 10 (the digits) unless asked otherwise; 11 adds "not a digit" at index 10 (see ``NOT_A_DIGIT``).
"""

from __future__ import annotations

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)
#: Index of the "not a digit" output of an 11-class model.
NOT_A_DIGIT = 10


def _conv_bn(x, filters: int, kernel: int, *, strides: int = 1, padding: str = "valid"):
    # Bias is redundant in front of BatchNorm; dropping it saves parameters and time.
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_digitnet(dropout: float = 0.4, classes: int = 10) -> keras.Model:
    """The project's default network (327k parameters, ~1.3 MB).

    Three stages of conv+BatchNorm where strided 5x5 convolutions learn their own
    down-sampling instead of max pooling, and a final 4x4 convolution that sees the
    whole digit. Heavy dropout because the training data is augmented hard.
    """
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    x = _conv_bn(inputs, 32, 3)
    x = _conv_bn(x, 32, 3)
    x = _conv_bn(x, 32, 5, strides=2, padding="same")
    x = layers.Dropout(dropout)(x)
    x = _conv_bn(x, 64, 3)
    x = _conv_bn(x, 64, 3)
    x = _conv_bn(x, 64, 5, strides=2, padding="same")
    x = layers.Dropout(dropout)(x)
    x = _conv_bn(x, 128, 4)
    x = layers.Flatten()(x)
    x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digitnet")


def build_u123_cnn_v2(classes: int = 10) -> keras.Model:
    """Reference 'u123-cnn-v2': two conv pairs, global average pooling, dense head (276,810 parameters)."""
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    x = layers.Conv2D(64, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(128, 3, activation="relu")(x)
    x = layers.Conv2D(128, 3, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="u123_cnn_v2")


def build_deepdigits(classes: int = 10) -> keras.Model:
    """Reference 'deepdigits': four BatchNorm conv layers, L2-regularised dense head (2,624,394 parameters)."""
    l2 = keras.regularizers.L2(0.001)
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(128, 3, activation="relu")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(256, 3, activation="relu", kernel_regularizer=l2)(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(512, activation="relu", kernel_regularizer=l2)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(256, activation="relu", kernel_regularizer=l2)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="deepdigits")


def build_kaggle_cnn(classes: int = 10) -> keras.Model:
    """Reference 'kaggle-cnn': [5x5 conv]x2, [3x3 conv]x2, dense 256 (887,530 parameters)."""
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    x = layers.Conv2D(32, 5, padding="same", activation="relu")(inputs)
    x = layers.Conv2D(32, 5, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2, strides=2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="kaggle_cnn")


def build_tf_tutorial_cnn(classes: int = 10) -> keras.Model:
    """Reference 'tf-tutorial-cnn' (TensorFlow's CNN tutorial): ends in 10 logits (121,930 parameters)."""
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="tf_tutorial_cnn")


# ----------------------------------------------------------------------------- custom

#: The custom network's options and their defaults (the page's and the CLI's starting point).
CUSTOM_DEFAULTS: dict[str, int | float | bool] = {
    "conv_blocks": 2,  # blocks of [conv, conv, 2x2 max pooling]
    "filters": 32,  # filters in the first block; every further block doubles them
    "kernel_size": 3,
    "batch_norm": True,
    "dropout": 0.25,  # after every block and after the dense layer; 0 = none
    "dense_units": 128,  # hidden dense layer before the output; 0 = none
}
CUSTOM_LIMITS = {"conv_blocks": (1, 4), "filters": (4, 256), "dense_units": (0, 2048)}
CUSTOM_KERNELS = (3, 5, 7)
#: Widest block allowed: keeps a custom model trainable on a classroom CPU.
CUSTOM_MAX_FILTERS = 512


def custom_architecture(options: dict | None = None) -> dict[str, int | float | bool]:
    """The custom network's options, defaults filled in and every value checked (ValueError otherwise)."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ValueError("The custom architecture must be a set of options (conv_blocks, filters, ...).")
    unknown = sorted(set(options) - set(CUSTOM_DEFAULTS))
    if unknown:
        raise ValueError(f"Unknown custom-architecture option(s): {', '.join(map(str, unknown))}. "
                         f"Known: {', '.join(CUSTOM_DEFAULTS)}.")
    arch = {**CUSTOM_DEFAULTS, **options}
    for key, (lo, hi) in CUSTOM_LIMITS.items():
        val = arch[key]
        if isinstance(val, bool) or not isinstance(val, int) or not (lo <= val <= hi):
            raise ValueError(f"Custom architecture: '{key}' must be a whole number from {lo} to {hi}, got {val!r}.")
    if isinstance(arch["kernel_size"], bool) or arch["kernel_size"] not in CUSTOM_KERNELS:
        raise ValueError(f"Custom architecture: kernel size must be one of {CUSTOM_KERNELS}, "
                         f"got {arch['kernel_size']!r}.")
    if not isinstance(arch["batch_norm"], bool):
        raise ValueError("Custom architecture: batch_norm must be true or false.")
    drop = arch["dropout"]
    if isinstance(drop, bool) or not isinstance(drop, (int, float)) or not (0.0 <= drop <= 0.8):
        raise ValueError(f"Custom architecture: dropout must be between 0 and 0.8, got {drop!r}.")
    arch["dropout"] = float(drop)
    widest = arch["filters"] * 2 ** (arch["conv_blocks"] - 1)
    if widest > CUSTOM_MAX_FILTERS:
        raise ValueError(f"Custom architecture: the last block would have {widest} filters (the first block's "
                         f"{arch['filters']} doubled per block); at most {CUSTOM_MAX_FILTERS}. Use fewer filters "
                         "or blocks.")
    return arch


def build_custom(options: dict | None = None, classes: int = 10) -> keras.Model:
    """A network made from the custom options: ``conv_blocks`` x [conv, conv, max pool] + dense head.

    Both convolutions of a block use 'same' padding, so each block halves the image
    (28 -> 14 -> 7 -> 3 -> 1) and doubles the filters, the pattern of the Kaggle and u123 networks.
    """
    arch = custom_architecture(options)
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    x = inputs
    for block in range(arch["conv_blocks"]):
        filters = arch["filters"] * 2**block
        for _ in range(2):
            if arch["batch_norm"]:
                x = _conv_bn(x, filters, arch["kernel_size"], padding="same")
            else:
                x = layers.Conv2D(filters, arch["kernel_size"], padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
        if arch["dropout"]:
            x = layers.Dropout(arch["dropout"])(x)
    x = layers.Flatten()(x)
    if arch["dense_units"]:
        x = layers.Dense(arch["dense_units"], activation="relu")(x)
        if arch["dropout"]:
            x = layers.Dropout(arch["dropout"])(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="custom")
