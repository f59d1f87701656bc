"""``nnscratch export``: a saved model (``train --save``, ``MLPClassifier.save``) as ONNX or as the
weights of a PyTorch ``Sequential``.

``--onnx FILE`` writes an ONNX model (input ``X``, outputs ``probabilities`` and ``label``; the
class labels in its metadata), checked by ``onnx.checker``; needs ``pip install 'nnscratch[onnx]'``.
``--torch FILE`` writes the ``state_dict`` of ``nnscratch.load(MODEL).to_torch()`` with
``torch.save``: tensors only, for ``torch.load(FILE, weights_only=True)``; needs
``pip install 'nnscratch[torch]'``. Files are written atomically: a failed export leaves nothing.
"""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path
from typing import Any

from nnscratch.cli._common import CLIError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="export a saved model to ONNX or PyTorch",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, metavar="FILE", help="model file (.npz)")
    p.add_argument("--onnx", metavar="FILE", help="write an ONNX model here")
    p.add_argument("--torch", metavar="FILE", help="write the torch Sequential's state_dict here")
    p.set_defaults(run=run)


def _check_target(path: str, option: str) -> None:
    target = Path(path)
    folder = target.parent
    problem = None
    if target.is_dir():
        problem = "it is a folder"
    elif not folder.is_dir():
        problem = f"folder {str(folder)!r} does not exist"
    elif not os.access(folder, os.W_OK):
        problem = f"folder {str(folder)!r} is not writable"
    if problem:
        raise CLIError(f"cannot write {option} {path!r}: {problem}; pass another path")


def run(args: argparse.Namespace) -> int:
    from nnscratch import export
    from nnscratch.io import read_model, write_atomic

    if args.onnx is None and args.torch is None:
        raise CLIError("nothing to export: give --onnx FILE and/or --torch FILE")
    for path, option in ((args.onnx, "--onnx"), (args.torch, "--torch")):
        if path is not None:
            _check_target(path, option)
    model = read_model(args.model)  # ModelFileError / OSError: "error: ..." from main
    try:
        if args.onnx is not None:
            print(f"wrote {export.to_onnx(model, args.onnx)}")
        if args.torch is not None:
            seq = export.to_torch(model)  # the ImportError that names the extra
            import torch

            buffer = io.BytesIO()
            torch.save(seq.state_dict(), buffer)
            print(f"wrote {write_atomic(args.torch, buffer.getvalue())}")
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    return 0
