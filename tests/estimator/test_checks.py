"""scikit-learn's own conformance suite for nnscratch.MLPClassifier: every check must pass.

No check is marked xfail or skipped by us. scikit-learn itself skips the parts that need optional
packages that the dev extra does not install: pandas (check_dataframe_column_names_consistency and
the DataFrame cases of other checks) and polars/pyarrow (their DataFrame variants).
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from nnscratch import MLPClassifier

# small and fast, as scikit-learn tests its own MLP (max_iter=100); 'sgd' with a large step so
# that check_classifiers_train's accuracy bar (> 0.83) is met in a few epochs
ESTIMATOR = MLPClassifier(hidden_layer_sizes=(10,), solver="sgd", learning_rate_init=0.1,
                          max_iter=50, tol=None, random_state=0)


@parametrize_with_checks([ESTIMATOR])
def test_sklearn_compatible(estimator, check):
    check(estimator)
