"""Headless figure creation and saving (no pyplot state, no display needed)."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(figsize: tuple[float, float] = (6.0, 4.5)) -> Figure:
    """A Figure attached to the Agg canvas: works without a display, leaves pyplot untouched."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = (6.0, 4.5)) -> Axes:
    """``ax`` itself, or the axes of a new headless figure."""
    if ax is not None:
        return ax
    return new_figure(figsize).add_subplot()


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """Write ``fig`` as PNG (folders created as needed); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
