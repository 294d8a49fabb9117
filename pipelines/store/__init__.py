"""Object store for WARC files and Delta tables: a local folder or an S3 bucket.

    store = open_store("./archive")            # or "/abs/dir", "file:///abs/dir"
    store = open_store("s3://bucket/prefix")   # AWS, MinIO, moto, ...

`base` holds the interface and its one error type, `local` and `s3` the backends,
`factory` picks one from a URI, `layout` says where every kind of object lives.
"""
from pipelines.store.base import Store, StoredObject, StoreError, upload_verified
from pipelines.store.factory import open_store

__all__ = ["Store", "StoredObject", "StoreError", "open_store", "upload_verified"]
