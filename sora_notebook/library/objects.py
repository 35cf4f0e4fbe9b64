"""Media in an S3-compatible object store (`media="s3://bucket/prefix"`, boto3).

The library's media folder stays the working copy: every saved file is also put in the
store before it is recorded, so a record never names an object that is not there, and a
file missing here (another person's video, a fresh machine) is fetched from the store,
checked against the sha256 in its record, and kept. The endpoint and credentials are
boto3's usual ones (`AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, a
profile ...); they are never stored in the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sora_notebook.errors import SoraNotebookError

__all__ = ["MAX_OBJECT_BYTES", "ObjectStore", "is_object_url"]

#: An object larger than this is not fetched (no video the library saves is near it).
MAX_OBJECT_BYTES = 4 << 30


def is_object_url(location: object) -> bool:
    return isinstance(location, str) and location.startswith("s3://")


class ObjectStore:
    """One bucket and prefix; keys are the library's relative media paths."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        import boto3  # the `team` extra: pip install 'sora-notebook[team]'
        from botocore.config import Config

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"media must look like s3://bucket/prefix; got {url!r}")
        self.url = f"s3://{parts.netloc}/{parts.path.strip('/')}".rstrip("/")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 3})
        self._s3: Any = boto3.client("s3", config=config)
        self.errors: tuple[type[Exception], ...] = (
            self._s3.exceptions.ClientError,
            _botocore_error(),
        )
        try:
            self._s3.head_bucket(Bucket=self.bucket)
        except self.errors as exc:
            raise SoraNotebookError(
                f"Cannot reach the media bucket {self.url}: {exc}. Check that it exists "
                "and that the S3 endpoint and credentials (AWS_ENDPOINT_URL_S3, "
                "AWS_ACCESS_KEY_ID, ...) are set."
            ) from None

    def key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def put(self, rel: str, path: Path) -> None:
        self._s3.upload_file(str(path), self.bucket, self.key(rel))

    def fetch(self, rel: str, dest: Path) -> bool:
        """Download object `rel` into `dest` (a temp file); False when there is none."""
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=self.key(rel))
        except self._s3.exceptions.ClientError:
            return False
        if int(head.get("ContentLength", 0)) > MAX_OBJECT_BYTES:
            raise SoraNotebookError(f"The media object {rel} is larger than the library keeps.")
        self._s3.download_file(self.bucket, self.key(rel), str(dest))
        return True

    def delete(self, rel: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=self.key(rel))


def _botocore_error() -> type[Exception]:
    from botocore.exceptions import BotoCoreError

    error: type[Exception] = BotoCoreError
    return error
