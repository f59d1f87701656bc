"""nnscratch: a neural network from scratch in NumPy."""

from nnscratch import datasets
from nnscratch.estimator import MLPClassifier
from nnscratch.io import ModelFileError, load

__version__ = "0.1.0"

__all__ = ["__version__", "datasets", "MLPClassifier"]
__all__ += ["ModelFileError", "load"]
