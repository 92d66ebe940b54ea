"""Picture in, MNIST form out: decode any image (``image_io``), then ``preprocess`` it to the
28x28 input step by step (greyscale, background, ink, stroke width, centring).

May import ``digitcore.storage``; nothing from model, insight or training.
"""
