"""The course on Colab's package versions (Colab's lists in tools/course_tools/colab/lists/, environments built
by course_tools.colab).

Fast checks (dev environment): course_utils's declared dependencies admit every version in Colab's CPU, GPU
and TPU lists, and the CPU environment installs every package the chapters import.

Slow checks (marked ``slow``) build ``.venv-colab-cpu`` and ``.venv-colab-tpu`` (once; later sessions reuse
them) and run, from the dev environment, Jupyter kernels inside them:

* CPU runtime: a tiny notebook runs in its kernel. Every chapter's solutions are graded by ``nbgrader
  autograde`` in that kernel by the round trip (tests/test_nbgrader_roundtrip.py), which checks full marks
  and that no cell raised: nbval's criterion, without a separate run of every chapter.
* TPU runtime (no TensorFlow; Keras on JAX with 8 virtual devices): TensorFlow is not importable and
  course_utils imports in full; a tiny notebook trains data-parallel on the 8 devices; ``nbgrader
  autograde`` in the TPU kernel gives chapter 5's solution full marks and the blank student version 0,
  and every cell of the solution ran without an error (nbval --nbval-lax's criterion, checked on that
  run instead of a second execution of several minutes).

Each environment's line in the output says which Python built it (Colab runs 3.13).
"""

import ast
import importlib.metadata
import re
import subprocess
import sys
import time
import tomllib

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from chapter_runs import COLAB_TPU
from course_tools import colab, layout
from course_tools.layout import TPU_CHAPTER
from helpers import ROOT, cell_errors, chapter_ids, echo_for

CPU, TPU = colab.RUNTIMES["cpu"], colab.RUNTIMES["tpu"]
CHAPTER_RUNS = (COLAB_TPU,)  # the runs these tests read (tests/chapter_runs.py)
COLAB_LISTS = ("pip-freeze.txt", "pip-freeze.gpu.txt", "pip-freeze.tpu.txt")


# --- fast: what course_utils declares and what the chapters import ----------------------------------------


def declared_requirements():
    """(where, Requirement) for pyproject.toml's dependencies and every optional dependency."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found = [("dependencies", Requirement(text)) for text in project.get("dependencies", [])]
    for extra, texts in project.get("optional-dependencies", {}).items():
        found += [(f"optional-dependencies.{extra}", Requirement(text)) for text in texts]
    return found


def colab_python(freeze):
    """Colab's Python version from the os-info file next to a list, e.g. '3.13.15'."""
    info = colab.LISTS / ("os-info-tpu.txt" if ".tpu." in freeze else "os-info.txt")
    return re.search(r"^Python (\S+)", info.read_text(), re.M).group(1)


@pytest.mark.parametrize("freeze", COLAB_LISTS)
def test_declared_dependencies_admit_colab_versions(freeze):
    pinned, _ = colab.read_freeze(colab.LISTS / freeze)
    python = colab_python(freeze)
    violations = []
    for where, requirement in declared_requirements():
        version = pinned.get(canonicalize_name(requirement.name))
        environment = {
            "python_version": ".".join(python.split(".")[:2]),
            "python_full_version": python,
            "extra": where.rpartition(".")[2],
        }
        if version is None or (requirement.marker and not requirement.marker.evaluate(environment)):
            continue  # not on this runtime: `pip install course-utils[...]` would install it
        if not requirement.specifier.contains(version, prereleases=True):
            violations.append(f"{where}: {requirement} excludes Colab's {requirement.name}=={version}")
    requires_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("requires-python", "")
    if requires_python and not Requirement(f"python{requires_python}").specifier.contains(python):
        violations.append(f"requires-python {requires_python} excludes Colab's Python {python}")
    assert not violations, f"pyproject.toml against tools/course_tools/colab/lists/{freeze}:\n" + "\n".join(violations)


def imported_modules(notebook):
    """Top-level modules that a notebook's code cells import (anywhere: in functions and if-blocks too)."""
    modules = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        # IPython's !shell and %magic lines are not Python: keep the indentation, drop the line.
        source = "\n".join(re.sub(r"^(\s*)[!%].*$", r"\1pass", line) for line in cell.source.splitlines())
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names)


@pytest.mark.parametrize("chapter", chapter_ids())
def test_colab_cpu_environment_installs_what_the_chapter_imports(chapter):
    """The CPU environment installs only what the course needs: it must cover every chapter's imports
    (mapped to distributions through the dev environment's packages)."""
    providers = importlib.metadata.packages_distributions()
    wanted = {canonicalize_name(name) for name in CPU.packages} | {"course-utils"}
    missing = {}
    for module in imported_modules(layout.solution_notebook(chapter)):
        distributions = {canonicalize_name(d) for d in providers.get(module, [module])}
        if not distributions & wanted:
            missing[module] = sorted(distributions)
    assert not missing, (
        f"{chapter} imports modules the Colab CPU environment does not install: {missing}; "
        "add them to RUNTIMES['cpu'].packages in tools/course_tools/colab/runtimes.py"
    )


# --- slow: the environments and the chapters in them --------------------------------------------------------


def _run_nbval(runtime, path, colab_kernels, request, built):
    before = len(colab.kernel_launches(colab_kernels, runtime))
    start = time.monotonic()
    result = colab.nbval(runtime, path, colab_kernels, timeout=600)
    seconds = time.monotonic() - start
    outcome = "passed" if result.returncode == 0 else f"FAILED (exit {result.returncode}; None: stopped after 600 s)"
    echo_for(request)(f"nbval {path.name} in the {runtime.kernel_name} kernel: {outcome} in {seconds:.0f} s")
    assert result.returncode == 0, f"{built}\n{result.stdout[-8000:]}"
    started = colab.kernel_launches(colab_kernels, runtime)[before:]
    assert started and set(started) == {str(runtime.venv)}, (
        f"{built}\nexpected kernels in {runtime.venv}, started: {started}\n{result.stdout[-3000:]}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("runtime", [CPU, TPU], ids=["cpu", "tpu"])
def test_environment_has_colabs_versions(runtime, colab_envs):
    built = colab_envs[runtime.name]
    rows, other = colab.compare_with_colab(runtime)
    table = colab.format_comparison(runtime)
    for name, ours, listed in rows:
        if name in runtime.absent:
            assert ours == "-", f"{built}\n{name} must not be installed\n{table}"
        else:
            assert ours == listed, f"{built}\n{name} is not at Colab's version\n{table}"
    differing = [(name, ours, listed) for name, ours, listed in other if listed != "-"]
    assert not differing, f"{built}\npackages at other versions than Colab's: {differing}\n{table}"


def smoke_notebook(runtime):
    """A tiny notebook that proves its kernel runs in ``runtime``'s environment, at Colab's versions."""
    versions = {name: listed for name, _, listed in colab.compare_with_colab(runtime)[0] if name not in runtime.absent}
    cells = [
        f"""import importlib.metadata, os, sys
assert sys.prefix == {str(runtime.venv)!r}, sys.prefix
expected = {versions!r}
found = {{name: importlib.metadata.version(name) for name in expected}}
assert found == expected, found
print(sys.version)"""
    ]
    if runtime is TPU:
        cells.append("""import importlib.util
assert importlib.util.find_spec("tensorflow") is None
from course_utils import runtime
os.environ["KERAS_BACKEND"] = runtime.keras_backend()
import jax, keras, numpy as np
assert keras.backend.backend() == "jax" and len(jax.devices()) == 8, (keras.backend.backend(), jax.devices())
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices()))
keras.utils.set_random_seed(0)
x = np.random.default_rng(0).random((256, 8, 8, 1), dtype=np.float32)
y = (x.mean(axis=(1, 2, 3)) > 0.5).astype("int32")
model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                          keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x, y, batch_size=64, epochs=1, verbose=0)  # global batch 64 = 8 per device""")
    else:
        cells.append("""import tensorflow as tf, keras
assert keras.backend.backend() == "tensorflow"
print(tf.reduce_sum(tf.ones((2, 2))).numpy())""")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("runtime", [CPU, TPU], ids=["cpu", "tpu"])
def test_kernel_runs_in_colab_environment(runtime, colab_envs, colab_kernels, tmp_path, request):
    """The machinery alone: nbval in the dev environment runs a notebook in the Colab environment's kernel
    (on TPU: Keras on JAX, data-parallel over 8 virtual devices)."""
    built = colab_envs[runtime.name]
    notebook = tmp_path / f"smoke_{runtime.name}.ipynb"
    nbformat.write(smoke_notebook(runtime), notebook)
    _run_nbval(runtime, notebook, colab_kernels, request, built)


@pytest.mark.slow
def test_tpu_environment_has_no_tensorflow_and_course_utils_imports(tpu_env):
    code = """
import importlib, pkgutil, sys
try:
    import tensorflow
except ModuleNotFoundError as error:
    print("tensorflow:", error)
else:
    sys.exit("tensorflow is importable: " + tensorflow.__file__)
import course_utils
names = sorted(m.name for m in pkgutil.iter_modules(course_utils.__path__, "course_utils."))
for name in names:
    importlib.import_module(name)
assert "tensorflow" not in sys.modules
print("imported", ", ".join(names))
"""
    result = subprocess.run(
        [str(TPU.python), "-c", code], cwd="/", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300
    )
    assert result.returncode == 0, f"{tpu_env}\n{result.stdout[-5000:]}"
    assert "tensorflow: No module named 'tensorflow'" in result.stdout, result.stdout


@pytest.mark.slow
def test_chapter5_solutions_score_full_marks_on_colab_tpu(chapter_runs):
    run = chapter_runs.get(COLAB_TPU, TPU_CHAPTER)
    score, max_score, grades = run.scores("perfect")
    assert max_score > 0 and score == max_score, (
        f"{run.describe()}\n{ {name: g for name, g in grades.items() if g[0] != g[1]} }\n{run.output[-3000:]}"
    )


@pytest.mark.slow
def test_chapter5_blank_release_scores_zero_on_colab_tpu(chapter_runs):
    run = chapter_runs.get(COLAB_TPU, TPU_CHAPTER)
    score, max_score, grades = run.scores("blank")
    assert max_score > 0 and score == 0, f"{run.describe()}\n{grades}"


@pytest.mark.slow
def test_chapter5_runs_on_colab_tpu(chapter_runs):
    """Every cell of chapter 5 ran without an error in the TPU kernel: nbval --nbval-lax's criterion (no cell
    raises; the chapters check no outputs), checked on nbgrader's run of the solutions (the "perfect"
    submission, whose test cells nbgrader restored, hidden tests included) instead of a second run of
    several minutes. For a real nbval run: .venv/bin/course-colab nbval tpu solutions/05_going_deeper"""
    run = chapter_runs.get(COLAB_TPU, TPU_CHAPTER)
    assert run.kernels and set(run.kernels) == {str(TPU.venv)}, f"kernels started in {run.kernels}"
    problems = cell_errors(run.notebook("perfect"))
    assert not problems, f"{run.describe()}\n" + "\n\n".join(problems)
