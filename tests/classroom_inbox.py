"""A class's inbox for the classroom tool's tests: the toy assignment (tests/toy_assignment.py, the grade ids
and points of chapter 1's exercises) submitted as students send it (Colab downloads, copies, duplicates,
broken files, attacks), and the `classroom` command run on a throwaway course."""

import csv
import os
import socket
import sys

import nbformat
import psutil
import pytest

import toy_assignment
from course_tools.processes import run
from helpers import fill_release
from toy_assignment import ASSIGNMENT as CHAPTER
from toy_assignment import answers, hidden_test_lines  # noqa: F401  (re-exported for the tests)

MEGABYTES_OF_OUTPUT = 3_000_000
# Seconds per cell: the toy assignment's cells take milliseconds, its endless loop forever; the memory hog
# reaches MEMORY_LIMIT in about a second, and in several on a machine busy with the chapters' runs.
CELL_TIMEOUT = 20
MEMORY_LIMIT = "1G"


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
# Answers that attack the hidden tests from inside the kernel, where no sandbox can stop them
# (tests/test_classroom_attacks.py): the watcher registers an IPython ``pre_run_cell`` hook that prints the code
# of every cell that runs after its answer (the hidden tests among them) and prints the input history ``_ih``;
# the patcher replaces ``numpy.allclose``, which the tests call, so that its wrong softmax passes.
WATCHER = """def _show_every_cell(info):
    print("WATCHED", info.raw_cell)
get_ipython().events.register("pre_run_cell", _show_every_cell)
"""
HISTORY = 'print("HISTORY", "\\n".join(_ih))\n'
PATCHER = "import numpy\nnumpy.allclose = lambda *args, **kwargs: True\n"
WRONG_SOFTMAX = "import numpy as np\ndef softmax(logits):\n    return np.zeros_like(logits)"
ATTACKERS = ("mallory", "watcher", "patcher")


def build_inbox(inbox, release, course, port):
    """Files as a class sends them. Returns {student: expected points lost} for the graded students (None: not
    checked, the score is what tampered tests give and the answer is flagged for review instead)."""
    # two files from one student, named with the student id and a case variant: the newer one counts
    write(
        inbox / f"bob_{CHAPTER.title()}.ipynb",
        student_notebook(release, softmax_solution=WRONG_SOFTMAX),
        mtime=1_700_000_000,
    )
    write(inbox / f"bob_{CHAPTER} (1).ipynb", student_notebook(release), mtime=1_700_100_000)
    # Colab: "Copy of", every cell's nbgrader metadata gone; and saved in an old notebook format
    write(inbox / "cleo" / f"Copy of {CHAPTER}.ipynb", strip_nbgrader_metadata(student_notebook(release)), version=3)
    # a syntax error (softmax, 2 points), sys.exit() (output choice, 1 point), an endless loop (accuracy,
    # 1 point), megabytes of output (next to a right answer: no points lost)
    param_count = answers()["param_count_solution"]
    write(
        inbox / "eve" / f"{CHAPTER}.ipynb",
        student_notebook(
            release,
            softmax_solution="def softmax(logits)\n    return logits",
            output_choice_solution='import sys\nsys.exit("done")',
            accuracy_solution="while True:\n    pass",
            param_count_solution=f'print("x" * {MEGABYTES_OF_OUTPUT})\n{param_count}',
        ),
    )
    # a deleted answer cell (accuracy, 1 point), a deleted test cell under a wrong softmax (2 points),
    # a test cell rewritten to `pass` under a wrong answer (output choice, 1 point), and code that kills
    # its kernel (parameter count, 1 point)
    nb = student_notebook(
        release,
        softmax_solution=WRONG_SOFTMAX,
        output_choice_solution='ANSWER_OUTPUT = "a"',
        param_count_solution="import os\nos._exit(1)",
    )
    nb = delete_cell(delete_cell(nb, "accuracy_solution"), "softmax_tests")
    write(inbox / "jay" / f"{CHAPTER}.ipynb", set_source(nb, "output_choice_tests", "pass"))
    # attacks with right answers (score: full marks), and a student graded after them whose name is not ASCII
    write(
        inbox / "mallory" / f"{CHAPTER}.ipynb",
        student_notebook(
            release,
            softmax_solution=f"{ATTACK_READ_AND_WRITE % {'course': str(course)}}\n{answers()['softmax_solution']}",
            scale_solution=f"{ATTACK_NETWORK_AND_PROCESS % {'port': port, 'token': SLEEP_TOKEN}}\n"
            f"{answers()['scale_solution']}",
        ),
    )
    write(inbox / "Zoë" / f"{CHAPTER}.ipynb", student_notebook(release))
    # attacks on the machine: unbounded memory (parameter count, 1 point), a huge file (output choice, 1 point)
    write(
        inbox / "oscar" / f"{CHAPTER}.ipynb",
        student_notebook(
            release,
            param_count_solution="chunks = []\nwhile True:\n    chunks.append(b'x' * 2 ** 26)",
            output_choice_solution="with open('huge.bin', 'wb') as f:\n"
            "    while True:\n        f.write(b'x' * 2 ** 20)",
        ),
    )
    # attacks on the hidden tests from inside the kernel (right answers, and a wrong softmax behind a patch)
    right = answers()
    write(
        inbox / "watcher" / f"{CHAPTER}.ipynb",
        student_notebook(
            release,
            softmax_solution=WATCHER + right["softmax_solution"],
            model_solution=HISTORY + right["model_solution"],
        ),
    )
    write(
        inbox / "patcher" / f"{CHAPTER}.ipynb",
        student_notebook(release, softmax_solution=PATCHER + "def softmax(logits):\n    return logits"),
    )
    # broken files: invalid JSON, an empty file
    (inbox / "may").mkdir()
    (inbox / "may" / f"{CHAPTER}.ipynb").write_text('{"cells": [', encoding="utf-8")
    (inbox / "ned").mkdir()
    (inbox / "ned" / f"{CHAPTER}.ipynb").write_text("", encoding="utf-8")
    # a non-notebook and a notebook of an unknown assignment
    (inbox / "ada").mkdir()
    (inbox / "ada" / "notes.pdf").write_bytes(b"%PDF-1.4\n")
    write(
        inbox / "ada" / "99_quantum_computing.ipynb",
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_markdown_cell("# Quantum"), nbformat.v4.new_code_cell("print(1)")]
        ),
    )
    return {
        "bob": 0,
        "cleo": 0,
        "eve": 4,
        "jay": 5,
        "may": "all",
        "ned": "all",
        "mallory": 0,
        "zoë": 0,
        "oscar": 2,
        "watcher": 0,
        "patcher": None,
    }


def classroom(course, *args, timeout=900):
    """Run the classroom command on ``course``; assert that it ended well within ``timeout`` seconds and
    return what it printed."""
    result = run([sys.executable, "-m", "course_tools.classroom", "--course", course, *args], timeout=timeout)
    assert result.returncode is not None, f"classroom {args[0]} ran longer than {timeout} s:\n{result.stdout[-5000:]}"
    assert result.returncode == 0, result.stdout[-5000:]
    return result.stdout


def snapshot(folder):
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def classroom_run(tmp_path_factory):
    """The class of ``build_inbox`` collected, graded in the sandbox (two at a time, with the memory and disk
    limits), exported and reported by the classroom command, once per session: tests/test_classroom.py reads
    what happened to each bad input, tests/test_classroom_attacks.py what happened to the attacks."""
    course = toy_assignment.write_course(tmp_path_factory.mktemp("classroom"))
    release_out = classroom(course, "release", CHAPTER)
    release = course / "chapters" / CHAPTER / f"{CHAPTER}.ipynb"
    inbox = tmp_path_factory.mktemp("inbox")
    listener = socket.create_server(("127.0.0.1", 0))  # the attacker tries to send it the hidden tests
    listener.setblocking(False)
    expected = build_inbox(inbox, release, course, listener.getsockname()[1])
    before = snapshot(inbox)
    collect_out = classroom(course, "collect", str(inbox))
    grade_out = classroom(
        course,
        "grade",
        CHAPTER,
        "--jobs",
        "2",
        "--timeout",
        str(CELL_TIMEOUT),
        "--notebook-timeout",
        "120",
        "--memory-limit",
        MEMORY_LIMIT,
        "--disk-limit",
        "100M",
    )
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
    return {
        "course": course,
        "inbox": inbox,
        "before": before,
        "expected": expected,
        "sheet": sheet,
        "output": release_out + collect_out + grade_out,
        "report": classroom(course, "report"),
        "connected": connected,
        "leftover": leftover,
    }
