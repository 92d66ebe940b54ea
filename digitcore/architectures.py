"""Model architectures. Every builder returns an uncompiled Keras model: (28,28,1) floats in [0,1] -> 10 scores."""

from __future__ import annotations

import keras
from keras import layers

INPUT_SHAPE = (28, 28, 1)


def _conv_bn(x, filters: int, kernel: int, *, strides: int = 1, padding: str = "valid"):
    # Bias is redundant in front of BatchNorm; dropping it saves parameters and time.
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.ReLU()(x)


def build_digitnet(dropout: float = 0.4) -> keras.Model:
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
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digitnet")


def build_u123_cnn_v2() -> keras.Model:
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
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="u123_cnn_v2")


def build_deepdigits() -> keras.Model:
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
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="deepdigits")


def build_kaggle_cnn() -> keras.Model:
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
    outputs = layers.Dense(10, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="kaggle_cnn")


def build_tf_tutorial_cnn() -> keras.Model:
    """Reference 'tf-tutorial-cnn' (TensorFlow's CNN tutorial): ends in 10 logits (121,930 parameters)."""
    inputs = keras.Input(INPUT_SHAPE, name="digit")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, outputs, name="tf_tutorial_cnn")
