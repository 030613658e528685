"""Polchinski: the Wilsonian flow, its Legendre map to Wetterich's, and its diffusion form.

- :mod:`~rgsym.polchinski.cutoffs`: UV cutoff functions K(p^2 / Lambda^2).
- :mod:`~rgsym.polchinski.derive`: the LPA of the Polchinski equation, derived by functional
  differentiation on a constant background (a :class:`~rgsym.betasystem.BetaSystem` or a
  :class:`~rgsym.project.PotentialFlow`, as on the Wetterich route).
- :mod:`~rgsym.polchinski.fixed_function`: the full-potential fixed point v*(rho) and its exponents
  (Chebyshev collocation as in :mod:`rgsym.solve.pde`, with a derived power-law tail condition).
- :mod:`~rgsym.polchinski.legendre`: the Legendre-type map between the fixed-point potentials
  (Morris, hep-th/0503161).
- :mod:`~rgsym.polchinski.diffusion`: P = exp(-S) as a Fokker-Planck (Ornstein-Uhlenbeck)
  flow on field space, the score -grad S and the zero-dimensional O(N) check.
- :mod:`~rgsym.polchinski.score`: the score -grad S as generated NumPy code
  (``templates/numpy/score.py.j2``).
- :mod:`~rgsym.polchinski.sampler`: a reverse-time sampler driven by the score.
"""
