"""course_tools.staging.standins and .extractor: chapter 4's offline stand-ins, built from real Fashion-MNIST."""

import numpy as np
import pytest
from PIL import Image

from course_tools.staging import extractor, folders, standins
from course_utils import datasets, hub, image_folders


@pytest.fixture(scope="module")
def fashion(fashion_dir):
    """Fashion-MNIST's real training and test arrays."""
    return datasets.read_staged_folder(fashion_dir)


def test_write_jpegs_keeps_the_real_pixels(tmp_path, fashion):
    images = fashion[1][0]
    paths = standins.write_jpegs(images[:5], ["a", "b", "c", "d", "e"], tmp_path)
    assert [p.name for p in paths] == ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"]
    for path, original in zip(paths, images[:5], strict=True):
        decoded = np.asarray(Image.open(path))
        assert decoded.shape == (28, 28)
        assert np.abs(decoded.astype(int) - original).mean() < 8, "JPEG at quality 95 stays close"


def test_write_jpegs_rejects_bad_input(tmp_path, fashion):
    images = fashion[1][0]
    with pytest.raises(ValueError, match="uint8"):
        standins.write_jpegs(images[:2].astype(float), ["a", "b"], tmp_path)
    with pytest.raises(ValueError, match="names"):
        standins.write_jpegs(images[:2], ["a"], tmp_path)


def test_interleave_balances_every_prefix():
    assert standins.interleave([[1, 2, 3], [10], [20, 21]]) == [1, 10, 20, 2, 21, 3]
    assert standins.interleave([]) == []


def test_source_and_target_classes_split_fashion_mnist():
    assert set(standins.SOURCE_CLASSES).isdisjoint(standins.OFFLINE_CLASSES)
    assert sorted([*standins.SOURCE_CLASSES, *standins.OFFLINE_CLASSES]) == list(range(10))


def test_finished_note_reads_only_finished_folders(tmp_path):
    assert folders.finished_note(tmp_path / "missing") is None
    (tmp_path / "partial").mkdir()
    assert folders.finished_note(tmp_path / "partial") is None
    for name, note in (("done", None), ("described", "five classes of Fashion-MNIST")):
        (tmp_path / name).mkdir()
        (tmp_path / name / folders.DONE).write_text("complete\n", encoding="utf-8")
        if note:
            (tmp_path / name / "SOURCE.txt").write_text(note + "\n", encoding="utf-8")
    assert folders.finished_note(tmp_path / "done") == "already staged"
    assert folders.finished_note(tmp_path / "described") == "five classes of Fashion-MNIST"


def test_stage_jpegs_writes_balanced_relative_csvs_once(tmp_path, fashion):
    train, test = fashion
    folder = tmp_path / "jpeg"
    description = standins.stage_jpegs(folder, train, test, train_per_class=7, eval_per_class=3)
    assert description.startswith("35 training and 15 evaluation JPEG files written from real Fashion-MNIST")
    assert datasets.read_source_note(folder) == description
    rows = image_folders.read_csv(folder / "train_set.csv")
    names = list(standins.OFFLINE_CLASSES.values())
    assert len(rows) == 35 and [label for _, label in rows[:5]] == names, "rows alternate between classes"
    assert len(image_folders.read_csv(folder / "eval_set.csv")) == 15
    path, label = rows[0]
    assert path == f"train/{label}/{path.rsplit('/', 1)[1]}", "paths are relative to the folder"
    index = int(path.rsplit("/", 1)[1][:-4])
    assert standins.OFFLINE_CLASSES[int(train[1][index])] == label
    assert np.abs(np.asarray(Image.open(folder / path)).astype(int) - train[0][index]).mean() < 8
    # a finished folder is kept as it is
    (folder / "marker").write_text("kept")
    standins.stage_jpegs(folder, train, test, train_per_class=1, eval_per_class=1)
    assert (folder / "marker").is_file() and len(image_folders.read_csv(folder / "train_set.csv")) == 35
    assert not list(tmp_path.glob(".*partial"))


def test_stage_jpegs_names_a_missing_class(tmp_path, fashion):
    train, test = fashion
    no_dresses = (test[0][test[1] != 3], test[1][test[1] != 3])
    with pytest.raises(ValueError, match="no 'dress'"):
        standins.stage_jpegs(tmp_path / "jpeg", train, no_dresses)
    assert not (tmp_path / "jpeg").exists()


def test_stage_feature_extractor_exports_a_hub_style_module_once(tmp_path, fashion):
    import tensorflow as tf

    folder = tmp_path / "features"
    description = extractor.stage_feature_extractor(
        folder, *fashion, standins.SOURCE_CLASSES, image_size=16, features=8, max_images=300, epochs=1
    )
    assert description.startswith(
        "the course's own feature extractor (8 features of 16×16 RGB images), "
        "trained on 300 Fashion-MNIST training images of T-shirt/top, Trouser, Coat"
    )
    module = tf.saved_model.load(str(folder))
    features = module(tf.zeros((2, 16, 16, 3))).numpy()
    assert features.shape == (2, 8) and np.all(np.isfinite(features))
    layer = hub.hub_layer(str(folder))  # what chapter 4 does with it
    assert layer(np.zeros((1, 16, 16, 3), "float32")).shape == (1, 8)
    assert (
        extractor.stage_feature_extractor(folder, *fashion, standins.SOURCE_CLASSES, image_size=16, features=8)
        == description
    )
    with pytest.raises(ValueError, match="image_size"):
        extractor.stage_feature_extractor(tmp_path / "small", *fashion, standins.SOURCE_CLASSES, image_size=8)


def test_the_staged_data_folder_holds_the_standins(staged_dir):
    # what `make data` (course-data stage) left for chapter 4
    for name in (image_folders.STANDIN_JPEGS, image_folders.STANDIN_JPEGS_QUICK, hub.STANDIN_EXTRACTOR):
        assert (staged_dir / name / folders.DONE).is_file(), f"{name} is not staged: run `make data`"
    full = image_folders.read_csv(staged_dir / image_folders.STANDIN_JPEGS / "train_set.csv")
    quick = image_folders.read_csv(staged_dir / image_folders.STANDIN_JPEGS_QUICK / "train_set.csv")
    assert len(full) == 5 * standins.TRAIN_PER_CLASS and 0 < len(quick) < len(full)
    assert (staged_dir / hub.STANDIN_EXTRACTOR / "saved_model.pb").is_file()
