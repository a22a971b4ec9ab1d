import subprocess
import sys

from course_utils import __main__ as cli


def test_stage_data_command_stages_and_prints_the_export(tmp_path, fashion_dir, capsys):
    code = cli.main(["stage-data", str(tmp_path / "data"), "--keras-cache", str(tmp_path / "cache"),
                     "--fashion-dir", str(fashion_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "staged mnist:" in out and "staged fashion-mnist:" in out
    assert f"export COURSE_DATA_DIR={tmp_path / 'data'}" in out


def test_stage_data_command_fails_with_a_hint_when_data_is_missing(tmp_path, capsys):
    code = cli.main(["stage-data", str(tmp_path / "data"), "--keras-cache", str(tmp_path / "cache"),
                     "--fashion-dir", str(tmp_path / "nothing")])
    assert code == 1
    assert "apt-get install dataset-fashion-mnist" in capsys.readouterr().err


def test_module_runs_as_a_command():
    result = subprocess.run([sys.executable, "-m", "course_utils", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "stage-data" in result.stdout
