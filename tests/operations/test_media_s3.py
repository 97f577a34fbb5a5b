"""Listing photos on S3-compatible object storage, against a real S3 API (moto's server) on
loopback: the seller uploads through the API, the URL serves the bytes, deleting removes the
objects, and a bucket that does not exist stops `manage.py check` / `migrate` with its name."""

import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.settings import media_storage_from_env
from sellers.models import ListingImage
from tests.factories import ListingFactory
from tests.processes import BIN, ROOT
from tests.support import client_for, jpeg_bytes

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "media-test-key", "AWS_SECRET_ACCESS_KEY": "media-test-secret"}


def s3_env(endpoint: str, bucket: str) -> dict:
    return {"MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": "us-east-1", **CREDENTIALS}


def s3_client(endpoint: str):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def bucket_keys(client, bucket: str) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], b""


@pytest.fixture
def s3_media(s3_endpoint, settings, monkeypatch):
    """The project's S3 settings, built from the environment as settings.py does, on a new
    bucket of the test's own."""
    bucket = f"village-media-{uuid.uuid4().hex[:10]}"
    for name, value in s3_env(s3_endpoint, bucket).items():
        monkeypatch.setenv(name, value)
    client = s3_client(s3_endpoint)
    client.create_bucket(Bucket=bucket)
    # Photos are public: the bucket's policy lets anyone read (objects carry no ACL).
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }))
    settings.MEDIA_STORAGE = "s3"
    settings.STORAGES = {**settings.STORAGES, "default": media_storage_from_env()}
    return client, bucket


@pytest.mark.django_db
def test_a_listing_photo_is_stored_served_and_deleted_on_s3(
    s3_media, s3_endpoint, django_capture_on_commit_callbacks
):
    client, bucket = s3_media
    listing = ListingFactory(title="Raw Wildflower Honey")
    seller = client_for(listing.shop.owner)

    uploaded = seller.post(
        f"/api/v1/listings/{listing.pk}/images/",
        {"image": SimpleUploadedFile("honey.jpg", jpeg_bytes(size=(800, 600)),
                                     content_type="image/jpeg")},
        format="multipart",
    )

    assert uploaded.status_code == 201, uploaded.content
    photo = ListingImage.objects.get(listing=listing)
    assert bucket_keys(client, bucket) == sorted([photo.image.name, photo.thumbnail.name])
    assert uploaded.json()["url"] == f"{s3_endpoint}/{bucket}/{photo.image.name}"
    status, content_type, body = fetch(uploaded.json()["url"])
    stored = client.get_object(Bucket=bucket, Key=photo.image.name)
    assert (status, content_type) == (200, "image/webp")
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    assert body == stored["Body"].read()
    assert stored["CacheControl"] == "public, max-age=31536000, immutable"
    status, content_type, _ = fetch(uploaded.json()["thumbnail_url"])
    assert (status, content_type) == (200, "image/webp")
    # The listing's public page shows the photo from the bucket.
    page = seller.get(f"/listings/{listing.pk}/")
    assert page.status_code == 200
    assert uploaded.json()["url"] in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        deleted = seller.delete(f"/api/v1/listings/{listing.pk}/images/{photo.pk}")

    assert deleted.status_code == 204
    assert bucket_keys(client, bucket) == []
    assert fetch(uploaded.json()["url"])[0] == 404
    assert not ListingImage.objects.filter(listing=listing).exists()


def manage_check(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "MEDIA_STORAGE"))}
    env.update(env_overrides)
    return subprocess.run([str(BIN / "python"), "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_missing_bucket_stops_the_start_with_its_name(s3_endpoint):
    missing = manage_check(s3_env(s3_endpoint, "village-media-nobody-made"))
    assert missing.returncode != 0
    assert (
        "marketplace.E010) MEDIA_STORAGE=s3: the bucket 'village-media-nobody-made' does not "
        f"exist at {s3_endpoint}." in missing.stderr
    ), missing.stderr[-2000:]
    assert "Create the bucket, or set AWS_STORAGE_BUCKET_NAME" in missing.stderr

    made = f"village-media-{uuid.uuid4().hex[:10]}"
    s3_client(s3_endpoint).create_bucket(Bucket=made)
    present = manage_check(s3_env(s3_endpoint, made))
    assert present.returncode == 0, present.stderr[-2000:]


def test_an_unreachable_endpoint_stops_the_start_too(s3_endpoint):
    from tests.processes import free_port

    nowhere = f"http://127.0.0.1:{free_port()}"
    done = manage_check(s3_env(nowhere, "village-media"))
    assert done.returncode != 0
    assert f"could not reach the bucket 'village-media' at {nowhere}" in done.stderr
