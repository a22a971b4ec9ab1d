"""The grading sandbox (course_tools.sandbox) with real kernels under bubblewrap, one small notebook each.

Each test runs a notebook of attacks through nbclient with SandboxedKernelManager, as nbgrader does while
grading, and checks that the attack failed or was stopped, and that the grader says why. The whole chapter
graded with attackers among honest students is in tests/test_classroom.py.
"""

import socket
import uuid

import nbformat
import psutil
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets.config import Config

from course_tools import processes
from course_tools import sandbox as grading_sandbox

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        grading_sandbox.bwrap_problem() is not None, reason=f"no sandbox here: {grading_sandbox.bwrap_problem()}"
    ),
]
MIB = 1024**2


@pytest.fixture()
def course(tmp_path):
    """A course folder with a secret in solutions/ and in gradebook.db, another student's submission, and
    this student's working folder."""
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "hidden.txt").write_text("HIDDEN-TEST-SECRET")
    (tmp_path / "gradebook.db").write_text("SQLite format 3 GRADEBOOK-SECRET")
    other = tmp_path / "submitted" / "bob" / "ch"
    other.mkdir(parents=True)
    (other / "ch.ipynb").write_text("bob's work")
    work = tmp_path / "autograded" / "ada" / "ch"
    work.mkdir(parents=True)
    return tmp_path


def run(course, *sources, timeout=20, **limits):
    """Execute code cells in a sandboxed kernel whose working folder is autograded/ada/ch of ``course``.
    Returns (outputs per cell as text, the kernel manager, the error that ended the run or None)."""
    config = Config()
    config.SandboxedKernelManager.work_dir = str(course / "autograded" / "ada" / "ch")
    config.SandboxedKernelManager.hidden = [str(course)]
    for name, value in limits.items():
        setattr(config.SandboxedKernelManager, name, value)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        config=config,
        kernel_manager_class=grading_sandbox.SandboxedKernelManager,
        resources={"metadata": {"path": config.SandboxedKernelManager.work_dir}},
    )
    km, error = None, None
    original = client.async_start_new_kernel

    async def keep_km(**kwargs):  # remember the manager: nbclient forgets it when the kernel is gone
        nonlocal km
        await original(**kwargs)
        km = client.km

    client.async_start_new_kernel = keep_km
    try:
        client.execute()
    except DeadKernelError as dead:
        error = dead
    texts = [
        "".join(o.get("text", "") + str(o.get("evalue", "")) + str(o.get("ename", "")) for o in c.outputs)
        for c in nb.cells
    ]
    return texts, km, error


def test_the_kernel_cannot_read_the_course_or_the_graders_home(course):
    texts, _, error = run(
        course,
        f"""
import os
for path in [{str(course / "solutions" / "hidden.txt")!r}, {str(course / "gradebook.db")!r},
             '../../../solutions/hidden.txt', os.path.expanduser('~root/.bash_history')]:
    try:
        print(open(path).read())
    except OSError as error:
        print('refused:', type(error).__name__)
print(sorted(os.listdir({str(course)!r})))""",
    )
    assert error is None
    assert "SECRET" not in texts[0] and texts[0].count("refused: FileNotFoundError") == 4, texts[0]
    assert "['autograded']" in texts[0], "only its own working folder is there"


def test_the_kernel_cannot_change_other_students_work_and_writes_only_its_folder(course):
    texts, _, error = run(
        course,
        f"""
for path in [{str(course / "submitted" / "bob" / "ch" / "ch.ipynb")!r}, '/usr/attack', '/etc/attack']:
    try:
        open(path, 'w').write('pwned')
        print('wrote', path)
    except OSError as error:
        print('refused:', type(error).__name__)
open('own.txt', 'w').write('mine')
open('/tmp/scratch.txt', 'w').write('scratch')
print('ok')""",
    )
    assert error is None and "wrote" not in texts[0] and texts[0].count("refused") == 3, texts[0]
    assert (course / "submitted" / "bob" / "ch" / "ch.ipynb").read_text() == "bob's work"
    assert (course / "autograded" / "ada" / "ch" / "own.txt").read_text() == "mine"


def test_the_kernel_has_no_network_and_no_secrets_in_its_environment(course, monkeypatch):
    monkeypatch.setenv("GRADER_API_TOKEN", "TOKEN-SECRET")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    port = listener.getsockname()[1]
    texts, _, error = run(
        course,
        f"""
import os, socket
print(sorted(os.environ))
try:
    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')
    print('connected')
except OSError as error:
    print('refused:', type(error).__name__)""",
    )
    assert error is None and "TOKEN" not in texts[0] and "refused" in texts[0], texts[0]
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected
    listener.close()


def test_no_process_outlives_its_kernel_and_a_timeout_only_interrupts(course):
    token = str(900_000 + uuid.uuid4().int % 99_999)
    texts, _, error = run(
        course,
        f"""
import subprocess
subprocess.Popen(['sleep', '{token}'], start_new_session=True, stdout=subprocess.DEVNULL)
print('started')""",
        "while True:\n    pass",
        "print('still alive')",
        timeout=5,
    )
    assert error is None and texts[0] == "started\n" and "KeyboardInterrupt" in texts[1]
    assert texts[2] == "still alive\n", "a cell past its time limit is interrupted, the kernel goes on"
    left = [p for p in psutil.process_iter(["cmdline"]) if token in (p.info["cmdline"] or [])]
    assert not left, left


@pytest.mark.parametrize(
    "source,words",
    [
        ("chunks = []\nwhile True:\n    chunks.append(b'x' * (50 * 2 ** 20))", "of memory"),
        (
            "import subprocess\nprocs = [subprocess.Popen(['sleep', '60']) for _ in range(40)]\n"
            "import time\ntime.sleep(30)",
            "processes",
        ),
        ("with open('huge.bin', 'wb') as f:\n    while True:\n        f.write(b'x' * 2 ** 20)", "of files"),
    ],
)
def test_a_limit_stops_the_kernel_and_says_which(course, source, words):
    texts, km, error = run(
        course, "print('before')", source, timeout=60, memory_limit=1200 * MIB, max_processes=20, disk_limit=50 * MIB
    )
    assert isinstance(error, DeadKernelError), texts
    assert km.limit_hit and words in km.limit_hit, km.limit_hit
    assert texts[0] == "before\n"
    written = grading_sandbox.folder_bytes(course / "autograded" / "ada" / "ch")
    assert written < 1024 * MIB, "the watchdog stops a writer soon after the limit (five checks a second)"


def test_paths_that_hold_a_hidden_folder_are_not_bound(tmp_path):
    course, env = tmp_path / "course", tmp_path / "course" / ".venv"
    env.mkdir(parents=True)
    kept = grading_sandbox.read_only_paths([tmp_path, course, env, env / "lib", tmp_path / "missing"], [course])
    assert kept == [env], "the course folder and its parents are hidden; the environment inside it is read"


def test_only_allowed_environment_variables_reach_the_kernel():
    kept = grading_sandbox.kept_environment(
        {"PATH": "/usr/bin", "COURSE_QUICK": "1", "AWS_SECRET_KEY": "x", "HOME": "/root", "TF_CPP_MIN_LOG_LEVEL": "2"}
    )
    assert kept == {"PATH": "/usr/bin", "COURSE_QUICK": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}


def test_a_missing_bwrap_is_named_with_the_fix():
    problem = grading_sandbox.bwrap_problem("/nonexistent/bwrap")
    assert "bubblewrap" in problem and "--no-sandbox" in problem


def test_the_kernel_manager_needs_a_working_folder():
    import asyncio

    with pytest.raises(ValueError, match="work_dir"):
        asyncio.run(grading_sandbox.SandboxedKernelManager().start_kernel())


def test_process_tree_and_resident_memory_follow_real_processes():
    import os
    import subprocess

    child = subprocess.Popen(["sleep", "30"])
    try:
        tree = processes.process_tree(os.getpid())
        assert tree[0] == os.getpid() and child.pid in tree
        assert processes.resident_bytes(os.getpid()) > 10 * MIB
    finally:
        child.kill()
        child.wait()
    assert child.pid not in processes.process_tree(os.getpid())
    assert processes.process_tree(child.pid) == [] and processes.resident_bytes(child.pid) == 0
