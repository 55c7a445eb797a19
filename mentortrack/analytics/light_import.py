"""Import a submodule without running its packages' ``__init__`` files.

Some libraries' package ``__init__`` imports far more than the one submodule the suite uses:
``textblob/__init__.py`` imports NLTK, which imports SciPy's statistics (1.9 s of a cold start on
2 cores), for the pattern tagger and lexicon in ``textblob.en``, which need only the standard library;
``sklearn/__init__.py`` and ``sklearn/feature_extraction/__init__.py`` import SciPy and half of
scikit-learn for a list of English stop words. :func:`submodule` imports just the submodule: the same
file, so the same code and data as a normal import gives.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

_importing = threading.Lock()


def submodule(name: str) -> types.ModuleType:
    """The module ``name`` (``"textblob.en"``), imported without the ``__init__`` of its packages.

    When its top-level package is already imported, this is a normal import. Otherwise, while the
    submodule is imported, an empty package object (with the package's folder as its path) stands for
    each enclosing package in ``sys.modules``, under a lock so that two threads calling this do not
    interleave; afterwards those objects and every module imported under them are taken out of
    ``sys.modules`` again, so a later ``import`` of the package gets the real one (and its own copy of
    the submodule). The submodule must import nothing from its packages' ``__init__`` files.
    """
    top = name.split(".")[0]
    with _importing:
        if top in sys.modules:
            return importlib.import_module(name)
        before = set(sys.modules)
        try:
            parts = name.split(".")
            for depth in range(1, len(parts)):
                package = ".".join(parts[:depth])
                spec = importlib.util.find_spec(package)
                if spec is None or spec.submodule_search_locations is None:
                    raise ModuleNotFoundError(f"No package named {package!r}", name=package)
                stand_in = types.ModuleType(package)
                stand_in.__path__ = list(spec.submodule_search_locations)
                sys.modules[package] = stand_in
            return importlib.import_module(name)
        finally:
            for added in set(sys.modules) - before:
                if added == top or added.startswith(f"{top}."):
                    del sys.modules[added]
