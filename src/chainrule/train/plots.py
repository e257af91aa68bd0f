"""Pictures of a training run: the cost curve, the decision boundary, per-layer gradient norms.

Each function returns a :class:`matplotlib.figure.Figure` (a :class:`PlotFigure`) built without
``pyplot``: no global state, no GUI backend (PNGs render with Agg, display or not), and a notebook
shows the returned figure inline through its ``_repr_png_``. :func:`save_plots` writes the PNGs
of a run, each atomically through ``chainrule.io``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ..errors import DataError
from ..io import write_bytes_atomic
from ..nets import Network
from .history import History

__all__ = [
    "PlotFigure",
    "cost_curve",
    "decision_boundary",
    "gradient_norms",
    "save_figure",
    "save_plots",
]

_SIZE = (6.4, 4.2)


class PlotFigure(Figure):
    """A Figure that shows itself inline in a notebook, even where pyplot was never imported."""

    def _repr_png_(self) -> bytes:
        return _png(self)


def _png(fig: Figure, dpi: int = 120) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)  # the Agg renderer: no display needed
    return buf.getvalue()


def cost_curve(history: History, title: str | None = None) -> Figure:
    """The cost J against iterations (or epochs)."""
    fig = PlotFigure(figsize=_SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(history.steps, history.costs, color="tab:blue", lw=1.5)
    ax.set_xlabel(history.unit)
    ax.set_ylabel("cost J")
    ax.set_title(title or f"cost ({history.optimizer}, learning rate {history.lr:g})")
    ax.grid(alpha=0.3)
    return fig


def decision_boundary(
    net: Network,
    params: Mapping[str, np.ndarray] | History,
    X: np.ndarray,
    Y: np.ndarray,
    title: str | None = None,
    resolution: int = 300,
) -> Figure:
    """The classes the network predicts over the plane, with the examples on top (2-D data)."""
    params = params.params if isinstance(params, History) else params
    cols = net.spec.layout == "columns"
    P = np.asarray(X) if cols else np.asarray(X).T
    if P.ndim != 2 or P.shape[0] != 2:
        raise DataError(f"a decision boundary needs 2 input features, not X of shape {X.shape}")
    labels = _labels(np.asarray(Y), P.shape[1], cols)
    (x0, x1), (y0, y1) = [(r.min() - 0.5, r.max() + 0.5) for r in P]
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.vstack([gx.ravel(), gy.ravel()])
    Z = np.asarray(net.predict(params, grid if cols else grid.T), dtype=float).reshape(gx.shape)
    fig = PlotFigure(figsize=(5.6, 5.0), layout="constrained")
    ax = fig.add_subplot()
    if net.spec.output in ("sigmoid", "softmax"):  # one colour per class, the same for points
        k = max(int(labels.max()), int(Z.max()), 1) + 1
        norm = Normalize(-0.5, k - 0.5)
        ax.contourf(gx, gy, Z, levels=np.arange(k + 1) - 0.5, cmap="Spectral", norm=norm, alpha=0.8)
    else:  # a regression output: its value over the plane
        norm = None
        fig.colorbar(ax.contourf(gx, gy, Z, levels=20, cmap="Spectral", alpha=0.8), ax=ax)
    ax.scatter(P[0], P[1], c=labels, cmap="Spectral", norm=norm, s=14, edgecolors="k", lw=0.4)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title or f"decision boundary, {net.describe()}")
    return fig


def _labels(Y: np.ndarray, m: int, cols: bool) -> np.ndarray:
    """One class label per example, from labels or one-hot rows/columns."""
    Y = Y if cols or Y.ndim < 2 else Y.T
    if Y.ndim == 2 and Y.shape[0] > 1:
        return np.argmax(Y, axis=0)
    return Y.reshape(m)


def gradient_norms(history: History, title: str | None = None) -> Figure:
    """‖dW[l]‖_F per layer during training, on a log scale: vanishing or exploding gradients."""
    fig = PlotFigure(figsize=_SIZE, layout="constrained")
    ax = fig.add_subplot()
    for name, norms in history.grad_norms.items():
        ax.plot(history.norm_steps, norms, lw=1.3, label=f"‖dW[{name[2:]}]‖")
    if any(v > 0 for norms in history.grad_norms.values() for v in norms):
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("Frobenius norm")
    ax.set_title(title or "gradient norm per layer")
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return fig


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Render ``fig`` as PNG and write it atomically."""
    return write_bytes_atomic(path, _png(fig, dpi))


def save_plots(
    folder: str | os.PathLike,
    history: History,
    net: Network | None = None,
    X: np.ndarray | None = None,
    Y: np.ndarray | None = None,
) -> list[Path]:
    """``cost.png``, ``gradient_norms.png`` and, for 2-D data, ``decision_boundary.png``."""
    folder = Path(folder)
    paths = [save_figure(cost_curve(history), folder / "cost.png")]
    if history.grad_norms:
        paths.append(save_figure(gradient_norms(history), folder / "gradient_norms.png"))
    if net is not None and X is not None and Y is not None and net.spec.layers[0] == 2:
        fig = decision_boundary(net, history, X, Y)
        paths.append(save_figure(fig, folder / "decision_boundary.png"))
    return paths
