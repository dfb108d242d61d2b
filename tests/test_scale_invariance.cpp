// Scale invariance (docs/theory.md, "Value scale"): multiplying every reward by c multiplies
// J*, V* and the curves by c, and changes no decision, rate or class, for c from 1e-150 to 1e150.
// With c a power of two every floating-point operation scales exactly, so the results must be
// bit-identical after dividing by c; with c a power of ten the rewards themselves are rounded,
// so agreement is to 1e-12 of the value scale.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/spg.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/gridworlds.hpp>

using namespace tabrl;

namespace {

Mdp scaled(const Mdp& mdp, double factor) {
  MdpParts parts = mdp.parts();
  parts.rewards *= factor;
  return Mdp(std::move(parts));
}

struct NamedMdp {
  std::string name;
  Mdp mdp;
};

std::vector<NamedMdp> reference_mdps() {
  std::vector<NamedMdp> mdps;
  mdps.push_back({"five_by_five", make_five_by_five()});
  mdps.push_back({"cliff_world", make_cliff_world()});
  mdps.push_back({"deep_sea_treasure", make_deep_sea_treasure()});
  mdps.push_back({"flat_grad_chain", make_flat_grad_chain(20)});
  mdps.push_back({"garnet", make_garnet(30, 4, 3, 7)});
  mdps.push_back({"bandit", make_bandit({0.2, 0.5, 0.9})});
  return mdps;
}

struct RunRecord {
  std::vector<CurvePoint> curve;
  RunAnalysisResult analysis;
  RunStatus status;
};

enum class Method { spma, npg, spg };

// A run whose step is expressed in reward units (eta R is what the update sees), so that the
// scaled MDP gets the scaled step.
RunRecord run(const Mdp& mdp, Method method, int iterations, LinearSolverKind solver) {
  const OptimalSolution optimal = solve_optimal(mdp, solver);
  std::unique_ptr<UpdateRule> rule;
  const double unit = 1.0 / mdp.value_scale();  // eta in units of (1 - gamma) / R
  if (method == Method::spma) {
    rule = std::make_unique<Spma>(mdp, SpmaOptions{.step_size = 0.5 * spma_safe_step(mdp)});
  } else if (method == Method::npg) {
    rule = std::make_unique<Npg>(NpgOptions{.step_size = 0.7 * unit});
  } else {
    rule = std::make_unique<Spg>(SpgOptions{.step_size = spg_theory_step(mdp)});
  }
  CurveRecorder recorder;
  RunAnalysis analysis(mdp, *rule, {1e-2, 1e-4});
  std::vector<IterationCallback*> callbacks{&recorder, &analysis};
  const OptimizerResult result =
      optimize(mdp, optimal, *rule, uniform_logits(mdp.num_states(), mdp.num_actions()),
               {.max_iterations = iterations, .solver = solver}, callbacks);
  return {recorder.points(), analysis.result(), result.status};
}

// |scaled - factor * original| <= tolerance * factor * scale, entry by entry.
void check_scaled(double original, double scaled_value, double factor, double scale,
                  double tolerance, const std::string& what) {
  INFO(what << ": original " << original << ", scaled " << scaled_value << ", factor " << factor);
  if (tolerance == 0.0) {
    CHECK(scaled_value == original * factor);
  } else {
    CHECK(std::abs(scaled_value - original * factor) <= tolerance * std::abs(factor) * scale);
  }
}

void compare_runs(const RunRecord& original, const RunRecord& scaled_run, double factor,
                  double scale, double tolerance) {
  CHECK(original.status == scaled_run.status);
  REQUIRE(original.curve.size() == scaled_run.curve.size());
  for (std::size_t i = 0; i < original.curve.size(); ++i) {
    const CurvePoint& a = original.curve[i];
    const CurvePoint& b = scaled_run.curve[i];
    CHECK(a.iteration == b.iteration);
    check_scaled(a.objective, b.objective, factor, scale, tolerance, "objective");
    check_scaled(a.suboptimality, b.suboptimality, factor, scale, tolerance, "suboptimality");
    check_scaled(a.value_error_inf, b.value_error_inf, factor, scale, tolerance, "value_error_inf");
    check_scaled(a.step_size, b.step_size, 1.0 / factor, 1.0 / scale, tolerance, "step_size");
  }
  CHECK(std::string(to_string(original.analysis.convergence)) ==
        to_string(scaled_run.analysis.convergence));
  CHECK(original.analysis.bound == scaled_run.analysis.bound);
  CHECK(original.analysis.bound_violations == scaled_run.analysis.bound_violations);
  CHECK(original.analysis.rate.points == scaled_run.analysis.rate.points);
  if (tolerance == 0.0) {
    CHECK(original.analysis.rate.rate == scaled_run.analysis.rate.rate);
    CHECK(original.analysis.rate.loglog_slope == scaled_run.analysis.rate.loglog_slope);
  } else {
    // The rounded rewards perturb the tail of the curve near the floor (1e-13 of the value
    // scale), where a gap has only a few correct digits: measured below 1e-5 relative.
    CHECK(scaled_run.analysis.rate.rate ==
          doctest::Approx(original.analysis.rate.rate).epsilon(1e-4));
  }
}

}  // namespace

TEST_CASE("J*, V*, curves, rates and classes are invariant under reward scaling 1e-150..1e150") {
  // Powers of two: exact. 2^-498 is about 1.2e-150, 2^498 about 8.2e149.
  const std::vector<double> exact_factors{std::ldexp(1.0, -498), std::ldexp(1.0, -50),
                                          std::ldexp(1.0, 50), std::ldexp(1.0, 498)};
  const std::vector<double> decimal_factors{1e-150, 1e-15, 1e15, 1e150};
  for (const NamedMdp& reference : reference_mdps()) {
    const Mdp& mdp = reference.mdp;
    const OptimalSolution optimal = solve_optimal(mdp);
    std::vector<RunRecord> runs;
    for (Method method : {Method::spma, Method::npg, Method::spg}) {
      runs.push_back(run(mdp, method, 300, LinearSolverKind::automatic));
    }
    for (std::size_t i = 0; i < exact_factors.size(); ++i) {
      for (const auto& [f, tolerance] :
           {std::pair{exact_factors[i], 0.0}, std::pair{decimal_factors[i], 1e-12}}) {
        CAPTURE(reference.name);
        CAPTURE(f);
        const Mdp big = scaled(mdp, f);
        CHECK(big.value_scale() == doctest::Approx(f * mdp.value_scale()).epsilon(1e-14));
        const OptimalSolution scaled_optimal = solve_optimal(big);
        CHECK(scaled_optimal.policy == optimal.policy);
        CHECK(scaled_optimal.bellman_check_passed);
        check_scaled(optimal.objective, scaled_optimal.objective, f, mdp.value_scale(), tolerance,
                     "J*");
        for (Index s = 0; s < mdp.num_states(); ++s) {
          check_scaled(optimal.v[s], scaled_optimal.v[s], f, mdp.value_scale(), tolerance, "V*");
        }
        int index = 0;
        for (Method method : {Method::spma, Method::npg, Method::spg}) {
          CAPTURE(index);
          compare_runs(runs[static_cast<std::size_t>(index++)],
                       run(big, method, 300, LinearSolverKind::automatic), f, mdp.value_scale(),
                       tolerance);
        }
      }
    }
  }
}

TEST_CASE("the Krylov solver is exactly scale-equivariant (its dot products do not underflow)") {
  const Mdp mdp = make_garnet(600, 3, 4, 11);
  const RunRecord original = run(mdp, Method::npg, 20, LinearSolverKind::krylov);
  for (const double factor : {std::ldexp(1.0, -498), std::ldexp(1.0, 498)}) {
    CAPTURE(factor);
    const RunRecord scaled_run =
        run(scaled(mdp, factor), Method::npg, 20, LinearSolverKind::krylov);
    compare_runs(original, scaled_run, factor, mdp.value_scale(), 0.0);
  }
}

TEST_CASE("the dense solver's GMRES is exactly scale-equivariant (it solves a scaled system)") {
  // 100 states with dense rows: the value solves (SPMA) and both solves (SPG) go through GMRES;
  // 2^-600 and 2^600 put the residuals' squares out of double range unless scaled.
  const Mdp mdp = make_garnet(100, 3, 100, 11);
  REQUIRE(mdp.kernel_storage() == KernelStorage::dense);
  for (const Method method : {Method::spma, Method::spg}) {
    const RunRecord original = run(mdp, method, 60, LinearSolverKind::dense_lu);
    for (const int exponent : {-600, -498, 498, 600}) {
      CAPTURE(exponent);
      const double factor = std::ldexp(1.0, exponent);
      const RunRecord scaled_run = run(scaled(mdp, factor), method, 60, LinearSolverKind::dense_lu);
      compare_runs(original, scaled_run, factor, mdp.value_scale(), 0.0);
    }
  }
}

TEST_CASE("a tiny reward scale gets the right J* (policy iteration's switching rule is relative)") {
  // The probe: the absolute switching tolerance left the reward-greedy policy in place, J* = 0.
  const Mdp mdp = make_gridworld(split_map("S..G"), {.goal_reward = 1e-15});
  const OptimalSolution optimal = solve_optimal(mdp);
  CHECK(optimal.objective == doctest::Approx(0.9 * 0.9 * 1e-15).epsilon(1e-12));
}

TEST_CASE("a discount within 1e-12 of 1 is refused with the reason") {
  for (const double gamma : {0.9999999999999999, 1.0 - 5e-13}) {
    CAPTURE(gamma);
    const std::string message = [&] {
      try {
        make_five_by_five(gamma);
      } catch (const InputError& error) {
        return std::string(error.what());
      }
      return std::string("(no error)");
    }();
    CHECK(message.find("within 1e-12 of 1") != std::string::npos);
    CHECK(message.find("cannot be resolved in double precision") != std::string::npos);
  }
  CHECK_NOTHROW(make_five_by_five(1.0 - 1e-9));
}

TEST_CASE("rewards whose values would leave double range are refused") {
  MdpParts parts = make_five_by_five().parts();
  parts.rewards(0, 0) = 1e299;
  CHECK_THROWS_AS(Mdp(std::move(parts)), InputError);
}
