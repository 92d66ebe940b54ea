"""The feature-space map's chart data: one row per test digit with its picture for the hover, plus the star."""

from __future__ import annotations

import base64

import cv2
import numpy as np

from digitcore.insight.inside_view import FeatureMap, feature_map_frame, feature_map_spec, picture_urls


def _map(n: int = 3) -> FeatureMap:
    rng = np.random.default_rng(0)
    comps = np.eye(2, 4, dtype=np.float32)
    return FeatureMap(rng.normal(size=(n, 2)).astype(np.float32), np.arange(n) % 10, np.arange(n),
                      np.zeros(4, np.float32), comps, 0.5)


def test_pictures_are_small_pngs_with_dark_ink_on_white():
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 12:16] = 255  # a white "1" on black, as MNIST stores it
    (url,) = picture_urls(digit[None])
    assert url.startswith("data:image/png;base64,")
    img = cv2.imdecode(np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img.shape == (56, 56) and img[0, 0] == 255 and img[28, 28] == 0
    assert picture_urls(digit[None].astype(np.float32) / 255) == [url]  # floats in [0, 1] alike


def test_frame_rows_carry_the_picture_and_the_drawing_is_a_star_without_one():
    fmap = _map()
    urls = picture_urls(np.zeros((3, 28, 28), np.uint8))
    frame = feature_map_frame(fmap, np.ones(4, np.float32), 7, pictures=urls)
    assert list(frame.columns) == ["x", "y", "digit", "kind", "test index", "picture"]
    assert list(frame["picture"][:3]) == urls and frame["picture"].iloc[-1] == ""
    assert frame["kind"].iloc[-1] == "your drawing" and frame["digit"].iloc[-1] == "7"
    assert (frame["x"].iloc[-1], frame["y"].iloc[-1]) == (1.0, 1.0)
    assert set(feature_map_frame(fmap)["picture"]) == {""}  # no pictures given: empty, never missing
    dots = feature_map_spec()["layer"][0]["encoding"]["tooltip"]
    assert {"field": "picture", "title": "image"} in dots  # Vega's tooltip draws a field titled "image"
