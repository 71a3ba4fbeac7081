"""Captures kept in an S3-compatible bucket (django-storages), for real: moto's S3 in server mode on loopback, written
through the same settings the environment gives (factcheck/settings.py MEDIA_S3_*), read back, hash verified."""

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from warcio.archiveiterator import ArchiveIterator

from sources.capture import source_capture
from sources.choices import CaptureReason
from tests import factories

from .capture_farm import EXCERPT, article

pytestmark = pytest.mark.django_db

BUCKET = "factcheck-captures"
KEYS = {"access_key": "testing-key", "secret_key": "testing-secret"}
ROOT = Path(__file__).resolve().parents[2]


def storage_from_environment(**environment: str) -> dict:
    """STORAGES["default"] as factcheck/settings.py builds it from these variables, in a process of its own."""
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **environment}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_from_environment(
            MEDIA_S3_BUCKET=BUCKET,
            MEDIA_S3_ENDPOINT_URL=s3_endpoint,
            MEDIA_S3_REGION="us-east-1",
            MEDIA_S3_ACCESS_KEY_ID=KEYS["access_key"],
            MEDIA_S3_SECRET_ACCESS_KEY=KEYS["secret_key"],
            MEDIA_S3_ADDRESSING_STYLE="path",
            MEDIA_S3_PREFIX="desk",
        ),
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_a_capture_is_written_to_the_bucket_and_read_back_with_its_hash(capture_farm, s3_storage):
    body = article(size=30_000)
    source = factories.SourceFactory(url=capture_farm.page_url("s3", body, chunked="1"))
    evidence = factories.EvidenceFactory(source=source, excerpt=EXCERPT)
    capture = source_capture(source_id=source.id, reason=CaptureReason.ON_DEMAND, evidence_id=evidence.pk)
    assert capture.status == "ok"
    assert type(default_storage._wrapped).__name__ == "S3Storage"

    # In the bucket, under the prefix, at the size the row says.
    (stored,) = s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert stored["Key"] == f"desk/{capture.warc.name}"
    assert stored["Size"] == capture.size

    # Read back through the storage, record by record, digests checked and the payload's hash the row's.
    kinds, payload, metadata = [], b"", {}
    with default_storage.open(capture.warc.name, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests="raise"):
            kinds.append(record.rec_type)
            content = record.content_stream().read()
            if record.rec_type == "response":
                payload = content
            elif record.rec_type == "metadata":
                metadata = json.loads(content)
    assert kinds == ["request", "response", "metadata"]
    assert payload == body
    assert hashlib.sha256(payload).hexdigest() == capture.sha256 == hashlib.sha256(body).hexdigest()
    assert metadata["excerpts"][0]["found"] is True

    # A recapture of the unchanged page writes nothing to the bucket.
    again = source_capture(source_id=source.id, reason=CaptureReason.ON_DEMAND)
    assert again.duplicate_of == capture
    assert s3_storage.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 1


def test_without_a_bucket_files_are_kept_under_media_root():
    assert storage_from_environment(MEDIA_S3_BUCKET="") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_the_bucket_is_private(capture_farm, s3_storage):
    capture = source_capture(
        source_id=factories.SourceFactory(url=capture_farm.page_url("private", article())).id,
        reason=CaptureReason.ON_DEMAND,
    )
    acl = s3_storage.get_object_acl(Bucket=BUCKET, Key=f"desk/{capture.warc.name}")
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]  # the owner's only
    # Any url the storage hands out is signed.
    assert "Signature=" in default_storage.url(capture.warc.name) or "X-Amz-Signature=" in default_storage.url(
        capture.warc.name
    )
