"""Grading on a Dask cluster: ``classroom grade --scheduler ADDRESS`` sends each submission to a worker.

One submission is one Dask task, and the task is self-contained: it carries the chapter, the student, the
submitted notebook's bytes and their sha256. The worker grades it in a private scratch course of its own (a
fresh temporary folder per task, so two tasks never share a file), built from the worker's copy of the course
(``--worker-course``, by default the instructor's path: right for a ``LocalCluster`` and for a shared file
system): its ``nbgrader_config.py`` and the chapter's ``solutions/`` folder, released once per worker process
into the scratch course's own SQLite gradebook. The kernel runs in the same bubblewrap sandbox, with the same
``Limits``, as local grading; the staged data is the worker's ``COURSE_DATA_DIR``.

The gradebook write: the worker never writes the real gradebook. It returns the autograded notebook's bytes,
the score of every test cell and nbgrader's automatic comments (or why nbgrader could not grade, with the tail
of its output), and the seconds it took. The instructor's process writes the notebook into
``autograded/`` and the scores into the real gradebook (``log.db_url(course)``: SQLite or PostgreSQL) through
nbgrader's ``Gradebook`` API, one submission in one database transaction. A worker that dies halfway thus leaves
nothing counted: Dask runs its task again on another worker (the scheduler's ``allowed-failures``, 3 by
default), and only the one result that comes back is written. A task that raises is retried once
(``retries=1``); one that still fails, or whose workers keep dying, is recorded as 0 with the reason.
"""

import hashlib
import os
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import CancelledError
from pathlib import Path
from typing import Any

from course_tools import layout
from course_tools.classroom.autograde import Key, Outcome, grade_one
from course_tools.classroom.limits import Limits
from course_tools.classroom.log import gradebook

CONNECT_TIMEOUT = 20  # seconds to reach the scheduler before giving up with a message naming it
TASK_RETRIES = 1  # a task that raised runs once more (a worker that died is the scheduler's allowed-failures)
_TEMPLATES: dict[tuple[str, str, str], Path] = {}  # (worker course, chapter, source hash): released scratch
_TEMPLATE_LOCK = threading.Lock()


def digest(data: bytes) -> str:
    """The sha256 (hex) of a submission's bytes: what decides whether it changed since it was graded."""
    return hashlib.sha256(data).hexdigest()


def make_writable(folder: Path) -> None:
    """Let a folder of graded files be removed (nbgrader may leave its files read-only)."""
    for path in [folder, *Path(folder).rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _scratch_db(scratch: Path) -> str:
    """The private SQLite gradebook of a scratch course (never the real one, whatever ``db_url`` says)."""
    return f"sqlite:///{scratch / layout.GRADEBOOK}"


def _template(course: Path, chapter: str) -> Path:
    """A scratch course with ``chapter`` released into its own gradebook, built once per worker process."""
    source = layout.notebook(course, layout.SOURCE, chapter).parent
    if not source.is_dir():
        raise FileNotFoundError(
            f"the worker has no {source}: give every worker a copy of the course (--worker-course PATH)"
        )
    key = (str(course), chapter, digest(b"".join(p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file())))
    with _TEMPLATE_LOCK:
        if key not in _TEMPLATES:
            folder = Path(tempfile.mkdtemp(prefix=f"grading-template-{chapter}-"))
            shutil.copy(course / "nbgrader_config.py", folder)
            shutil.copytree(source, layout.notebook(folder, layout.SOURCE, chapter).parent)
            args = ["generate_assignment", chapter, "--force", f"--db={_scratch_db(folder)}"]
            result = layout.nbgrader(args, folder)
            if result.returncode != 0:
                raise RuntimeError(f"nbgrader generate_assignment {chapter} failed:\n{result.stdout[-3000:]}")
            _TEMPLATES[key] = folder
        return _TEMPLATES[key]


def _scores(scratch: Path, chapter: str, student: str) -> dict[str, Any]:
    """{notebook: {"grades": {cell: [auto score, needs manual grade]}, "comments": {cell: auto comment}}}."""
    from nbgrader.api import Gradebook

    with Gradebook(_scratch_db(scratch)) as gb:
        submission = gb.find_submission(chapter, student)
        return {
            nb.name: {
                "grades": {g.name: [g.auto_score, g.needs_manual_grade] for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
            for nb in submission.notebooks
        }


def grade_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run on a worker: grade one submission (``task``: chapter, student, notebook bytes, sha256, worker
    course, timeout, notebook_timeout, max_chars, limits) in a private scratch course; return
    {failure, seconds, notebook (autograded bytes or None), scores, worker}."""
    chapter, student = task["chapter"], task["student"]
    if digest(task["notebook"]) != task["sha256"]:
        raise ValueError(f"{student}/{chapter}: the notebook's bytes do not match their sha256 (damaged in transit)")
    started = time.monotonic()
    template = _template(Path(task["course"]), chapter)
    scratch = Path(tempfile.mkdtemp(prefix=f"grading-{chapter}-{student}-"))
    try:
        shutil.copytree(template, scratch, dirs_exist_ok=True)
        submitted = layout.notebook(scratch, layout.SUBMITTED, chapter, student)
        submitted.parent.mkdir(parents=True)
        submitted.write_bytes(task["notebook"])
        failure, _ = grade_one(
            scratch, chapter, student, task["timeout"], task["notebook_timeout"], task["max_chars"],
            task["limits"], db=_scratch_db(scratch),
        )  # fmt: skip
        graded = layout.notebook(scratch, layout.AUTOGRADED, chapter, student)
        notebook = None if failure else graded.read_bytes()
        scores = None if failure else _scores(scratch, chapter, student)
    finally:
        make_writable(scratch)
        shutil.rmtree(scratch)
    seconds = time.monotonic() - started
    return {"failure": failure, "seconds": seconds, "notebook": notebook, "scores": scores, "worker": os.getpid()}


def find_or_add_submission(gb: Any, chapter: str, student: str) -> Any:
    """The gradebook ``gb``'s submission of ``chapter`` by ``student``, added (with the student) if missing."""
    from nbgrader.api import MissingEntry

    gb.update_or_create_student(student)
    try:
        return gb.find_submission(chapter, student)
    except MissingEntry:
        return gb.add_submission(chapter, student)


def record(course: Path, chapter: str, student: str, result: dict[str, Any]) -> None:
    """Write a worker's graded submission into ``course``: the notebook into autograded/, the scores into the
    gradebook in one transaction (update or create: a submission graded again replaces its scores)."""
    from sqlalchemy.exc import SAWarning

    graded = layout.notebook(course, layout.AUTOGRADED, chapter, student)
    graded.parent.mkdir(parents=True, exist_ok=True)
    partial = graded.with_suffix(".partial")
    partial.write_bytes(result["notebook"])
    partial.replace(graded)
    with gradebook(course) as gb, warnings.catch_warnings():
        # nbgrader's add_submission autoflushes half-built rows (SAWarning "not in session"); harmless
        warnings.simplefilter("ignore", SAWarning)
        submission = find_or_add_submission(gb, chapter, student)
        for notebook in submission.notebooks:
            scores = result["scores"].get(notebook.name, {"grades": {}, "comments": {}})
            for grade in notebook.grades:
                grade.auto_score, grade.needs_manual_grade = scores["grades"].get(grade.name, [0, False])
                grade.manual_score = None
            for comment in notebook.comments:
                comment.auto_comment = scores["comments"].get(comment.name)
        gb.db.commit()


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` (tcp://host:port, or a scheduler file); stop
    with a message naming the address when it cannot be reached."""
    from distributed import Client

    is_file = "://" not in address and Path(address).suffix == ".json"
    if is_file and not Path(address).is_file():
        raise SystemExit(f"no scheduler file {address}: start the scheduler with `dask scheduler --scheduler-file`")
    try:
        if is_file:
            return Client(scheduler_file=address, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        return Client(address, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
    except OSError as error:  # TimeoutError and distributed's CommClosedError are OSErrors
        raise SystemExit(
            f"cannot reach the Dask scheduler at {address} ({error}): start it (`dask scheduler`) and its "
            "workers, or check the address; nothing was graded"
        ) from error


def _check_workers(client: Any, address: str, limits: Limits | None) -> None:
    """Stop when the cluster has no worker, or a worker cannot start the sandbox."""
    from course_tools.sandbox import bwrap_problem

    if not client.scheduler_info()["workers"]:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    if limits is not None:
        problems = {w: p for w, p in client.run(bwrap_problem, limits.bwrap).items() if p}
        if problems:
            raise SystemExit(f"workers of {address} cannot grade in a sandbox: {problems}")


def grade_on_cluster(
    course: Path, address: str, work: list[Key], options: dict[str, Any], worker_course: Path | None = None
) -> Iterator[tuple[Key, Outcome]]:
    """Grade ``work`` on the cluster at ``address``; yield (key, outcome) as each result comes back and has
    been written into ``course``. ``options``: timeout, notebook_timeout, max_chars, limits."""
    from distributed import KilledWorker, as_completed

    with connect(address) as client:
        print(f"grading on the Dask cluster at {address}; dashboard: {client.dashboard_link}", flush=True)
        _check_workers(client, address, options["limits"])
        futures = {}
        for chapter, student, sha in work:
            data = layout.notebook(course, layout.SUBMITTED, chapter, student).read_bytes()
            task = {"chapter": chapter, "student": student, "notebook": data, "sha256": sha}
            task.update(options, course=str(worker_course or course))
            future = client.submit(grade_task, task, key=f"grade-{chapter}-{student}-{sha[:12]}", retries=TASK_RETRIES)
            futures[future] = (chapter, student, sha)
        try:
            for future in as_completed(futures):  # type: ignore[no-untyped-call]
                key = futures.pop(future)
                try:
                    result = future.result()
                except KilledWorker as error:
                    yield key, (f"every worker that tried it died ({error})"[:300], 0.0)
                    continue
                except (FileNotFoundError, RuntimeError) as error:
                    raise SystemExit(f"a worker of {address} could not grade {key[1]}/{key[0]}: {error}") from error
                finally:
                    future.release()  # forget it: a worker that dies later must not have it graded again
                if result["failure"] is None:
                    record(course, key[0], key[1], result)
                yield key, (result["failure"], result["seconds"])
        except (OSError, CancelledError) as error:
            raise SystemExit(
                f"lost the Dask scheduler at {address} ({type(error).__name__}: {error}); what was graded is "
                "saved: run the same command again to grade the rest"
            ) from error
