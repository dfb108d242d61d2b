// SPMA on the 5x5 MDP through tabrl's C++ API: the MDP from the registry, its optimal solution,
// the update rule from the algorithm registry, and the optimizer loop with a curve recorder and
// a tolerance stop. The program prints; the library does not.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/optimizer.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/mdps/registry.hpp>

int main() {
  try {
    const tabrl::Mdp mdp = tabrl::load_mdp("five_by_five");
    const tabrl::OptimalSolution optimal = tabrl::solve_optimal(mdp);
    const auto rule = tabrl::make_algorithm("spma", "0.099", mdp);
    tabrl::CurveRecorder recorder;
    tabrl::ToleranceStop stop(1e-6);
    const std::vector<tabrl::IterationCallback*> callbacks{&recorder, &stop};
    const tabrl::StateActionMatrix uniform =
        tabrl::StateActionMatrix::Zero(mdp.num_states(), mdp.num_actions());
    const tabrl::OptimizerResult result =
        tabrl::optimize(mdp, optimal, *rule, uniform, {.max_iterations = 3000}, callbacks);
    std::printf("J* = %.17g\n", optimal.objective);
    std::printf("spma: %s at iteration %d, suboptimality %.3g, %zu curve points\n",
                std::string(tabrl::to_string(result.status)).c_str(), result.iterations,
                result.suboptimality, recorder.points().size());
    return result.status == tabrl::RunStatus::converged ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "spma_five_by_five: %s\n", error.what());
    return 2;
  }
}
