"""A small purpose-built assignment for the tests of the grading tools (the classroom command, nbgrader's
validator), so that a class of broken submissions is graded in seconds instead of running a chapter ten times.

It has every kind of cell the chapters have (answers, locked tests with visible and hidden parts, a locked
facts cell before its test, locked markdown, plain lesson code), the grade ids and points of the chapter-1
exercises that tests/classroom_inbox.py breaks one by one, and no TensorFlow: its kernel starts and runs in
about a second. tests/test_toy_assignment.py checks that it keeps every kind of cell the chapters use; the
real chapters go through the same tools in the round trip (tests/chapter_runs.py).
"""

import shutil
from pathlib import Path

import nbformat

from course_tools import layout
from course_tools.notebooks import grade_id

ASSIGNMENT = "00_toy"
SOLUTION_BEGIN, SOLUTION_END = layout.SOLUTION_MARKERS
HIDDEN_BEGIN, HIDDEN_END = layout.HIDDEN_TEST_MARKERS


def _grading(grade_id, *, solution=False, grade=False, locked=False, points=None):
    metadata = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        metadata["points"] = points
    return {"nbgrader": metadata}


def _answer(grade_id, solution, header=""):
    """An answer cell: ``solution`` between nbgrader's markers, after ``header`` (a function's first line)."""
    indent = " " * (len(solution) - len(solution.lstrip()))
    source = "\n".join(filter(None, [header, f"{indent}{SOLUTION_BEGIN}", solution, f"{indent}{SOLUTION_END}"]))
    return nbformat.v4.new_code_cell(source, metadata=_grading(f"{grade_id}_solution", solution=True))


def _test(grade_id, points, visible, hidden):
    source = f"{visible}\n{HIDDEN_BEGIN}\n{hidden}\n{HIDDEN_END}"
    return nbformat.v4.new_code_cell(
        source, metadata=_grading(f"{grade_id}_tests", grade=True, locked=True, points=points)
    )


def _facts(grade_id, source):
    return nbformat.v4.new_code_cell(source, metadata=_grading(f"{grade_id}_facts", locked=True))


def _exercise(number, title, points, text):
    return nbformat.v4.new_markdown_cell(
        f"### Exercise {number}: {title} ({points} point{'s' * (points > 1)})\n\n{text}"
    )


def source_notebook():
    """The assignment as nbgrader's source (solutions, hidden tests): an ``nbformat`` notebook."""
    cells = [
        nbformat.v4.new_markdown_cell(
            "# A toy assignment\n\nSeven small exercises in NumPy, graded like the chapters."
        ),
        nbformat.v4.new_markdown_cell(
            "Run every cell from the top; each test cell checks the answer above it.",
            metadata=_grading("instructions", locked=True),
        ),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell(
            "rng = np.random.default_rng(0)  # the same numbers for everyone", metadata=_grading("setup", locked=True)
        ),
        _exercise(1, "softmax", 2, "Turn a row of scores into probabilities."),
        _answer(
            "softmax",
            "    shifted = np.exp(logits - np.max(logits, axis=-1, keepdims=True))\n"
            "    return shifted / shifted.sum(axis=-1, keepdims=True)",
            "def softmax(logits):",
        ),
        _test(
            "softmax",
            2,
            "assert np.allclose(softmax(np.array([[1.0, 2.0, 3.0]])).sum(axis=-1), 1.0), "
            '"each row of probabilities should sum to 1"\nprint("softmax: visible tests passed")',
            "assert np.allclose(softmax(np.array([1000.0, 1000.0])), [0.5, 0.5]), "
            '"subtract the largest score before np.exp: large scores overflow"\n'
            'assert np.allclose(softmax(np.zeros((2, 4))), 0.25), "equal scores give equal probabilities"',
        ),
        _exercise(
            2,
            "what a classifier outputs",
            1,
            "(a) one score per image, (b) one probability per class, (c) the pixels. Set `ANSWER_OUTPUT`.",
        ),
        _answer("output_choice", 'ANSWER_OUTPUT = "b"'),
        _test(
            "output_choice",
            1,
            'assert ANSWER_OUTPUT in {"a", "b", "c"}, "set ANSWER_OUTPUT to \\"a\\", \\"b\\" or \\"c\\""',
            'assert ANSWER_OUTPUT == "b", "a classifier outputs one probability per class"',
        ),
        _exercise(3, "accuracy", 1, "The share of rows whose most probable class is the label."),
        _answer(
            "accuracy",
            "    return float(np.mean(np.argmax(probabilities, axis=-1) == labels))",
            "def accuracy(labels, probabilities):",
        ),
        _test(
            "accuracy",
            1,
            "assert accuracy(np.array([0, 1]), np.array([[0.9, 0.1], [0.8, 0.2]])) == 0.5, "
            '"one of the two rows is right: 0.5"',
            "assert accuracy(np.array([2]), np.array([[0.1, 0.2, 0.7]])) == 1.0, "
            '"take the class with the highest probability"',
        ),
        _exercise(4, "parameters of a dense layer", 1, "Weights and biases of a layer from `inputs` to `units`."),
        _answer("param_count", "    return inputs * units + units", "def dense_params(inputs, units):"),
        _test(
            "param_count",
            1,
            'assert dense_params(784, 10) == 7850, "784 x 10 weights and 10 biases: 7,850"',
            'assert dense_params(3, 2) == 8, "every unit has one weight per input and one bias"',
        ),
        _exercise(5, "scaling", 1, "Pixels from 0-255 integers to 0-1 floats (`float32`)."),
        _answer("scale", '    return np.asarray(images).astype("float32") / 255.0', "def scale(images):"),
        _facts(
            "scale",
            "scaled = scale(np.array([[0, 51, 255]], dtype=np.uint8))\n"
            'scale_facts = {"dtype": str(scaled.dtype), "values": scaled.tolist()}',
        ),
        _test(
            "scale",
            1,
            'assert scale_facts["dtype"] == "float32", '
            "f\"scaled pixels should be float32, got {scale_facts['dtype']}\"",
            'assert np.allclose(scale_facts["values"], [[0.0, 0.2, 1.0]]), "divide by 255"',
        ),
        _exercise(6, "batches", 2, "Split a list into batches of `size` items; the last one may be shorter."),
        _answer(
            "pipeline",
            "    return [items[start:start + size] for start in range(0, len(items), size)]",
            "def batches(items, size):",
        ),
        _facts("pipeline", 'pipeline_facts = {"sizes": [len(batch) for batch in batches(list(range(10)), 4)]}'),
        _test(
            "pipeline",
            2,
            'assert pipeline_facts["sizes"] == [4, 4, 2], f"10 items in batches of 4: 4, 4 and 2, got '
            "{pipeline_facts['sizes']}\"",
            'assert batches([], 3) == [], "no items, no batches"',
        ),
        _exercise(7, "scores of a linear model", 2, "`x @ weights + bias` for a batch of rows."),
        _answer("model", "    return np.asarray(x) @ weights + bias", "def linear_scores(x, weights, bias):"),
        _facts("model", 'model_facts = {"shape": linear_scores(np.ones((5, 3)), np.ones((3, 2)), np.zeros(2)).shape}'),
        _test(
            "model",
            2,
            'assert model_facts["shape"] == (5, 2), f"5 rows and 2 classes give scores of shape (5, 2), got '
            "{model_facts['shape']}\"",
            "assert np.allclose(linear_scores(np.eye(2), np.eye(2), np.ones(2)), np.eye(2) + 1), "
            '"add the bias to every row"',
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return nb


def write_course(folder):
    """A throwaway course in ``folder`` with only this assignment as its source, graded with the committed
    nbgrader_config.py (the course's grading guards). Returns ``folder`` as a Path."""
    folder = Path(folder)
    source = layout.solution_notebook(ASSIGNMENT, folder)
    source.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), source)
    shutil.copy(layout.ROOT / "nbgrader_config.py", folder)
    return folder


def answers():
    """{answer cell grade id: the solution as a student types it, without nbgrader's markers}."""
    return {
        grade_id(cell): layout.solution_lines(cell.source)
        for cell in source_notebook().cells
        if cell.metadata.get("nbgrader", {}).get("solution")
    }


def hidden_test_lines():
    """The lines of the assignment's hidden tests that are long enough to be recognised anywhere."""
    lines = []
    for cell in source_notebook().cells:
        if HIDDEN_BEGIN in cell.source:
            block = cell.source.split(HIDDEN_BEGIN)[1].split(HIDDEN_END)[0]
            lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 20]
    return lines
