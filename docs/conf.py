"""Sphinx configuration of the dask_incr documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` (warnings are
errors, as in tests/test_docs.py). Nothing here needs the network: intersphinx
is not used, so references to numpy, dask or scikit-learn objects render as
plain text.
"""

import os
import sys

# Document the checkout this file belongs to, installed or not.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import dask_incr  # noqa: E402

project = "dask_incr"
author = "dask_incr contributors"
copyright = "2026, dask_incr contributors"
version = release = dask_incr.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.graphviz",
    "numpydoc",
]

master_doc = root_doc = "index"
exclude_patterns = ["_build"]
templates_path = []
html_static_path = ["_static"]
# Wide content: code blocks wider than the theme's 60em column (_static/wide.css).
html_css_files = ["wide.css"]
# The pages are flat (no sub-pages), so the left "Section Navigation" column
# would stay empty: give its room to the content. The top bar lists the pages.
html_sidebars = {"**": []}
# The theme of the dask and scikit-learn documentation: a top bar of pages,
# the section's pages on the left, the page's contents on the right.
html_theme = "pydata_sphinx_theme"
html_title = f"dask_incr {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
}

# Text in ``single backticks`` is code, as in numpydoc docstrings.
default_role = "py:obj"
nitpicky = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Docstrings say what a type is in prose ("dask Array", "estimator with
# partial_fit"); do not try to turn every word into a cross-reference.
numpydoc_xref_param_type = False
numpydoc_validation_checks = set()
