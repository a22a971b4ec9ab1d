import pytest

from course_utils import config


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" on ", True),
        ("0", False),
        ("", False),
        ("false", False),
        ("off", False),
    ],
)
def test_quick_mode_reads_the_variable(value, expected):
    assert config.quick_mode({"COURSE_QUICK": value}) is expected


def test_quick_mode_is_off_when_unset():
    assert config.quick_mode({}) is False


def test_quick_mode_rejects_other_values():
    with pytest.raises(ValueError, match="COURSE_QUICK should be 1 or 0"):
        config.quick_mode({"COURSE_QUICK": "fast"})


def test_data_dir_unset_means_download():
    assert config.data_dir({}) is None
    assert config.data_dir({"COURSE_DATA_DIR": "  "}) is None


def test_data_dir_returns_an_existing_folder(tmp_path):
    assert config.data_dir({"COURSE_DATA_DIR": str(tmp_path)}) == tmp_path


def test_data_dir_names_a_missing_folder_and_the_fix(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as error:
        config.data_dir({"COURSE_DATA_DIR": str(missing)})
    assert str(missing) in str(error.value)
    assert "course-data stage" in str(error.value)


@pytest.mark.parametrize(
    "value, default, expected",
    [
        ("", True, True),
        ("", False, False),
        (" Off ", True, False),
        ("yes", False, True),
    ],
)
def test_env_flag_reads_any_variable_with_a_default(value, default, expected):
    assert config.env_flag("COURSE_SOMETHING", default, {"COURSE_SOMETHING": value}) is expected
    assert config.env_flag("COURSE_SOMETHING", default, {}) is default


def test_env_flag_names_the_variable_when_it_cannot_read_it():
    with pytest.raises(ValueError, match="COURSE_SOMETHING should be 1 or 0"):
        config.env_flag("COURSE_SOMETHING", True, {"COURSE_SOMETHING": "maybe"})
