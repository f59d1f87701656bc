"""nnscratch: a neural network from scratch in NumPy."""

from nnscratch import datasets
from nnscratch._version import __version__
from nnscratch.estimator import MLPClassifier, load
from nnscratch.io import ModelFileError

__all__ = ["__version__", "datasets", "MLPClassifier", "ModelFileError", "load"]
