"""Workflows: spec-level work that runs the pipeline several times.

These modules sit above :mod:`rgsym.pipeline` and :mod:`rgsym.solve`: they take a
:class:`~rgsym.spec.TheorySpec`, change it (another d, N, order or regulator value, each
point of a study or a scan), derive each variant through the pipeline and hand the derived
systems to the solvers.  Nothing in the pipeline, :mod:`rgsym.solve` or :mod:`rgsym.emit`
imports them (``tests/test_architecture.py``).

- :mod:`~rgsym.workflows.fixed_function`: the fixed-point function of the full potential,
  its polynomial start and the continuation in d that reaches it;
- :mod:`~rgsym.workflows.study` (with ``study_run``, ``study_launch``, ``study_dask``,
  ``study_table``, ``study_plot``): a grid of spec points run locally or on Dask;
- :mod:`~rgsym.workflows.flow`: RG-time flows from the [bare] potential;
- :mod:`~rgsym.workflows.scan`: exponents along one spec value;
- :mod:`~rgsym.workflows.crossover`: N_c of the cubic anisotropy;
- :mod:`~rgsym.workflows.routes`: the polynomial result checked against the full potential;
- :mod:`~rgsym.workflows.report`: one PDF with the truncation, diagrams, betas and exponents.
"""
