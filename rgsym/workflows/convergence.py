"""Convergence: critical exponents against the truncation order.

A polynomial truncation is only trustworthy once its exponents stop moving
when the order grows.  :func:`run_convergence` derives the spec at each order
(one derivation per order, kept by :mod:`rgsym.cache`), finds the critical
fixed point and records nu and omega; :func:`plot_convergence` draws them with
the converged literature value when the spec is a known case
(:data:`KNOWN_CASES`).  Expanded around the running minimum the LPA converges
quickly; around zero field it converges slowly and oscillates (Litim,
Nucl. Phys. B631 (2002) 128, hep-th/0203006, sec. 5; Aoki et al.,
Prog. Theor. Phys. 99 (1998) 451, hep-th/9803056).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rgsym.errors import RGSymError, SolveError, SpecError
from rgsym.solve.spectrum import theta_json
from rgsym.spec import MAX_ORDER, MAX_VERTEX_ORDER, TheorySpec

#: Called after each order with (orders done, orders in all), e.g. a progress bar.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class KnownCase:
    """A truncation whose converged exponents are published.

    Attributes
    ----------
    name
        What the case is, in words.
    canonical
        The spec's canonical form (:attr:`rgsym.spec.TheorySpec.canonical`) without the
        truncation order, the expansion point and field names, with the regulator
        amplitude ``alpha`` spelled out; a spec matches when these agree exactly.
    nu, omega
        The converged values (the limit of infinite polynomial order).
    source
        Where the values are published.
    """

    name: str
    canonical: dict[str, Any]
    nu: float
    omega: float
    source: str


#: The known cases, in one place (values from ../shared/REFERENCES.md).
KNOWN_CASES: tuple[KnownCase, ...] = (
    KnownCase(
        name="3D Ising, LPA, Litim regulator",
        canonical={"flow": {"equation": "wetterich"}, "regulator": {"alpha": 1.0, "kind": "litim"},
                   "theory": {"d": "3", "fields": [{"N": "1"}]},
                   "truncation": {"potential": "polynomial", "scheme": "lpa"}},
        nu=0.649561773881,
        omega=0.655745939193,
        source="Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006; "
               "Bervillier, Juttner, Litim, Nucl. Phys. B783 (2007) 213, hep-th/0701172",
    ),
)


def _comparable(spec: TheorySpec) -> dict[str, Any]:
    """The spec's canonical form without what :class:`KnownCase` ignores."""
    data: dict[str, Any] = json.loads(spec.canonical)
    truncation = data.get("truncation", {})
    truncation.pop("order", None)
    truncation.pop("expand_around", None)
    for field in data.get("theory", {}).get("fields", []):
        if isinstance(field, dict):
            field.pop("name", None)
    regulator = data.get("regulator", {})
    if regulator.get("kind") == "litim":
        regulator["alpha"] = float(regulator.get("alpha", 1.0))
    return data


def known_case(spec: TheorySpec) -> KnownCase | None:
    """The entry of :data:`KNOWN_CASES` the spec is an instance of, if any.

    Parameters
    ----------
    spec
        Any spec; its order and expansion point do not matter.

    Returns
    -------
    KnownCase or None

    Examples
    --------
    >>> from rgsym.spec import load_spec
    >>> known_case(load_spec("derivations/on_lpa.toml")).nu
    0.649561773881
    >>> known_case(load_spec("derivations/on_lpa.toml", ["theory.N=2"])) is None
    True
    """
    data = _comparable(spec)
    return next((case for case in KNOWN_CASES if case.canonical == data), None)


@dataclass(frozen=True)
class OrderResult:
    """The exponents at one truncation order (``error`` says why there are none)."""

    order: int
    nu: float | None
    omega: float | None
    theta: tuple[complex, ...] = ()
    error: str | None = None
    eta: float | None = None
    #: False when the full potential of the same LPA disagrees (see :class:`Convergence`).
    converged: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready dictionary.

        Complex thetas are written as ``{"re": ..., "im": ...}``, real ones as numbers.

        Returns
        -------
        dict
            Keys ``order``, ``nu``, ``omega``, ``theta``, ``eta`` for LPA' (when there are
            exponents), ``converged`` (false) when the full potential disagrees, and ``error``
            when there is one.
        """
        data: dict[str, Any] = {"order": self.order, "nu": self.nu, "omega": self.omega,
                                "theta": [theta_json(t) for t in self.theta]}
        if self.eta is not None:
            data["eta"] = self.eta
        if not self.converged:
            data["converged"] = False
        if self.error:
            data["error"] = self.error
        return data


@dataclass(frozen=True)
class Convergence:
    """nu and omega at each truncation order of one spec.

    ``reference`` is the matching :class:`KnownCase`, if any; ``full_potential`` the exponents
    of the whole potential of the same LPA away from d = 3 (the other route: an order farther
    from it than :data:`rgsym.workflows.routes.ROUTE_AGREEMENT` is flagged as not converged).
    In Jupyter the object shows as a plot (``_repr_png_``, when matplotlib is installed) or as a
    table.
    """

    source: str
    description: str
    results: tuple[OrderResult, ...]
    reference: KnownCase | None
    full_potential: Any = None

    def as_dict(self) -> dict[str, Any]:
        """The results as a JSON-ready dictionary.

        Returns
        -------
        dict
            Keys ``spec``, ``description``, ``orders`` (one :meth:`OrderResult.as_dict` per
            order) and ``reference`` (name, nu, omega and source of the known case, or None).
        """
        ref = self.reference
        return {
            "spec": self.source,
            "description": self.description,
            "orders": [r.as_dict() for r in self.results],
            "reference": None if ref is None else {"name": ref.name, "nu": ref.nu, "omega": ref.omega,
                                                   "source": ref.source},
            **({} if self.full_potential is None else
               {"full_potential": {"nu": self.full_potential.nu, "omega": self.full_potential.omega}}),
        }

    def _repr_png_(self) -> bytes | None:
        """The plot of :func:`plot_convergence` as PNG bytes (None without matplotlib)."""
        try:
            return render_png(self)
        except SpecError:
            return None

    def _repr_latex_(self) -> str:
        """The table of nu and omega against the order, for Jupyter."""
        from rgsym.solve.fixed_points import latex_number

        def cell(x: float | None) -> str:
            return r"\text{--}" if x is None else latex_number(x)

        rows = [rf"{r.order} & {cell(r.nu)} & {cell(r.omega)}" for r in self.results]
        if self.reference is not None:
            rows.append(rf"\hline \infty & {latex_number(self.reference.nu)} & "
                        rf"{latex_number(self.reference.omega)}")
        body = r" \\ ".join(rows)
        return rf"$$\begin{{array}}{{r|ll}} \text{{order}} & \nu & \omega \\ \hline {body} \end{{array}}$$"


def describe(spec: TheorySpec) -> str:
    """One line naming the truncation, e.g. ``LPA, Z2, d = 3, litim regulator, around minimum``.

    Parameters
    ----------
    spec
        Any spec.

    Returns
    -------
    str
    """
    scheme = {"lpa": "LPA", "vertex": "vertex expansion"}.get(spec.truncation.scheme,
                                                              spec.truncation.scheme.upper())
    return (f"{scheme}, {spec.theory.symmetry}, d = {spec.theory.d}, {spec.regulator.kind} regulator, "
            f"around {spec.truncation.expand_around}")


def parse_orders(text: str, spec: TheorySpec) -> tuple[int, ...]:
    """Read ``--orders``: ``first:last`` (inclusive), ``first:last:step`` or a list ``2,4,8``.

    Raises
    ------
    SpecError
        Naming ``--orders``, for text that is none of these, or orders outside the range the
        spec's scheme allows (1 to :data:`~rgsym.spec.MAX_ORDER`; 2 to
        :data:`~rgsym.spec.MAX_VERTEX_ORDER` for the vertex scheme).

    Examples
    --------
    >>> from rgsym.spec import load_spec
    >>> parse_orders("2:6", load_spec("derivations/on_lpa.toml"))
    (2, 3, 4, 5, 6)
    >>> parse_orders("4,2,8:12:2", load_spec("derivations/on_lpa.toml"))
    (2, 4, 8, 10, 12)
    """
    low, high = (2, MAX_VERTEX_ORDER) if spec.truncation.scheme == "vertex" else (1, MAX_ORDER)
    shown = text.encode("unicode_escape").decode("ascii")[:40]
    orders: set[int] = set()
    for part in text.split(","):
        bounds = _integers(part.split(":"))
        if bounds is None or not 1 <= len(bounds) <= 3 or (len(bounds) == 3 and bounds[2] <= 0) \
                or bounds[0] > bounds[min(1, len(bounds) - 1)]:
            raise SpecError("", "--orders", f"got {shown!r}; give first:last (e.g. 2:20), first:last:step "
                                            "or a list such as 2,4,8")
        if not (low <= bounds[0] and bounds[min(1, len(bounds) - 1)] <= high):  # before any range
            raise SpecError("", "--orders", f"got {shown!r}; orders run from {low} to {high} for the "
                                            f"{spec.truncation.scheme!r} scheme")
        step = bounds[2] if len(bounds) == 3 else 1
        orders.update(range(bounds[0], bounds[min(1, len(bounds) - 1)] + 1, step))
    return tuple(sorted(orders))


def _integers(texts: Sequence[str]) -> list[int] | None:
    """The texts as integers (at most 6 digits each), or None when one is not one."""
    stripped = [t.strip() for t in texts]
    if not all(t and len(t) <= 6 for t in stripped):
        return None
    try:
        return [int(t) for t in stripped]
    except ValueError:
        return None


def run_convergence(spec: TheorySpec, orders: Sequence[int], progress: Progress | None = None,
                    backend: str = "symengine") -> Convergence:
    """Critical exponents of ``spec`` at each truncation order in ``orders``.

    Parameters
    ----------
    spec
        A polynomial truncation; its own order is replaced (:meth:`TheorySpec.with_order`).
    orders
        The truncation orders, e.g. from :func:`parse_orders`.
    progress
        Called after each order with (done, total).
    backend
        How the betas are evaluated (:data:`rgsym.solve.numeric.BACKENDS`).

    Returns
    -------
    Convergence
        An order where no critical fixed point is found keeps the reason in ``error``.

    Raises
    ------
    SpecError
        For a full-potential spec (it has no truncation order).
    SolveError
        When no order gives exponents; the message lists what failed.

    References
    ----------
    Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006 (convergence of the LPA polynomial
    expansion, table 1 and fig. 3).
    """
    from rgsym.pipeline import critical_exponents

    if spec.truncation.potential != "polynomial":
        raise SpecError(spec.source, "truncation.potential",
                        f"got {spec.truncation.potential!r}; --orders needs 'polynomial' (the full "
                        "potential has no order: use 'rgsym fixed-function')")
    from rgsym.workflows.routes import ROUTE_AGREEMENT, full_potential_check

    full = full_potential_check(spec) if spec.theory.d.is_number and spec.theory.d != 3 else None
    walked = _one_walk(spec, orders, backend)
    results = []
    for done, order in enumerate(orders, start=1):
        try:
            ex = walked.get(order) or critical_exponents(spec.with_order(order), backend=backend)[1]
            eta = ex.eta if spec.truncation.scheme == "lpa'" else None
            converged = (full is None or ex.nu is None
                         or abs(ex.nu - full.nu) <= ROUTE_AGREEMENT * full.nu)
            results.append(OrderResult(order, ex.nu, ex.omega, ex.theta, eta=eta, converged=converged))
        except SolveError as exc:
            results.append(OrderResult(order, None, None, (), str(exc)))
        if progress is not None:
            progress(done, len(orders))
    if all(r.error for r in results):
        raise SolveError(f"no critical fixed point at any order of {list(orders)}; at order "
                         f"{results[0].order}: {results[0].error}")
    return Convergence(spec.source, describe(spec), tuple(results), known_case(spec), full)


def _one_walk(spec: TheorySpec, orders: Sequence[int], backend: str) -> dict[int, Any]:
    """The Wilson-Fisher exponents at each of ``orders``, read off one compiled system.

    The order-m truncation is the first k(m) betas of a higher order with the higher couplings
    set to zero (:mod:`rgsym.solve.fixed_points`), so the highest order is derived and compiled
    once, the fixed points are carried up through the orders once
    (:func:`~rgsym.solve.fixed_points.fixed_points_by_order`), and the exponents at order m come
    from the exact stability matrix of the order-m sub-system.  At each order the answer is
    picked as :func:`rgsym.solve.continuation.anchor_point` picks it (the unique non-Gaussian
    point with one relevant direction).  Per order this is what ``rgsym exponents`` does with
    that order's own derivation, to rounding (both residuals are below
    :data:`~rgsym.solve.fixed_points.RESIDUAL_TOLERANCE`); the walk cost 18 derivations,
    compilations and multi-start searches fewer at ``--orders 2:20``.

    Only for the case ``exponents`` solves at d = 3 this way (one O(N) multiplet, LPA, Wetterich,
    polynomial, symengine's LLVM).  Orders missing from the result (all of them otherwise, and
    any order without a unique such point) go through
    :func:`rgsym.pipeline.critical_exponents`, which says what went wrong.
    """
    from rgsym.solve.continuation import ANCHOR_DIMENSION
    from rgsym.spec_variants import exact_dimension

    theory, truncation = spec.theory, spec.truncation
    if (backend != "symengine" or truncation.scheme != "lpa" or spec.flow.equation != "wetterich"
            or not theory.is_single_multiplet or theory.invariants or not theory.d.is_number
            or len(orders) < 2 or exact_dimension(spec) != ANCHOR_DIMENSION):
        return {}
    from rgsym.pipeline import numeric_system
    from rgsym.solve.continuation import is_wilson_fisher
    from rgsym.solve.exponents import compute_exponents
    from rgsym.solve.fixed_points import as_fixed_points, fixed_points_by_order, restricted

    wanted = set(orders)
    found: dict[int, Any] = {}
    try:
        numeric = numeric_system(spec.with_order(max(orders)), backend)
        for order, current, points in fixed_points_by_order(numeric):
            if order not in wanted or not points:
                continue
            part = restricted(numeric, current.k)
            here = as_fixed_points(current, points, order)
            candidates = [ex for ex in (compute_exponents(part, fp) for fp in here) if is_wilson_fisher(ex)]
            if len(candidates) == 1:
                found[order] = candidates[0]
    except RGSymError:
        return found
    return found


def _figure(conv: Convergence) -> Any:
    """The matplotlib Figure of :func:`plot_convergence` (no pyplot state)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise SpecError("", "--plot", "needs matplotlib: pip install 'rgsym[plot]'") from None
    ref = conv.reference
    fig = Figure(figsize=(6, 8.5 if ref else 6))
    FigureCanvasAgg(fig)
    axes = fig.subplots(3 if ref else 2, 1, sharex=True)
    for ax, name, label in zip(axes[:2], ("nu", "omega"), (r"$\nu$", r"$\omega$"), strict=True):
        points = [(r.order, getattr(r, name)) for r in conv.results if getattr(r, name) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), "o-", ms=4, label="rgsym")
        if ref is not None:
            value = getattr(ref, name)
            ax.axhline(value, color="grey", ls="--", lw=1,
                       label=f"converged {value:.12g} ({ref.source.split(';')[0].split(', ')[-1]})")
            ax.legend(fontsize=8)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    if ref is not None:
        _plot_distance(axes[2], conv, ref)
    from matplotlib.ticker import MaxNLocator

    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[-1].set_xlabel("truncation order")
    axes[0].set_title(f"{conv.description}", fontsize=9)
    fig.tight_layout()
    return fig


def _plot_distance(ax: Any, conv: Convergence, ref: KnownCase) -> None:
    """|nu - nu*| and |omega - omega*| on a log scale: how fast the truncation converges."""
    for name, label in (("nu", r"$|\nu - \nu^*|$"), ("omega", r"$|\omega - \omega^*|$")):
        points = [(r.order, abs(getattr(r, name) - getattr(ref, name))) for r in conv.results
                  if getattr(r, name) is not None and getattr(r, name) != getattr(ref, name)]
        if points:
            ax.semilogy(*zip(*points, strict=True), "o-", ms=4, label=label)
    ax.set_ylabel("distance to the\nconverged value")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")


def plot_convergence(conv: Convergence, path: str) -> None:
    """nu and omega against the truncation order, as PNG, with the converged value when known.

    Raises
    ------
    SpecError
        Naming ``--plot`` when matplotlib is not installed.

    Parameters
    ----------
    conv
        The convergence data.
    path
        The PNG file to write (the CLI passes a temporary name and renames it).

    References
    ----------
    Litim, Nucl. Phys. B631 (2002) 128, hep-th/0203006, fig. 3 (the same plot for the LPA).
    """
    fig = _figure(conv)
    fig.savefig(path, format="png", dpi=120, metadata={"Software": None})


def render_png(conv: Convergence) -> bytes:
    """The plot of :func:`plot_convergence` as PNG bytes.

    Parameters
    ----------
    conv
        The convergence data.

    Returns
    -------
    bytes
        A PNG image (the notebook picture, :meth:`Convergence._repr_png_`).

    Raises
    ------
    SpecError
        Naming ``--plot`` when matplotlib is not installed.
    """
    buf = io.BytesIO()
    _figure(conv).savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()
