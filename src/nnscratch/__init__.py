"""nnscratch: a neural network from scratch in NumPy.

The names below load on first use (PEP 562), so that ``import nnscratch`` and the command line
start without scikit-learn, which takes a second or more to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nnscratch._version import __version__

if TYPE_CHECKING:
    from nnscratch import datasets
    from nnscratch.estimator import MLPClassifier, load
    from nnscratch.io import ModelFileError

__all__ = ["__version__", "datasets", "MLPClassifier", "ModelFileError", "load"]

_LAZY = {  # name -> (module, attribute; None: the module itself)
    "datasets": ("nnscratch.datasets", None),
    "MLPClassifier": ("nnscratch.estimator", "MLPClassifier"),
    "load": ("nnscratch.estimator", "load"),
    "ModelFileError": ("nnscratch.io", "ModelFileError"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'nnscratch' has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = importlib.import_module(module) if attr is None else getattr(
        importlib.import_module(module), attr)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
