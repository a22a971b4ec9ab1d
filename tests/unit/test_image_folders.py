"""course_utils.image_folders on real images: Fashion-MNIST written as JPEG files (with the staging tools' writer)."""

import hashlib
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from course_tools.staging.standins import OFFLINE_CLASSES, write_jpegs
from course_utils import datasets, image_folders


@pytest.fixture(scope="module")
def fashion_test(fashion_dir):
    images = datasets.read_idx(fashion_dir / "t10k-images-idx3-ubyte.gz")
    labels = datasets.read_idx(fashion_dir / "t10k-labels-idx1-ubyte.gz")
    return images, labels


@pytest.fixture()
def class_folders(tmp_path, fashion_test):
    """Three class folders of 10 real Fashion-MNIST JPEG files each, plus a stray text file."""
    images, labels = fashion_test
    root = tmp_path / "photos"
    for label, name in ((0, "tshirt"), (5, "sandal"), (8, "bag")):
        indices = np.flatnonzero(labels == label)[:10]
        write_jpegs(images[indices], [f"{i:05d}" for i in indices], root / name)
    (root / "tshirt" / "README.txt").write_text("not an image")
    return root


# --- the flowers archive (keras.utils.get_file, from a local file:// URL) ---


@pytest.fixture()
def flowers_archive(tmp_path, fashion_test):
    """A small flower_photos.tgz of the real archive's layout (flower_photos/<class>/<image>.jpg) and its SHA-256."""
    images, _ = fashion_test
    photos = tmp_path / "made" / "flower_photos"
    for name, start in (("daisy", 0), ("tulips", 3)):
        write_jpegs(images[start : start + 3], ["a", "b", "c"], photos / name)
    archive = tmp_path / "served" / "flower_photos.tgz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(photos, arcname="flower_photos")
    return archive, hashlib.sha256(archive.read_bytes()).hexdigest()


def test_download_flowers_checks_the_archive_and_unpacks_it(tmp_path, flowers_archive, monkeypatch):
    archive, digest = flowers_archive
    monkeypatch.setattr(image_folders, "FLOWERS_URL", archive.as_uri())
    monkeypatch.setattr(image_folders, "FLOWERS_SHA256", digest)
    root = image_folders.download_flowers(cache_dir=tmp_path / "keras")
    assert root.name == "flower_photos"
    assert sorted(p.name for p in root.iterdir()) == ["daisy", "tulips"]
    assert len(image_folders.list_images(root)[0]) == 6


def test_download_flowers_rejects_an_archive_with_another_sha256(tmp_path, flowers_archive, monkeypatch):
    archive, _ = flowers_archive
    monkeypatch.setattr(image_folders, "FLOWERS_URL", archive.as_uri())
    with pytest.raises(ValueError, match="hash"):
        image_folders.download_flowers(cache_dir=tmp_path / "keras")


def test_flowers_checksum_is_a_sha256_digest():
    assert len(image_folders.FLOWERS_SHA256) == 64 and int(image_folders.FLOWERS_SHA256, 16) > 0


def test_download_flowers_without_network_names_the_offline_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(image_folders, "FLOWERS_URL", "http://127.0.0.1:9/flower_photos.tgz")  # refused at once
    with pytest.raises(ConnectionError, match="COURSE_DATA_DIR"):
        image_folders.download_flowers(cache_dir=tmp_path)


def test_a_damaged_archive_in_the_cache_is_not_called_a_failed_download(tmp_path, flowers_archive, monkeypatch):
    """A cut-off archive whose checksum was recorded (get_file trusts its cache then) fails to unpack: that error
    comes through, not "Could not download", and nothing is requested from the (unreachable) URL."""
    archive, _ = flowers_archive
    cached = tmp_path / "keras" / "datasets" / "flower_photos.tgz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    monkeypatch.setattr(image_folders, "FLOWERS_URL", "http://127.0.0.1:9/flower_photos.tgz")  # refused at once
    monkeypatch.setattr(image_folders, "FLOWERS_SHA256", hashlib.sha256(cached.read_bytes()).hexdigest())
    with pytest.raises((tarfile.TarError, EOFError)) as error:
        image_folders.download_flowers(cache_dir=tmp_path / "keras")
    assert not isinstance(error.value, ConnectionError)


def test_a_full_disk_is_not_called_a_failed_download(tmp_path, monkeypatch):
    import keras

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keras.utils, "get_file", full_disk)
    with pytest.raises(OSError, match="No space left") as error:
        image_folders.download_flowers(cache_dir=tmp_path)
    assert not isinstance(error.value, ConnectionError)


# --- JPEG files, listing, splitting ---


def test_list_images_finds_class_folders_and_ignores_other_files(class_folders):
    rows, class_names = image_folders.list_images(class_folders)
    assert class_names == ["bag", "sandal", "tshirt"]
    assert len(rows) == 30 and all(path.endswith(".jpg") for path, _ in rows)
    assert [label for _, label in rows] == ["bag"] * 10 + ["sandal"] * 10 + ["tshirt"] * 10
    # a parent folder with the class folders one level down works too (like the unpacked flower_photos.tgz)
    assert image_folders.list_images(class_folders.parent)[1] == class_names


def test_find_image_root_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_folders.find_image_root(tmp_path / "missing")
    (tmp_path / "empty" / "daisy").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="no class folders"):
        image_folders.find_image_root(tmp_path / "empty")


def test_split_rows_is_stratified_disjoint_and_deterministic(class_folders):
    rows, _ = image_folders.list_images(class_folders)
    train, evaluation = image_folders.split_rows(rows, eval_fraction=0.2, seed=0)
    assert len(evaluation) == 6 and len(train) == 24
    assert sorted(label for _, label in evaluation) == ["bag"] * 2 + ["sandal"] * 2 + ["tshirt"] * 2
    assert not set(train) & set(evaluation) and sorted(train + evaluation) == sorted(rows)
    assert image_folders.split_rows(rows, 0.2, seed=0) == (train, evaluation)
    assert image_folders.split_rows(rows, 0.2, seed=1)[1] != evaluation


@pytest.mark.parametrize("fraction", [0, 1, 1.5])
def test_split_rows_rejects_bad_fractions(fraction):
    with pytest.raises(ValueError, match="strictly between"):
        image_folders.split_rows([("a", "x"), ("b", "x")], fraction)


def test_split_rows_needs_two_images_per_class():
    with pytest.raises(ValueError, match="at least 2"):
        image_folders.split_rows([("a", "x"), ("b", "y"), ("c", "y")])


def test_write_split_csvs_round_trips(class_folders, tmp_path):
    train_csv, eval_csv, class_names = image_folders.write_split_csvs(class_folders, tmp_path / "csv")
    assert class_names == ["bag", "sandal", "tshirt"]
    assert train_csv.read_text().splitlines()[0].count(",") == 1, "rows are path,label without a header"
    train, evaluation = image_folders.read_csv(train_csv), image_folders.read_csv(eval_csv)
    assert len(train) == 27 and len(evaluation) == 3
    assert all(label in class_names for _, label in train + evaluation)


def test_write_csv_and_read_csv_errors(tmp_path):
    with pytest.raises(ValueError, match="no rows"):
        image_folders.write_csv([], tmp_path / "x.csv")
    with pytest.raises(ValueError, match="path, label"):
        image_folders.write_csv([("a", "b", "c")], tmp_path / "x.csv")
    (tmp_path / "bad.csv").write_text("a,b\nc\n")
    with pytest.raises(ValueError, match="row 2"):
        image_folders.read_csv(tmp_path / "bad.csv")


def test_take_per_class():
    rows = [("1", "a"), ("2", "a"), ("3", "b"), ("4", "a"), ("5", "b"), ("6", "b")]
    assert image_folders.take_per_class(rows, 2) == [("1", "a"), ("2", "a"), ("3", "b"), ("5", "b")]
    with pytest.raises(ValueError, match="at least 1"):
        image_folders.take_per_class(rows, 0)


# --- the offline data set ---


def test_load_image_csvs_offline_reads_the_staged_standin(staged_dir, tmp_path, monkeypatch, capsys):
    # a copy of the staged quick stand-in in another place: the CSVs name files relative to their folder
    data_dir = tmp_path / "moved"
    shutil.copytree(staged_dir / image_folders.STANDIN_JPEGS_QUICK, data_dir / image_folders.STANDIN_JPEGS_QUICK)
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_QUICK", "1")
    data = image_folders.load_image_csvs(cache_dir=tmp_path / "cache")
    assert data.name == image_folders.STANDIN_JPEGS and data.image_size == image_folders.STANDIN_IMAGE_SIZE
    assert data.class_names == list(OFFLINE_CLASSES.values())
    assert data.train_csv.parent == tmp_path / "cache" / image_folders.STANDIN_JPEGS_QUICK, "CSVs go to the cache"
    out = capsys.readouterr().out
    assert "real Fashion-MNIST" in out and "[quick mode]" in out
    assert f"$COURSE_DATA_DIR/{image_folders.STANDIN_JPEGS_QUICK}" in out and str(data_dir) not in out, (
        "no machine path"
    )
    rows = image_folders.read_csv(data.train_csv)
    assert len(rows) > 500 and [label for _, label in rows[:5]] == data.class_names, "balanced, interleaved"
    path, label = rows[0]
    assert path.startswith(str(data_dir)) and Path(path).is_file() and f"/{label}/" in path
    index = int(Path(path).stem)
    images, labels = datasets.read_staged_folder(staged_dir / "fashion-mnist")[0]
    assert OFFLINE_CLASSES[int(labels[index])] == label
    assert np.abs(np.asarray(Image.open(path)).astype(int) - images[index]).mean() < 8, "the real pixels"


def test_load_image_csvs_names_the_command_when_the_standin_is_not_staged(staged_dir, tmp_path, monkeypatch):
    shutil.copytree(staged_dir / "fashion-mnist", tmp_path / "old" / "fashion-mnist")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "old"))
    monkeypatch.setenv("COURSE_QUICK", "0")
    expected = f"{image_folders.STANDIN_JPEGS}/.*course-data stage {tmp_path / 'old'}"
    with pytest.raises(FileNotFoundError, match=expected):
        image_folders.load_image_csvs(cache_dir=tmp_path / "cache")


def test_load_image_csvs_prefers_a_staged_flowers_folder(class_folders, tmp_path, monkeypatch, capsys):
    staged = tmp_path / "staged"
    (staged / image_folders.FLOWERS).mkdir(parents=True)
    class_folders.rename(staged / image_folders.FLOWERS / "flower_photos")
    monkeypatch.setenv("COURSE_DATA_DIR", str(staged))
    data = image_folders.load_image_csvs(cache_dir=tmp_path / "cache")
    assert data.name == image_folders.FLOWERS and data.image_size == image_folders.FLOWERS_IMAGE_SIZE
    assert data.class_names == ["bag", "sandal", "tshirt"]
    assert "27 training and 3 evaluation" in capsys.readouterr().out


def test_load_image_csvs_explains_an_empty_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="course-data stage"):
        image_folders.load_image_csvs(cache_dir=tmp_path / "cache")
