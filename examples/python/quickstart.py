"""tabrl from Python in one page: an MDP from NumPy arrays, SPMA against NPG, and a matplotlib
figure of their convergence curves.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quickstart.py [FIGURE.png]

The figure goes to FIGURE.png, or into a new temporary directory when no path is given; the
script prints where. With an installed tabrl (docs/python.md, "Installing"), drop PYTHONPATH.
"""

import pathlib
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt
import numpy as np

import tabrl


def random_mdp(states, actions, seed):
    """A random MDP as plain arrays: P[s, a, :] from a Dirichlet(0.5, ..., 0.5), rewards
    U(0, 1), rho uniform."""
    generator = np.random.default_rng(seed)
    P = generator.dirichlet(np.full(states, 0.5), size=(states, actions))  # shape (S, A, S)
    r = generator.uniform(size=(states, actions))
    rho = np.full(states, 1.0 / states)
    return P, r, rho


def main():
    figure_path = (pathlib.Path(sys.argv[1]) if len(sys.argv) > 1
                   else pathlib.Path(tempfile.mkdtemp(prefix="tabrl-quickstart-")) / "quickstart.png")

    # The model is checked as a file reader checks one; a bad row would raise ValueError.
    P, r, rho = random_mdp(states=6, actions=2, seed=1)
    mdp = tabrl.Mdp.from_arrays(P, r, gamma=0.9, rho=rho)
    v_star, q_star, pi_star = mdp.solve()
    print(f"MDP: {mdp.states} states, {mdp.actions} actions, gamma {mdp.gamma}; "
          f"J* = {mdp.solve().objective:.6f}")

    # SPMA at a step below its safe bound 1 - gamma, NPG at step 1; both stop at 1e-8.
    runs = {
        "SPMA (eta 0.09)": tabrl.run(mdp, algo="spma", step_size=0.09, iterations=5000,
                                     tolerance=1e-8),
        "NPG (eta 1)": tabrl.run(mdp, algo="npg", step_size=1.0, iterations=5000,
                                 tolerance=1e-8),
    }
    for name, result in runs.items():
        summary = result.summary  # runs.csv's result columns; None where a value is undefined
        rate = "n/a" if summary["rate"] is None else f"{summary['rate']:.4f}"
        print(f"{name}: {result.status} after {result.iterations} iterations, "
              f"rate {rate} ({summary['convergence']}), "
              f"theory bound held: {summary['bound_held']}")
        # The final policy is greedy on Q*: it puts its mass on pi*'s actions.
        assert np.all(np.argmax(result.policy, axis=1) == np.argmax(pi_star, axis=1))

    figure, axes = plt.subplots(figsize=(6, 4))
    for name, result in runs.items():
        curve = result.curve  # a pandas DataFrame with the CLI's curve columns
        axes.semilogy(curve["iteration"], curve["suboptimality"], label=name)
    axes.set_xlabel("iteration t")
    axes.set_ylabel("J* - J(pi_t)")
    axes.set_title("SPMA and NPG on a random 6-state MDP")
    axes.legend()
    figure.tight_layout()
    figure_path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(figure_path, dpi=100)
    print(f"figure: {figure_path}")


if __name__ == "__main__":
    main()
