"""tabrl from Python: MDPs from NumPy and SciPy arrays, exact-gradient runs and sweeps as pandas
DataFrames, on the engine of the ``tabrl`` command line (docs/python.md).

    import numpy as np, tabrl
    mdp = tabrl.Mdp.load("five_by_five")
    result = tabrl.run(mdp, algo="spma", step_size=0.099, iterations=3000, tolerance=1e-6)
    result.curve.plot(x="iteration", y="suboptimality", logy=True)
"""

from ._tabrl import Mdp, __version__, algorithms
from ._types import Evaluation, RunResult, Solution
from ._api import plot, read_sweep, run, sweep
from ._gymnasium import from_gymnasium_P

# Mdp.from_gymnasium_P(P_dict, gamma, rho=None) beside Mdp.from_arrays (python/tabrl/_gymnasium.py).
Mdp.from_gymnasium_P = staticmethod(from_gymnasium_P)

__all__ = ["Mdp", "Solution", "Evaluation", "RunResult", "run", "sweep", "read_sweep", "plot",
           "algorithms", "__version__"]
