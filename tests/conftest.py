import os
import shutil
from pathlib import Path

import pytest

import site_browser

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def fashion_dir():
    """The real Fashion-MNIST idx files from Debian's dataset-fashion-mnist (installed by `make data`)."""
    if not (DEBIAN_FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"Fashion-MNIST is missing from {DEBIAN_FASHION_MNIST}: run `make data` "
                    "(it installs Debian's dataset-fashion-mnist).")
    return DEBIAN_FASHION_MNIST


@pytest.fixture(scope="session")
def staged_dir():
    """The staged data folder the notebooks use (COURSE_DATA_DIR, filled by `make data`)."""
    value = os.environ.get("COURSE_DATA_DIR", "")
    if not value or not (Path(value) / "mnist").is_dir():
        pytest.fail("COURSE_DATA_DIR does not point at staged data: run `make data` (or `make test`).")
    return Path(value)


@pytest.fixture()
def no_data_dir(monkeypatch):
    """Unset COURSE_DATA_DIR and COURSE_QUICK for the duration of a test."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("COURSE_QUICK", raising=False)


def copy_tree(source, target):
    shutil.copytree(source, target)
    return target


@pytest.fixture(scope="session")
def book_site(tmp_path_factory):
    """The HTML book, built once per test session by course_tools.book (warnings as errors, notebooks
    executed in quick mode) into a temporary folder; returns that folder's ``_build`` (``html/`` inside).
    Shared by tests/test_book.py and tests/test_browser.py."""
    import subprocess
    import sys

    output = tmp_path_factory.mktemp("book")
    env = {**os.environ, "COURSE_BOOK_SOLUTIONS": "1"}  # the edition with solutions, whatever the caller set
    result = subprocess.run([sys.executable, "-m", "course_tools.book", "--output", str(output)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert result.returncode == 0, result.stdout[-6000:]
    return output / "_build"


@pytest.fixture(scope="session")
def book_site_without_solutions(book_site, tmp_path_factory):
    """The edition without solutions (COURSE_BOOK_SOLUTIONS=0), built once per test session into a temporary
    folder from the execution cache of ``book_site``, so that no chapter runs again; returns its ``_build``.
    The build's output is kept in ``build.log`` beside it. Shared by tests/test_book.py and tests/test_browser.py."""
    import subprocess
    import sys

    output = tmp_path_factory.mktemp("book-without-solutions")
    env = {**os.environ, "COURSE_BOOK_SOLUTIONS": "0"}
    result = subprocess.run([sys.executable, "-m", "course_tools.book", "--output", str(output),
                             "--execution-cache", str(book_site / ".jupyter_cache")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (output / "build.log").write_text(result.stdout, encoding="utf-8")
    assert result.returncode == 0, result.stdout[-6000:]
    return output / "_build"


# --- Colab's environments (course_tools.colab): shared by test_colab_runtimes.py and the round trip -----

@pytest.fixture(scope="session")
def colab_envs(request):
    """Both environments, built (at the same time) if out of date; returns {name: the line that says which
    Python built it}."""
    from course_tools import colab
    from helpers import echo_for

    echo = echo_for(request)
    stamps = colab.build_all(echo=echo)
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
    """A Playwright browser context on Debian's headless Chromium with a new, empty profile."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright's Python package is missing: `pip install playwright` (requirements.txt).")
    if not site_browser.CHROMIUM.is_file():
        pytest.fail(f"{site_browser.CHROMIUM} is missing: run `make test`, which installs Debian's chromium package.")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(site_browser.CHROMIUM), headless=True,
            args=site_browser.CHROMIUM_ARGS, viewport=site_browser.audit_book.VIEWPORT)
        yield context
        context.close()


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
