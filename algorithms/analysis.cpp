#include "analysis.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/soft_optimal.hpp>

namespace tabrl {

RunAnalysis::RunAnalysis(const Mdp& mdp, const UpdateRule& rule, std::vector<double> tolerances,
                         bool uniform_start, LinearSolverKind solver)
    : mdp_(mdp),
      rule_(rule),
      diagnostic_names_(rule.diagnostic_names()),
      value_scale_(mdp.value_scale()),
      slack_(value_accuracy(mdp, resolve_solver_kind(mdp, solver)) * mdp.value_scale()),
      log_linear_(rule.feature_weights() != nullptr) {
  std::sort(tolerances.begin(), tolerances.end(), std::greater<>());
  result_.tolerances = std::move(tolerances);
  result_.first_iteration.assign(result_.tolerances.size(), -1);
  result_.bound = rule.theory_bound(mdp);
  // Agarwal et al.'s log(A) is KL(pi* || pi_0) for the uniform pi_0 only.
  if (result_.bound == TheoryBound::npg_agarwal && !uniform_start)
    result_.bound = TheoryBound::none;
  step_size_ = rule.nominal_step_size();
  if (mdp.is_bandit() && mdp.num_actions() > 1) min_gap_ = bandit_min_gap(mdp);
  // An entropy-regularised rule: its regularised error, relative to the regularised values'
  // scale (docs/theory.md, "Measuring a rate"). On a bandit Q_tau does not depend on the policy
  // (reg_q_error_inf is 0 throughout): the regularised suboptimality then, as value_error_inf is
  // the suboptimality of a bandit.
  fitted_scale_ = value_scale_;
  if (const double tau = rule.temperature(); tau > 0.0) {
    fitted_column_ = mdp.is_bandit() ? "reg_suboptimality" : "reg_q_error_inf";
    fitted_scale_ = regularised_value_scale(mdp, tau);
  }
}

double RunAnalysis::diagnostic(const IterationSummary& summary, const std::string& name) const {
  for (std::size_t i = 0; i < diagnostic_names_.size() && i < summary.diagnostics.size(); ++i) {
    if (diagnostic_names_[i] == name) return summary.diagnostics[i];
  }
  return std::numeric_limits<double>::quiet_NaN();
}

CallbackAction RunAnalysis::on_iteration(const IterationSummary& summary) {
  const int t = summary.iteration;
  const double error = summary.value_error_inf;
  iterations_.push_back(t);
  const double fitted = fitted_column_.empty() ? error : diagnostic(summary, fitted_column_);
  fitted_errors_.push_back(fitted / fitted_scale_);
  suboptimalities_.push_back(summary.suboptimality);
  if (log_linear_) {
    projection_errors_.push_back(diagnostic(summary, "projection_error"));
    // The running maximum (NaN until a first finite count).
    const double steps = diagnostic(summary, "inner_iterations");
    if (std::isfinite(steps) && !(steps <= result_.inner_iterations_max))
      result_.inner_iterations_max = steps;
    if (diagnostic(summary, "inner_unmet") > 0.0) ++result_.inner_unmet;
  }
  if (const double lost = diagnostic(summary, "inner_lost"); lost > 0.0) result_.inner_lost += lost;
  for (std::size_t i = 0; i < result_.tolerances.size(); ++i) {
    if (result_.first_iteration[i] < 0 && error <= result_.tolerances[i]) {
      result_.first_iteration[i] = t;
    }
  }
  const double delta = 1.0 - summary.optimal_action_prob;  // bandits only
  if (t == 0) {
    delta0_ = delta;
    pi0_best_ = summary.optimal_action_prob;
    product_bound_ = error;
  }
  double plotted = std::numeric_limits<double>::quiet_NaN();
  switch (result_.bound) {
    case TheoryBound::spma_contraction: {
      const double c = diagnostic(summary, "spma_c");
      if (t > 0) {
        const double factor =
            std::isnan(previous_c_) ? 1.0 : 1.0 - step_size_ * previous_c_ * (1.0 - mdp_.gamma());
        check(error <= factor * previous_error_ + slack_);
        product_bound_ *= factor;
      }
      // suboptimality <= value_error_inf <= e_0 prod (1 - eta C_k (1 - gamma)).
      plotted = product_bound_;
      if (!std::isnan(c) && !(c >= result_.spma_min_c)) result_.spma_min_c = c;
      previous_c_ = c;
      break;
    }
    case TheoryBound::spma_bandit_constant: {
      // docs/theory.md, "Convergence guarantees" from the actual start: delta_t <= delta_0 (1 - eta
      // pi_0(a*) Delta_min)^t.
      plotted = spma_bandit_constant_step_bound(delta0_, step_size_, pi0_best_, min_gap_, t);
      check(delta <= plotted + 1e-12);
      break;
    }
    case TheoryBound::spma_bandit_gap:
      // delta_t = delta_0^(2^t) exactly.
      plotted = std::pow(delta0_, std::pow(2.0, std::min(t, 1000)));
      if (t > 0) check(delta <= previous_delta_ * previous_delta_ * (1.0 + 1e-9) + 1e-15);
      break;
    case TheoryBound::npg_agarwal:
      if (t > 0) {
        const double bound = npg_suboptimality_bound(mdp_.num_actions(), step_size_, mdp_.gamma(),
                                                     t, mdp_.reward_range());
        check(summary.suboptimality <= bound + slack_);
        // Bandits plot delta: J* - J >= Delta_min delta.
        plotted = mdp_.is_bandit() ? bound / min_gap_ : bound;
      }
      break;
    case TheoryBound::spg_bandit:
      // c_t: the largest probability of one optimal arm (all of pi_t(a*) when it is unique).
      min_optimal_prob_ = std::min(
          min_optimal_prob_, largest_optimal_arm_probability(mdp_, summary.evaluation.policy));
      if (t > 0) {
        plotted =
            5.0 * mdp_.reward_range() / (min_optimal_prob_ * min_optimal_prob_ * t * min_gap_);
      }
      break;
    case TheoryBound::pi_contraction:
      // e_t <= gamma^t e_0; the suboptimality is at most e_t.
      plotted = std::pow(mdp_.gamma(), t) * product_bound_;
      check(error <= plotted + slack_);
      break;
    case TheoryBound::vi_contraction: {
      // ||V_t - V*|| <= gamma^t ||V_0 - V*||, and the policy greedy in V_t is within
      // 2 gamma / (1 - gamma) ||V_t - V*|| of optimal (docs/theory.md, "Value iteration").
      const double vi_error = diagnostic(summary, "vi_error_inf");
      if (t == 0) initial_vi_error_ = vi_error;
      const double contraction = std::pow(mdp_.gamma(), t) * initial_vi_error_;
      check(vi_error <= contraction + slack_);
      plotted = 2.0 * mdp_.gamma() / (1.0 - mdp_.gamma()) * contraction;
      check(error <= plotted + slack_);
      break;
    }
    case TheoryBound::cen_entropy: {
      // ||Q*_tau - Q_tau^{pi_t}|| against the rule's own bound (docs/theory.md, "Entropy
      // regularisation"); the slack grows with the bound's first value, which carries the
      // entropy's share of the regularised values.
      const double bound = rule_.bound_value(t);
      if (t == 1) bound_slack_ = slack_ * (1.0 + std::max(0.0, bound / value_scale_));
      if (!std::isnan(bound)) check(diagnostic(summary, "reg_q_error_inf") <= bound + bound_slack_);
      break;
    }
    case TheoryBound::none:
      break;
  }
  plotted_bounds_.push_back(plotted);
  previous_error_ = error;
  previous_delta_ = delta;
  return CallbackAction::proceed;
}

void RunAnalysis::on_finish(const IterationSummary& last, const OptimizerResult& /*result*/) {
  // The step from the last iterate is computed but never taken: its inner solve made no iterate.
  if (log_linear_ && diagnostic(last, "inner_unmet") > 0.0) --result_.inner_unmet;
  if (const double lost = diagnostic(last, "inner_lost"); lost > 0.0) result_.inner_lost -= lost;
  if (result_.bound == TheoryBound::spg_bandit) {
    // c = inf_t pi_t(a*) over the iterates seen: never larger than over all t, so a bound that
    // holds with it holds with the theorem's c.
    const double c = min_optimal_prob_;
    for (std::size_t i = 0; i < iterations_.size(); ++i) {
      if (iterations_[i] == 0) continue;
      check(suboptimalities_[i] <= 5.0 * mdp_.reward_range() / (c * c * iterations_[i]) + slack_);
    }
  }
  // Fitted on errors relative to the value scale, so that scaling the rewards changes neither the
  // rate nor the class.
  result_.rate = fit_rate(iterations_, fitted_errors_, kRelativeGapFloor);
  result_.convergence = classify_convergence(iterations_, fitted_errors_, kRelativeGapFloor);
  if (log_linear_ && !suboptimalities_.empty()) fit_floor();
}

void RunAnalysis::fit_floor() {
  // The last tenth of the iterates seen (at least one) is the plateau.
  const std::size_t n = suboptimalities_.size();
  const std::size_t tail = std::max<std::size_t>(1, n / 10);
  double floor = suboptimalities_[n - tail];
  double projection = 0.0;
  int counted = 0;
  for (std::size_t i = n - tail; i < n; ++i) {
    floor = std::min(floor, suboptimalities_[i]);
    if (std::isfinite(projection_errors_[i])) {
      projection += projection_errors_[i];
      ++counted;
    }
  }
  result_.floor = std::max(floor, 0.0);
  double second_half = result_.floor;
  for (std::size_t i = n / 2; i < n; ++i) second_half = std::max(second_half, suboptimalities_[i]);
  // Relative to the smaller of the whole decrease and the floor itself: a run that fell fast
  // and then creeps on towards a lower floor is still descending.
  const double decrease = suboptimalities_.front() - result_.floor;
  const double scale = result_.floor > 0.0 ? std::min(decrease, result_.floor) : decrease;
  result_.floor_drift = scale > 0.0 ? (second_half - result_.floor) / scale : 0.0;
  result_.floor_projection_error = counted > 0 ? projection / counted : std::nan("");
  // The approach: the excess over the floor, relative to the value scale, fitted while it is
  // above the floor itself (suboptimality >= 2 floor) and above rounding.
  std::vector<double> excess(n);
  for (std::size_t i = 0; i < n; ++i) {
    excess[i] = std::max(suboptimalities_[i] - result_.floor, 0.0) / value_scale_;
  }
  result_.floor_rate =
      fit_rate(iterations_, excess, std::max(kRelativeGapFloor, result_.floor / value_scale_));
}

std::string unmet_projections_note(double count) {
  if (!(count > 0.0)) return {};
  return format_brief(count) +
         " exact projections ended without meeting their stopping rule (curve column "
         "inner_unmet; docs/theory.md, \"The exact solve\"): those iterates are not the exact "
         "SPMA update";
}

std::string lost_ground_note(double count) {
  if (!(count > 0.0)) return {};
  return "the inner steps ended below their start on L_t in " + format_brief(count) +
         (count == 1.0 ? " state update" : " state updates") +
         " (curve column inner_lost; docs/algorithms.md, \"Inner steps that lose ground\"): "
         "inner_step_size is unstable at this step size";
}

std::vector<std::string> run_notes(double inner_unmet, double inner_lost) {
  std::vector<std::string> notes;
  for (std::string note : {unmet_projections_note(inner_unmet), lost_ground_note(inner_lost)}) {
    if (!note.empty()) notes.push_back(std::move(note));
  }
  return notes;
}

std::string run_message(const OptimizerResult& result, const RunAnalysisResult& analysis) {
  std::string message = result.message;
  for (const std::string& note : run_notes(analysis.inner_unmet, analysis.inner_lost)) {
    message += (message.empty() ? "" : "; ") + note;
  }
  return message;
}

}  // namespace tabrl
