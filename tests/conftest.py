import os

os.environ.setdefault("MPLBACKEND", "Agg")
# scikit-learn's array-API conformance check (run for MLPClassifier) needs this before scipy loads
os.environ.setdefault("SCIPY_ARRAY_API", "1")
