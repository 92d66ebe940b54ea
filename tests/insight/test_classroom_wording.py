"""Issue 12: one confidence format, wording, model names, the join address and its QR code, chart contrast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitcore.insight import presentation as pres
from digitcore.insight.join import is_loopback_host, join_address, qr_png, qr_svg, with_query
from digitcore.insight.upload_view import upload_table
from digitcore.model.predictor import Prediction
from digitcore.storage.model_store import ModelEntry


def _pred(digit: int | None, conf: float) -> Prediction:
    probs = np.full(10, (1.0 - conf) / 9 if digit is not None else 0.0)
    if digit is not None:
        probs[digit] = conf
    return Prediction(digit, conf if digit is not None else 0.0, probs, None, "" if digit is not None else "No ink.")


def test_a_model_is_never_100_percent_sure():
    assert pres.format_percent(1.0) == ">99%" and pres.format_percent(0.9951) == ">99%"
    assert pres.answer_for(_pred(3, 1.0)).headline == "It's a 3! I'm >99% sure."


def test_eight_takes_an():
    assert pres.answer_for(_pred(8, 0.97)).headline == "It's an 8! I'm 97% sure."
    assert pres.answer_for(_pred(8, 0.4)).headline == "Maybe an 8? I'm not sure (40%)."
    assert pres.with_article(1) == "a 1"


def test_one_name_per_model_and_titles_and_plurals():
    assert pres.model_name(ModelEntry("default", Path("d.keras"), True, {})) == "Default model"
    assert pres.model_name(ModelEntry("run-3", Path("r.keras"), False, {})) == "run-3"
    assert pres.page_title("Train a network") == "Train a network · Digit recogniser"
    assert pres.page_title(pres.APP_NAME) == "Digit recogniser"
    assert [pres.plural(n, "epoch") for n in (0, 1, 2)] == ["0 epochs", "1 epoch", "2 epochs"]


def test_upload_table_words_confidence_like_the_answer_and_marks_labelled_files():
    results = [pres.UploadResult("7-01.jpg", np.zeros((4, 4), np.uint8), _pred(7, 1.0)),
               pres.UploadResult("3-02.png", np.zeros((4, 4), np.uint8), _pred(5, 0.7)),
               pres.UploadResult("photo.png", np.zeros((4, 4), np.uint8), _pred(2, 0.5)),
               pres.UploadResult("8-bad.png", error="not an image")]
    table = upload_table(results)
    assert list(table["sure"]) == [">99%", "70%", "50%", ""]
    assert list(table["true digit"]) == ["7", "3", "", "8"]
    assert list(table["right"]) == ["✓", "✗", "", "✗"]
    unlabelled = upload_table(results[2:3])
    assert "right" not in unlabelled.columns and list(unlabelled["sure"]) == ["50%"]


@pytest.mark.parametrize("host", ["localhost:8501", "127.0.0.1:8501", "[::1]:8501", "0.0.0.0:8501", "", None])
def test_a_loopback_address_is_replaced_by_the_network_address(host):
    assert join_address(host, 8501, lan_ip="192.168.1.20") == "http://192.168.1.20:8501/"


def test_a_reachable_address_is_kept_as_the_teacher_used_it():
    assert not is_loopback_host("192.168.1.20:8501") and not is_loopback_host("class.example.org")
    assert join_address("192.168.1.20:8501", 8501, lan_ip="10.0.0.2") == "http://192.168.1.20:8501/"
    assert join_address("class.example.org", 8501, https=True) == "https://class.example.org/"
    # No network at all: the only address there is, as it is.
    assert join_address("localhost:8501", 8501, lan_ip=None) == "http://localhost:8501/"


def test_qr_code_is_an_inline_svg_of_the_address():
    import segno

    svg = qr_svg("http://192.168.1.20:8501/")
    assert svg.startswith("<svg") and "http://192.168.1.20:8501/" in svg
    # The same payload segno encodes (version and matrix), so a phone camera reads the address.
    qr = segno.make("http://192.168.1.20:8501/", error="m", micro=False)
    assert f'width="{(qr.symbol_size(scale=6, border=4))[0]}"' in svg


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_chart_labels_all_ten_digits_and_read_on_a_projector():
    spec = pres.probability_chart_spec()
    x_axis = spec["encoding"]["x"]["axis"]
    assert x_axis["labelOverlap"] is False  # no digit label is dropped on a narrow chart
    page = "#f7f9fa"  # .streamlit/config.toml backgroundColor
    axis = spec["config"]["axis"]
    for colour in (axis["labelColor"], axis["titleColor"], spec["layer"][1]["mark"]["color"]):
        assert contrast(colour, page) >= 4.5
    big = pres.probability_chart_spec(font_scale=1.5)
    assert big["encoding"]["x"]["axis"]["labelFontSize"] == 24 and big["height"] > spec["height"]


def test_qr_png_is_a_png_of_the_code():
    from PIL import Image
    import io

    png = qr_png("http://192.168.1.20:8501/")
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] == img.size[1] >= 6 * 25


def test_with_query_adds_the_mode_to_the_join_address():
    assert with_query("http://192.168.1.20:8501/", {"challenge": "1"}) == "http://192.168.1.20:8501/?challenge=1"
    assert with_query("https://class.example.org/", None) == "https://class.example.org/"
    assert with_query("http://[fe80::1]:8501/", {"challenge": "1"}) == "http://[fe80::1]:8501/?challenge=1"
