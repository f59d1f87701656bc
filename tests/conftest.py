import os
import sys

from hypothesis import HealthCheck, settings

# `make test-numpy`: the suite as on a machine without numba. `import numba` fails in this process
# (a None entry in sys.modules is what Python reports as not installed, to import and find_spec)
# and NNSCRATCH_BACKEND=numpy tells the commands the tests start that numba is absent.
if os.environ.get("NNSCRATCH_HIDE_NUMBA") == "1":
    sys.modules["numba"] = None  # type: ignore[assignment]
    os.environ["NNSCRATCH_BACKEND"] = "numpy"

os.environ.setdefault("MPLBACKEND", "Agg")
# scikit-learn's array-API conformance check (run for MLPClassifier) needs this before scipy loads
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Hypothesis: `make test` runs a fixed, bounded set of examples (derandomized: the same cases on
# every run and machine, no example database); HYPOTHESIS_PROFILE=long searches 20 times as many,
# fresh ones each run, and remembers failures in .hypothesis/.
_COMMON = dict(deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                      HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile("default", max_examples=40, derandomize=True, database=None, **_COMMON)
settings.register_profile("long", max_examples=800, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def fuzz_examples(share: float) -> int:
    """Examples for one fuzz test: ``share`` of the profile's budget (so 'long' scales it)."""
    return max(1, round(settings().max_examples * share))
