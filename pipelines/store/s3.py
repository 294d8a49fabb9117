"""Store backend for an S3 bucket (AWS, MinIO, moto, ...).

Configuration comes only from the standard AWS chain: credentials from the
environment, profile or instance role; region from AWS_REGION or
AWS_DEFAULT_REGION / the profile (default us-east-1); a custom endpoint from
AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL / the profile, which botocore (boto3's
engine) resolves itself.  With a custom endpoint, path-style addressing is used.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from pipelines.store.retries import RetryPolicy
from pipelines.store.base import Store, StoredObject, StoreError, check_key, check_prefix, file_digest

MAX_SINGLE_PUT = 5 * 1024**3  # S3 limit for one PUT

# One attempt per botocore call: the store retries itself, for a bounded time (RetryPolicy).
# check() uses a probe client with short timeouts so a wrong endpoint is told quickly.
_NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}
_PROBE_CONFIG = Config(connect_timeout=3, read_timeout=2, retries=_NO_RETRIES)
_PATH_STYLE = Config(s3={"addressing_style": "path"})
_RETRYABLE_CODES = {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown",
                    "RequestTimeout", "RequestTimeTooSkewed", "Throttling", "ThrottlingException"}

# Parsed API models, shared by all stores: loading them costs ~0.1 s per session.
_MODEL_LOADER = botocore.loaders.create_loader()

_UNREACHABLE = (BotoConnectionError, HTTPClientError)  # refused, timeouts, resets, TLS
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_DENIED = {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
_NO_CREDENTIALS = (
    "no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or use an instance role)"
)


def _is_aws_endpoint(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn")) or host == "amazonaws.com"


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _sha256_from_head(head: dict) -> tuple[str | None, str | None]:
    """(hex sha256 from the object's SHA256 checksum, hex sha256 from metadata)."""
    checksum = head.get("ChecksumSHA256")
    if checksum and "-" not in checksum and head.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT":
        checksum = base64.b64decode(checksum).hex()
    else:
        checksum = None  # absent, or a composite multipart checksum
    return checksum, head.get("Metadata", {}).get("sha256")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, ClientError):
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        return _error_code(exc) in _RETRYABLE_CODES or status.startswith("5")
    return isinstance(exc, _UNREACHABLE)


class GaveUp(BotoCoreError):
    """The endpoint kept failing for the whole retry budget."""

    fmt = "endpoint {endpoint} unreachable or failing for {seconds:.0f} s ({attempts} attempts): {error}"


class _RetryingClient:
    """A botocore client whose API calls retry under a RetryPolicy."""

    def __init__(self, client, policy: RetryPolicy):
        self._client, self._policy, self.meta = client, policy, client.meta

    def __getattr__(self, name: str):
        method = getattr(self._client, name)

        def call(**kwargs):
            def attempt():
                body = kwargs.get("Body")
                if hasattr(body, "seek"):
                    body.seek(0)            # a retried upload sends the file again from its start
                return method(**kwargs)

            return self._policy.run(attempt, _retryable, self._give_up)

        return call

    def _give_up(self, exc: Exception, seconds: float, attempts: int) -> Exception:
        error = " ".join(str(exc).split())
        return GaveUp(endpoint=self.meta.endpoint_url, seconds=seconds, attempts=attempts, error=error)


class S3Store(Store):
    def __init__(self, bucket: str, prefix: str = "", retry: RetryPolicy | None = None):
        self.retry = retry or RetryPolicy.from_env()
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._root = f"{self.prefix}/" if self.prefix else ""
        try:
            # boto3's engine and its configuration chain (env, profile, instance role).
            self._session = botocore.session.Session()
            self._session.register_component("data_loader", _MODEL_LOADER)
            self.region = os.environ.get("AWS_REGION") or self._session.get_config_variable("region") or "us-east-1"
            data_config = Config(connect_timeout=min(5.0, self.retry.timeout), read_timeout=self.retry.timeout,
                                 retries=_NO_RETRIES)
            client = self._session.create_client("s3", region_name=self.region, config=data_config)
            endpoint = client.meta.endpoint_url
            self.endpoint_url = None if _is_aws_endpoint(endpoint) else endpoint
            probe_config = _PROBE_CONFIG
            if self.endpoint_url:  # MinIO & co. need path-style requests
                client = self._session.create_client("s3", region_name=self.region,
                                                     config=data_config.merge(_PATH_STYLE))
                probe_config = probe_config.merge(_PATH_STYLE)
            self._client = _RetryingClient(client, self.retry)
            self._probe = _RetryingClient(
                self._session.create_client("s3", region_name=self.region, config=probe_config), self.retry)
        except BotoCoreError as e:
            raise StoreError(f"store {self.uri}: invalid AWS configuration: {e}") from e

    # -- helpers -------------------------------------------------------------

    def _key(self, key: str) -> str:
        return self._root + check_key(key)

    def _detail(self, exc: Exception) -> str:
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            return _NO_CREDENTIALS
        if isinstance(exc, GaveUp):
            return str(exc)
        if isinstance(exc, _UNREACHABLE):
            return f"endpoint unreachable: {exc}"
        if isinstance(exc, ClientError):
            code = _error_code(exc)
            if code == "NoSuchBucket":
                return f"bucket {self.bucket!r} does not exist"
            if code in _NOT_FOUND:
                return "no such key"
            if code in _DENIED:
                return f"access denied ({code})"
            message = exc.response.get("Error", {}).get("Message", "")
            return f"{code}: {message}" if message else str(exc)
        return str(exc)

    def _error(self, action: str, key: str, exc: Exception) -> StoreError:
        return StoreError(f"store {self.uri}: cannot {action} key {key!r}: {self._detail(exc)}")

    def _head(self, key: str) -> dict | None:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=self._key(key), ChecksumMode="ENABLED")
        except ClientError as e:
            if _error_code(e) in _NOT_FOUND:
                return None
            raise self._error("stat", key, e) from e
        except BotoCoreError as e:
            raise self._error("stat", key, e) from e

    def _put(self, key: str, body: BinaryIO | bytes, sha256: str) -> None:
        self._client.put_object(
            Bucket=self.bucket,
            Key=self._key(key),
            Body=body,
            ChecksumAlgorithm="SHA256",  # the server rejects a body that does not match
            ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode("ascii"),
            Metadata={"sha256": sha256},
        )

    # -- Store API -----------------------------------------------------------

    def check(self) -> None:
        try:
            self._probe.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as e:
            if isinstance(e, (GaveUp, *_UNREACHABLE)):
                message = f"store {self.uri} is unreachable: {e}"
            elif isinstance(e, ClientError) and _error_code(e) in _NOT_FOUND | {"NoSuchBucket"}:
                message = f"store {self.uri}: bucket {self.bucket!r} does not exist"
            else:
                message = f"store {self.uri}: {self._detail(e)}"
            raise StoreError(message) from e

    def put_file(self, path: Path, key: str) -> StoredObject:
        check_key(key)
        try:
            size, sha256 = file_digest(path)
            if size > MAX_SINGLE_PUT:
                raise StoreError(f"store {self.uri}: cannot upload {path} ({size} bytes): larger than 5 GiB")
            with open(path, "rb") as body:
                self._put(key, body, sha256)
        except (BotoCoreError, ClientError) as e:  # before OSError: some botocore errors are OSErrors too
            raise self._error("write", key, e) from e
        except OSError as e:
            raise StoreError(f"store {self.uri}: cannot upload {path} to key {key!r}: {e}") from e
        head = self._head(key)
        if head is None:
            raise StoreError(f"store {self.uri}: verification of key {key!r} failed: object missing after upload")
        checksum, meta = _sha256_from_head(head)
        stored_size = head.get("ContentLength")
        if stored_size != size or not (checksum or meta) or any(v != sha256 for v in (checksum, meta) if v):
            raise StoreError(
                f"store {self.uri}: verification of key {key!r} failed: stored {stored_size} bytes, "
                f"sha256 {checksum or meta}; local {size} bytes, sha256 {sha256}"
            )
        return StoredObject(key, size, sha256)

    def put_bytes(self, key: str, data: bytes) -> StoredObject:
        check_key(key)
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            self._put(key, data, sha256)
        except (BotoCoreError, ClientError) as e:
            raise self._error("write", key, e) from e
        return StoredObject(key, len(data), sha256)

    def _get(self, key: str, **kwargs) -> dict:
        try:
            return self._client.get_object(Bucket=self.bucket, Key=self._key(key), **kwargs)
        except (BotoCoreError, ClientError) as e:
            raise self._error("read", key, e) from e

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    def open(self, key: str) -> BinaryIO:
        first = self._get(key)
        etag = first.get("ETag")

        def reopen(offset: int):
            """The rest of the same object (ETag) after a broken read."""
            extra = {"IfMatch": etag} if etag else {}
            return self._get(key, Range=f"bytes={offset}-", **extra)["Body"]

        raw = _BodyReader(first["Body"], reopen, self.retry, lambda e: self._error("read", key, e))
        return io.BufferedReader(raw, buffer_size=1024 * 1024)

    def open_range(self, key: str, offset: int, length: int) -> bytes:
        check_key(key)
        if offset < 0 or length < 0:
            raise StoreError(f"store {self.uri}: invalid range offset={offset} length={length} for key {key!r}")
        if length == 0:
            return b""
        try:
            response = self._client.get_object(
                Bucket=self.bucket, Key=self._key(key), Range=f"bytes={offset}-{offset + length - 1}"
            )
            data = response["Body"].read()
        except ClientError as e:
            if _error_code(e) == "InvalidRange":  # offset at or past the end
                return b""
            raise self._error("read", key, e) from e
        except BotoCoreError as e:
            raise self._error("read", key, e) from e
        if "ContentRange" not in response:  # the server ignored Range and sent everything
            data = data[offset : offset + length]
        return data

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def stat(self, key: str) -> StoredObject | None:
        head = self._head(key)
        if head is None:
            return None
        checksum, meta = _sha256_from_head(head)
        return StoredObject(key, head["ContentLength"], checksum or meta)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        check_prefix(prefix)
        return self._list(prefix)

    def _list(self, prefix: str) -> Iterator[StoredObject]:
        # S3 returns keys in UTF-8 binary order, which is Python's str order.
        request = {"Bucket": self.bucket, "Prefix": self._root + prefix}
        try:
            while True:
                page = self._client.list_objects_v2(**request)
                for obj in page.get("Contents", ()):
                    key = obj["Key"][len(self._root) :]
                    if key and not key.endswith("/"):  # skip "directory" marker objects
                        yield StoredObject(key, obj["Size"])
                if not page.get("IsTruncated"):
                    return
                request["ContinuationToken"] = page["NextContinuationToken"]
        except (BotoCoreError, ClientError) as e:
            raise StoreError(f"store {self.uri}: cannot list prefix {prefix!r}: {self._detail(e)}") from e

    def delete(self, key: str) -> None:
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))
        except (BotoCoreError, ClientError) as e:
            raise self._error("delete", key, e) from e

    def table_uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def storage_options(self) -> dict[str, str] | None:
        """delta-rs options from the same credential chain as boto3.

        Temporary credentials are copied as they are now: call this again for
        each deltalake operation rather than keeping the dict for hours."""
        try:
            credentials = self._session.get_credentials()
            frozen = credentials.get_frozen_credentials() if credentials else None
        except BotoCoreError as e:
            raise StoreError(f"store {self.uri}: cannot resolve AWS credentials: {e}") from e
        if frozen is None or not frozen.access_key:
            raise StoreError(f"store {self.uri}: {_NO_CREDENTIALS}")
        options = {
            "AWS_ACCESS_KEY_ID": frozen.access_key,
            "AWS_SECRET_ACCESS_KEY": frozen.secret_key,
            "AWS_REGION": self.region,
        }
        if frozen.token:
            options["AWS_SESSION_TOKEN"] = frozen.token
        if self.endpoint_url:
            options["AWS_ENDPOINT_URL"] = self.endpoint_url
            options["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] = "false"  # path-style, as for boto3
            if self.endpoint_url.startswith("http://"):
                options["AWS_ALLOW_HTTP"] = "true"
        # delta-rs (object_store) retries for the same bounded time as the store's own calls
        options.update(timeout=f"{self.retry.timeout:g}s", connect_timeout=f"{min(5.0, self.retry.timeout):g}s",
                       max_retries="1000", retry_timeout=f"{self.retry.seconds:g}s")
        return options


class _BodyReader(io.RawIOBase):
    """Raw stream over a botocore StreamingBody; a broken read is resumed where it stopped
    (a ranged GET) under the retry policy; errors that remain become StoreError."""

    def __init__(self, body, reopen, policy: RetryPolicy, to_error):
        self._body = body
        self._reopen = reopen
        self._policy = policy
        self._to_error = to_error
        self._pos = 0

    def readable(self) -> bool:
        return True

    def _read(self, size: int) -> bytes:
        if self._body is None:
            self._body = self._reopen(self._pos)
        try:
            return self._body.read(size)
        except (BotoCoreError, OSError):
            self._body.close()
            self._body = None
            raise

    def readinto(self, buffer) -> int:
        def retryable(e: Exception) -> bool:
            return isinstance(e, (BotoCoreError, OSError)) and not isinstance(e, (GaveUp, StoreError))

        try:
            data = self._policy.run(lambda: self._read(len(buffer)), retryable, lambda e, s, a: e)
        except (BotoCoreError, OSError) as e:
            raise self._to_error(e) from e
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed and self._body is not None:
            self._body.close()
        super().close()
