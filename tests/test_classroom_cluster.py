"""Grading on a Dask cluster (``classroom grade --scheduler``), resuming an interrupted run, and the progress
line, on the toy assignment (tests/toy_assignment.py: a kernel that runs in about a second).

The cluster is a ``LocalCluster`` of 2 worker processes with 1 thread each, started by the tests; the
``classroom`` command runs in a process of its own, as an instructor runs it, so that it can be interrupted
and so that a worker can be killed while it grades. Every run is compared with a serial local run of the same
submissions: one score per student, the same score for every test cell.
"""

import csv
import io
import os
import signal
import socket
import subprocess
import sys
import time

import nbformat
import pytest

import toy_assignment
from classroom_inbox import CHAPTER, WRONG_SOFTMAX, classroom, student_notebook
from course_tools import layout
from course_tools.classroom import cluster
from course_tools.classroom.grade import GRADED_SHA, grade, release
from course_tools.classroom.log import db_url, gradebook, load_log
from course_tools.classroom.progress import Progress
from helpers import scores
from postgres_server import GRADES_PER_STUDENT, SUBMISSIONS_PER_STUDENT, count_per_student, new_database, use_database

CELL_TIMEOUT = 20
CLASS = {  # student: answers that differ from the solution
    "ada": {},
    "bob": {"softmax_solution": WRONG_SOFTMAX},
    "cy": {"accuracy_solution": "def accuracy(labels, probabilities):\n    return 0.5"},
}
SLOW_ANSWER = "import time\ntime.sleep(8)\n"  # keeps a submission on its worker long enough to act meanwhile


def write_class(course, extra=""):
    """Write every student's submission of the toy assignment into submitted/ (``extra``: code put before
    each student's output-choice answer, which leaves the scores unchanged)."""
    release_nb = layout.notebook(course, layout.RELEASE, CHAPTER)
    for student, changes in CLASS.items():
        answers = {**toy_assignment.answers(), **changes}
        answers["output_choice_solution"] = extra + answers["output_choice_solution"]
        path = layout.notebook(course, layout.SUBMITTED, CHAPTER, student)
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student_notebook(release_nb, **answers), path)


def new_course(folder, database=None):
    """A course with the toy assignment released and the class submitted; ``database``: its gradebook's address
    (default: SQLite)."""
    course = toy_assignment.write_course(folder)
    if database:
        use_database(course, database)
    classroom(course, "release", CHAPTER)
    write_class(course)
    return course


def class_scores(course):
    """{student: (score, max score, {test cell: (score, max)})}; asserts one submission per student."""
    with gradebook(course) as gb:
        submitted = sorted(s.student.id for s in gb.find_assignment(CHAPTER).submissions)
    assert submitted == sorted(CLASS), "every student must have exactly one submission in the gradebook"
    return {student: scores(course, CHAPTER, student) for student in CLASS}


def grade_args(address):
    return ["grade", CHAPTER, "--timeout", str(CELL_TIMEOUT), "--notebook-timeout", "300", "--scheduler", address]


# Starts the classroom command with Ctrl-C raising KeyboardInterrupt, as in an instructor's terminal: a process
# started in the background by a non-interactive shell (`make test &`, some CI runners) inherits SIGINT ignored,
# and Python then installs no handler of its own.
AS_IN_A_TERMINAL = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from course_tools.classroom.cli import main; main(sys.argv[1:])"
)


def start_grading(course, address):
    """``classroom grade`` on the cluster in a process of its own (output not a terminal: a line per
    submission; Ctrl-C interrupts it whatever this process's parent ignores)."""
    command = [sys.executable, "-c", AS_IN_A_TERMINAL, "--course", str(course), *grade_args(address)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def local_cluster():
    """A LocalCluster of 2 worker processes with 1 thread each (closed after the module's tests)."""
    import dask
    from distributed import Client, LocalCluster

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 3}),
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as lc,
        Client(lc) as client,
    ):
        yield lc.scheduler_address, client


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    """The class graded serially on this machine, in the sandbox: (course, scores), the reference of the
    cluster's runs; the last test of the module grades changed submissions of this course again."""
    course = new_course(tmp_path_factory.mktemp("serial"))
    classroom(course, "grade", CHAPTER, "--timeout", str(CELL_TIMEOUT), "--notebook-timeout", "300")
    return course, class_scores(course)


@pytest.fixture(scope="module")
def serial_scores(serial_run):
    """{student: (score, max score, {test cell: (score, max)})} of the serial run."""
    return serial_run[1]


@pytest.fixture(scope="module")
def killed_worker_run(tmp_path_factory, local_cluster, postgres_url):
    """The class graded on the cluster into a PostgreSQL gradebook (the session's server) while one worker is
    killed as it grades: (course, scores, output)."""
    address, client = local_cluster
    course = new_course(tmp_path_factory.mktemp("cluster"), new_database(postgres_url, "cluster_class"))
    pids = client.run(os.getpid)
    process = start_grading(course, address)
    deadline = time.monotonic() + 300
    busy = {}
    while not busy and time.monotonic() < deadline and process.poll() is None:
        busy = {worker: tasks for worker, tasks in client.processing().items() if tasks}
        time.sleep(0.2)
    assert busy, "no worker ever received a submission"
    time.sleep(2)  # inside nbgrader by now
    os.kill(pids[next(iter(busy))], signal.SIGKILL)
    output = process.communicate(timeout=600)[0]
    assert process.returncode == 0, output[-5000:]
    return course, class_scores(course), output


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_a_killed_worker_loses_nothing_and_counts_nothing_twice(killed_worker_run, serial_scores):
    course, cluster_scores, output = killed_worker_run
    assert "dashboard: http" in output
    assert cluster_scores == serial_scores
    assert len(list((course / layout.AUTOGRADED).glob(f"*/{CHAPTER}/{CHAPTER}.ipynb"))) == len(CLASS)


@pytest.mark.slow
def test_the_cluster_class_is_in_postgres_once_per_student_and_exports_like_sqlite(killed_worker_run, serial_scores):
    course = killed_worker_run[0]
    assert not (course / layout.GRADEBOOK).exists(), "no SQLite gradebook beside the PostgreSQL one"
    url = db_url(course)
    assert url.startswith("postgresql+psycopg2://")
    assert count_per_student(url, SUBMISSIONS_PER_STUDENT, CHAPTER) == dict.fromkeys(CLASS, 1), "one per student"
    grades = count_per_student(url, GRADES_PER_STUDENT, CHAPTER)
    _, _, cells = serial_scores["ada"]
    assert grades == dict.fromkeys(CLASS, len(cells)), "one grade per test cell and student"
    classroom(course, "export", "--output", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        sheet = {row["student"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(handle)}
    assert sheet == {student: (score, top) for student, (score, top, _) in serial_scores.items()}


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_grading_again_skips_unchanged_and_resumes_after_an_interrupt(killed_worker_run, local_cluster, serial_scores):
    course, address = killed_worker_run[0], local_cluster[0]
    again = classroom(course, *grade_args(address))
    assert f"skipped {len(CLASS)} unchanged submissions" in again and "graded 0 notebooks" in again

    write_class(course, extra="# a student's comment, same answer\n")  # every file changes, no score does
    process = start_grading(course, address)
    for line in process.stdout:
        if ": graded in" in line:
            process.send_signal(signal.SIGINT)  # Ctrl-C once the first submission is recorded
            break
    output = process.communicate(timeout=300)[0]
    assert process.returncode != 0 and "run the same command again" in output, output[-3000:]
    log = load_log(course)
    done = [s for s in CLASS if log["submissions"][f"{CHAPTER}/{s}"].get(GRADED_SHA) == cluster_sha(course, s)]
    assert done, "the submission graded before the interrupt was not saved"

    rest = classroom(course, *grade_args(address))
    assert f"skipped {len(done)} unchanged submissions" in rest
    assert f"graded {len(CLASS) - len(done)} notebooks" in rest
    assert not any(f"{student}/{CHAPTER}: graded" in rest for student in done)
    assert class_scores(course) == serial_scores


def cluster_sha(course, student):
    return cluster.digest(layout.notebook(course, layout.SUBMITTED, CHAPTER, student).read_bytes())


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_changed_submission_alone_is_graded_again_and_force_or_a_new_gradebook_grades_all(serial_run):
    course, serial_scores = serial_run  # graded once already (in the sandbox; the grading again needs none)
    release_nb = layout.notebook(course, layout.RELEASE, CHAPTER)
    changed = layout.notebook(course, layout.SUBMITTED, CHAPTER, "ada")
    nbformat.write(student_notebook(release_nb, softmax_solution=WRONG_SOFTMAX), changed)
    output = classroom(course, "grade", CHAPTER, "--timeout", str(CELL_TIMEOUT), "--no-sandbox")
    assert f"skipped {len(CLASS) - 1} unchanged submissions" in output and "graded 1 notebooks" in output
    assert "ada/00_toy: graded" in output
    after = class_scores(course)
    assert after["ada"] == serial_scores["bob"]  # the same wrong softmax as bob's: the same scores
    assert {s: after[s] for s in ("bob", "cy")} == {s: serial_scores[s] for s in ("bob", "cy")}
    forced = classroom(course, "grade", CHAPTER, "--timeout", str(CELL_TIMEOUT), "--no-sandbox", "--force")
    assert f"graded {len(CLASS)} notebooks" in forced and "skipped" not in forced
    # a new, empty gradebook: the log still has every sha256, but nothing is scored there, so all are graded
    (course / layout.GRADEBOOK).unlink()
    moved = classroom(course, "grade", CHAPTER, "--timeout", str(CELL_TIMEOUT), "--no-sandbox")
    assert f"graded {len(CLASS)} notebooks" in moved and "skipped" not in moved
    assert class_scores(course) == {**serial_scores, "ada": serial_scores["bob"]}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("kind", ["address", "scheduler file"])
def test_an_unreachable_scheduler_is_named_and_nothing_is_written(tmp_path, monkeypatch, kind):
    course = toy_assignment.write_course(tmp_path / "course")
    release(course, [CHAPTER])
    write_class(course)
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2)
    address = f"tcp://127.0.0.1:{free_port()}" if kind == "address" else str(tmp_path / "no-scheduler.json")
    with pytest.raises(SystemExit, match=address):
        grade(course, [CHAPTER], scheduler=address, quiet=True)
    assert not (course / layout.AUTOGRADED).exists()
    assert not any(GRADED_SHA in item for item in load_log(course)["submissions"].values())
    with gradebook(course) as gb:
        assert gb.find_assignment(CHAPTER).submissions == []


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.timeout(60)
def test_progress_is_one_line_per_submission_off_a_terminal():
    stream = io.StringIO()
    progress = Progress(3, stream)
    progress.update("ada/00_toy", True, 2.0)
    progress.update("bob/00_toy", False, 3.0)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("ada/00_toy: graded in 2 s (graded 1, failed 0, left 2, about ")
    assert lines[1].startswith("bob/00_toy: NOT graded in 3 s (graded 1, failed 1, left 1, about ")
    assert len(lines) == 2


@pytest.mark.timeout(60)
def test_progress_rewrites_one_line_on_a_terminal():
    stream = Terminal()
    progress = Progress(2, stream)
    progress.update("ada/00_toy", True, 2.0)
    progress.update("bob/00_toy", True, 2.0)
    progress.close()
    text = stream.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and text.count("\n") == 1
    assert "graded 2, failed 0, left 0" in text.rsplit("\r", 1)[1]
