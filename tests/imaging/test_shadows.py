"""Phone photos with a hard shadow across the page: the shadow's edge is not ink, the digit is still read."""

from __future__ import annotations

import cv2
import numpy as np

from digitcore.imaging.background import has_hard_shadow
from digitcore.imaging.preprocess import preprocess
from digitcore.synthetic.renderers import cast_shadow
from digitcore.synthetic.sets import iter_samples


def shadowed_page(with_four: bool, seed: int = 0, size=(900, 1200)) -> np.ndarray:
    """A lit page (noise, JPEG) with a hard shadow whose edge runs diagonally across it."""
    h, w = size
    rng = np.random.default_rng(seed)
    page = np.full((h, w), 215.0, np.float32)
    if with_four:
        ink = np.zeros((h, w), np.uint8)
        pts = [np.array([[640, 250], [470, 560], [760, 560]]), np.array([[690, 380], [690, 700]])]
        cv2.polylines(ink, [p.astype(np.int32) for p in pts], False, 255, 14, cv2.LINE_AA)
        page = page * (1 - ink / 255.0) + 35.0 * (ink / 255.0)
    yy, xx = np.mgrid[0:h, 0:w]
    shade = np.where(xx + 0.6 * yy > 900, 0.45, 1.0).astype(np.float32)  # a hard edge through the 4
    page = cv2.GaussianBlur(page * shade, (0, 0), 1.0) + rng.normal(0, 3, (h, w))
    out = np.clip(page, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def test_a_hard_shadow_alone_is_not_ink():
    page = shadowed_page(with_four=False)
    assert has_hard_shadow(page)
    res = preprocess(page)
    # The edge runs 1000+ px across the page; at most a crumb where it leaves the picture
    # remains (known limit: the median's border handling).
    if res.has_ink:
        x, y, w, h = res.bbox
        assert max(w, h) < 60 and (y + h >= 900 - 2 or x + w >= 1200 - 2 or x <= 1 or y <= 1), res.bbox


def test_a_clear_four_with_a_shadow_across_it_is_read(predictor):
    page = shadowed_page(with_four=True)
    res = predictor.predict(page)
    assert res.digit == 4, (res.digit, res.confidence)
    x, y, w, h = res.preprocessed.bbox
    assert 440 <= x <= 480 and 230 <= y <= 260 and w < 360 and h < 490  # the 4, not the shadow's edge


def test_plain_photos_and_gradients_are_not_taken_for_shadows():
    for s in iter_samples("photo", 8, 5):
        grey = cv2.cvtColor(s.image, cv2.COLOR_RGB2GRAY)
        assert not has_hard_shadow(grey)
    yy, xx = np.mgrid[0:600, 0:800]
    gradient = (120 + 0.15 * xx).astype(np.uint8)  # a dark half fading into the light one
    assert not has_hard_shadow(gradient)


def test_shadow_generator_adds_a_shadow_and_keeps_other_kinds():
    light = cast_shadow(np.random.default_rng(1), (300, 400), (150, 100, 250, 200), "hard")
    assert light.shape == (300, 400) and 0.3 <= float(light.min()) < 0.75 and float(light.max()) == 1.0


def test_shadow_photos_are_mostly_read(predictor):
    samples = list(iter_samples("photo_shadow", 30, 11))
    right = sum(predictor.predict(s.image, keep_steps=False).digit == s.label for s in samples)
    assert right >= 19, right  # README: photos with a shadow
