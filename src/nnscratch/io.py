"""Model files without pickle: an ``.npz`` of plain arrays plus JSON metadata, written atomically.

Layout of a model file (a zip archive, as :func:`numpy.savez` writes it)::

    metadata       uint8 (n_bytes,)            UTF-8 JSON, the schema below
    coef_0 ...     float (n_in, n_out)         W_1 ... W_L
    intercept_0 .. float (n_out,)              b_1 ... b_L
    classes        int/uint/float/bool/str (n_classes,), sorted, unique

    metadata = {"format": "nnscratch-model", "format_version": 1, "nnscratch_version": "0.1.0",
                "estimator": "MLPClassifier", "hyperparameters": {...}, "layer_sizes": [2, 3, 2],
                "activations": ["tanh"], "output": "softmax", "dtype": "float64", "fitted": {...},
                "unsaved_hyperparameters": [...],   (those that are not data: saved as None)
                "notes": {...}}                      (optional: what the writing program adds)

This module knows model files, not estimators: :func:`write_model` takes a :class:`ModelData` (plain
arrays and JSON data) and :func:`read_model` returns one. :class:`~nnscratch.MLPClassifier` turns
itself into one (``to_model_data``, ``save``) and builds itself from one (``from_model_data``,
``nnscratch.load``).

Nothing is ever unpickled: every member is parsed from its ``.npy`` header and raw bytes, after the
header's dtype, shape and size are checked against the metadata, so a file can neither run code
nor ask for an absurd allocation. Anything wrong (random bytes, a truncated or tampered file, a file
of another program, a newer format) raises :class:`ModelFileError`, a ``ValueError`` that names the
file and the problem.

Writes are atomic: the archive goes to a temporary file in the destination folder, is flushed and
fsync'ed, then renamed over the destination with :func:`os.replace`, and the folder is fsync'ed.
A crash or kill at any moment leaves either the old file or the new one, never a mixture (at most a
hidden ``.NAME.*.tmp`` file stays behind).
"""

from __future__ import annotations

import io
import json
import math
import os
import secrets
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np

from nnscratch._version import __version__
from nnscratch.engine.activations import ACTIVATIONS

FORMAT = "nnscratch-model"
FORMAT_VERSION = 1
MAX_METADATA_BYTES = 1 << 24  # 16 MiB of JSON is far beyond any real model's metadata
DTYPES = ("float32", "float64")
CLASS_KINDS = "biufU"  # bool, int, uint, float, unicode str: what loads without pickle

PathLike = str | os.PathLike[str]


class _Invalid(ValueError):
    """A problem found while checking a model; read_model turns it into ModelFileError."""


class ModelFileError(ValueError):
    """A model file is not a valid nnscratch model (truncated, tampered, foreign or too new).

    Parameters
    ----------
    path : str or path-like
        The file.
    problem : str
        What is wrong with it.
    """

    def __init__(self, path: PathLike, problem: str) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path!s} is not a valid nnscratch model file: {problem}")


@dataclass
class ModelData:
    """A fitted network as plain data: what a model file holds.

    Parameters
    ----------
    coefs : list of ndarray of shape (layer_sizes[l], layer_sizes[l + 1])
    intercepts : list of ndarray of shape (layer_sizes[l + 1],)
    classes : ndarray of shape (n_classes,), sorted and unique
    activations : list of str, one per hidden layer
    estimator : str, the class that wrote it (``'MLPClassifier'``)
    hyperparameters : dict, the estimator's ``get_params()`` (JSON values)
    fitted : dict, other fitted attributes worth keeping (JSON values: ``n_iter_``, ...)
    notes : dict, JSON data for the program that wrote the file (``nnscratch train`` keeps its
        command, label column and stop reason there); no reader depends on it
    nnscratch_version : str, filled in by :func:`write_model`
    """

    coefs: list[np.ndarray]
    intercepts: list[np.ndarray]
    classes: np.ndarray
    activations: list[str]
    estimator: str = "MLPClassifier"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    fitted: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    nnscratch_version: str = ""

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.coefs[0].shape[0], *(c.shape[1] for c in self.coefs))

    @property
    def dtype(self) -> np.dtype:
        return self.coefs[0].dtype


# --- writing ---------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """``value`` as JSON data (tuples become lists, NumPy scalars Python numbers).

    Raises ``TypeError`` for anything else (a RandomState, a callable, ...).
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "biuf":
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: jsonable(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _metadata(model: ModelData) -> dict[str, Any]:
    hyper, unsaved = {}, []  # a RandomState or a callable cannot be saved as data: None
    for key, value in model.hyperparameters.items():
        try:
            hyper[key] = jsonable(value)
        except TypeError:
            hyper[key] = None
            unsaved.append(key)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "nnscratch_version": __version__,
        "estimator": model.estimator,
        "hyperparameters": hyper,
        "unsaved_hyperparameters": unsaved,
        "layer_sizes": list(model.layer_sizes),
        "activations": list(model.activations),
        "output": "softmax",
        "dtype": str(model.dtype),
        "fitted": jsonable(model.fitted),
        "notes": _notes(model.notes),
    }


def _notes(notes: dict[str, Any]) -> Any:
    try:
        return jsonable(notes)
    except TypeError as exc:
        raise ValueError(f"notes must be JSON data (str keys; numbers, strings, lists, dicts, "
                         f"None): {exc}") from None


def _arrays(model: ModelData) -> dict[str, np.ndarray]:
    """The archive's members, checked: a file we write must load."""
    n_layers = len(model.coefs)
    if n_layers < 1 or len(model.intercepts) != n_layers:
        raise ValueError(f"need as many intercepts as coefs, at least one; got "
                         f"{n_layers} coefs and {len(model.intercepts)} intercepts")
    classes = np.asarray(model.classes)
    if classes.dtype == object:  # strings held as objects, as pandas gives them
        if not all(isinstance(c, str) for c in classes.tolist()):
            raise ValueError("class labels must be numbers, booleans or strings to be saved")
        classes = classes.astype(str)
    meta = json.dumps(_metadata(model), allow_nan=True, ensure_ascii=False).encode("utf-8")
    arrays = {"metadata": np.frombuffer(meta, dtype=np.uint8)}
    for l, (W, b) in enumerate(zip(model.coefs, model.intercepts)):
        arrays[f"coef_{l}"] = np.ascontiguousarray(W)
        arrays[f"intercept_{l}"] = np.ascontiguousarray(b)
    arrays["classes"] = classes
    _check_arrays(json.loads(meta), arrays, "the model to save")
    return arrays


def write_model(path: PathLike, model: ModelData) -> Path:
    """Write ``model`` to ``path`` atomically (the name is used as given; no suffix is added).

    Returns
    -------
    path : Path, the file written
    """
    arrays = _arrays(model)
    # (cast: the stubs' allow_pickle=)
    return write_atomic(path, lambda f: np.savez(f, **cast(dict[str, Any], arrays)))


def write_atomic(path: PathLike, data: bytes | Callable[[BinaryIO], object]) -> Path:
    """Write ``data`` (bytes, or a function writing into a binary file) to ``path`` so that a
    crash leaves the old file or the new one, whole.

    The bytes go to a hidden temporary file in the destination folder (created exclusively,
    never through somebody else's file), are flushed and fsync'ed, then renamed over ``path``
    (:func:`os.replace`) and the folder is fsync'ed. On any error the temporary file is removed
    and ``path`` is untouched.

    Returns
    -------
    path : Path, the file written
    """
    path = Path(path)
    folder = path.parent
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # O_EXCL: never write through somebody else's file; mode 0o666 minus the umask, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            if isinstance(data, bytes):
                f.write(data)
            else:
                data(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return path


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened (Windows)."""
    try:
        dfd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# --- reading ---------------------------------------------------------------------------------
def read_model(path: PathLike) -> ModelData:
    """Read and validate a model file.

    Raises
    ------
    ModelFileError
        The file is not a valid model file (the message says why).
    OSError
        The file cannot be opened (missing, a folder, no permission).
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        return _parse(_read_members(data))
    except _Invalid as exc:
        raise ModelFileError(path, str(exc)) from None
    except Exception as exc:  # zipfile, zlib, bz2, lzma raise many types on corrupt input
        problem = str(exc) or type(exc).__name__
        raise ModelFileError(path, f"the archive is truncated or damaged ({problem})") from exc


def _read_members(data: bytes) -> dict[str, bytes]:
    """Raw ``.npy`` bytes of every member of the archive, by name without ``.npy``."""
    if not data:
        raise _Invalid("the file is empty")
    if not data.startswith(b"PK\x03\x04"):
        raise _Invalid("it is not a zip archive (.npz); did you pass the right file?")
    limit = 64 * len(data) + (1 << 20)  # no member may inflate beyond this (zip bombs)
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy") or info.filename[:-4] in members:
                raise _Invalid(f"unexpected archive member {info.filename!r}")
            if info.file_size > limit:
                raise _Invalid(f"member {info.filename!r} claims {info.file_size} bytes")
            with zf.open(info) as member:
                members[info.filename[:-4]] = member.read(limit + 1)
    return members


def _npy(name: str, raw: bytes) -> np.ndarray:
    """Parse one ``.npy`` member without pickle, checking the header against the byte count."""
    f = io.BytesIO(raw)
    try:
        major, _ = np.lib.format.read_magic(f)
        if major == 1:
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif major == 2:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f"unsupported .npy version {major}")
    except Exception as exc:  # header text is parsed by ast.literal_eval: many error types
        raise _Invalid(f"array {name!r} has a bad header ({exc})") from None
    if min(shape, default=0) < 0:
        raise _Invalid(f"array {name!r} has a negative dimension in shape {shape}")
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise _Invalid(f"array {name!r} holds {dtype}, not plain numbers or strings")
    count = math.prod(shape)
    body = len(raw) - f.tell()
    if count * dtype.itemsize != body:
        raise _Invalid(f"array {name!r} has {body} data bytes for shape {shape} of {dtype} "
                       f"({count * dtype.itemsize} expected): truncated or tampered")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=f.tell())
    return arr.reshape(shape, order="F" if fortran else "C").copy()


_SCHEMA: dict[str, type | tuple[type, ...]] = {
    "format": str, "format_version": int, "nnscratch_version": str, "estimator": str,
    "hyperparameters": dict, "layer_sizes": list, "activations": list, "output": str,
    "dtype": str, "fitted": dict,
}


def _parse(raw: dict[str, bytes]) -> ModelData:
    if "metadata" not in raw:
        raise _Invalid("no 'metadata' member; it was not written by nnscratch")
    meta_arr = _npy("metadata", raw["metadata"])
    if meta_arr.dtype != np.uint8 or meta_arr.ndim != 1 or meta_arr.size > MAX_METADATA_BYTES:
        raise _Invalid("'metadata' must be a 1-D uint8 array of UTF-8 JSON")
    try:
        meta = json.loads(meta_arr.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _Invalid(f"metadata is not UTF-8 JSON ({exc})") from None
    _check_metadata(meta)
    n_layers = len(meta["layer_sizes"]) - 1
    expected = {"metadata", "classes", *(f"{kind}_{l}" for l in range(n_layers)
                                         for kind in ("coef", "intercept"))}
    if set(raw) != expected:
        missing, extra = sorted(expected - set(raw)), sorted(set(raw) - expected)
        raise _Invalid(f"arrays do not match the metadata (missing {missing}, unexpected {extra})")
    arrays = {name: _npy(name, data) for name, data in raw.items() if name != "metadata"}
    arrays["metadata"] = meta_arr
    _check_arrays(meta, arrays, "the file")
    return ModelData(
        coefs=[arrays[f"coef_{l}"] for l in range(n_layers)],
        intercepts=[arrays[f"intercept_{l}"] for l in range(n_layers)],
        classes=arrays["classes"],
        activations=list(meta["activations"]),
        estimator=meta["estimator"],
        hyperparameters=meta["hyperparameters"],
        fitted=meta["fitted"],
        notes=meta.get("notes", {}),
        nnscratch_version=meta["nnscratch_version"],
    )


def _check_metadata(meta: Any) -> None:
    if not isinstance(meta, dict):
        raise _Invalid("metadata is not a JSON object")
    if meta.get("format") != FORMAT:
        raise _Invalid(f"metadata 'format' is {meta.get('format')!r}, not {FORMAT!r}")
    version = meta.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise _Invalid(f"it has format version {version}, newer than this nnscratch reads "
                       f"({FORMAT_VERSION}); upgrade nnscratch to load it")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise _Invalid(f"unknown format version {version!r}; this nnscratch reads "
                       f"{FORMAT_VERSION}")
    for key, kind in _SCHEMA.items():
        if not isinstance(meta.get(key), kind):
            raise _Invalid(f"metadata {key!r} must be a {getattr(kind, '__name__', kind)}; "
                           f"got {meta.get(key)!r:.80}")
    sizes, acts = meta["layer_sizes"], meta["activations"]
    if len(sizes) < 2 or not all(type(s) is int and s >= 1 for s in sizes):
        raise _Invalid(f"layer_sizes must be at least two integers >= 1; got {sizes!r:.80}")
    if len(acts) != len(sizes) - 2 or not all(isinstance(a, str) and a in ACTIVATIONS
                                               for a in acts):
        raise _Invalid(f"activations must name one known activation per hidden layer "
                       f"({len(sizes) - 2}); got {acts!r:.80}")
    if meta["output"] != "softmax":
        raise _Invalid(f"unknown output {meta['output']!r}; this nnscratch reads 'softmax'")
    if not isinstance(meta.get("notes", {}), dict):
        raise _Invalid(f"metadata 'notes' must be a dict; got {meta['notes']!r:.80}")
    if meta["dtype"] not in DTYPES:
        raise _Invalid(f"dtype must be one of {', '.join(DTYPES)}; got {meta['dtype']!r}")


def _check_arrays(meta: dict[str, Any], arrays: Mapping[str, np.ndarray], where: str) -> None:
    """Shapes and dtypes against the metadata; finite weights; sorted unique classes."""
    sizes: Sequence[int] = meta["layer_sizes"]
    dtype = np.dtype(meta["dtype"])
    for l in range(len(sizes) - 1):
        for name, shape in ((f"coef_{l}", (sizes[l], sizes[l + 1])),
                            (f"intercept_{l}", (sizes[l + 1],))):
            arr = arrays[name]
            if arr.dtype != dtype or arr.shape != shape:
                raise _Invalid(f"{where}: array {name!r} is {arr.dtype} of shape {arr.shape}; "
                               f"the layer sizes {list(sizes)} need {dtype} of shape {shape}")
            if not np.isfinite(arr).all():
                raise _Invalid(f"{where}: array {name!r} contains NaN or infinity")
    classes = arrays["classes"]
    if classes.dtype.kind not in CLASS_KINDS or classes.shape != (sizes[-1],):
        raise _Invalid(f"{where}: 'classes' is {classes.dtype} of shape {classes.shape}; need "
                       f"{sizes[-1]} numbers, booleans or strings")
    if classes.dtype.kind == "f" and not np.isfinite(classes).all():
        raise _Invalid(f"{where}: 'classes' contains NaN or infinity")
    if classes.size > 1 and not bool(np.all(classes[1:] > classes[:-1])):
        raise _Invalid(f"{where}: 'classes' must be sorted and unique; "
                       f"got {classes.tolist()!r:.80}")


__all__ = ["FORMAT_VERSION", "ModelData", "ModelFileError", "jsonable", "read_model",
           "write_atomic", "write_model"]
