"""Headless figure creation and saving (no pyplot state, no display needed)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


@dataclass(frozen=True)
class Margins:
    """Fixed subplot margins, the arguments of matplotlib's ``Figure.subplots_adjust``.

    Constrained layout (the default of :func:`new_figure`) finds room for every label, title and
    colour bar, at the price of a layout pass before each save. Fixed margins skip that pass but
    fit only the figure they were chosen for: its size, tick labels, titles and colour bars.

    Attributes
    ----------
    left, bottom, right, top : float
        Edges of the subplot area, as fractions of the figure's width and height.
    wspace, hspace : float, optional
        Gaps between subplots, as fractions of the mean axes width and height (None: keep
        matplotlib's).
    """

    left: float
    bottom: float
    right: float
    top: float
    wspace: float | None = None
    hspace: float | None = None


def new_figure(figsize: tuple[float, float] = (6.0, 4.5), margins: Margins | None = None) -> Figure:
    """A Figure attached to the Agg canvas: works without a display, leaves pyplot untouched.

    Parameters
    ----------
    figsize : (width, height) in inches
    margins : fixed margins instead of constrained layout (for a figure checked by eye with them)

    Returns
    -------
    fig : Figure
    """
    if margins is None:
        fig = Figure(figsize=figsize, layout="constrained")
    else:
        fig = Figure(figsize=figsize)
        fig.subplots_adjust(**dataclasses.asdict(margins))  # before any axes or colour bar
    FigureCanvasAgg(fig)
    return fig


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = (6.0, 4.5),
             margins: Margins | None = None) -> Axes:
    """``ax`` itself, or the axes of a new headless figure (see :func:`new_figure`)."""
    if ax is not None:
        return ax
    return new_figure(figsize, margins).add_subplot()


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 100) -> Path:
    """Write ``fig`` as PNG (folders created as needed); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
