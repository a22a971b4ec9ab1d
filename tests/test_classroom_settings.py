"""Each grading limit is written once: as a trait of the guards or of the sandbox, which nbgrader_config.py can
set; the classroom command and the Python API take their defaults from there (nbgrader's own apps do the same)."""

import pytest

from course_tools.classroom import cli
from course_tools.classroom.limits import Limits, sandbox_default
from course_tools.guards import LimitOutputSize
from course_tools.sandbox import SandboxedKernelManager


def _grade_defaults():
    args = cli.build_parser().parse_args(["grade"])
    return {
        name: getattr(args, name)
        for name in ("timeout", "max_output_chars", "memory_limit", "max_processes", "disk_limit", "bwrap")
    }


def test_the_command_leaves_every_limit_to_its_trait():
    assert set(_grade_defaults().values()) == {None}, _grade_defaults()


def test_limits_pass_only_what_was_given_so_that_nbgrader_config_applies(tmp_path):
    args = Limits().nbgrader_args(tmp_path, "ch", "ada")
    assert not [arg for arg in args if "_limit=" in arg or "max_processes=" in arg or ".bwrap=" in arg], args
    assert Limits().bwrap == SandboxedKernelManager.class_traits()["bwrap"].default_value
    given = Limits(memory="2G", processes=8).nbgrader_args(tmp_path, "ch", "ada")
    assert f"--SandboxedKernelManager.memory_limit={2 * 1024**3}" in given
    assert "--SandboxedKernelManager.max_processes=8" in given
    with pytest.raises(ValueError, match="positive"):
        Limits(disk=0)


def test_the_help_quotes_the_traits_values(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["grade", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    chars = LimitOutputSize.class_traits()["max_chars"].default_value
    assert f"LimitOutputSize.max_chars, {chars:,}" in text
    assert f"SandboxedKernelManager.memory_limit, {sandbox_default('memory_limit') / 1024**3:g}G" in text
