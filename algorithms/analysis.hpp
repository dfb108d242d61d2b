// Per-run evidence for or against a convergence claim (MATH.md section 5): iterations to each
// tolerance, the fitted rate, and the check of the method's theory bound at every iteration.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "algorithms/optimizer.hpp"
#include "core/rate_fit.hpp"

namespace tabrl {

enum class TheoryBound {
  none,                  // no bound of MATH.md 5 applies to this method, MDP and step
  spma_contraction,      // 5.1: e_{t+1} <= (1 - eta C_t (1 - gamma)) e_t, eta < (1 - gamma)/R
  spma_bandit_constant,  // 5.2: delta_t <= delta_0 (1 - eta pi_0(a*) Delta_min)^t, eta <= 1/R
  spma_bandit_gap,       // 5.3: delta_{t+1} <= delta_t^2
  npg_agarwal,           // 5.4: J* - J_t <= log(A)/(eta (1-gamma) t) + R/((1-gamma)^2 t)
  spg_bandit,            // 5.5: J* - J_t <= 5 R / (c^2 t), eta <= 2/(5R), c = min_t pi_t(a*)
};

const char* to_string(TheoryBound bound);

// The bound that applies to `rule` (by name and options) on `mdp` from the uniform policy.
TheoryBound applicable_bound(const UpdateRule& rule, const Mdp& mdp);

struct RunAnalysisResult {
  std::vector<double> tolerances;
  std::vector<int> first_iteration;  // per tolerance: first t with value_error_inf <= tol, or -1
  RateFit rate;                      // fitted on value_error_inf
  ConvergenceKind convergence = ConvergenceKind::unknown;  // of value_error_inf
  TheoryBound bound = TheoryBound::none;
  int bound_checks = 0;
  int bound_violations = 0;
  double spma_min_c = std::numeric_limits<double>::quiet_NaN();  // min C_t (SPMA only)
  bool bound_held() const { return bound != TheoryBound::none && bound_violations == 0; }
};

// A bound "holds" at a step when the measured quantity is at most the bound plus this fraction
// of the value scale R/(1 - gamma) (rounding of values of that size).
constexpr double kBoundSlack = 1e-12;

// Sees every iterate (whatever the recording schedule) and builds a RunAnalysisResult.
class RunAnalysis final : public IterationCallback {
 public:
  // `uniform_start`: the run starts from the uniform policy (the NPG bound assumes it).
  RunAnalysis(const Mdp& mdp, const OptimalSolution& optimal, const UpdateRule& rule,
              std::vector<double> tolerances, bool uniform_start = true);
  CallbackAction on_iteration(const IterationSummary& summary) override;
  void on_finish(const IterationSummary& last, const OptimizerResult& result) override;
  const RunAnalysisResult& result() const { return result_; }
  // The theory bound on the quantity the convergence figure shows (suboptimality for MDPs,
  // 1 - pi_t(a*) for bandits) at iterate t, or NaN where the bound says nothing.
  double plotted_bound(int iteration) const {
    const auto t = static_cast<std::size_t>(iteration);
    return t < plotted_bounds_.size() ? plotted_bounds_[t] : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  void check(bool holds) {
    ++result_.bound_checks;
    if (!holds) ++result_.bound_violations;
  }

  const Mdp& mdp_;
  double value_scale_;
  double slack_;  // kBoundSlack * value scale
  double step_size_;
  double min_gap_ = 0.0;
  RunAnalysisResult result_;
  std::vector<int> iterations_;
  std::vector<double> relative_value_errors_;  // value_error_inf / value scale
  std::vector<double> suboptimalities_;
  double previous_error_ = 0.0;
  double previous_c_ = 0.0;
  double previous_delta_ = 0.0;
  double min_optimal_prob_ = 1.0;
  double delta0_ = 0.0;
  double pi0_best_ = 0.0;
  double product_bound_ = 0.0;  // SPMA: e_0 prod_{k<t} (1 - eta C_k (1 - gamma))
  std::vector<double> plotted_bounds_;
};

}  // namespace tabrl
