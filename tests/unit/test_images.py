"""images.py: loading reference images, and making them fit a size exactly."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from sora_notebook.client.references import fit_reference, load_reference, open_image
from sora_notebook.errors import ValidationError


def encoded(size: tuple[int, int], fmt: str = "PNG", color=(10, 200, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def halves(size: tuple[int, int]) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


@pytest.mark.parametrize(
    ("fmt", "mime", "name"),
    [
        ("PNG", "image/png", "reference.png"),
        ("JPEG", "image/jpeg", "reference.jpg"),
        ("WEBP", "image/webp", "reference.webp"),
    ],
)
def test_load_keeps_the_original_bytes(fmt, mime, name):
    data = encoded((1280, 720), fmt)
    ref = load_reference(data, "1280x720")
    assert (ref.content, ref.content_type, ref.filename) == (data, mime, name)
    assert (ref.width, ref.height) == (1280, 720)
    assert "1280x720" in repr(ref) and str(len(data)) in repr(ref)


def test_load_from_a_path(tmp_path):
    path = tmp_path / "frame.jpg"
    path.write_bytes(encoded((720, 1280), "JPEG"))
    ref = load_reference(path, "720x1280")
    assert ref.content == path.read_bytes() and ref.content_type == "image/jpeg"
    assert load_reference(str(path)).width == 720


def test_load_a_pil_image_encodes_png():
    ref = load_reference(Image.new("RGB", (64, 32)), "64x32")
    assert ref.content[:8] == b"\x89PNG\r\n\x1a\n" and ref.content_type == "image/png"
    assert Image.open(io.BytesIO(ref.content)).size == (64, 32)


def test_size_mismatch_says_how_to_fix_it():
    with pytest.raises(ValidationError) as info:
        load_reference(encoded((1024, 768)), "1280x720")
    message = str(info.value)
    assert "1024x768" in message and "1280x720" in message and "fit_reference" in message
    assert info.value.param == "input_reference"


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (b"not an image at all", "cannot be read"),
        (encoded((16, 16), "GIF"), "GIF"),
        (encoded((16, 16), "BMP"), "BMP"),
        (12345, "bytes, a file path or a PIL image"),
    ],
)
def test_unusable_references(value, match):
    with pytest.raises(ValidationError, match=match):
        load_reference(value)


def test_missing_file(tmp_path):
    with pytest.raises(ValidationError, match="No reference image"):
        load_reference(tmp_path / "nope.png")


@pytest.mark.parametrize("source", [(1024, 768), (640, 1280), (1280, 720), (300, 300)])
@pytest.mark.parametrize("mode", ["crop", "pad"])
def test_fit_makes_the_exact_size(source, mode):
    fitted = fit_reference(encoded(source), "1280x720", mode=mode)
    assert fitted.size == (1280, 720)
    assert load_reference(fitted, "1280x720").width == 1280


def test_crop_keeps_the_center():
    fitted = fit_reference(halves((400, 100)), "100x100", mode="crop")
    # The middle of a red|blue strip: red on the left edge, blue on the right edge.
    assert fitted.getpixel((2, 50))[0] > 200 and fitted.getpixel((97, 50))[2] > 200


def test_pad_adds_black_bars_and_keeps_everything():
    fitted = fit_reference(halves((400, 100)), "200x200", mode="pad")
    assert fitted.getpixel((100, 5)) == (0, 0, 0)  # bar above
    assert fitted.getpixel((100, 195)) == (0, 0, 0)  # bar below
    assert fitted.getpixel((2, 100))[0] > 200 and fitted.getpixel((197, 100))[2] > 200


def test_fit_accepts_paths_and_odd_modes(tmp_path):
    path = tmp_path / "p.png"
    Image.new("P", (50, 80)).save(path)
    assert fit_reference(path, "720x1280").size == (720, 1280)
    assert fit_reference(encoded((50, 80), mode="L", color=128), "720x1280").mode == "RGB"
    assert fit_reference(Image.new("RGBA", (10, 10)), "64x64").mode == "RGBA"


def test_fit_refuses_bad_arguments():
    with pytest.raises(ValidationError, match="'crop' or 'pad'"):
        fit_reference(encoded((10, 10)), "64x64", mode="stretch")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="WIDTHxHEIGHT"):
        fit_reference(encoded((10, 10)), "big")


def test_open_image_passes_pil_images_through():
    image = Image.new("RGB", (3, 3))
    assert open_image(image) is image
