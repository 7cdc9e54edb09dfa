"""Sphinx configuration of the sklstm documentation site.

Build (from the root of a checkout, with the ``docs`` extra installed)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the examples (their pages then show the
code without output or figures).
"""

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document the checkout, not another installed copy
sys.path.insert(0, str(DOCS / "sphinxext"))

import sklstm  # noqa: E402

project = "sklstm"
author = "the sklstm developers"
copyright = "the sklstm developers"
release = sklstm.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]
# No intersphinx: the build runs offline, and intersphinx needs the other
# projects' inventories (objects.inv) from the network.

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
templates_path = ["_templates"]

# -- Markdown (the user guide pages, copied from the README) -------------------
myst_heading_anchors = 3  # [text](page.md#a-heading) links, GitHub-style slugs

# -- API reference --------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # numpydoc sections already give the types
numpydoc_show_class_members = False  # the class template lists them instead
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn's metadata routing adds ``set_<method>_request`` methods and
    # ``get_metadata_routing`` to every estimator; they are scikit-learn's API,
    # documented on its site, not sklstm's.
    if name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


_SPHINX_XREF = re.compile(r":(?:ref|term):`([^`<]*?)\s*(?:<[^>]*>)?`")


def _plain_sklearn_refs(app, what, name, obj, options, lines):
    # Inherited methods (``score``, ``get_params``, ...) carry scikit-learn's
    # docstrings, whose :ref:/:term: targets are labels of scikit-learn's own
    # site; without intersphinx (offline) they cannot resolve, so show the text.
    if getattr(obj, "__module__", "") and obj.__module__.startswith("sklearn."):
        lines[:] = [_SPHINX_XREF.sub(r"\1", line) for line in lines]


#: The public modules whose ``__all__`` api.rst must cover.
_PUBLIC_MODULES = ("sklstm", "sklstm.preprocessing", "sklstm.model_selection", "sklstm.metrics",
                   "sklstm.datasets", "sklstm.nn", "sklstm.training", "sklstm.onnx")


def _check_api_coverage(app):
    """Warn (an error under -W) when a public name is missing from api.rst."""
    import importlib

    from sphinx.util import logging

    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    for module_name in _PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            home = getattr(obj, "__module__", "") or ""
            if module_name == "sklstm" and home.startswith(("sklstm.preprocessing",
                                                           "sklstm.model_selection")):
                continue  # re-exported; documented under its submodule
            if name == "__version__" or re.search(rf"(^|\W){re.escape(name)}(\W|$)", text, re.M):
                continue
            logging.getLogger(__name__).warning(
                "%s.%s is public (in __all__) but not in docs/api.rst", module_name, name)


def setup(app):
    app.connect("builder-inited", _check_api_coverage)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-docstring", _plain_sklearn_refs)


# -- Gallery -------------------------------------------------------------------
# Examples run when the site is built (sphinx-gallery's filename_pattern is
# matched against the full path); the others are shown with their code only.
_NOT_EXECUTED = ()  # all run (each under a minute on 2 cores)

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/(?!(%s)\.py$)[^/]+\.py$" % "|".join(_NOT_EXECUTED or ["$^"]),
    # Files that start with "_" are helpers (examples/_stdlib_text.py), not examples.
    "ignore_pattern": r"^_",
    "reset_argv": "sklstm_gallery.reset_argv",
    # "Examples using X" on each API page
    "doc_module": ("sklstm",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "sklstm_gallery.ExampleOrder",
    "image_scrapers": ("matplotlib",),
    "capture_repr": (),
    "min_reported_time": 0,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklstm {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_show_sourcelink = False

# Copy buttons leave out doctest prompts and their output.
copybutton_prompt_text = r">>> |\.\.\. "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False
