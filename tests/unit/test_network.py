import socket
import urllib.error

import pytest

from course_utils.network import failed_download_raises, is_download_failure


def _raised_by_get_file(cause):
    """What keras.utils.get_file raises for a failed request: a bare Exception, raised while handling ``cause``."""
    try:
        try:
            raise cause
        except urllib.error.URLError as error:
            raise Exception(f"URL fetch failure on https://example.invalid: {error.reason}")  # noqa: B904 (as Keras does)
    except Exception as error:  # noqa: BLE001
        return error


@pytest.mark.parametrize(
    "error",
    [
        _raised_by_get_file(urllib.error.URLError("[Errno -3] Temporary failure in name resolution")),
        _raised_by_get_file(urllib.error.HTTPError("https://example.invalid", 503, "Service Unavailable", {}, None)),
        ConnectionResetError("reset by peer"),
        TimeoutError("timed out"),
        socket.gaierror(-3, "no name"),
    ],
)
def test_a_failed_request_is_a_download_failure(error):
    assert is_download_failure(error)


@pytest.mark.parametrize(
    "error",
    [
        OSError(28, "No space left on device"),
        ValueError("Incomplete or corrupted file detected"),
        Exception("File is not a zip file"),
        KeyError("x_train"),
    ],
)
def test_a_full_disk_a_corrupt_cache_or_a_bug_is_not(error):
    assert not is_download_failure(error)


def test_failed_download_raises_turns_only_a_failed_request_into_a_connection_error():
    failure = _raised_by_get_file(urllib.error.URLError("[Errno 111] Connection refused"))
    expected = "Could not download the thing: URL fetch failure.*\nStage it."
    with pytest.raises(ConnectionError, match=expected) as error, failed_download_raises("the thing", "Stage it."):
        raise failure
    assert error.value.__cause__ is failure
    with pytest.raises(OSError, match="No space left") as error, failed_download_raises("the thing", "Stage it."):
        raise OSError(28, "No space left on device")
    assert not isinstance(error.value, ConnectionError)
