"""Telling a failed download from everything else.

``keras.utils.get_file`` (behind ``tf.keras.datasets`` and the course's own downloads) turns a failed request
into a bare ``Exception`` whose context is the ``urllib`` error; a corrupt cache, a full disk or a bug raise
other errors. The loaders catch only what ``is_download_failure`` recognises and let the rest through, so that
"could not download" is never said of a problem a download would not fix.
"""

from __future__ import annotations

import socket
import urllib.error


def is_download_failure(error: BaseException) -> bool:
    """True when ``error`` (or the error it was raised from, as ``get_file`` does) is a failed network request:
    ``urllib.error.URLError`` (HTTP errors included), a refused or reset connection, a timeout or a failed
    name lookup."""
    network = (urllib.error.URLError, ConnectionError, TimeoutError, socket.gaierror)
    return any(isinstance(cause, network) for cause in (error, error.__cause__, error.__context__))
