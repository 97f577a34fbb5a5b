import io
import os
from pathlib import Path

import pytest
from django.urls import resolve
from PIL import ExifTags, Image

from sellers.models import ListingImage
from tests.factories import ListingFactory, ShopFactory, UserFactory
from tests.sellers.conftest import png_bomb
from tests.support import client_for, jpeg_bytes, png_bytes
from tests.support import photo_upload as upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return ListingFactory()


@pytest.fixture
def owner(listing):
    return client_for(listing.shop.owner)


def stored_files(media_root):
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def test_jpeg_is_reencoded_to_webp_with_thumbnail(owner, listing, _media_in_tmp):
    response = upload(owner, listing, jpeg_bytes(size=(2400, 1600)))
    assert response.status_code == 201
    photo = ListingImage.objects.get(listing=listing)
    assert response.json() == {"id": photo.id, "url": photo.image.url,
                               "thumbnail_url": photo.thumbnail.url}
    assert photo.image.name.startswith(f"listings/{listing.id}/")
    assert "photo" not in photo.image.name  # server-generated names only
    assert (photo.width, photo.height, photo.thumbnail_width, photo.thumbnail_height) == (
        1200, 800, 320, 213)
    with Image.open(photo.image.path) as full:
        assert (full.format, full.size) == ("WEBP", (1200, 800))


def test_gps_exif_is_stripped_and_orientation_applied(owner, listing):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = 6  # rotate 90°: stored landscape, shown portrait
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 18.0, 11.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (91.0, 47.0, 9.0)
    data = jpeg_bytes(size=(80, 40), exif=exif)
    with Image.open(io.BytesIO(data)) as original:  # the test input really carries GPS
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    assert upload(owner, listing, data).status_code == 201
    photo = ListingImage.objects.get(listing=listing)
    for path in (photo.image.path, photo.thumbnail.path):
        raw = open(path, "rb").read()
        assert b"EXIF" not in raw and b"Exif" not in raw and b"PhoneCo" not in raw
        with Image.open(path) as stored:
            assert len(stored.getexif()) == 0
            assert "exif" not in stored.info and "xmp" not in stored.info
    assert (photo.width, photo.height) == (40, 80)


def test_png_and_webp_are_accepted(owner, listing):
    assert upload(owner, listing, png_bytes(), "a.png", "image/png").status_code == 201
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "blue").save(buffer, format="WEBP")
    assert upload(owner, listing, buffer.getvalue(), "b.webp", "image/webp").status_code == 201
    assert list(listing.images.values_list("position", flat=True)) == [0, 1]


def test_png_decompression_bomb_is_400_and_nothing_stored(owner, listing, _media_in_tmp):
    bomb = png_bomb(20000, 20000)
    assert len(bomb) < 64 * 1024
    response = upload(owner, listing, bomb, "bomb.png", "image/png")
    assert response.status_code == 400
    assert "40 megapixels" in response.json()["detail"]
    assert ListingImage.objects.count() == 0 and stored_files(_media_in_tmp) == []


def test_image_just_over_40_megapixels_is_400(owner, listing):
    response = upload(owner, listing, png_bomb(8000, 5001), "big.png", "image/png")
    assert response.status_code == 400
    assert "the limit is 40 megapixels" in response.json()["detail"]


def test_svg_with_script_is_400_even_when_named_jpeg(owner, listing, _media_in_tmp):
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
           b"<script>alert(document.cookie)</script></svg>")
    for name, kind in (("x.svg", "image/svg+xml"), ("x.jpg", "image/jpeg")):
        response = upload(owner, listing, svg, name, kind)
        assert response.status_code == 400
        assert "SVG/HTML" in response.json()["detail"]
    assert ListingImage.objects.count() == 0 and stored_files(_media_in_tmp) == []


def test_png_header_followed_by_html_is_400(owner, listing):
    data = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>" * 20
    response = upload(owner, listing, data, "x.png", "image/png")
    assert response.status_code == 400
    assert ListingImage.objects.count() == 0


def test_valid_png_with_html_appended_is_reencoded_without_the_html(owner, listing):
    data = png_bytes() + b"<html><script>alert(1)</script></html>"
    assert upload(owner, listing, data, "x.png", "image/png").status_code == 201
    photo = ListingImage.objects.get(listing=listing)
    for path in (photo.image.path, photo.thumbnail.path):
        raw = open(path, "rb").read()
        assert raw[:4] == b"RIFF" and b"<script" not in raw and b"html" not in raw


def test_truncated_jpeg_is_400(owner, listing):
    data = jpeg_bytes(size=(300, 300))
    response = upload(owner, listing, data[: len(data) // 2])
    assert response.status_code == 400
    assert "damaged or incomplete" in response.json()["detail"]


def test_gif_is_415(owner, listing):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="GIF")
    response = upload(owner, listing, buffer.getvalue(), "x.gif", "image/gif")
    assert response.status_code == 415
    assert ListingImage.objects.count() == 0


def test_12_mb_file_is_413(owner, listing, _media_in_tmp):
    data = jpeg_bytes() + b"\x00" * (12 * 1024 * 1024)
    response = upload(owner, listing, data)
    assert response.status_code == 413
    assert response.json() == {"detail": "That photo is over 10 MB. Please upload a smaller one."}
    assert ListingImage.objects.count() == 0 and stored_files(_media_in_tmp) == []


def test_missing_file_is_400_and_json_body_is_415(owner, listing):
    response = owner.post(f"/api/v1/listings/{listing.id}/images/", {}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()
    response = owner.post(f"/api/v1/listings/{listing.id}/images/", {"image": "x"},
                          format="json")
    assert response.status_code == 415


def test_ninth_photo_is_409(owner, listing):
    for _ in range(8):
        assert upload(owner, listing, jpeg_bytes()).status_code == 201
    response = upload(owner, listing, jpeg_bytes())
    assert response.status_code == 409
    assert listing.images.count() == 8


def test_upload_to_another_sellers_listing_is_404(listing):
    other = client_for(ShopFactory().owner)
    assert upload(other, listing, jpeg_bytes()).status_code == 404
    assert upload(client_for(UserFactory()), listing, jpeg_bytes()).status_code == 404
    assert ListingImage.objects.count() == 0


def test_anonymous_upload_is_401(api_client, listing):
    assert upload(api_client, listing, jpeg_bytes()).status_code == 401


def test_reorder_and_delete_photos(owner, listing, api_client,
                                   django_capture_on_commit_callbacks):
    ids = [upload(owner, listing, jpeg_bytes()).json()["id"] for _ in range(3)]
    response = owner.post(f"/api/v1/listings/{listing.id}/images/order",
                          {"ids": [ids[2], ids[0], ids[1]]}, format="json")
    assert response.status_code == 200
    assert [photo["id"] for photo in response.json()] == [ids[2], ids[0], ids[1]]
    cover = ListingImage.objects.get(pk=ids[2])
    public = api_client.get("/api/v1/listings/").json()["results"][0]
    assert public["thumbnail_url"] == cover.thumbnail.url

    bad = owner.post(f"/api/v1/listings/{listing.id}/images/order", {"ids": [ids[0]]},
                     format="json")
    assert bad.status_code == 400 and "ids" in bad.json()

    other = client_for(ShopFactory().owner)
    assert other.delete(f"/api/v1/listings/{listing.id}/images/{ids[2]}").status_code == 404
    path = cover.image.path
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.delete(f"/api/v1/listings/{listing.id}/images/{ids[2]}")
    assert response.status_code == 204
    assert list(listing.images.values_list("id", "position")) == [(ids[0], 0), (ids[1], 1)]
    assert not os.path.exists(path) and not os.path.exists(cover.thumbnail.path)


def test_served_media_has_nosniff(owner, listing, client, settings):
    # The media route serves the MEDIA_ROOT it was built with, so store there for this test.
    match = resolve(settings.MEDIA_URL + "x.webp")
    settings.MEDIA_ROOT = Path(match.kwargs["document_root"])
    upload(owner, listing, jpeg_bytes())
    photo = ListingImage.objects.get(listing=listing)
    try:
        response = client.get(photo.image.url)
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "image/webp"
    finally:
        photo.image.delete(save=False)
        photo.thumbnail.delete(save=False)
