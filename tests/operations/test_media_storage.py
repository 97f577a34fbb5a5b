"""Media storage chosen by the environment: local disk by default, S3-compatible on request."""

import json
import os
import subprocess

from tests.processes import BIN, ROOT

PROBE = (
    "import json; from django.core.files.storage import default_storage as s; "
    "s._setup(); w = s._wrapped; "
    "print('PROBE ' + json.dumps({'backend': type(w).__module__ + '.' + type(w).__name__, "
    "'url': s.url('listings/7/cover.webp'), 'bucket': getattr(w, 'bucket_name', None), "
    "'endpoint': getattr(w, 'endpoint_url', None), 'acl': getattr(w, 'default_acl', 'n/a'), "
    "'cache': (getattr(w, 'object_parameters', {}) or {}).get('CacheControl')}))"
)


def _probe(**env_overrides) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AWS_", "MEDIA_STORAGE"))}
    env.update(env_overrides)
    return subprocess.run([str(BIN / "python"), "manage.py", "shell", "-c", PROBE], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def _report(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def test_default_is_local_disk():
    report = _report(_probe())
    assert report["backend"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert report["url"] == "/media/listings/7/cover.webp"


def test_s3_through_a_cdn_domain_gives_plain_public_urls():
    report = _report(_probe(
        MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="village-media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000", AWS_S3_REGION_NAME="us-east-1",
        AWS_S3_CUSTOM_DOMAIN="media.example.com", AWS_ACCESS_KEY_ID="test-key",
        AWS_SECRET_ACCESS_KEY="test-secret",
    ))
    assert report == {
        "backend": "storages.backends.s3.S3Storage",
        "url": "https://media.example.com/listings/7/cover.webp",
        "bucket": "village-media", "endpoint": "http://127.0.0.1:9000", "acl": None,
        "cache": "public, max-age=31536000, immutable",
    }


def test_s3_without_a_cdn_uses_the_endpoint_and_bucket():
    report = _report(_probe(MEDIA_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="village-media",
                            AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000"))
    assert report["url"] == "http://127.0.0.1:9000/village-media/listings/7/cover.webp"


def test_bad_storage_settings_stop_the_process_with_a_message():
    missing = _probe(MEDIA_STORAGE="s3")
    assert missing.returncode != 0
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in missing.stderr
    unknown = _probe(MEDIA_STORAGE="ftp")
    assert unknown.returncode != 0
    assert "MEDIA_STORAGE must be local or s3, not 'ftp'" in unknown.stderr
