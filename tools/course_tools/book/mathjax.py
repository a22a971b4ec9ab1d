"""npm packages the book serves itself (no CDN: readers and tests may be offline): MathJax, installed once
into _build/npm and copied into the book source."""

import shutil
import subprocess
import sys
from pathlib import Path

from course_tools.layout import BUILD, ROOT

# MathJax from the npm registry, served by the book itself.
MATHJAX_VERSION = "3.2.2"
MATHJAX_ENTRY = "tex-mml-chtml.js"
NPM_PREFIX = ROOT / BUILD / "npm"
# Seconds an `npm install` of one package may take before it counts as hung.
NPM_TIMEOUT = 600
# Its copy in the book source: a static folder of its own, so that Jupyter Book does not add every
# script in _static to every page.
VENDOR_DIR = "_vendor"
# MathJax's settings: the assistive MathML that screen readers read (a hidden copy of each equation in
# MathML beside its visual rendering) is switched on explicitly, so that no default can drop it.
MATHJAX_CONFIG = {"options": {"enableAssistiveMml": True, "menuOptions": {"settings": {"assistiveMml": True}}}}


def sync_tree(source: str | Path, target: str | Path, keep: set[Path]) -> None:
    """Copy MathJax's files from ``source`` into ``target`` when size or mtime differ; add the targets to
    ``keep``. Of the top-level bundles only MATHJAX_ENTRY is needed (the folders hold what it loads)."""
    for path in sorted(Path(source).rglob("*")):
        top_level_bundle = path.parent == Path(source) and path.name != MATHJAX_ENTRY
        if path.is_file() and not top_level_bundle:
            dest = Path(target) / path.relative_to(source)
            keep.add(dest)
            stat = path.stat()
            if dest.is_file() and dest.stat().st_size == stat.st_size and dest.stat().st_mtime == stat.st_mtime:
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def npm_package(name: str, version: str, prefix: str | Path, needed: str, why: str) -> Path:
    """Return the folder of the npm package ``name`` in ``prefix``, installing ``name@version`` with npm first
    unless that version is there with the file ``needed`` (relative to the package). ``why`` ends the
    message when npm is missing. Raises RuntimeError when npm is missing or the install fails."""
    package = Path(prefix) / "node_modules" / name
    manifest = package / "package.json"
    if (package / needed).is_file() and manifest.is_file() and f'"version": "{version}"' in manifest.read_text():
        return package
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is missing: install Node.js and npm ({why}).")
    Path(prefix).mkdir(parents=True, exist_ok=True)
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save", f"{name}@{version}"]
    print(" ".join(command), flush=True)
    if subprocess.call(command, stdout=sys.stderr, timeout=NPM_TIMEOUT) != 0 or not (package / needed).is_file():
        raise RuntimeError(f"`{' '.join(command)}` did not install {package / needed}.")
    return package


def mathjax_dir(prefix: str | Path = NPM_PREFIX) -> Path:
    """Return the folder of MathJax's ``es5`` bundle, installing ``mathjax@MATHJAX_VERSION`` with npm first
    if it is missing (into ``prefix``). Raises RuntimeError when npm is missing or the install fails."""
    return (
        npm_package(
            "mathjax", MATHJAX_VERSION, prefix, f"es5/{MATHJAX_ENTRY}", "the book serves MathJax from the npm package"
        )
        / "es5"
    )
