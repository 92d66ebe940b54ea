"""The feature-space map's chart data: one row per test digit, plus the current drawing as a star."""

from __future__ import annotations

import numpy as np

from digitcore.insight.inside_view import FeatureMap, feature_map_frame, feature_map_spec


def test_frame_rows_and_the_drawing_as_a_star():
    rng = np.random.default_rng(0)
    fmap = FeatureMap(rng.normal(size=(3, 2)).astype(np.float32), np.arange(3), np.arange(3),
                      np.zeros(4, np.float32), np.eye(2, 4, dtype=np.float32), 0.5)
    frame = feature_map_frame(fmap, np.ones(4, np.float32), 7)
    assert list(frame.columns) == ["x", "y", "digit", "kind", "test index"]
    assert list(frame["kind"]) == ["MNIST test digit"] * 3 + ["your drawing"]
    assert frame["digit"].iloc[-1] == "7" and (frame["x"].iloc[-1], frame["y"].iloc[-1]) == (1.0, 1.0)
    assert len(feature_map_frame(fmap)) == 3  # no drawing: no star
    dots = feature_map_spec()["layer"][0]["encoding"]["tooltip"]
    assert [t["field"] for t in dots] == ["digit", "test index"]  # the hover names the digit (its label)
