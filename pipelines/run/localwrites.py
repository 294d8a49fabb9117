"""The pipeline's own local files failing on a full or failing disk.

The clean and publish steps write local files (staged Parquet, copies of staged files, data
files before their upload) in the temporary folder (TMPDIR); the crawl step writes into the
staging folder. A disk error there ends the step with one line naming the path (the file when
the error names it, else the temporary folder) and the error, instead of a traceback. Nothing
is lost with it: each step's input is in the store, and a retry after space is freed redoes it."""
from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager

from newsarchive.errors import WriteFailed

# a full disk, a quota, a failing or read-only disk, a file past its size limit
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG}


@contextmanager
def local_writes():
    """Turn a disk error inside into WriteFailed (a decorator too)."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in DISK_ERRORS:
            raise
        raise WriteFailed(exc.filename or tempfile.gettempdir(), os.strerror(exc.errno)) from exc
