"""Figures, with matplotlib's object API only: every function takes ``ax=None`` and returns it.

Nothing here calls ``plt.show()``; figures are saved by the caller (``save_figure``).
"""

from nnscratch.viz.boundary import plot_data, plot_decision_boundary
from nnscratch.viz.curves import plot_loss_curve
from nnscratch.viz.figures import new_axes, new_figure, save_figure

__all__ = [
    "new_axes",
    "new_figure",
    "plot_data",
    "plot_decision_boundary",
    "plot_loss_curve",
    "save_figure",
]
