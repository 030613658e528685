"""Render: the merged diagrams as text, JSON, Graphviz DOT, TikZ or a PNG picture.

Notation (all formats): one class stands for ``multiplicity`` labelled terms,
each equal to ``prefactor`` x Tr[dtR G G_(m_1)(legs) G ... G G_(m_k)(legs) G],
with G = (Gamma^(2) + R_k)^-1, dtR = d_t R_k and G_m(legs) = Gamma^(m) carrying the
listed external legs; the trace runs over momenta and field indices.  The
prefactor is (-1)^k / S with S the symmetry factor.  In pictures the loop is a
circle, the vertex insertions are dots with their external legs, and the
regulator insertion is a crossed circle on the line G d_t R_k G.

Only the text is produced here; :mod:`rgsym.cli` writes files.
"""

from __future__ import annotations

import io
import json
import math
from fractions import Fraction
from typing import TYPE_CHECKING

from rgsym import __version__
from rgsym.diagrams.graphs import (
    MAX_N_POINT,
    DiagramOptionError,
    DiagramTerm,
    FlowDiagrams,
    check_n_point,
    derive_flow_diagrams,
)
from rgsym.diagrams.svg import VERTEX_COLOURS, arrowheads, leg_angles, polar, render_svg, ring_angles

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from rgsym.spec import TheorySpec

#: Output formats of ``rgsym diagrams``.
FORMATS = ("text", "json", "dot", "tikz", "png")

#: Terms per line of the TikZ equation.
TIKZ_PER_LINE = 3


def diagrams_for_spec(spec: TheorySpec, n_point: object, legs: str | None = None) -> FlowDiagrams:
    """The diagrams of d_t Gamma^(n) for a spec.

    The legs are on the first field unless ``legs`` lists one field per leg
    (comma-separated).  Around zero field (``expand_around = "zero"`` with a
    polynomial or vertex truncation) every odd vertex vanishes and is dropped.

    Raises
    ------
    DiagramOptionError
        For an n outside 1 .. MAX_N_POINT, or legs that are not fields of the spec.
    """
    if spec.theory.fermions:
        return _yukawa_diagrams(spec, n_point, legs)
    n = _parse_n(n_point)
    names = [b.name for b in spec.theory.blocks]
    if legs is None:
        colours = [names[0]] * n
    else:
        colours = [x.strip() for x in legs.split(",")]
        if len(colours) != n or any(c not in names for c in colours):
            raise DiagramOptionError(f"--legs: give {n} field names from {', '.join(names)}, got {legs!r}")
    trunc = spec.truncation
    even = trunc.expand_around == "zero" and trunc.potential != "full"
    return derive_flow_diagrams(colours, even_vertices=even)


def _yukawa_diagrams(spec: TheorySpec, n_point: object, legs: str | None) -> FlowDiagrams:
    """A Gross-Neveu-Yukawa spec: lines resolved into bosons and fermions (n = 0 is the potential).

    The fermion legs are named ``psibar`` and ``psi`` after ``theory.fermions[0].name``.
    """
    from rgsym.diagrams.lines import YukawaFields, derive_yukawa_diagrams

    n = _parse_n(n_point, lowest=0)
    fields = YukawaFields(spec.theory.blocks[0].name, spec.theory.fermions[0].name)
    if legs is None:
        colours = [fields.boson] * n
    else:
        colours = [x.strip() for x in legs.split(",")] if legs.strip() else []
        if len(colours) != n or any(c not in fields.names for c in colours):
            raise DiagramOptionError(f"--legs: give {n} field names from {', '.join(fields.names)}, "
                                     f"got {legs!r}")
    trunc = spec.truncation
    zero = trunc.expand_around == "zero" and trunc.potential != "full"
    return derive_yukawa_diagrams(colours, fields, zero_field=zero)


def _parse_n(value: object, lowest: int = 1) -> int:
    if value is None:
        raise DiagramOptionError("--n-point: required, e.g. --n-point 4")
    try:
        n = int(str(value))
    except ValueError:
        raise DiagramOptionError(f"--n-point: must be an integer, got {value!r}") from None
    if lowest == 0 and n == 0:
        return n
    if lowest == 0 and n < 0:
        raise DiagramOptionError(f"--n-point: must be an integer from 0 to {MAX_N_POINT}, got {n!r}")
    check_n_point(n)
    return n


def check_format(fmt: str) -> str:
    """Raise :class:`DiagramOptionError` unless ``fmt`` is one of :data:`FORMATS`."""
    if fmt not in FORMATS:
        raise DiagramOptionError(f"--format: got {fmt!r}; allowed: {', '.join(FORMATS)}")
    return fmt


def render(diagrams: FlowDiagrams, fmt: str, source: str = "") -> str | bytes:
    """The diagrams in one of :data:`FORMATS` (bytes for png, text otherwise).

    Parameters
    ----------
    diagrams
        The merged classes.
    fmt
        One of :data:`FORMATS`.
    source
        The spec path, named in the headers of text, DOT and TikZ.

    Returns
    -------
    str or bytes
        Bytes for ``png``, text otherwise.

    Raises
    ------
    DiagramOptionError
        For a format not in :data:`FORMATS`, or ``png`` without matplotlib.

    References
    ----------
    Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261, sec. 3 (the diagrammatic notation).
    """
    check_format(fmt)
    if fmt == "text":
        return render_text(diagrams, source)
    if fmt == "json":
        return render_json(diagrams)
    if fmt == "dot":
        return render_dot(diagrams, source)
    if fmt == "tikz":
        return render_tikz(diagrams, source)
    return render_png(diagrams)


def _header(diagrams: FlowDiagrams, source: str) -> str:
    phase = "even vertices only (Z2-symmetric point)" if diagrams.even_vertices else "all vertices"
    if any(t.lines for t in diagrams.terms):  # a Yukawa theory: the Yukawa vertex is odd in phi
        phase = "odd boson vertices dropped (zero field)" if diagrams.even_vertices else "all vertices"
    where = f" from {source}" if source else ""
    return (f"d_t Gamma^({diagrams.n}): {len(diagrams)} diagram classes, {diagrams.ring_words} ring words, "
            f"{diagrams.product_rule_terms} product-rule terms; {phase} (rgsym {__version__}{where})")


def render_text(diagrams: FlowDiagrams, source: str = "") -> str:
    """A table of the classes with prefactor, multiplicity, symmetry factor and trace."""
    lines = [f"# {_header(diagrams, source)}",
             "# each class stands for `mult` leg assignments of prefactor x Tr[...];",
             "# G = (Gamma^(2) + R_k)^-1, dtR = d_t R_k, Gm(legs) = Gamma^(m) with those external legs,",
             "# prefactor = (-1)^k / S (k vertices, S the symmetry factor)"]
    if any(t.lines for t in diagrams.terms):
        lines.append("# Gpsi = <psi psibar> is a fermion line (G a boson line); a closed fermion loop "
                     "has a further -1 in its prefactor")
    if len(set(diagrams.legs)) > 1:
        lines.append("# legs: " + ", ".join(f"{i}={f}" for i, f in enumerate(diagrams.legs, 1)))
    rows = [(str(i), str(t.prefactor), str(t.multiplicity), str(t.symmetry_factor),
             " ".join(f"G{m}" for m in t.orders), t.trace()) for i, t in enumerate(diagrams.terms, 1)]
    head = ("#", "prefactor", "mult", "S", "vertices", "term")
    widths = [max(len(r[j]) for r in [head, *rows]) for j in range(5)]
    for r in [head, *rows]:
        lines.append("  ".join(c.rjust(w) if j < 4 else c.ljust(w)
                               for j, (c, w) in enumerate(zip(r[:5], widths, strict=True))) + "  " + r[5])
    return "\n".join(line.rstrip() for line in lines) + "\n"


def term_dict(term: DiagramTerm) -> dict[str, object]:
    """One class as a JSON-ready dictionary."""
    k = term.loop_length
    edges: list[dict[str, object]] = [{"ends": [i, (i + 1) % k], "regulator": i == k - 1} for i in range(k)]
    if term.lines:  # a Yukawa theory: statistics of every line, the charge flow of a fermion line
        if k == 0:
            edges = [{"ends": [], "regulator": True}]
        for i, (edge, kind) in enumerate(zip(edges, term.lines, strict=True)):
            edge["statistics"] = "boson" if kind == "B" else "fermion"
            if kind != "B" and k > 0:  # [tail, head] of the charge-flow arrow
                edge["flow"] = [i, (i + 1) % k] if kind == "F+" else [(i + 1) % k, i]
    return {
        "vertices": list(term.orders),
        "legs": [list(v) for v in term.legs],
        "fields": [list(v) for v in term.fields],
        "propagators": edges,
        "propagator_count": term.propagators,
        "prefactor": str(term.prefactor),
        "multiplicity": term.multiplicity,
        "symmetry_factor": term.symmetry_factor,
    }


def render_json(diagrams: FlowDiagrams) -> str:
    """A JSON list of the classes (see :func:`term_dict`)."""
    return json.dumps([term_dict(t) for t in diagrams.terms], indent=1, sort_keys=True) + "\n"


def render_dot(diagrams: FlowDiagrams, source: str = "") -> str:
    """Graphviz DOT: one cluster per class, the regulator line drawn bold and red."""
    out = [f"// {_header(diagrams, source)}", f"graph flow_gamma{diagrams.n} {{",
           '  node [shape=circle, style=filled, fillcolor="#dddddd", fontsize=10, width=0.35];',
           "  edge [fontsize=9];"]
    for c, term in enumerate(diagrams.terms, 1):
        out.append(f"  subgraph cluster_{c} {{")
        out.append(f'    label="[{c}] {term.prefactor} x {term.multiplicity}";')
        for i, (m, legs) in enumerate(zip(term.orders, term.legs, strict=True)):
            out.append(f'    t{c}v{i} [label="G{m}"];')
            for a in legs:
                out.append(f'    t{c}l{a} [shape=plaintext, style="", label="{a}"];')
                out.append(f"    t{c}v{i} -- t{c}l{a};")
        k = term.loop_length
        if k == 0:
            out.append(f'    t{c}v0 [label="", shape=point];')
        for i in range(max(k, 1)):
            attrs = ['color=red', 'penwidth=2.5', 'label="dtR"'] if i == k - 1 or k == 0 else []
            if term.lines and term.lines[i] != "B":
                attrs.append("dir=forward" if term.lines[i] == "F+" else "dir=back")
            tail = f" [{', '.join(attrs)}]" if attrs else ""
            out.append(f"    t{c}v{i} -- t{c}v{(i + 1) % max(k, 1)}{tail};")
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def _latex_coefficient(value: Fraction, first: bool) -> str:
    sign = "-" if value < 0 else ("" if first else "+")
    mag = abs(value)
    body = "" if mag == 1 else (rf"\tfrac{{{mag.numerator}}}{{{mag.denominator}}}" if mag.denominator != 1
                                else str(mag.numerator))
    return f"{sign}{body}"


def tikz_picture(term: DiagramTerm) -> str:
    """One class as a plain TikZ picture (circle, dots, legs, crossed regulator insertion)."""
    r = 0.55
    lines = [r"\begin{tikzpicture}[baseline={([yshift=-0.6ex]current bounding box.center)},"
             r"scale=0.75,every node/.style={font=\scriptsize}]",
             rf"\draw[thick] (0,0) circle ({r});"]
    for angle, legs, m in zip(ring_angles(term.loop_length), term.legs, term.orders, strict=True):
        for leg_angle, a in zip(leg_angles(angle, len(legs)), legs, strict=True):
            lines.append(rf"\draw ({angle:.1f}:{r}) -- ++({leg_angle:.1f}:0.45) "
                         rf"node[anchor={_anchor(leg_angle)},inner sep=1pt] {{{a}}};")
        lines.append(rf"\fill ({angle:.1f}:{r}) circle (2.4pt);")
        lines.append(rf"\node at ({angle:.1f}:{r - 0.27}) {{\tiny {m}}};")
    for tip, left, right in arrowheads(term, r, 0.32, leg_length=0.45):  # charge flow of the fermion lines
        corners = " -- ".join(f"({x:.3f},{y:.3f})" for x, y in (tip, left, right))
        lines.append(rf"\fill {corners} -- cycle;")
    lines.append(rf"\draw[fill=white] (90:{r}) circle (3.2pt);")
    lines.append(rf"\draw (90:{r}) ++(-2.2pt,-2.2pt) -- ++(4.4pt,4.4pt);")
    lines.append(rf"\draw (90:{r}) ++(-2.2pt,2.2pt) -- ++(4.4pt,-4.4pt);")
    lines.append(r"\end{tikzpicture}")
    return "\n".join(lines)


def _anchor(angle: float) -> str:
    a = angle % 360
    names = ["west", "south west", "south", "south east", "east", "north east", "north", "north west"]
    return names[int(((a + 22.5) % 360) // 45)]


def render_tikz(diagrams: FlowDiagrams, source: str = "") -> str:
    """An ``align*`` equation of TikZ pictures (needs amsmath and tikz)."""
    idx = "".join(str(a) for a in range(1, diagrams.n + 1)) if diagrams.n < 10 else "1\\dots n"
    out = [f"% {_header(diagrams, source)}",
           "% generated by rgsym; do not edit.  Needs \\usepackage{amsmath} and \\usepackage{tikz}.",
           "% A dot with m is Gamma^(m); the crossed circle is d_t R_k; (x n) counts leg assignments.",
           r"\begin{align*}"]
    for i, term in enumerate(diagrams.terms):
        if i % TIKZ_PER_LINE == 0:
            out.append(rf"\partial_t \Gamma^{{({diagrams.n})}}_{{{idx}}} ={{}}& " if i == 0 else r"\\ &")
        mult = rf"\,{{\scriptstyle(\times {term.multiplicity})}}" if term.multiplicity > 1 else ""
        out.append(f"{_latex_coefficient(term.prefactor, i == 0)}\\;")
        out.append(tikz_picture(term) + mult)
    out.append(r"\end{align*}")
    return "\n".join(out) + "\n"


def render_png(diagrams: FlowDiagrams, columns: int = 4) -> bytes:
    """A picture of every class (matplotlib, Agg backend): PNG bytes.

    Raises
    ------
    DiagramOptionError
        If matplotlib is not installed (``pip install 'rgsym[plot]'``).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise DiagramOptionError("--format png needs matplotlib: pip install 'rgsym[plot]'") from None
    count = len(diagrams.terms)
    cols = min(columns, count)
    rows = math.ceil(count / cols)
    height = 3.1 * rows + 0.7
    fig = Figure(figsize=(2.7 * cols, height), dpi=110)
    FigureCanvasAgg(fig)
    for i, term in enumerate(diagrams.terms):
        ax = fig.add_subplot(rows, cols, i + 1)
        _draw_term(ax, term)
        sign = "\u2212" if term.prefactor < 0 else ""
        ax.set_title(f"[{i + 1}]  {sign}{abs(term.prefactor)} \u00d7 {term.multiplicity}", fontsize=10)
    legs = ""
    if len(set(diagrams.legs)) > 1:
        legs = "\nlegs: " + ", ".join(f"{i}={f}" for i, f in enumerate(diagrams.legs, 1))
    fig.suptitle(rf"$\partial_t\Gamma^{{({diagrams.n})}}$: {count} classes (number in a dot: m of "
                 rf"$\Gamma^{{(m)}}$; crossed circle: $\partial_t R_k$){legs}", fontsize=11)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 1.0 - 0.65 / height))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": f"rgsym {__version__}"})
    return buf.getvalue()


def _draw_term(ax: Axes, term: DiagramTerm) -> None:
    from matplotlib.patches import Circle, Polygon

    r = 1.0
    ax.add_patch(Circle((0, 0), r, fill=False, lw=1.6, color="black"))
    for angle, legs, m in zip(ring_angles(term.loop_length), term.legs, term.orders, strict=True):
        x, y = polar(angle, r)
        for leg_angle, a in zip(leg_angles(angle, len(legs)), legs, strict=True):
            dx, dy = polar(leg_angle, 0.7)
            ax.plot([x, x + dx], [y, y + dy], color="black", lw=1.2)
            lx, ly = polar(leg_angle, 0.9)
            ax.text(x + lx, y + ly, str(a), ha="center", va="center", fontsize=8)
        colour = VERTEX_COLOURS[(m - 3) % len(VERTEX_COLOURS)]
        ax.add_patch(Circle((x, y), 0.2, color=colour, zorder=3))
        ax.text(x, y, str(m), ha="center", va="center", color="white", fontsize=8,
                fontweight="bold", zorder=4)
    for corners in arrowheads(term, r, 0.3, leg_length=0.7):
        ax.add_patch(Polygon(corners, closed=True, color="black", zorder=3))
    ax.add_patch(Circle((0, r), 0.16, facecolor="white", edgecolor="red", lw=2, zorder=3))
    d = 0.11
    for sx in (-1, 1):
        ax.plot([-d, d], [r - sx * d, r + sx * d], color="red", lw=2, zorder=4)
    ax.set_xlim(-2.1, 2.1)
    ax.set_ylim(-2.1, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")


__all__ = ["FORMATS", "check_format", "diagrams_for_spec", "render", "render_dot", "render_json",
           "render_png", "render_svg", "render_text", "render_tikz", "term_dict", "tikz_picture"]
