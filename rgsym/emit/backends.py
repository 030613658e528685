"""Backends: compiled betas and Jacobians for the solvers, from generated code.

Each backend returns two callables with the conventions of
:class:`~rgsym.solve.numeric.NumericSystem`: ``rhs(x)`` takes one point (n,)
or points (m, n) and returns the same shape; ``jacobian(g)`` takes one point
and returns the n*n matrix.

- ``"c"``: the generated C, compiled into a shared library
  (:mod:`rgsym.emit.compiler`) and called through ctypes;
- ``"numpy"``: the generated NumPy module, executed in memory;
- ``"sympy"``: ``sympy.lambdify(cse=True)`` of the betas and the stability matrix.

Parameter values (d, N, ... when the system leaves them symbolic) are passed
at run time, so one compiled library serves every value.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from rgsym.betasystem import BetaSystem
from rgsym.emit.c import render_c
from rgsym.emit.compiler import build_library
from rgsym.emit.kernels import build_kernels
from rgsym.emit.numpy_module import load_module, render_numpy
from rgsym.errors import UnsupportedError

#: Backends built from generated code (the default, symengine's LLVM, lives in rgsym.solve.numeric).
CODE_BACKENDS = ("c", "numpy", "sympy")

Functions = tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]


def compile_functions(system: BetaSystem, values: Mapping[sp.Symbol, float], backend: str) -> Functions:
    """(rhs, jacobian) of ``system`` through ``backend``, with ``values`` for its parameters.

    Raises
    ------
    ValueError
        For an unknown backend.
    UnsupportedError
        For quadrature thresholds with a symbolic d or eta, or through the sympy backend
        (sympy's printers know no threshold integral).
    """
    if backend not in CODE_BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; allowed: {', '.join(CODE_BACKENDS)}")
    if backend == "sympy" and system.thresholds:
        raise UnsupportedError(system.spec_source, "regulator.kind",
                               "the sympy backend evaluates closed-form thresholds only; "
                               "use --backend c or numpy for this regulator")
    params = parameter_values(system, values)
    if backend == "c":
        library = CLibrary.load(system)
        return library.rhs_function(params), library.jacobian_function(params)
    if backend == "numpy":
        module = load_module(render_numpy(system, build_kernels(system))["betas.py"])
        return numpy_functions(module, params)
    return sympy_functions(system, params)


def parameter_values(system: BetaSystem, values: Mapping[sp.Symbol, float]) -> np.ndarray:
    """The values of the system's parameters in their order (matched by name)."""
    by_name = {k.name: float(v) for k, v in values.items()}
    return np.array([by_name[p.name] for p in system.parameters], dtype=float)


@dataclass(frozen=True)
class CLibrary:
    """The generated C of one system, compiled and loaded."""

    library: ctypes.CDLL
    size: int
    functions: dict[str, Any] = field(repr=False)

    @classmethod
    def load(cls, system: BetaSystem) -> CLibrary:
        """Generate, compile (or find in the cache) and load the C code of ``system``.

        Raises
        ------
        RuntimeError
            If the library's coupling names are not the system's (a stale or foreign file).
        """
        path = build_library(render_c(system, build_kernels(system)))
        library = ctypes.CDLL(str(path))
        n = len(system.couplings)
        names = (ctypes.c_char_p * (n + 1)).in_dll(library, "rgsym_coupling_names")
        found = tuple((names[i] or b"").decode() for i in range(n))
        if found != system.names:
            raise RuntimeError(f"{path} computes couplings {found}, not {system.names}")
        functions = {}
        for name in ("rgsym_rhs", "rgsym_jacobian"):
            single, batch = getattr(library, name), getattr(library, name + "_batch")
            single.argtypes = [ctypes.c_void_p] * 3
            batch.argtypes = [ctypes.c_size_t] + [ctypes.c_void_p] * 3
            single.restype = batch.restype = None
            functions[name] = single
            functions[name + "_batch"] = batch
        return cls(library, n, functions)

    def rhs_function(self, params: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """beta at one point (n,) or at points (m, n)."""
        return _CCall(self.functions["rgsym_rhs"], self.functions["rgsym_rhs_batch"], self.size,
                      self.size, np.ascontiguousarray(params, dtype=float))

    def jacobian_function(self, params: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """d beta_i / d g_j at one point (n,) -> (n*n,), or at points (m, n) -> (m, n*n)."""
        return _CCall(self.functions["rgsym_jacobian"], self.functions["rgsym_jacobian_batch"],
                      self.size, self.size * self.size, np.ascontiguousarray(params, dtype=float))


class _CCall:
    """One C kernel called on NumPy arrays (shapes are checked: C trusts them).

    A single point goes through buffers allocated once, whose addresses are taken
    once: asking NumPy for an address costs more than the whole call at low order.
    Calls are serialised by a lock, so an instance may be shared between threads.
    """

    def __init__(self, single: Any, batch: Any, inputs: int, outputs: int, params: np.ndarray) -> None:
        self.single, self.batch, self.inputs, self.outputs = single, batch, inputs, outputs
        self.params = np.ascontiguousarray(params, dtype=float)
        self._point = np.empty(inputs)
        self._result = np.empty(outputs)
        self._addresses = (self._point.ctypes.data, self.params.ctypes.data, self._result.ctypes.data)
        self._lock = threading.Lock()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape == (self.inputs,):
            with self._lock:
                self._point[:] = x
                self.single(*self._addresses)
                return self._result.copy()
        if x.ndim != 2 or x.shape[1] != self.inputs:
            raise ValueError(f"expected a point ({self.inputs},) or points (m, {self.inputs}), got {x.shape}")
        points = np.ascontiguousarray(x)  # the C layout: point after point
        out = np.empty((x.shape[0], self.outputs))
        self.batch(x.shape[0], points.ctypes.data, self.params.ctypes.data, out.ctypes.data)
        return out


def numpy_functions(module: Any, params: np.ndarray) -> Functions:
    """(rhs, jacobian) from a generated NumPy module, with the parameter values ``params``.

    Both take one point (n,) or points (m, n), like the other backends.
    """
    def rhs(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.asarray(module.rhs(x if x.ndim == 1 else x.T, params)).T

    def jacobian(g: np.ndarray) -> np.ndarray:
        return np.asarray(module.jacobian(np.asarray(g, dtype=float), params)).reshape(-1)

    return rhs, jacobian


def sympy_functions(system: BetaSystem, params: np.ndarray) -> Functions:
    """(rhs, jacobian) by ``sympy.lambdify(cse=True)`` of the betas and the stability matrix.

    The baseline the generated code is measured against (benchmarks/codegen.py).
    """
    args = [*system.symbols, *system.parameters]
    rhs_f = sp.lambdify(args, list(system.betas), modules="numpy", cse=True)
    jac_f = sp.lambdify(args, list(system.stability_matrix), modules="numpy", cse=True)

    def evaluate(f: Callable[..., Any], x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        columns = x if x.ndim == 1 else x.T
        values = np.broadcast_arrays(*f(*columns, *params))
        return np.array(values, dtype=float).T

    return (lambda x: evaluate(rhs_f, x)), (lambda g: evaluate(jac_f, g).reshape(-1))
