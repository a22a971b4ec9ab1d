"""The suite's own machinery (tests/suite.py, tests/chapter_runs.py, helpers.cell_errors), each shown to catch what
it stands guard over: an unmarked slow test, a hung test, a cell that raised, a run no selected test reads."""

import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import nbformat

import suite
from chapter_runs import COLAB_CPU, COLAB_TPU, SANDBOX, runs_wanted, starting_order
from helpers import ROOT, cell_errors

CHAPTERS = ["01_a", "02_b", "05_e"]


def _item(fixtures=(), slow=False, module=None, chapter=None, nodeid="tests/test_x.py::test_x"):
    """A stand-in for a collected pytest item: what the suite's functions read of one."""
    return SimpleNamespace(
        nodeid=nodeid,
        path=Path(nodeid.split("::")[0]),
        fixturenames=list(fixtures),
        module=module,
        callspec=SimpleNamespace(params={"chapter": chapter}) if chapter else None,
        get_closest_marker=lambda name: object() if slow and name == "slow" else None,
    )


def test_a_test_that_uses_a_slow_fixture_must_be_marked_slow():
    items = [_item(["book_site"], slow=True), _item(["tmp_path"]), _item(["chapter_runs", "tmp_path"], nodeid="bad")]
    assert suite.unmarked_slow_tests(items) == ["bad"]


def test_a_hung_test_fails_at_its_time_limit_with_a_clear_message(tmp_path):
    """pytest-timeout, with the limit tests/suite.py gives a fast test (shortened here to 2 s), stops a test that
    hangs and fails it alone; the next test still runs."""
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent("""
        import suite

        suite.UNIT_TIMEOUT = 2

        def pytest_configure(config):
            suite.register(config)
    """)
    )
    (tmp_path / "test_hang.py").write_text(
        "import time\n\ndef test_hangs():\n    time.sleep(60)\n\ndef test_after():\n    pass\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT / "tests"), "PATH": "/usr/bin:/bin"},
    )
    assert "1 failed, 1 passed" in result.stdout, result.stdout[-3000:]
    assert "Timeout (>2.0s)" in result.stdout, result.stdout[-3000:]


def test_cell_errors_names_the_cell_that_raised_and_the_one_that_did_not_run(tmp_path):
    """The check that stands for an nbval run of a chapter in Colab's environment."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1", execution_count=1),
            nbformat.v4.new_code_cell(
                "1 / 0",
                execution_count=2,
                outputs=[
                    nbformat.v4.new_output(
                        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=["ZeroDivisionError"]
                    )
                ],
            ),
            nbformat.v4.new_code_cell("y = 2"),
        ]
    )
    nbformat.write(nb, tmp_path / "run.ipynb")
    problems = cell_errors(tmp_path / "run.ipynb")
    assert len(problems) == 2
    assert problems[0].startswith("cell 1 raised ZeroDivisionError") and problems[1].startswith("cell 2 did not run")


def test_only_the_runs_the_selected_tests_read_start():
    roundtrip = SimpleNamespace(CHAPTER_RUNS=(COLAB_CPU, SANDBOX))
    tpu = SimpleNamespace(CHAPTER_RUNS=(COLAB_TPU,))
    one_chapter = [_item(["chapter_runs"], module=roundtrip, chapter="02_b")]
    assert runs_wanted(one_chapter, CHAPTERS, tpu_chapter="05_e") == [(COLAB_CPU, "02_b"), (SANDBOX, "02_b")]
    assert runs_wanted([_item(["chapter_runs"], module=tpu)], CHAPTERS, tpu_chapter="05_e") == [(COLAB_TPU, "05_e")]
    assert runs_wanted([_item(["tmp_path"], module=tpu)], CHAPTERS) == [], "a fast test of that module reads no run"
    assert runs_wanted([_item(["chapter_runs"], module=SimpleNamespace())], CHAPTERS) == [], (
        "a module that names no environment reads no run"
    )


def test_runs_start_with_the_tpu_then_the_books_runs_and_the_last_chapter_first():
    wanted = [(environment, chapter) for chapter in CHAPTERS for environment in (SANDBOX, COLAB_CPU)]
    order = starting_order(wanted + [(COLAB_TPU, "05_e")], CHAPTERS)
    assert order[:3] == [(COLAB_TPU, "05_e"), (COLAB_CPU, "05_e"), (COLAB_CPU, "02_b")]
    assert order.index((COLAB_CPU, "01_a")) < order.index((SANDBOX, "05_e")), "the book's runs before the sandbox"
    assert order[-1] == (SANDBOX, "01_a")


def test_tests_that_read_chapter_runs_come_after_the_book_and_the_browser():
    """The book and browser tests run while the sandbox's runs go on; the round trip waits for them last."""
    items = [
        _item(["chapter_runs"], slow=True, nodeid="tests/test_nbgrader_roundtrip.py::test_a"),
        _item(["server", "chapter_runs"], slow=True, nodeid="tests/test_browser.py::test_b"),
        _item(["book_site", "chapter_runs"], slow=True, nodeid="tests/test_book.py::test_c"),
        _item(["classroom_run"], slow=True, nodeid="tests/test_classroom.py::test_d"),
        _item(["tmp_path"], nodeid="tests/test_layout.py::test_e"),
    ]
    ordered = [item.nodeid[-1] for item in sorted(items, key=suite.order_of)]
    assert ordered == ["e", "d", "c", "b", "a"]
    assert [suite.phase_of(item) for item in items] == ["notebooks", "browser", "book", "notebooks", "unit"]


def test_the_ledger_counts_full_and_partial_runs_apart():
    ledger = suite.Ledger()
    ledger.record("01_a", SANDBOX, "full", "one_wrong")
    ledger.record("01_a", SANDBOX, "partial", "blank")
    ledger.record("01_a", COLAB_CPU, "full", "perfect")
    table = suite.executions_table(ledger, ["01_a"], [COLAB_CPU, SANDBOX])
    assert table[-1] == "| 01_a | 1 | 1 + 1 partial |"
