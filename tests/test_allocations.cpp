// "No allocation per iteration": counts heap allocations during optimizer iterations. This
// executable interposes malloc, calloc and realloc (forwarding to glibc's __libc_* functions), so
// that operator new and Eigen's aligned allocations are all counted.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include <tabrl/algorithms/apg.hpp>
#include <tabrl/algorithms/gnpg.hpp>
#include <tabrl/algorithms/mdpo.hpp>
#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/pi.hpp>
#include <tabrl/algorithms/pmd_euclidean.hpp>
#include <tabrl/algorithms/ppg.hpp>
#include <tabrl/algorithms/smdpo.hpp>
#include <tabrl/algorithms/spg.hpp>
#include <tabrl/algorithms/spg_armijo.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/vi.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>

namespace {
std::atomic<long> allocations{0};
}

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);

void* malloc(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(pointer, size);
}
}

using namespace tabrl;

namespace {

// Allocations made by `iterations` exact evaluations and updates after two warm-up iterations.
long allocations_per_run(const Mdp& mdp, UpdateRule& rule, LinearSolverKind solver,
                         int iterations) {
  PolicyEvaluator evaluator(mdp, solver);
  const OptimalSolution unsolved;  // V* is not needed by these rules
  StateActionMatrix parameters(mdp.num_states(), mdp.num_actions());
  rule.initialize({.mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
                  uniform_logits(mdp.num_states(), mdp.num_actions()), parameters);
  StateActionMatrix next(mdp.num_states(), mdp.num_actions());
  std::vector<double> diagnostics(rule.diagnostic_names().size());
  Evaluation evaluation;
  long before = 0;
  for (int t = 0; t < iterations + 2; ++t) {
    if (t == 2) before = allocations.load();
    if (rule.form() == PolicyForm::probabilities) {
      evaluator.evaluate_policy(parameters, evaluation);
    } else {
      evaluator.evaluate_logits(parameters, evaluation);
    }
    rule.step({.iteration = t, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator}, evaluation,
              parameters, next, diagnostics);
    parameters.swap(next);
  }
  return allocations.load() - before;
}

}  // namespace

TEST_CASE("the counter sees allocations") {
  const long before = allocations.load();
  Eigen::VectorXd vector(1000);
  auto* boxed = new std::vector<int>(100);
  CHECK(allocations.load() - before >= 2);
  delete boxed;
  CHECK(vector.size() == 1000);
}

TEST_CASE("the dense path allocates nothing per iteration") {
  const Mdp mdp = make_garnet(60, 4, 5, 3);
  Spma spma(mdp, {.step_size = 0.05});
  Npg npg({.step_size = 1.0});
  Spg spg({.step_size = 1.0});
  // The look-ahead methods evaluate further policies into storage of their own.
  Apg apg({.step_size = 1.0});
  SpgArmijo spg_armijo({.step_size = 1e3});
  Gnpg gnpg({.step_size = 0.1});
  Mdpo mdpo({.step_size = 1.0, .inner_steps = 5, .inner_step_size = 1.0});
  Smdpo smdpo({.step_size = 0.05, .inner_steps = 5, .inner_step_size = 1.0});
  Ppg ppg({.step_size = 0.1});
  PmdEuclidean pmd({.step_size = 0.1});
  PolicyIteration pi;
  ValueIteration vi;
  for (UpdateRule* rule : std::vector<UpdateRule*>{&spma, &npg, &spg, &apg, &spg_armijo, &gnpg,
                                                   &mdpo, &smdpo, &ppg, &pmd, &pi, &vi}) {
    CAPTURE(rule->name());
    CHECK(allocations_per_run(mdp, *rule, LinearSolverKind::dense_lu, 50) == 0);
  }
}

// The sparse LU path is not covered: Eigen's SparseLU::factorize allocates its supernodal
// storage on every call (about 20 allocations per iteration; docs/engine.md).

TEST_CASE("the Krylov path allocates nothing per iteration") {
  const Mdp mdp = make_garnet(600, 4, 5, 3);
  Spma spma(mdp, {.step_size = 0.05});
  CHECK(allocations_per_run(mdp, spma, LinearSolverKind::krylov, 10) == 0);
}
