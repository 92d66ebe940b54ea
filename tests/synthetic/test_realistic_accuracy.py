"""The shipped model reads realistic, non-MNIST-looking digits through the same pipeline as the app.

Small sets here (the README's figures come from benchmarks/realistic_accuracy.py with 300 per set).
"""

import pytest

from digitcore.synthetic.sets import iter_samples

N = 40  # per set: one error costs 2.5 points


@pytest.mark.parametrize("kind", ["canvas", "scan", "photo"])
def test_default_model_reads_realistic_handwriting(kind, predictor, mnist_path):
    right = 0
    wrong = []
    for sample in iter_samples(kind, N, seed=7, mnist_test_images=mnist_path):
        pred = predictor.predict(sample.image, keep_steps=False)
        if pred.digit == sample.label:
            right += 1
        else:
            wrong.append((sample.label, pred.digit))
    assert right / N >= 0.95, f"{kind}: {right}/{N} right; label->answer for the misses: {wrong}"
