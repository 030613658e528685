"""The merged diagrams as an SVG picture (no matplotlib), and the ring geometry of every picture.

:meth:`rgsym.diagrams.graphs.FlowDiagrams._repr_svg_` draws with this module, so it needs
nothing from :mod:`rgsym.diagrams.graphs` at run time; :mod:`rgsym.diagrams.render` uses the same
geometry for TikZ and PNG.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rgsym.diagrams.graphs import DiagramTerm, FlowDiagrams

#: Size of one diagram's cell in the SVG picture (user units), and the loop radius in it.
SVG_CELL = 150
SVG_RADIUS = 32.0


def render_svg(diagrams: FlowDiagrams, columns: int = 4) -> str:
    """A picture of every class as plain SVG text (no matplotlib needed; the notebook picture).

    The drawing is that of :func:`rgsym.diagrams.render.render_png`: the loop, the vertex
    insertions Gamma^(m) as numbered dots with their legs, and the crossed regulator insertion
    on top; each cell is titled ``[i] prefactor x multiplicity``.  The text is deterministic.

    Parameters
    ----------
    diagrams
        The merged classes (:func:`rgsym.diagrams.graphs.derive_flow_diagrams`).
    columns
        Cells per row.

    Returns
    -------
    str
        An ``<svg>`` document.

    References
    ----------
    Wetterich, Phys. Lett. B301 (1993) 90, arXiv:1710.05815 (the flow equation); the rings
    are the one-loop graphs of Berges, Tetradis, Wetterich, Phys. Rept. 363 (2002) 223,
    hep-ph/0005122, sec. 2.3.
    """
    count = len(diagrams.terms)
    cols = max(1, min(columns, count))
    rows = max(1, math.ceil(count / cols))
    top = 28
    width, height = cols * SVG_CELL, rows * SVG_CELL + top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
           f'<text x="{width / 2:.1f}" y="18" text-anchor="middle" font-size="13">'
           f'd_t \u0393^({diagrams.n}): {count} classes</text>']
    for i, term in enumerate(diagrams.terms):
        cx = (i % cols + 0.5) * SVG_CELL
        cy = top + (i // cols + 0.55) * SVG_CELL
        out += _svg_term(term, cx, cy)
        sign = "\u2212" if term.prefactor < 0 else ""
        out.append(f'<text x="{cx:.1f}" y="{cy - 0.47 * SVG_CELL:.1f}" text-anchor="middle" '
                   f'font-size="11">[{i + 1}] {sign}{abs(term.prefactor)} \u00d7 {term.multiplicity}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_term(term: DiagramTerm, cx: float, cy: float) -> list[str]:
    """The SVG elements of one ring centred at (cx, cy); y grows downwards in SVG."""
    r = SVG_RADIUS

    def at(angle: float, radius: float, x0: float = cx, y0: float = cy) -> tuple[float, float]:
        x, y = polar(angle, radius)
        return x0 + x, y0 - y

    def at_origin(point: tuple[float, float]) -> tuple[float, float]:
        return cx + point[0], cy - point[1]

    out = [f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="none" stroke="black" stroke-width="1.6"/>']
    for angle, legs, m in zip(ring_angles(term.loop_length), term.legs, term.orders, strict=True):
        x, y = at(angle, r)
        for leg_angle, a in zip(leg_angles(angle, len(legs)), legs, strict=True):
            ex, ey = at(leg_angle, 0.7 * r, x, y)
            lx, ly = at(leg_angle, 0.95 * r, x, y)
            out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="black"/>')
            out.append(f'<text x="{lx:.1f}" y="{ly + 3:.1f}" text-anchor="middle" font-size="9">{a}</text>')
        colour = VERTEX_COLOURS[(m - 3) % len(VERTEX_COLOURS)]
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{0.22 * r:.1f}" fill="{colour}"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 3:.1f}" text-anchor="middle" font-size="9" fill="white" '
                   f'font-weight="bold">{m}</text>')
    for tip, left, right in arrowheads(term, r, leg_length=0.7 * r):
        corners = (at_origin(tip), at_origin(left), at_origin(right))
        points = " ".join(f"{px:.1f},{py:.1f}" for px, py in corners)
        out.append(f'<polygon class="fermion-arrow" points="{points}" fill="black"/>')
    x, y = at(90.0, r)
    d = 0.12 * r
    out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{0.17 * r:.1f}" fill="white" stroke="red" '
               'stroke-width="2"/>')
    out.append(f'<path d="M{x - d:.1f},{y - d:.1f} L{x + d:.1f},{y + d:.1f} M{x - d:.1f},{y + d:.1f} '
               f'L{x + d:.1f},{y - d:.1f}" stroke="red" stroke-width="2"/>')
    return out


#: Colours of the vertex insertions by order (cycled beyond the list).
VERTEX_COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")


def ring_angles(k: int) -> list[float]:
    """Vertex angles (degrees); the regulator insertion sits at 90 degrees, between the last and first."""
    return [90.0 + 360.0 * (i + 1) / (k + 1) for i in range(k)]


def line_arcs(k: int) -> list[tuple[float, float]]:
    """(start, end) angles (degrees, end > start) of the k lines; line i runs from vertex i to i + 1.

    The last line, from vertex k - 1 round to vertex 0, passes the regulator insertion at 90
    degrees; without vertices the one line is the whole circle from the insertion.
    """
    if k == 0:
        return [(90.0, 450.0)]
    angles = ring_angles(k)
    return [(angles[i], angles[i + 1]) for i in range(k - 1)] + [(angles[-1], angles[0] + 360.0)]


#: An arrowhead: its tip and the two corners of its base.
Triangle = tuple[tuple[float, float], tuple[float, float], tuple[float, float]]


def arrowheads(term: DiagramTerm, radius: float, size: float = 0.2, leg_length: float | None = None
               ) -> list[Triangle]:
    """Triangles (relative to the ring centre) showing the charge flow of the fermion lines.

    One on every internal fermion line (``"F+"`` runs along the ring order, i.e.
    counter-clockwise; on the regulated line the arrow sits off the insertion) and, given
    ``leg_length``, one on every external fermion leg: into the vertex for psi, out of it for
    psibar (the leg colour that is another leg's colour with ``bar`` appended).  Scalar terms
    (no resolved lines) get none.
    """
    out: list[Triangle] = []
    if not term.lines:  # a scalar theory: boson lines only
        return out
    length = size * radius
    for i, (kind, (start, end)) in enumerate(zip(term.lines, line_arcs(term.loop_length), strict=True)):
        if kind == "B":
            continue
        last = i == len(term.lines) - 1
        mid = math.radians(start + (end - start) * (0.3 if last and kind == "F+" else 0.7 if last else 0.5))
        sign = 1.0 if kind == "F+" else -1.0
        point = (radius * math.cos(mid), radius * math.sin(mid))
        out.append(_triangle(point, (-math.sin(mid) * sign, math.cos(mid) * sign), length))
    if leg_length is None:
        return out
    colours = {c for fields in term.fields for c in fields}
    for angle, fields in zip(ring_angles(term.loop_length), term.fields, strict=True):
        vx, vy = polar(angle, radius)
        for leg_angle, colour in zip(leg_angles(angle, len(fields)), fields, strict=True):
            psibar = colour.endswith("bar") and colour[:-3] in colours
            if not psibar and colour + "bar" not in colours:
                continue
            ux, uy = polar(leg_angle, 1.0)
            point = (vx + ux * leg_length / 2, vy + uy * leg_length / 2)
            out.append(_triangle(point, (ux, uy) if psibar else (-ux, -uy), length))
    return out


def _triangle(point: tuple[float, float], direction: tuple[float, float], length: float) -> Triangle:
    """An arrowhead centred on ``point`` pointing along the unit vector ``direction``."""
    (px, py), (tx, ty) = point, direction
    half = 0.55 * length
    tip = (px + tx * length / 2, py + ty * length / 2)
    bx, by = px - tx * length / 2, py - ty * length / 2
    return tip, (bx - ty * half, by + tx * half), (bx + ty * half, by - tx * half)


def leg_angles(base: float, count: int, spread: float = 28.0) -> list[float]:
    """Angles (degrees) of ``count`` external legs fanned out by ``spread`` around ``base``."""
    return [base + spread * (j - (count - 1) / 2) for j in range(count)]


def polar(angle: float, radius: float) -> tuple[float, float]:
    """(x, y) at ``angle`` degrees and ``radius`` from the origin."""
    t = math.radians(angle)
    return radius * math.cos(t), radius * math.sin(t)
