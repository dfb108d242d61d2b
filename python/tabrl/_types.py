"""The result types of tabrl (docs/python.md). The extension module builds them."""

import dataclasses
from typing import Any, Dict, Optional

import numpy as np

__all__ = ["Solution", "Evaluation", "RunResult"]


@dataclasses.dataclass(frozen=True, eq=False)
class Solution:
    """The optimal solution of an MDP (docs/engine.md, "Optimal values").

    Unpacks as ``v, q, pi = mdp.solve()``: V* (S,), Q* (S, A) and pi* as an (S, A) array of 0s and
    1s. ``actions`` holds pi*[s] as action indices (the lowest-index action within 1e-13 of the
    value scale of the best), ``objective`` is J* = rho^T V*, and ``bellman_residual`` is
    max_s |max_a Q*[s, a] - V*[s]|, with ``bellman_check_passed`` telling whether it is within
    1e-12 of the value scale. ``solver`` names the linear solver that computed V* ("dense",
    "sparse" or "krylov"), and ``solver_note`` says why the automatic choice changed from Krylov
    to a direct solver ("" where it did not; docs/engine.md, "Fallback of the automatic choice").
    """

    v: np.ndarray
    q: np.ndarray
    pi: np.ndarray
    objective: float
    actions: np.ndarray
    bellman_residual: float
    bellman_check_passed: bool
    solver: str = ""
    solver_note: str = ""

    def __iter__(self):
        return iter((self.v, self.q, self.pi))


@dataclasses.dataclass(frozen=True, eq=False)
class Evaluation:
    """The exact quantities of one policy (docs/theory.md, "Exact quantities of a policy").

    Unpacks as ``v, q, a, d, j = mdp.evaluate(pi)``: V (S,), Q (S, A), the advantage A = Q - V
    (S, A), the normalised discounted visitation d (S,) from rho, and J = rho^T V.
    """

    v: np.ndarray
    q: np.ndarray
    advantage: np.ndarray
    visitation: np.ndarray
    objective: float

    def __iter__(self):
        return iter((self.v, self.q, self.advantage, self.visitation, self.objective))


@dataclasses.dataclass(frozen=True, eq=False)
class RunResult:
    """What ``tabrl.run`` returns.

    curve: a pandas DataFrame with the columns of ``tabrl run``'s curve CSV (docs/cli.md), one
        row per recorded iteration; an empty CSV field is NaN.
    status: how the run ended ("converged", "max_iterations", "step_invalid", ...).
    message: why, for a run that ended early ("" otherwise).
    iterations: the index of the last evaluated iterate.
    policy: the final policy, (S, A).
    logits: its logits (S, A); the log-probabilities, -inf at zeros, for direct methods.
    theta: the final parameters of a log-linear run (features=), shape (k,); None for tabular runs.
    summary: the fitted rate, convergence class and theory-bound check, with the names of a
        sweep's runs.csv columns (docs/sweeps.md).
    engine_seconds: the optimizer loop's own wall time, as the C++ API measures it.
    solver: the linear solver of the run's evaluations ("dense", "sparse" or "krylov").
    solver_note: where the automatic choice changed from Krylov to a direct solver, in the optimal
        solve or in the run, why (the lines ``tabrl run`` writes to stderr); "" otherwise.
    """

    curve: Any
    status: str
    message: str
    iterations: int
    policy: np.ndarray
    logits: np.ndarray
    theta: Optional[np.ndarray]
    summary: Dict[str, Any]
    engine_seconds: float
    solver: str = ""
    solver_note: str = ""


def _mdp_from_pickled(state):
    """Rebuilds a pickled tabrl.Mdp (Mdp.__reduce_ex__ names this function, which pickle finds by
    its module and name at any protocol)."""
    from ._tabrl import Mdp
    return Mdp._from_pickled(state)
