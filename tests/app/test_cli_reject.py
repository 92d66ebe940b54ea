"""``predict --json`` / plain text with a model that can say "not a digit" (the session's tiny
11-class model), ``--no-reject``, and ``evaluate`` reporting the declined count."""

from __future__ import annotations

import json

import cv2
import numpy as np
from PIL import Image

from digitcore.cli import main
from digitcore.model.predictor import Predictor
from digitcore.synthetic.hard_sets import iter_hard_samples


def _run(capsys, *args):
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def _folder(tmp_path, mnist):
    """Letters and shapes, two MNIST test digits (dark on white) and a blank picture."""
    d = tmp_path / "mixed"
    d.mkdir()
    for i, s in enumerate(iter_hard_samples("non_digits", "scan", 12, 99, ("letter", "shape"))):
        (d / f"nd-{i:02d}.{s.ext}").write_bytes(s.encoded)
    for i in range(2):
        big = cv2.resize(255 - mnist.x_test[i], (112, 112), interpolation=cv2.INTER_CUBIC)
        Image.fromarray(big).save(d / f"{int(mnist.y_test[i])}-{i:02d}.png")
    Image.new("L", (64, 64), 255).save(d / "white.png")
    return d


def test_predict_json_gives_reason_and_best_guess_and_declines_are_not_errors(capsys, tmp_path, mnist,
                                                                               reject_model_path):
    folder = _folder(tmp_path, mnist)
    rc, out, err = _run(capsys, "predict", "--model", reject_model_path, "--json", folder)
    assert rc == 0, err
    rows = {r["path"].rsplit("/", 1)[-1]: r for r in map(json.loads, out.splitlines())}
    assert all("reason" in r and "best_guess" in r for r in rows.values())
    assert rows["white.png"]["reason"] == "no_ink" and rows["white.png"]["best_guess"] is None
    for name in ("7-00.png", "2-01.png"):
        r = rows[name]
        assert r["reason"] is None and r["digit"] == r["best_guess"] == int(name[0])
    nd = [r for n, r in rows.items() if n.startswith("nd-")]
    declined = [r for r in nd if r["reason"] == "not_a_digit"]
    assert len(declined) >= 0.4 * len(nd)  # a tiny model on scans; the library tests measure rates
    lib = Predictor.load(reject_model_path)
    for r in nd:  # the CLI says what the library says
        p = lib.predict(r["path"], keep_steps=False)
        assert (r["reason"], r["best_guess"], r["digit"]) == (p.reason, p.best_guess, p.digit)
    for r in declined:
        assert r["digit"] is None and r["error"] is None and r["best_guess"] in range(10)
        assert len(r["probabilities"]) == 10 and abs(sum(r["probabilities"]) - 1) < 1e-3

    rc, out, _ = _run(capsys, "predict", "--model", reject_model_path, "--json", "--no-reject", folder)
    forced = [json.loads(line) for line in out.splitlines()]
    assert rc == 0 and all(r["reason"] != "not_a_digit" for r in forced)
    assert all(r["digit"] == r["best_guess"] for r in forced if r["reason"] is None)


def test_predict_plain_text_says_not_a_digit_with_the_best_guess(capsys, tmp_path, mnist, reject_model_path):
    folder = _folder(tmp_path, mnist)
    rc, out, _ = _run(capsys, "predict", "--model", reject_model_path, folder)
    assert rc == 0
    lines = [line for line in out.splitlines() if "/nd-" in line]
    said = [line for line in lines if ": not a digit (best guess " in line]
    assert len(said) >= 0.4 * len(lines)
    assert said[0].rstrip(")").split("best guess ")[1] in "0123456789"
    rc, out, _ = _run(capsys, "predict", "--model", reject_model_path, "--no-reject", folder)
    assert "not a digit" not in out


def test_predict_with_a_ten_class_model_has_null_reason(capsys, tmp_path, mnist, ten_output_model_path):
    folder = _folder(tmp_path, mnist)
    rc, out, _ = _run(capsys, "predict", "--model", ten_output_model_path, "--json", folder)
    rows = [json.loads(line) for line in out.splitlines()]
    assert rc == 0
    assert all(r["reason"] is None and r["digit"] == r["best_guess"] for r in rows if r["message"] is None)


def test_evaluate_reports_declined_digits(capsys, tmp_path, mnist, reject_model_path):
    data = tmp_path / "m.npz"
    np.savez_compressed(data, x_train=mnist.x_train[:10], y_train=mnist.y_train[:10],
                        x_test=mnist.x_test[:300], y_test=mnist.y_test[:300])
    rc, out, _ = _run(capsys, "evaluate", "--model", reject_model_path, "--data", data, "--json")
    res = json.loads(out)
    assert rc == 0 and 0 <= res["declined"] <= 30 and res["accuracy"] > 0.8
    rc, out, _ = _run(capsys, "evaluate", "--model", reject_model_path, "--data", data)
    assert "declined:" in out
