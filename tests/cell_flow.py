"""Which later cells of a notebook can behave differently when one cell's code changes: the argument behind the
round trip's one-wrong-answer run stopping after the test that catches the wrong answer (tests/chapter_runs.py).

A cell's code reaches a later cell only through the kernel's global names. Starting from the names the changed
cell binds, each later cell that *reads* one of them (before binding it again itself, or from inside a function
or class it defines) may behave differently; such a cell may then change every global name it touches (it may
rebind them, or change the objects they name through a method call), so all of those count as changed from there
on. A test cell reached this way may score differently. The analysis reads the code only (IPython's magics are
turned into Python first): it over-approximates, never the other way, except for code that reaches globals by
name at run time (``globals()``, ``eval``), which ``later_tests_reached`` refuses to reason about.
"""

import ast
import functools
import symtable

from IPython.core.inputtransformer2 import TransformerManager

from course_tools.notebooks import grade_id

DYNAMIC = ("globals(", "eval(", "exec(", "vars(", "__dict__", "get_ipython().user_ns")


@functools.cache
def python_source(cell_source):
    """A cell's source as plain Python (IPython's ``%`` and ``!`` lines turned into calls)."""
    return TransformerManager().transform_cell(cell_source)


@functools.cache
def _table(cell_source):
    """The symbol table of a cell's code (each cell is read once however often the analysis asks)."""
    return symtable.symtable(python_source(cell_source), "cell", "exec")


class _FirstReads(ast.NodeVisitor):
    """Top-level names a cell reads before it binds them itself, in the order the code runs: the right side of
    an assignment before its targets, a loop's target bound for its body only, a branch's bindings forgotten
    after the branch (it may not run). Functions, classes, lambdas and comprehensions are scopes of their own,
    read through ``symtable`` instead."""

    def __init__(self):
        self.bound, self.reads = set(), set()

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id not in self.bound:
            self.reads.add(node.id)
        elif isinstance(node.ctx, ast.Store):
            self.bound.add(node.id)

    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name) and node.target.id not in self.bound:
            self.reads.add(node.target.id)
        self.visit(node.value)

    def _branch(self, statements):
        saved = set(self.bound)
        for statement in statements:
            self.visit(statement)
        self.bound = saved

    def visit_For(self, node):
        self.visit(node.iter)
        saved = set(self.bound)
        self.visit(node.target)
        self._branch(node.body)
        self.bound = saved
        self._branch(node.orelse)

    visit_AsyncFor = visit_For

    def visit_While(self, node):
        self.visit(node.test)
        self._branch(node.body)
        self._branch(node.orelse)

    def visit_If(self, node):
        self.visit(node.test)
        self._branch(node.body)
        self._branch(node.orelse)

    def visit_Try(self, node):
        self._branch(node.body)
        for handler in node.handlers:
            self._branch(handler.body)
        self._branch(node.orelse)
        self._branch(node.finalbody)

    def _scope(self, node, name=None):
        # decorators, defaults and bases run now; the body runs later (read through symtable)
        for child in getattr(node, "decorator_list", []) + getattr(node, "bases", []):
            self.visit(child)
        arguments = getattr(node, "args", None)
        if isinstance(arguments, ast.arguments):
            for default in arguments.defaults + [d for d in arguments.kw_defaults if d is not None]:
                self.visit(default)
        if name:
            self.bound.add(name)

    def visit_FunctionDef(self, node):
        self._scope(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        self._scope(node, node.name)

    def visit_Lambda(self, node):
        self._scope(node)

    def _comprehension(self, node):
        self.visit(node.generators[0].iter)  # the first iterable runs in the enclosing scope

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension


def _nested_globals(table):
    """Global names read or written inside the functions, classes, lambdas and comprehensions of ``table``."""
    names = set()
    for child in table.get_children():
        names |= {symbol.get_name() for symbol in child.get_symbols() if symbol.is_global()}
        names |= _nested_globals(child)
    return names


def reads(cell_source):
    """Global names a cell's code may read from the cells before it."""
    visitor = _FirstReads()
    visitor.visit(ast.parse(python_source(cell_source)))
    return visitor.reads | _nested_globals(_table(cell_source))


def _base_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def may_change(cell_source, modules=frozenset()):
    """The global names whose values a cell's code may change: those it binds, and the objects it calls a method
    of (``model.fit(...)``) or assigns an attribute or item of (``results[label] = ...``), at any depth. Calls
    into the imported ``modules`` are not counted: their hidden state (random number generators) is not followed."""
    changed = binds(cell_source) | _nested_globals(_table(cell_source))
    for node in ast.walk(ast.parse(python_source(cell_source))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            changed.add(_base_name(node.func.value))
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
            changed.add(_base_name(node.value))
    return changed - set(modules) - {None}


def imported(cell_source):
    """The names a cell's import statements bind."""
    return {symbol.get_name() for symbol in _table(cell_source).get_symbols() if symbol.is_imported()}


def binds(cell_source):
    """The global names a cell's code binds (assignments, definitions, imports)."""
    symbols = _table(cell_source).get_symbols()
    return {s.get_name() for s in symbols if s.is_assigned() or s.is_namespace() or s.is_imported()}


def later_tests_reached(nb, changed_cell, new_source, catching_test):
    """The grade ids of the test cells after ``catching_test`` that may score differently when the cell
    ``changed_cell`` (a grade id) holds ``new_source`` instead of its own code (an empty list: none can).
    Raises ValueError when a cell after it reaches globals by name at run time (the analysis cannot follow)."""
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    ids = [grade_id(cell) for cell in cells]
    start, stop = ids.index(changed_cell), ids.index(catching_test)
    modules = set().union(*(imported(cell.source) for cell in cells))
    changed = binds(cells[start].source) | binds(new_source)
    grown = True
    while grown:  # functions defined earlier that call the changed code when a later cell calls them
        before = len(changed)
        for cell in cells[:start]:
            if changed & _nested_globals(_table(cell.source)):
                changed |= binds(cell.source)
        grown = len(changed) > before
    reached = []
    for index, cell in enumerate(cells[start + 1 :], start + 1):
        dynamic = [word for word in DYNAMIC if word in cell.source]
        if dynamic:
            raise ValueError(f"cell {ids[index] or index} reaches globals by name ({dynamic[0]}): cannot follow it")
        if changed & reads(cell.source):
            changed |= may_change(cell.source, modules)
            if index > stop and cell.metadata.get("nbgrader", {}).get("grade"):
                reached.append(ids[index])
    return reached
