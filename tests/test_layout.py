"""The layout's limits, and the import paths users rely on.

(a) No module of dask_incr is over :data:`MAX_MODULE_LINES` lines and no
function over :data:`MAX_FUNCTION_LINES` lines of code (its body without the
docstring, blank lines and comments); a documented exception carries a
``# layout: allow <reason>`` comment on its ``def`` line or the line above.
Ruff holds the complexity (C901, PLR0912, PLR0915; see pyproject.toml).
(b) Every public import path of dask-ml's Incremental workflow that
dask_incr offers resolves. (c) Every top-level name dask_incr had before the
layout change still resolves from ``dask_incr``. (d) Every public function
and class (each name in the ``__all__`` of :data:`PUBLIC_MODULES`) has a
numpydoc docstring with an ``Examples`` section holding a ``>>>`` example
(run by ``--doctest-modules``), and every public function a ``Parameters``
section (when it takes any) and a ``Returns`` or ``Yields`` section.
"""

import ast
import importlib
import inspect
import io
import pathlib
import re
import tokenize

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "dask_incr"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50
ALLOW = re.compile(r"#\s*layout:\s*allow\s+\S")

#: dask-ml's import paths of the Incremental workflow that dask_incr offers
#: (the lead appends the names other branches add).
DASK_ML_PATHS = [
    "dask_incr.wrappers.Incremental",
    "dask_incr.wrappers.ParallelPostFit",
    "dask_incr.model_selection.SuccessiveHalvingSearchCV",
    "dask_incr.model_selection.HyperbandSearchCV",
    "dask_incr.model_selection.IncrementalSearchCV",
    "dask_incr.model_selection.InverseDecaySearchCV",
    "dask_incr.datasets.make_classification",
    "dask_incr.datasets.make_regression",
    "dask_incr.datasets.make_blobs",
    "dask_incr.datasets.make_counts",
    "dask_incr.datasets.make_classification_df",
]

#: Every top-level name before the layout change (package 0.3.0).
TOP_LEVEL_NAMES = [
    "FitOptions",
    "FitPlan",
    "Incremental",
    "NotIncrementalError",
    "SuccessiveHalvingSearchCV",
    "block_order",
    "build_chain",
    "datasets",
    "draw_chain",
    "fit_blocks",
    "fit_blocks_many",
    "partial_fit_step",
    "pipeline_partial_fit_step",
    "plan_fit",
    "plot_history",
    "row_permutation",
    "row_seeds",
]


def modules():
    return sorted(path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py"))


def code_lines(source, node):
    """Lines of code of a function's body: no docstring, blank or comment-only lines."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        if isinstance(body[0].value.value, str):
            body = body[1:]
    if not body:
        return 0
    lines = source.splitlines()[body[0].lineno - 1 : node.end_lineno]
    comments = {
        token.start[0] for token in tokenize.generate_tokens(io.StringIO("\n".join(lines)).readline)
        if token.type == tokenize.COMMENT
    }
    return sum(
        1
        for number, line in enumerate(lines, start=1)
        if line.strip() and not (number in comments and line.strip().startswith("#"))
    )


def allowed(source, node):
    """Whether the function carries a ``# layout: allow <reason>`` comment (its def line or the line above)."""
    lines = source.splitlines()
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return any(ALLOW.search(lines[i - 1]) for i in (first - 1, node.lineno) if i >= 1)


def long_functions(source):
    tree = ast.parse(source)
    return [
        (node.name, code_lines(source, node))
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and code_lines(source, node) > MAX_FUNCTION_LINES
        and not allowed(source, node)
    ]


@pytest.mark.parametrize("module", modules())
def test_modules_and_functions_stay_within_the_limits(module):
    source = (PACKAGE / module).read_text()
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{module} has {len(source.splitlines())} lines"
    assert long_functions(source) == [], f"{module}: functions over {MAX_FUNCTION_LINES} lines of code"


def test_the_counter_can_fail():
    """A long body fails, its docstring, blank lines and comments do not count, and an allowance is read."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES + 1))
    padding = '    """Doc.\n\n    More.\n    """\n' + "    # why\n\n" * 30
    assert long_functions(f"def f():\n{padding}{body}\n") == [("f", MAX_FUNCTION_LINES + 1)]
    short = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"def f():\n{padding}{short}\n") == []
    assert long_functions(f"# layout: allow one table, read row by row\ndef f():\n{body}\n") == []
    assert long_functions(f"def f():  # layout: allow a table\n{body}\n") == []
    assert long_functions(f"# layout: allow\ndef f():\n{body}\n") != [], "an allowance needs a reason"


@pytest.mark.parametrize("path", DASK_ML_PATHS)
def test_dask_ml_import_paths_resolve(path):
    module, _, name = path.rpartition(".")
    assert callable(getattr(importlib.import_module(module), name))


@pytest.mark.parametrize("name", TOP_LEVEL_NAMES)
def test_top_level_names_of_before_the_layout_change_still_resolve(name):
    import dask_incr

    assert getattr(dask_incr, name) is not None
    assert name in dask_incr.__all__


#: The modules whose ``__all__`` is the public surface.
PUBLIC_MODULES = [
    "dask_incr",
    "dask_incr.wrappers",
    "dask_incr.model_selection",
    "dask_incr.datasets",
    "dask_incr.fit",
    "dask_incr.graph",
]
SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}$", re.MULTILINE)


def public_objects():
    """``(path, object)`` of every function and class named in a public ``__all__``."""
    found = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                found[f"{module_name}.{name}"] = obj
    return sorted(found.items())


def own_docstring(obj):
    """The object's own docstring, dedented (a class's, not one it inherits)."""
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def sections(doc):
    """``{title: body}`` of the numpydoc sections of a docstring."""
    heads = list(SECTION.finditer(doc))
    ends = [head.start() for head in heads[1:]] + [len(doc)]
    return {head.group(1): doc[head.end() : end] for head, end in zip(heads, ends)}


def docstring_problems(obj):
    """What the docstring of a public function or class misses (an empty list when nothing)."""
    doc = own_docstring(obj)
    if not doc:
        return ["no docstring"]
    found = sections(doc)
    problems = [] if ">>>" in found.get("Examples", "") else ["no Examples section with a >>> example"]
    if inspect.isfunction(obj):
        if inspect.signature(obj).parameters and "Parameters" not in found:
            problems.append("no Parameters section")
        if not {"Returns", "Yields"} & found.keys():
            problems.append("no Returns section")
    return problems


@pytest.mark.parametrize(("path", "obj"), public_objects(), ids=[path for path, _ in public_objects()])
def test_every_public_function_and_class_has_a_numpydoc_docstring_with_an_example(path, obj):
    assert docstring_problems(obj) == [], path


def test_the_docstring_check_can_fail():
    """A missing docstring, example, parameter or return section is each reported; a full one passes."""

    def bare(x):
        pass

    def no_example(x):
        """Doc.

        Parameters
        ----------
        x : int

        Returns
        -------
        int
        """

    def full(x):
        """Doc.

        Parameters
        ----------
        x : int

        Returns
        -------
        int

        Examples
        --------
        >>> full(1)
        """

    class Inherits(ValueError):
        pass

    class Documented(ValueError):
        """Doc.

        Examples
        --------
        >>> Documented()
        """

    assert docstring_problems(bare) == ["no docstring"]
    assert docstring_problems(no_example) == ["no Examples section with a >>> example"]
    assert docstring_problems(full) == []
    full.__doc__ = full.__doc__.replace("Returns\n        -------", "")
    assert docstring_problems(full) == ["no Returns section"]
    assert docstring_problems(Inherits) == ["no docstring"]
    assert docstring_problems(Documented) == []
