"""Telling a failed download from everything else.

``keras.utils.get_file`` (behind ``tf.keras.datasets`` and the course's own downloads) turns a failed request
into a bare ``Exception`` whose context is the ``urllib`` error; a corrupt cache, a full disk or a bug raise
other errors. The loaders catch only what ``is_download_failure`` recognises and let the rest through, so that
"could not download" is never said of a problem a download would not fix.
"""

from __future__ import annotations

import contextlib
import socket
import urllib.error
from collections.abc import Iterator


def is_download_failure(error: BaseException) -> bool:
    """True when ``error`` (or the error it was raised from, as ``get_file`` does) is a failed network request:
    ``urllib.error.URLError`` (HTTP errors included), a refused or reset connection, a timeout or a failed
    name lookup."""
    network = (urllib.error.URLError, ConnectionError, TimeoutError, socket.gaierror)
    return any(isinstance(cause, network) for cause in (error, error.__cause__, error.__context__))


@contextlib.contextmanager
def failed_download_raises(what: str, fix: str) -> Iterator[None]:
    """Inside this ``with`` block, a failed request (``is_download_failure``) becomes a ``ConnectionError`` that says
    "Could not download ``what``", the request's error and ``fix`` (what to do without a network); every other error
    (a corrupt cache, a full disk, a wrong checksum, a bug) goes through unchanged, with its own message."""
    try:
        yield
    except Exception as error:  # get_file raises a bare Exception for a failed request; only that is caught
        if not is_download_failure(error):
            raise
        raise ConnectionError(f"Could not download {what}: {error}\n{fix}") from error
