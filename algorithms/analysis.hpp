// Per-run evidence for or against a convergence claim (docs/theory.md, "Convergence guarantees"):
// iterations to each tolerance, the fitted rate, and the check of the method's theory bound at
// every iteration.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include <tabrl/algorithms/optimizer.hpp>
#include <tabrl/core/rate_fit.hpp>

namespace tabrl {

struct RunAnalysisResult {
  std::vector<double> tolerances;
  std::vector<int> first_iteration;  // per tolerance: first t with value_error_inf <= tol, or -1
  RateFit rate;                      // fitted on value_error_inf
  ConvergenceKind convergence = ConvergenceKind::unknown;  // of value_error_inf
  TheoryBound bound = TheoryBound::none;
  int bound_checks = 0;
  int bound_violations = 0;
  double spma_min_c = std::numeric_limits<double>::quiet_NaN();  // min C_t (SPMA only)
  // Log-linear runs only (docs/theory.md, "Log-linear policies", "Rate and floor"): the floor
  // (the smallest suboptimality over the last tenth of the iterates), the linear rate fitted
  // on the excess suboptimality - floor while it is above the floor, and the mean
  // projection_error over that last tenth. NaN (and no fit) for tabular runs.
  double floor = std::numeric_limits<double>::quiet_NaN();
  RateFit floor_rate;
  double floor_projection_error = std::numeric_limits<double>::quiet_NaN();
  // How far the run still was from its floor: (largest suboptimality over the second half of
  // the iterates - floor) / min(initial suboptimality - floor, floor) (the whole decrease when
  // the floor is 0). A run on its plateau has a small drift (the reproduction asks for at most
  // 1e-2); one still descending, steadily or slowly towards a lower floor, a large one. 0
  // without a decrease.
  double floor_drift = std::numeric_limits<double>::quiet_NaN();
  // The largest inner_iterations of any iterate (Newton steps of exact SPMA, m otherwise).
  double inner_iterations_max = std::numeric_limits<double>::quiet_NaN();
  // Exact SPMA: the projections that ended without meeting their stopping rule.
  int inner_unmet = 0;
  // mdpo and smdpo: the state updates whose inner steps lost ground (curve column inner_lost).
  double inner_lost = 0.0;
  // A bound is checked where the run had at least one step it could be checked at (a run that
  // ends at its first iterate, or whose bound is NaN at every step, checks nothing): only then
  // can it have held. "Held" after no checks would be a claim with nothing behind it.
  bool bound_checked() const { return bound != TheoryBound::none && bound_checks > 0; }
  bool bound_held() const { return bound_checked() && bound_violations == 0; }
};

// The note on exact SPMA's projections that missed their stopping rule, said with a run's
// result (tabrl run's warning, runs.csv's and the Python summary's message); empty for none.
std::string unmet_projections_note(double count);

// The note on mdpo's and smdpo's inner steps that ended below their start on L_t in `count`
// state updates (tabrl run's warning, runs.csv's and the Python summary's message); empty for
// none.
std::string lost_ground_note(double count);

// Those notes that apply, in order: what tabrl run warns about, and run_message adds.
std::vector<std::string> run_notes(double inner_unmet, double inner_lost);

// A run's message for runs.csv and the Python summary: the optimizer's, then those notes.
std::string run_message(const OptimizerResult& result, const RunAnalysisResult& analysis);

// Sees every iterate (whatever the recording schedule) and builds a RunAnalysisResult.
class RunAnalysis final : public IterationCallback {
 public:
  // `uniform_start`: the run starts from the uniform policy (the NPG bound assumes it).
  // `solver`: the linear solver the run starts with (its accuracy sets the bounds' slack; a
  // later fallback goes to a direct solver, at least as accurate).
  RunAnalysis(const Mdp& mdp, const UpdateRule& rule, std::vector<double> tolerances,
              bool uniform_start = true, LinearSolverKind solver = LinearSolverKind::automatic);
  CallbackAction on_iteration(const IterationSummary& summary) override;
  void on_finish(const IterationSummary& last, const OptimizerResult& result) override;
  const RunAnalysisResult& result() const { return result_; }
  // The theory bound on the quantity the convergence figure shows (suboptimality for MDPs,
  // 1 - pi_t(a*) for bandits) at iterate t, or NaN where the bound says nothing.
  double plotted_bound(int iteration) const {
    const auto t = static_cast<std::size_t>(iteration);
    return t < plotted_bounds_.size() ? plotted_bounds_[t]
                                      : std::numeric_limits<double>::quiet_NaN();
  }

 private:
  void check(bool holds) {
    ++result_.bound_checks;
    if (!holds) ++result_.bound_violations;
  }

  // The floor and the rate before it (log-linear runs).
  void fit_floor();
  // The value of the diagnostic column `name` at this iterate, NaN if the rule has none.
  double diagnostic(const IterationSummary& summary, const std::string& name) const;

  const Mdp& mdp_;
  const UpdateRule& rule_;
  std::vector<std::string> diagnostic_names_;
  double value_scale_;
  // A bound "holds" at a step when the measured quantity is at most the bound plus the values'
  // accuracy (value_accuracy, core/linear_solver.hpp: 1e-12 of the value scale R / (1 - gamma),
  // or the rounding floor near gamma = 1).
  double slack_;
  bool log_linear_ = false;
  double step_size_;
  double min_gap_ = 0.0;
  RunAnalysisResult result_;
  std::vector<int> iterations_;
  // What the rate is fitted on, over fitted_scale_: value_error_inf over the value scale, or for
  // an entropy-regularised rule its regularised error over the regularised scale (docs/theory.md,
  // "Measuring a rate"): the unregularised error of such a run levels off at the
  // regularisation's bias.
  std::vector<double> fitted_errors_;
  std::string fitted_column_;  // the diagnostic column fitted, empty for value_error_inf
  double fitted_scale_ = 0.0;
  std::vector<double> suboptimalities_;
  std::vector<double> projection_errors_;
  double previous_error_ = 0.0;
  double previous_c_ = 0.0;
  double previous_delta_ = 0.0;
  double min_optimal_prob_ = 1.0;
  double delta0_ = 0.0;
  double pi0_best_ = 0.0;
  double product_bound_ = 0.0;     // SPMA: e_0 prod_{k<t} (1 - eta C_k (1 - gamma))
  double initial_vi_error_ = 0.0;  // value iteration: ||V_0 - V*||
  double bound_slack_ = 0.0;       // cen_entropy: slack_ scaled by the first bound value
  std::vector<double> plotted_bounds_;
};

}  // namespace tabrl
