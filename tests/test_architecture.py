"""The package's structure, read from its source with ``ast`` (docs/architecture.md states it):

- no import cycle between the modules of ``src/nnscratch`` (imports inside functions count);
- ``engine/`` imports nothing of the package above it; ``io`` knows no estimator;
- ``cli/`` trains and saves through the estimator, never through the engine's internals;
- no private name of scikit-learn (or of sklearn-compat) anywhere in ``src/``;
- ``python -m nnscratch`` is the ``nnscratch`` command.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "nnscratch"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> list[tuple[str, list[str]]]:
    """(module, names imported from it) for every import statement of module ``name``,
    relative imports resolved, wherever the statement is (top level, function, TYPE_CHECKING)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((base, [alias.name for alias in node.names]))
    return found


def _targets(module: str, names: list[str]) -> set[str]:
    """The package modules an import statement loads: ``from nnscratch import datasets`` is
    the module nnscratch.datasets; ``from nnscratch.engine import train`` is nnscratch.engine
    (its ``__init__``). Parent packages that Python initialises first are not edges: they never
    import their children back at that moment in a way that matters for a cycle."""
    if module != "nnscratch" and not module.startswith("nnscratch."):
        return set()
    subs = {f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES}
    rest = [n for n in names if f"{module}.{n}" not in MODULES]
    return subs | ({module} if rest or not names else set())


GRAPH = {name: set().union(*(_targets(m, n) for m, n in _imports(name))) - {name}
         for name in MODULES}


def test_the_graph_is_the_package():
    assert {"nnscratch", "nnscratch.estimator", "nnscratch.io", "nnscratch.engine.training",
            "nnscratch.cli.train"} <= set(GRAPH)
    assert "nnscratch.estimator" in GRAPH["nnscratch.cli._model"]  # edges are found
    assert "nnscratch.engine" in GRAPH["nnscratch.estimator"]
    assert all(target in MODULES for targets in GRAPH.values() for target in targets)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a list of modules, first = last), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle():
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH) or [])


def test_engine_imports_nothing_above_it():
    bad = {name: sorted(t for t in targets if not t.startswith("nnscratch.engine"))
           for name, targets in GRAPH.items() if name.startswith("nnscratch.engine")}
    assert not {k: v for k, v in bad.items() if v}


def test_io_knows_model_files_not_estimators():
    assert GRAPH["nnscratch.io"] <= {"nnscratch._version", "nnscratch.engine.activations"}
    assert GRAPH["nnscratch._version"] == set()  # importable from anywhere, no cycle possible


# the engine's training and saving machinery, and model writing: the CLI goes through
# MLPClassifier (fit, save) and nnscratch.load instead
CLI_FORBIDDEN_MODULES = {"nnscratch.engine.training", "nnscratch.engine.network",
                         "nnscratch.engine.params", "nnscratch.engine.optimizers"}
CLI_FORBIDDEN_NAMES = {"train", "forward_backward", "Params", "Optimizer", "GD", "Momentum",
                       "Adam", "get_optimizer", "write_model", "ModelData", "fit_network"}


def test_cli_trains_and_saves_through_the_estimator():
    problems = []
    for name in (n for n in MODULES if n.startswith("nnscratch.cli")):
        for module, names in _imports(name):
            if not module.startswith("nnscratch"):
                continue
            if module in CLI_FORBIDDEN_MODULES:
                problems.append(f"{name} imports {module}")
            if module.startswith(("nnscratch.engine", "nnscratch.io")):
                problems += [f"{name} imports {n} from {module}" for n in names
                             if n in CLI_FORBIDDEN_NAMES]
    assert not problems


def _private_sklearn(module: str, names: list[str]) -> list[str]:
    parts = module.split(".")
    if parts[0] not in ("sklearn", "sklearn_compat"):
        return []
    if any(p.startswith("_") for p in parts[1:]):
        return [module]
    return [f"{module}.{n}" for n in names if n.startswith("_")]


def test_private_name_detector():
    assert _private_sklearn("sklearn.utils._param_validation", ["Interval"])
    assert _private_sklearn("sklearn.base", ["_fit_context", "BaseEstimator"]) == [
        "sklearn.base._fit_context"]
    assert _private_sklearn("sklearn_compat.utils._tags", []) == ["sklearn_compat.utils._tags"]
    assert not _private_sklearn("sklearn.utils.validation", ["validate_data"])
    assert not _private_sklearn("nnscratch._version", ["__version__"])


def test_no_private_scikit_learn_name_in_src():
    used = [f"{name}: {hit}" for name in MODULES for module, names in _imports(name)
            for hit in _private_sklearn(module, names)]
    attributes = []  # sklearn.x._y reached by attribute access
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                chain = node.value
                while isinstance(chain, ast.Attribute):
                    chain = chain.value
                if isinstance(chain, ast.Name) and chain.id in ("sklearn", "sklearn_compat"):
                    attributes.append(f"{name}: {ast.unparse(node)}")
    assert not used and not attributes


# --- python -m nnscratch is the nnscratch command ------------------------------------------
def _console_script() -> list[str]:
    """The ``nnscratch`` program as pip installs it: pyproject's ``[project.scripts]`` entry
    point called the way the generated script calls it."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    scripts = text.split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    module, function = re.search(r'^nnscratch\s*=\s*"([\w.]+):(\w+)"', scripts, re.M).groups()
    code = (f"import sys; sys.argv[0] = 'nnscratch'; from {module} import {function}; "
            f"sys.exit({function}())")
    return [sys.executable, "-c", code]


@pytest.mark.parametrize("args, code", [
    (["--help"], 0), (["--version"], 0), (["train", "--help"], 0),
    (["gradcheck", "--hidden", "3,x"], 2), (["predict"], 2), (["nope"], 2),
], ids=lambda v: " ".join(v) if isinstance(v, list) else str(v))
def test_python_m_nnscratch_is_the_command(args, code, tmp_path):
    runs = [subprocess.run(command + args, capture_output=True, text=True, timeout=120,
                           cwd=tmp_path)
            for command in (_console_script(), [sys.executable, "-m", "nnscratch"])]
    script, module = ((r.returncode, r.stdout, r.stderr) for r in runs)
    assert module == script  # exit code, standard output, standard error
    assert module[0] == code and (module[1] or module[2])


@pytest.mark.parametrize("code", [
    "import nnscratch",
    "import nnscratch.cli",
    "from nnscratch.cli import build_parser; build_parser().parse_args(['train', '--epochs', '1'])",
])
def test_the_command_line_starts_without_scikit_learn_and_matplotlib(code):
    """`nnscratch --version`, `--help` and argument errors answer at once: scikit-learn (1.5 s
    with its scipy.stats and pandas imports) and matplotlib load only in the commands that use
    them, and the package's public names load on first use."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in ('sklearn', 'matplotlib', 'scipy') " \
            "if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "[]"


def test_lazy_public_names_are_the_real_ones():
    import nnscratch
    from nnscratch.estimator import MLPClassifier, load
    from nnscratch.io import ModelFileError

    assert (nnscratch.MLPClassifier, nnscratch.load, nnscratch.ModelFileError) == \
        (MLPClassifier, load, ModelFileError)
    assert set(nnscratch.__all__) <= set(dir(nnscratch))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nnscratch.nope  # noqa: B018
