"""nbgrader preprocessors that keep one broken submission from stopping or flooding the grader.

nbgrader_config.py puts them in nbgrader's autograde pipeline (``c.Autograde.autograde_preprocessors``),
so they apply to a plain ``nbgrader autograde`` as well as to ``classroom grade``:

* ``KernelDeathGuard`` executes like nbgrader's ``Execute`` (per-cell timeout, interrupt on timeout,
  errors recorded in the cell) and, when student code kills its Python kernel (``os._exit``, a crash,
  running out of memory) or leaves it unresponsive after a timeout, disables the cell that was running
  and executes the notebook again from the start, up to ``max_kernel_deaths`` times. The disabled cell
  raises an error that says why, so it scores 0 and the rest of the notebook is still graded. nbgrader
  alone gives up on the whole notebook.
* ``LimitOutputSize`` cuts long outputs by characters as well as by lines (nbgrader's ``LimitOutput``
  counts lines only, so one line of megabytes passes it).
"""

import copy
from typing import Any

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.preprocessors import Execute, LimitOutput
from traitlets import Bool, Integer

from course_tools.layout import CUT_MARKER, DISABLED_MARKER

# Why a cell was disabled, as written into it (classroom's report reads it back).
KILLED = "running it stopped the Python kernel (os._exit, a crash, or too much memory)"
UNRESPONSIVE = "it ran past the time limit and the kernel did not respond to the interrupt"
STOPPED_AT_LIMIT = "the grader stopped its kernel because"


def disabled_source(reason: str) -> str:
    """Return the code that replaces a disabled cell: one line that raises an error naming ``reason``."""
    return f"raise RuntimeError({DISABLED_MARKER + ': ' + reason!r})"


class KernelDeathGuard(Execute):  # type: ignore[misc]  # nbgrader ships no type information
    """nbgrader's Execute, plus: a cell that kills the kernel is disabled and the notebook run again.

    The same happens to a cell whose kernel stays silent after the timeout interrupted it. Output that
    arrives late after an interrupt (on a busy machine) no longer fails the whole notebook: nbgrader sets
    ``raise_on_iopub_timeout``, which turns a 4-second wait for output into an error for every student.
    """

    max_kernel_deaths = Integer(
        3, help="How many cells that kill the kernel are disabled before the notebook counts as failed."
    ).tag(config=True)
    raise_on_iopub_timeout = Bool(False, help="Fail the notebook when output is late (nbgrader: True).").tag(
        config=True
    )
    iopub_timeout = Integer(30, help="Seconds to wait for a cell's last output after it finished.").tag(config=True)

    def preprocess(self, nb: Any, resources: dict[str, Any] | None = None, km: Any = None) -> tuple[Any, Any]:
        """Execute ``nb`` as nbgrader's Execute does, disabling each cell that kills the kernel (see the class)."""
        original = copy.deepcopy(nb)
        self._running_index: int | None = None
        self._running_km: Any = None
        for deaths in range(self.max_kernel_deaths + 1):
            self._running_index, self._running_km = None, None
            try:
                result: tuple[Any, Any] = super().preprocess(copy.deepcopy(original), resources, km)
                return result
            except (DeadKernelError, CellTimeoutError) as error:
                index = self._running_index
                if index is None or deaths == self.max_kernel_deaths:
                    raise
                reason = KILLED if isinstance(error, DeadKernelError) else UNRESPONSIVE
                # a sandboxed kernel (course_tools.sandbox) stopped at one of its limits says which
                limit = getattr(self._running_km, "limit_hit", None)
                if limit:
                    reason = f"{STOPPED_AT_LIMIT} {limit}"
                self.log.warning("Cell %d: %s; disabling it and running the notebook again", index, reason)
                original.cells[index].source = disabled_source(reason)
        raise AssertionError("unreachable")

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        """Remember which cell runs in which kernel, then execute it."""
        self._running_index, self._running_km = index, self.km
        result: tuple[Any, Any] = super().preprocess_cell(cell, resources, index)
        return result


class LimitOutputSize(LimitOutput):  # type: ignore[misc]  # nbgrader ships no type information
    """nbgrader's LimitOutput (lines), plus a limit on the characters of each text output."""

    max_chars = Integer(20000, help="Maximum number of characters kept of each text output (-1 means no limit).").tag(
        config=True
    )

    def _cut(self, text: str) -> str:
        """``text`` cut to ``max_chars`` characters, with a line that says how many were cut."""
        if self.max_chars == -1 or len(text) <= self.max_chars:
            return text
        return f"{text[: self.max_chars]}\n{CUT_MARKER}: {len(text) - self.max_chars:,} more characters ...\n"

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        """Cut the cell's outputs by lines (nbgrader) and by characters (``max_chars``)."""
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                output.text = self._cut(output.text)
            elif output.output_type in ("execute_result", "display_data"):
                for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                    if isinstance(output.get("data", {}).get(mime), str):
                        output.data[mime] = self._cut(output.data[mime])
            elif output.output_type == "error":
                output.evalue = self._cut(output.evalue)
        return cell, resources


def autograde_preprocessors() -> list[type]:
    """Return nbgrader 0.9's default autograde pipeline with Execute and LimitOutput replaced by the guards."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, SaveAutoGrades

    return [
        KernelDeathGuard,
        IgnorePattern,
        ClearMetadataPreprocessor,
        LimitOutputSize,
        SaveAutoGrades,
        AssignLatePenalties,
        CheckCellMetadata,
    ]
