"""Derived flows carry their context (rgsym.context): set where they are assembled, kept by the
disk cache, left out of the public JSON, and enough for every emitter and solver."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sympy as sp

from rgsym import cache, load_spec, symbols
from rgsym.betasystem import BetaSystem
from rgsym.context import FlowContext
from rgsym.emit import render_files
from rgsym.errors import UnsupportedError
from rgsym.pipeline import derive_flow, derive_paper
from rgsym.project import PotentialFlow, context_of
from tests.conftest import ROOT

DERIVATIONS = ROOT / "derivations"


def _spec(name: str, *overrides: str):  # noqa: ANN202 - a TheorySpec
    return load_spec(DERIVATIONS / name, list(overrides))


@pytest.mark.parametrize(("name", "overrides"), [
    ("on_lpa.toml", ("truncation.order=2", 'theory.N="N"', 'theory.d="d"', "regulator.kind=exponential")),
    ("cubic_lpa.toml", ("truncation.order=2",)),
    ("two_scalar_lpa.toml", ("truncation.order=2",)),
    ("on_polchinski_lpa.toml", ("truncation.order=2",)),
    ("on_lpa.toml", ("truncation.order=3", "truncation.scheme=lpa'")),
    ("ising_lpa_full.toml", ()),
    ("gny_susy_n1.toml", ("truncation.order=1",)),
    ("gny_chiral_heisenberg.toml", ("truncation.order=1", 'theory.fermions=[{name="psi", flavours="N_f"}]')),
])
def test_derived_flows_carry_their_context_through_the_cache(name: str, overrides: tuple[str, ...]) -> None:
    spec = _spec(name, *overrides)
    flow = derive_flow(spec)
    assert flow.context == context_of(spec)
    back = cache.decode(json.loads(json.dumps(cache.encode(flow))))
    assert isinstance(back, BetaSystem | PotentialFlow) and back.context == flow.context
    assert back.context is not None and back.context.to_data() == flow.context.to_data()


def test_the_context_states_the_spec_choices() -> None:
    ctx = context_of(_spec("cubic_lpa.toml"))
    assert (ctx.equation, ctx.regulator_kind, ctx.scheme, ctx.expand_around, ctx.d) == \
        ("wetterich", "litim", "lpa", "zero", 3)
    assert [(f.name, f.components) for f in ctx.fields] == [("phi", 3)]
    assert [inv.name for inv in ctx.invariants] == ["tau"] and ctx.symmetry == "cubic(3)"
    polchinski = context_of(_spec("on_polchinski_lpa.toml"))
    assert polchinski.equation == "polchinski" and polchinski.cutoff is not None
    # the resolved regulator is the Litim shape r(y) = (1 - y) theta(1 - y)
    y = symbols.y
    assert sp.simplify(ctx.regulator.shape().subs(y, sp.Rational(1, 4)) - sp.Rational(3, 4)) == 0


def test_the_context_records_the_fermions() -> None:
    ctx = context_of(_spec("gny_susy_n1.toml"))
    assert [(f.name, f.flavours, f.spinor_dim, f.majorana) for f in ctx.fermions] == [("psi", 1, 2, True)]
    assert ctx.yukawa == ("1",)
    symbolic = 'theory.fermions=[{name="psi", flavours="N_f"}]'
    heisenberg = context_of(_spec("gny_chiral_heisenberg.toml", symbolic))
    assert heisenberg.fermions[0].flavours == symbols.N_f and not heisenberg.fermions[0].majorana
    assert heisenberg.subs({symbols.N_f: 3}).fermions[0].flavours == 3
    # without fermions the stored data is what it was before fermions existed (cache compatibility)
    assert "fermions" not in context_of(_spec("cubic_lpa.toml")).to_data()


def test_the_srepr_form_of_the_cache_keeps_the_context_too() -> None:
    system = derive_flow(_spec("on_lpa.toml", "truncation.order=2"))
    assert isinstance(system, BetaSystem)
    entry = {"type": "BetaSystem", "data": system.to_dict(), "context": system.context.to_data()}
    assert cache.decode(json.loads(json.dumps(entry))).context == system.context


def test_substituted_parameters_reach_the_context() -> None:
    system = derive_flow(_spec("on_lpa.toml", "truncation.order=2", 'theory.N="N"', 'theory.d="d"'))
    assert isinstance(system, BetaSystem) and system.context is not None
    assert system.context.d == symbols.d and system.context.fields[0].components == symbols.N
    at = system.subs({symbols.d: 3, symbols.N: 2})
    assert at.context is not None and at.context.d == 3 and at.context.fields[0].components == 2
    assert isinstance(at.context.fields[0].components, int)


def test_a_stored_context_is_data_only() -> None:
    data = context_of(_spec("on_lpa.toml")).to_data()
    for bad in ({**data, "d": "__import__('os')"}, {**data, "order": "8"},
                {**data, "fields": [["phi", "open('x')"]]}):
        with pytest.raises(Exception) as info:  # noqa: PT011 - any refusal, as long as nothing runs
            FlowContext.from_data(bad)
        assert "\n" not in str(info.value)


def test_a_system_read_from_betas_json_emits_code_and_refuses_latex_in_one_line() -> None:
    """The public JSON leaves the context out (the golden betas.json is unchanged): code and JSON
    need none, LaTeX (which states the regulator and truncation) says what is missing."""
    system = derive_flow(_spec("on_lpa.toml", "truncation.order=2"))
    assert isinstance(system, BetaSystem)
    plain = BetaSystem.from_dict(json.loads(system.to_json()))
    assert plain.context is None
    assert render_files(plain, ["c", "numpy", "json"]) == render_files(system, ["c", "numpy", "json"])
    with pytest.raises(UnsupportedError, match="--emit latex") as info:
        render_files(plain, ["latex"], latex_style="explicit")
    assert "\n" not in str(info.value) and "betas.json" in str(info.value)


def test_paper_style_without_the_paper_flow_is_a_one_line_error() -> None:
    system = derive_flow(_spec("on_lpa.toml", "truncation.order=2"))
    assert isinstance(system, BetaSystem)
    with pytest.raises(UnsupportedError, match="--latex-style") as info:
        render_files(system, ["latex"])
    assert "\n" not in str(info.value)


def test_the_paper_emitter_runs_no_loop_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """emit/paper_latex lays out the flow derive_paper made: every stage up to the loop integrals
    (and eta) fails if called, and the files are the same."""
    import rgsym.action
    import rgsym.anomalous
    import rgsym.expand
    import rgsym.integrate
    import rgsym.project
    import rgsym.vertices

    spec = _spec("ising_lpa_prime.toml", "truncation.order=2")
    system = derive_flow(spec)
    assert isinstance(system, BetaSystem)
    paper = derive_paper(spec)
    expected = render_files(system, ["latex"], paper=paper)

    def stage(*_: object, **__: object) -> None:
        pytest.fail("the emitter ran a derivation stage")

    for module, name in [(rgsym.action, "build_action"), (rgsym.vertices, "take_vertices"),
                         (rgsym.expand, "expand_flow_trace"), (rgsym.integrate, "integrate_loops"),
                         (rgsym.anomalous, "anomalous_dimension"), (rgsym.project, "project_couplings")]:
        monkeypatch.setattr(module, name, stage)
    assert render_files(system, ["latex"], paper=paper) == expected
    assert r"\eta" in expected["betas_body.tex"] and "betas.bib" in expected


def test_flows_from_the_cache_integrate_without_a_spec() -> None:
    """solve.flow reads d, N and the regulator off the flow: a flow read back from the cache gives the
    same grid equation as the fresh one (same pole offset, same compiled right-hand side)."""
    import numpy as np

    from rgsym.solve.flow import grid_equation

    flow = derive_flow(_spec("ising_lpa_full.toml"))
    assert isinstance(flow, PotentialFlow)
    back = cache.decode(json.loads(json.dumps(cache.encode(flow))))
    fresh, read = grid_equation(flow), grid_equation(back)
    assert fresh.pole_offset == read.pole_offset == 1.0  # Litim: min_y (y + r(y)) = 1
    args = (2.0, 0.3, 0.1, 0.2, -0.05)
    assert np.isclose(fresh.flow(*args), read.flow(*args), rtol=1e-14, atol=0.0)  # the same expression
    with pytest.raises(UnsupportedError, match="rgsym flow"):
        grid_equation(replace(flow, context=None))
