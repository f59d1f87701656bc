"""Figures, with matplotlib's object API only: every function takes ``ax=None`` and returns it.

Nothing here opens a window (no pyplot show); figures are saved by the caller (``save_figure``).
``write_report`` turns saved figures, tables and settings into a static ``index.html``.
"""

from nnscratch.viz.activation_maps import plot_activation_maps
from nnscratch.viz.animate import Snapshots, animate_boundary
from nnscratch.viz.boundary import plot_data, plot_decision_boundary, plot_probability_boundary
from nnscratch.viz.curves import plot_loss_curve
from nnscratch.viz.figures import Margins, new_axes, new_figure, save_figure
from nnscratch.viz.network_graph import plot_network
from nnscratch.viz.report import Image, Section, Table, write_report

__all__ = [
    "Image",
    "Margins",
    "Section",
    "Snapshots",
    "Table",
    "animate_boundary",
    "new_axes",
    "new_figure",
    "plot_activation_maps",
    "plot_data",
    "plot_decision_boundary",
    "plot_loss_curve",
    "plot_network",
    "plot_probability_boundary",
    "save_figure",
    "write_report",
]
