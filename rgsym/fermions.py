"""Fermions: the supertrace of a Yukawa theory on a constant boson background.

The fields are N_b real bosons phi_a with a potential U(rho), rho = phi.phi/2, and N_f flavours
of Dirac fermions psi with d_gamma spinor components (and, for the chiral Heisenberg class, a
flavour doublet index), coupled by h phi_a psibar T_a psi.  In momentum space (Euclidean,
{gamma_mu, gamma_nu} = 2 delta_mu nu, d-slash -> i q/) the regularised fermion kernel on the
background phi = s e_1 is

    K(q) = i Z_psi q/ (1 + r_F(y)) + h s T_1,     R_F = i Z_psi q/ r_F(y),

an element of :mod:`rgsym.dirac`'s algebra; its inverse is found there, not assumed.

The super-Hessian over (phi, psi, psibar) has the blocks A = Gamma_phi phi (bosons), the
fermion block D = ((0, -K^T), (K, 0)) and, with a fermion background, the Grassmann-odd blocks
B, C of the Yukawa vertex.  For a bilinear psibar M(phi) psi, with left derivatives in the row
and right derivatives in the column:

    B = (d_phi_a d_psi, d_phi_a d_psibar) = (psibar dM_a, -(dM_a psi)^T),
    C = (d_psi d_phi_a; d_psibar d_phi_a) = (-(psibar dM_a)^T; dM_a psi),

(each sign is a transposition of two Grassmann variables).  The supertrace of ln of a
supermatrix is ln of its Berezinian, so

    (1/2) STr ln(Gamma^(2) + R) = (1/2) ln det(A - B D^-1 C) - (1/2) ln det D.

The second term is the fermion loop, -Tr ln K (det D = det(K)^2); expanding the first to
order psibar psi with D^-1 = ((0, K^-1), (-K^-T, 0)) gives B D^-1 C = h^2 psibar (T_a K^-1 T_b
+ T_b K^-1 T_a) psi (moving psi^T past psibar^T gives the sign), hence the flow of the fermion
two-point function

    d_t Gamma_psibar psi = -h^2 d~_t int_q sum_ab G_ab(q) T_a K(q)^-1 T_b,

and the boson loop (1/2) Tr ln A.  d~_t differentiates the regulators only: this module writes
every density with symbols for the regulator values (r_B = r(y), a_F = 1 + r_F(y)) and applies
d~_t = rdot_B d/dr_B + adot_F d/da_F, the chain rule; :mod:`rgsym.gny` puts the regulator in
and integrates.

References
----------
Gies, Janssen, Rechenberger, Scherer, Phys. Rev. D 81 (2010) 025009, arXiv:0910.0764 (the
supertrace of Yukawa systems, Euclidean conventions); Berezin, The Method of Second
Quantization (1966) (the Berezinian); Pawlowski, Ann. Phys. 322 (2007) 2831, hep-th/0512261.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from rgsym.dirac import Clifford, Kinematics, pauli

#: Symbols of the loop densities: y = q^2/k^2, the regulator values and their d~_t.
Y = sp.Symbol("y", nonnegative=True)
R_B, A_F = sp.Symbol("r_B"), sp.Symbol("a_F", positive=True)
RDOT_B, ADOT_F = sp.Symbol("rdot_B"), sp.Symbol("adot_F")
#: The background field s = |phi| and the Yukawa coupling h (dimensionless).
S, H = sp.Symbol("s", nonnegative=True), sp.Symbol("h", positive=True)
#: Jet symbols: the first three rho-derivatives of u at the background.
U1, U2, U3 = sp.symbols("U1 U2 U3", real=True)


@dataclass(frozen=True)
class YukawaModel:
    """The algebra data of a Yukawa theory: what the densities need.

    Attributes
    ----------
    matrices
        T_a, one element of the Dirac algebra per boson component (at zero momentum).
    flavour_dim
        The size of the flavour matrices in T_a (1, or 2 for Pauli matrices).
    spinor_dim
        d_gamma, the number of spinor components.
    flavours
        N_f, how many copies of the fermion multiplet (a number or a symbol).
    """

    matrices: tuple[Clifford, ...]
    flavour_dim: int
    spinor_dim: sp.Expr
    flavours: sp.Expr

    @property
    def components(self) -> sp.Expr:
        """N = d_gamma x flavour dimension x N_f: the fermion components per Dirac field."""
        return self.spinor_dim * self.flavour_dim * self.flavours


def kinematics() -> Kinematics:
    """The kinematics at zero external momentum: q^2 = y (units of k^2), p = 0."""
    return Kinematics(Y, sp.Integer(0), sp.Integer(0))


def fermion_kernel(model: YukawaModel, background: Sequence[sp.Expr], kin: Kinematics | None = None,
                   a: sp.Expr = A_F) -> Clifford:
    """K = i a q/ + h sum_a phi_a T_a on the background phi (units of k and Z_psi).

    ``a`` is 1 + r_F (the symbol a_F, or a function of the momentum), ``kin`` the kinematics of
    q/ (default: zero external momentum).
    """
    kin = kin or kinematics()
    kernel = Clifford.slash("q", sp.I * a, model.flavour_dim, kin)
    for value, t in zip(background, model.matrices, strict=True):
        if value != 0:
            kernel = kernel + t.scale(H * value)
    return kernel


def radial_background(model: YukawaModel) -> list[sp.Expr]:
    """The background phi = s e_1 (the mass term is h s T_1)."""
    return [S] + [sp.Integer(0)] * (len(model.matrices) - 1)


def boson_masses(u1: sp.Expr, u2: sp.Expr, components: int) -> tuple[sp.Expr, ...]:
    """The dimensionless masses of the boson modes on the background s e_1: radial, then the others.

    Derived from the Hessian of U(rho) (:func:`rgsym.hessian.reduce_by_symmetry`): the radial
    mode has u' + 2 rho u'', each other component u'.
    """
    from rgsym.hessian import ModeClass, derivative_symbol, potential_jet, reduce_by_symmetry

    radial, probe, second = sp.symbols("phi_r phi_p phi_q", real=True)
    rho0 = S**2 / 2
    jet = potential_jet([(radial**2 + probe**2 + second**2) / 2], [rho0], 2)
    classes = [ModeClass(probe, second, sp.Integer(components - 1))] if components > 1 else []
    if components == 1:
        jet = jet.subs({probe: 0, second: 0})
    reduced = reduce_by_symmetry(jet, [radial], classes, {radial: S})
    on = {derivative_symbol((1,)): u1, derivative_symbol((2,)): u2}
    diagonal = [sp.expand(reduced.matrix[i, i].xreplace(on)) for i in range(len(reduced.modes))]
    return (diagonal[0],) + (diagonal[1],) * (components - 1) if components > 1 else (diagonal[0],)


def tilde_dt(expr: sp.Expr) -> sp.Expr:
    """d~_t: the t-derivative acting on the regulators only (chain rule in r_B and a_F)."""
    return RDOT_B * sp.diff(expr, R_B) + ADOT_F * sp.diff(expr, A_F)


def potential_density(model: YukawaModel, masses: Sequence[sp.Expr]) -> sp.Expr:
    """The integrand of d_t U per v_d int dy y^(d/2-1): 2 d~_t [(1/2) sum ln(y + r_B + w) - N_f Tr ln K].

    The fermion term is d~_t Tr ln K = Tr[K^-1 d~_t K] (the trace of the algebra).
    """
    boson = sp.Add(*[sp.log(Y + R_B + w) for w in masses]) / 2
    kernel = fermion_kernel(model, radial_background(model))
    inverse = kernel.inverse()
    dkernel = kernel.map_coefficients(lambda e: sp.diff(e, A_F))
    fermion_rate = (inverse * dkernel).trace(model.spinor_dim)  # d Tr ln K / d a_F
    density = 2 * (tilde_dt(boson) - model.flavours * ADOT_F * fermion_rate)
    return density


def yukawa_density(model: YukawaModel, masses: Sequence[sp.Expr], before_dt: bool = False) -> sp.Expr:
    """The projection on T_1 of d_t Gamma_psibar psi at p = 0, per v_d int dy y^(d/2-1).

    -h^2 d~_t sum_a G_a T_a K^-1 T_a (bosons diagonal on the background), projected with
    Tr[T_1 X] / Tr[T_1 T_1]; the factor 2 is int_q = 2 v_d int dy y^(d/2-1).  With
    ``before_dt`` the same without d~_t (the ring of propagators it acts on).
    """
    kernel = fermion_kernel(model, radial_background(model))
    inverse = kernel.inverse()
    total: Clifford | None = None
    for t, w in zip(model.matrices, masses, strict=True):
        term = (t * inverse * t).scale(1 / (Y + R_B + w))
        total = term if total is None else total + term
    assert total is not None
    first = model.matrices[0]
    projected = (first * total).trace(1) / (first * first).trace(1)
    ring = -2 * H**2 * projected
    return ring if before_dt else tilde_dt(ring)


#: Named Yukawa couplings: the matrix T_a multiplying phi_a in h phi_a psibar T_a psi.
YUKAWA_CLASSES: dict[str, tuple[str, ...]] = {
    "chiral-ising": ("1",),
    "chiral-xy": ("1", "i*gamma5"),
    "chiral-heisenberg": ("sigma_1", "sigma_2", "sigma_3"),
}
#: The names a Yukawa matrix may use.
YUKAWA_NAMES = ("i", "gamma5", "sigma_1", "sigma_2", "sigma_3")


class YukawaError(ValueError):
    """A Yukawa matrix that cannot be read, or that breaks the O(N_b) symmetry of the bosons."""


def yukawa_class(texts: Sequence[str]) -> str | None:
    """The universality class a list of Yukawa matrices is (a key of YUKAWA_CLASSES), if any."""
    return next((name for name, known in YUKAWA_CLASSES.items() if known == tuple(texts)), None)


def yukawa_matrices(texts: Sequence[str]) -> tuple[tuple[Clifford, ...], int]:
    """Read the matrices T_a (with the whitelisting expression reader) and check the symmetry.

    Each T_a is a combination of 1, gamma5, sigma_k and gamma5 sigma_k with number coefficients
    (``i`` is the imaginary unit).  The theory is O(N_b) symmetric only if the fermion
    determinant depends on phi through rho alone: the fermion loop is compared on the
    background phi = s e_a and on s (3 e_a + 4 e_b)/5 for every pair a, b.

    Returns
    -------
    tuple
        The matrices and the flavour dimension (2 if any Pauli matrix appears, else 1).

    Raises
    ------
    YukawaError
        With a one-line reason.
    """
    from rgsym.expression import ExpressionError, read_expression

    g5, s1, s2, s3 = sp.symbols("gamma5 sigma_1 sigma_2 sigma_3")
    names = {"i": sp.I, "gamma5": g5, "sigma_1": s1, "sigma_2": s2, "sigma_3": s3}
    read = []
    for text in texts:
        try:
            read.append(sp.expand(read_expression(text, names)))
        except ExpressionError as exc:
            raise YukawaError(str(exc)) from None
    flavour = 2 if any(e.has(s1, s2, s3) for e in read) else 1
    kin = kinematics()
    out = []
    for text, expr in zip(texts, read, strict=True):
        poly = sp.Poly(expr, g5, s1, s2, s3)
        element = Clifford.make({}, kin)
        for (e5, *sig), coefficient in poly.terms():
            if not coefficient.is_number or e5 > 1 or sum(sig) > 1:
                raise YukawaError(f"{text!r} must be a combination of 1, gamma5, sigma_k and gamma5*sigma_k "
                                  "with number coefficients")
            flav = sp.eye(flavour) if sum(sig) == 0 else pauli(1 + sig.index(1))
            element = element + Clifford.of(((), e5), flav * coefficient, kin)
        if not element.terms:
            raise YukawaError(f"{text!r} is zero")
        out.append(element)
    matrices = tuple(out)
    _check_symmetry(matrices, flavour)
    return matrices, flavour


def _check_symmetry(matrices: tuple[Clifford, ...], flavour: int) -> None:
    """The fermion loop on rotated backgrounds must not change (else the Yukawa breaks O(N_b))."""
    model = YukawaModel(matrices, flavour, sp.Integer(4), sp.Integer(1))

    def loop(background: list[sp.Expr]) -> sp.Expr:
        kernel = fermion_kernel(model, background)
        dkernel = kernel.map_coefficients(lambda e: sp.diff(e, A_F))
        return sp.simplify((kernel.inverse() * dkernel).trace(1))

    n = len(matrices)
    zero = [sp.Integer(0)] * n
    for a in range(n):
        along = list(zero)
        along[a] = S
        reference = loop(along)
        if a == 0:
            first = reference
        elif sp.simplify(reference - first) != 0:
            raise YukawaError(f"the Yukawa matrices give different fermion masses along phi_1 and "
                              f"phi_{a + 1}: "
                              "the term breaks the O(N) symmetry of the bosons")
        for b in range(a + 1, n):
            mixed = list(zero)
            mixed[a], mixed[b] = 3 * S / 5, 4 * S / 5
            if sp.simplify(loop(mixed) - reference) != 0:
                raise YukawaError(f"the fermion determinant depends on the direction of phi in the "
                                  f"(phi_{a + 1}, phi_{b + 1}) plane: the Yukawa term breaks the O(N) "
                                  "symmetry of the bosons")
