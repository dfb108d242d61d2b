#include "function_approximation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/inner_landscape.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/core/spec.hpp>
#include <tabrl/mdps/registry.hpp>
#include <tabrl/report/csv_table.hpp>

namespace tabrl {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The value of `key=` in a spec text ("5" for inner_steps in "spma(inner_steps=5,...)"), ""
// when absent or when the text is not a spec (a feature file's path).
std::string spec_value(const std::string& text, const std::string& key) {
  try {
    const std::string* value = parse_spec(text, "spec").find(key);
    return value != nullptr ? *value : "";
  } catch (const InputError&) {
    return "";
  }
}

std::string alpha_of(const ReportRun& run) {
  return spec_value(run.algorithm_spec, "inner_step_size");
}

bool full_rank(const ReportRun& run) { return feature_dim(run) >= run.states * run.actions; }

std::string features_text(const ReportRun& run) {
  if (run.features == "one_hot") return "one-hot (k = " + format_brief(feature_dim(run)) + ")";
  const double k = feature_dim(run);
  return std::isnan(k) ? run.features : "random, k = " + format_brief(k);
}

double relative_floor(const ReportRun& run) {
  return run.floor / std::max(std::abs(run.optimal_objective), 1e-300);
}

bool vanished(const ReportRun& run) { return relative_floor(run) <= kVanishedFloor; }

bool settled(const ReportRun& run) { return vanished(run) || run.floor_drift <= kSettledDrift; }

std::string rate_text(const ReportRun& run) {
  if (std::isnan(run.floor_rate)) return "-";
  return format_brief(run.floor_rate) + " (R^2 " + format_brief(run.floor_rate_r2) + ")";
}

// The distinct values of `key(run)` over `runs` that pass `keep`, in first-appearance order.
template <typename Key, typename Keep>
auto distinct(const std::vector<ReportRun>& runs, Key key, Keep keep) {
  std::vector<decltype(key(runs.front()))> values;
  for (const ReportRun& run : runs) {
    if (!keep(run)) continue;
    if (std::find(values.begin(), values.end(), key(run)) == values.end())
      values.push_back(key(run));
  }
  return values;
}

bool exact_spma(const ReportRun& run) {
  return run.algorithm == "spma" && !run.features.empty() && inner_steps_of(run) == 0;
}

// The final suboptimality of a run that ended normally; NaN otherwise.
double final_of(const ReportRun* run) {
  if (run == nullptr || (run->status != "converged" && run->status != "max_iterations"))
    return kNaN;
  return run->final_suboptimality;
}

// (MDPO - SPMA) / MDPO: positive when SPMA ends lower.
double relative_gap(double spma, double mdpo) {
  return (mdpo - spma) / std::max(std::abs(mdpo), 1e-300);
}

// The inner-step runs of one setting, by algorithm and m.
struct InnerCase {
  std::string mdp, features, step, alpha;
  std::map<int, const ReportRun*> spma, mdpo;
};

std::vector<InnerCase> inner_cases(const std::vector<ReportRun>& runs) {
  std::vector<InnerCase> cases;
  for (const ReportRun& run : runs) {
    if ((run.algorithm != "spma" && run.algorithm != "mdpo") || run.features.empty() ||
        inner_steps_of(run) == 0)
      continue;
    const std::string alpha = alpha_of(run);
    auto it = std::find_if(cases.begin(), cases.end(), [&](const InnerCase& c) {
      return c.mdp == run.mdp && c.features == run.features && c.step == run.step_size &&
             c.alpha == alpha;
    });
    if (it == cases.end()) {
      cases.push_back({run.mdp, run.features, run.step_size, alpha, {}, {}});
      it = cases.end() - 1;
    }
    (run.algorithm == "spma" ? it->spma : it->mdpo)[inner_steps_of(run)] = &run;
  }
  return cases;
}

}  // namespace

double feature_dim(const ReportRun& run) {
  if (run.features == "one_hot") return run.states * run.actions;
  const std::string dim = spec_value(run.features, "dim");
  return dim.empty() ? kNaN : table_number(dim, kNaN);
}

int inner_steps_of(const ReportRun& run) {
  const std::string m = spec_value(run.algorithm_spec, "inner_steps");
  return m.empty() ? 0 : static_cast<int>(table_number(m, 0.0));
}

ClaimResult fa_floor_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim =
          "Log-linear SPMA converges linearly to a floor that shrinks as features are "
          "added and vanishes at one-hot",
      .figures = {"function_approximation/figures/fa_floor_vs_k.png",
                  "function_approximation/figures/fa_convergence.png"},
      .header = {"MDP", "eta", "features", "status", "floor", "floor / |J*|", "q before the floor",
                 "mean projection error, last tenth", "drift", "outcome"},
      .rule =
          "exact SPMA at each step of the grid, features in increasing k (the classes are "
          "nested: random(dim=k) is the first k columns of random(dim=K)). The floor is the "
          "smallest suboptimality over the last tenth of the run, reached when its drift (the "
          "rise above the floor over the second half of the run, relative to the smaller of the "
          "floor and the run's whole decrease) is at most " +
          format_brief(kSettledDrift) +
          ". A run agrees when it reached its floor, that floor is no larger (within " +
          format_brief(kRelativeTie) +
          ") than the floor of the nearest smaller k whose run was conclusive, and, at full rank "
          "(one-hot, or k >= S A), it is at most " +
          format_brief(kVanishedFloor) +
          " |J*|. It disagrees when a reached floor grew with k or a full-rank floor did not "
          "vanish, is inconclusive when the run was still descending at its end or a projection "
          "missed its stopping rule, and n/a when 1 + eta A <= 0 ended it (`step_invalid`). The "
          "smallest k of a step has no smaller k to compare with: it agrees on reaching its "
          "floor. The rate q is shown, not tested"};
  const auto mdps = distinct(
      runs, [](const ReportRun& r) { return r.mdp; }, exact_spma);
  for (const std::string& mdp : mdps) {
    const auto steps = distinct(
        runs, [](const ReportRun& r) { return r.step_size; },
        [&](const ReportRun& r) { return exact_spma(r) && r.mdp == mdp; });
    for (const std::string& step : steps) {
      std::vector<const ReportRun*> members;
      for (const ReportRun& run : runs) {
        if (exact_spma(run) && run.mdp == mdp && run.step_size == step) members.push_back(&run);
      }
      std::stable_sort(members.begin(), members.end(), [](const ReportRun* a, const ReportRun* b) {
        return feature_dim(*a) < feature_dim(*b);
      });
      const ReportRun* previous = nullptr;  // the last conclusive smaller k
      for (const ReportRun* run : members) {
        CaseOutcome outcome = CaseOutcome::agrees;
        std::string reason;
        if (run->status == "step_invalid") {
          outcome = CaseOutcome::not_applicable;
          reason = "1 + eta A <= 0 at iteration " + format_brief(run->iterations);
        } else if (run->status != "converged" && run->status != "max_iterations") {
          outcome = CaseOutcome::disagrees;
          reason = "ended " + run->status;
        } else if (run->inner_unmet > 0) {
          outcome = CaseOutcome::inconclusive;
          reason = format_brief(run->inner_unmet) +
                   " projections missed their stopping rule (claim 9): the floor is not SPMA's";
        } else if (!settled(*run)) {
          outcome = CaseOutcome::inconclusive;
          reason = "still descending at iteration " + format_brief(run->iterations) + " (drift " +
                   format_brief(run->floor_drift) + "): the floor is an upper bound";
        } else if (full_rank(*run) && !vanished(*run)) {
          outcome = CaseOutcome::disagrees;
          reason = "full rank, but the floor is " + format_brief(relative_floor(*run)) + " |J*|";
        } else if (previous != nullptr &&
                   run->floor > previous->floor * (1.0 + kRelativeTie) +
                                    kVanishedFloor * std::abs(run->optimal_objective)) {
          outcome = CaseOutcome::disagrees;
          reason = "the floor grew from " + format_brief(previous->floor) + " (" +
                   features_text(*previous) + ")";
        } else if (previous != nullptr) {
          reason = "no larger than " + format_brief(previous->floor) + " (" +
                   features_text(*previous) + ")";
        }
        // The next k is compared with this floor when it is one (a failed run has none).
        if (outcome == CaseOutcome::agrees ||
            (outcome == CaseOutcome::disagrees && std::isfinite(run->floor) && settled(*run)))
          previous = run;
        claim.add(outcome);
        claim.rows.push_back({mdp, step, features_text(*run), run->status, format_brief(run->floor),
                              format_brief(relative_floor(*run)), rate_text(*run),
                              format_brief(run->floor_projection_error),
                              format_brief(run->floor_drift), outcome_text(outcome, reason)});
      }
    }
  }
  claim.finish();
  return claim;
}

ClaimResult fa_small_m_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim = "With m inner steps, SPMA is at least as good as MDPO at small m",
      .figures = {"function_approximation/figures/fa_spma_minus_mdpo.png"},
      .header = {"MDP", "features", "eta", "alpha", "m", "SPMA final suboptimality",
                 "MDPO final suboptimality", "(MDPO - SPMA) / MDPO", "outcome"},
      .rule = "at the same MDP, features, eta and inner step alpha, a case (m with 1 < m <= " +
              std::to_string(kSmallInnerSteps) +
              ") agrees when SPMA's final suboptimality is at most MDPO's, within " +
              format_brief(kRelativeTie) +
              " relative. At m = 1 both surrogates have the same gradient at theta_t (X^T of "
              "d_t pi_t A_t), so both take the same step: those rows check that the runs "
              "coincide and are not counted"};
  for (const InnerCase& c : inner_cases(runs)) {
    for (const auto& [m, spma_run] : c.spma) {
      if (m > kSmallInnerSteps || c.mdpo.count(m) == 0) continue;
      const double spma = final_of(spma_run), mdpo = final_of(c.mdpo.at(m));
      const double gap = relative_gap(spma, mdpo);
      CaseOutcome outcome;
      std::string reason;
      if (std::isnan(spma) || std::isnan(mdpo)) {
        outcome = CaseOutcome::disagrees;
        reason = "a run ended " + (std::isnan(spma) ? spma_run->status : c.mdpo.at(m)->status);
      } else if (m == 1) {
        // Not a case of the claim; a failure to coincide would be a bug, reported as such.
        const bool same = std::abs(gap) <= 1e-9;
        outcome = same ? CaseOutcome::not_applicable : CaseOutcome::disagrees;
        reason = same ? "the same update at m = 1" : "expected identical runs at m = 1";
      } else {
        outcome = gap >= -kRelativeTie ? CaseOutcome::agrees : CaseOutcome::disagrees;
        if (outcome == CaseOutcome::disagrees) reason = "MDPO ends lower";
        if (outcome == CaseOutcome::agrees && std::abs(gap) <= kRelativeTie) reason = "a tie";
      }
      claim.add(outcome);
      claim.rows.push_back({c.mdp, features_text(*spma_run), c.step, c.alpha, std::to_string(m),
                            format_brief(spma), format_brief(mdpo), format_brief(gap),
                            outcome_text(outcome, reason)});
    }
  }
  claim.finish();
  return claim;
}

ClaimResult fa_gap_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim = "The gap between SPMA and MDPO shrinks as m grows",
      .figures = {"function_approximation/figures/fa_spma_minus_mdpo.png"},
      .header = {"MDP", "features", "eta", "alpha", "(MDPO - SPMA) / MDPO for m = ...",
                 "largest |gap| at small m", "gap at the largest m", "outcome"},
      .rule =
          "for each MDP, features, eta and alpha, the relative gap (MDPO - SPMA) / MDPO of "
          "the final suboptimalities: a case agrees when the size of the gap at the largest "
          "m is no larger than its largest size at small m (1 < m <= " +
          std::to_string(kSmallInnerSteps) + "), within " + format_brief(kRelativeTie) +
          ", and disagrees when it is larger. A case where no gap exceeds " +
          format_brief(kRelativeTie) + " at any m has no gap to shrink (inconclusive)"};
  for (const InnerCase& c : inner_cases(runs)) {
    std::string ladder;
    double small_gap = -std::numeric_limits<double>::infinity(), last_gap = kNaN;
    double largest_abs = 0.0;
    int largest_m = 0;
    bool failed = false;
    for (const auto& [m, spma_run] : c.spma) {
      if (c.mdpo.count(m) == 0) continue;
      const double gap = relative_gap(final_of(spma_run), final_of(c.mdpo.at(m)));
      failed = failed || std::isnan(gap);
      ladder += (ladder.empty() ? "" : ", ") + std::to_string(m) + ": " + format_brief(gap);
      if (m > 1 && m <= kSmallInnerSteps) small_gap = std::max(small_gap, std::abs(gap));
      if (m >= largest_m) {
        largest_m = m;
        last_gap = gap;
      }
      largest_abs = std::max(largest_abs, std::abs(gap));
    }
    if (largest_m <= kSmallInnerSteps || !std::isfinite(small_gap)) continue;
    CaseOutcome outcome = CaseOutcome::agrees;
    std::string reason;
    if (failed) {
      outcome = CaseOutcome::disagrees;
      reason = "a run failed";
    } else if (largest_abs <= kRelativeTie) {
      outcome = CaseOutcome::inconclusive;
      reason = "no gap at any m";
    } else if (std::abs(last_gap) > small_gap + kRelativeTie) {
      outcome = CaseOutcome::disagrees;
      reason = "the gap grew to " + format_brief(last_gap) + " at m = " + std::to_string(largest_m);
    } else if (std::abs(last_gap) > small_gap) {
      outcome = CaseOutcome::inconclusive;
      reason = "larger at m = " + std::to_string(largest_m) + " by less than " +
               format_brief(kRelativeTie);
    }
    claim.add(outcome);
    const ReportRun& any = *c.spma.begin()->second;
    claim.rows.push_back({c.mdp, features_text(any), c.step, c.alpha, ladder,
                          format_brief(small_gap), format_brief(last_gap),
                          outcome_text(outcome, reason)});
  }
  claim.finish();
  return claim;
}

ClaimResult fa_newton_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim = "SPMA's projection (a concave problem) converges at every iteration",
      .figures = {},
      .header = {"MDP", "eta", "features", "iterations", "most Newton steps in one projection",
                 "projections that missed their rule", "outcome"},
      .rule =
          "an exact SPMA run agrees when every projection met its stopping rule "
          "(docs/theory.md, \"The exact solve\": the relative tolerance or the rounding "
          "floor) within the budget of " +
          std::to_string(kNewtonBudget) +
          " Newton steps (the curve column inner_unmet, counted per run); runs ended by "
          "`step_invalid` at their first iteration are n/a"};
  for (const ReportRun& run : runs) {
    if (!exact_spma(run)) continue;
    CaseOutcome outcome = CaseOutcome::agrees;
    std::string reason;
    if (std::isnan(run.inner_iterations_max)) {
      outcome = CaseOutcome::not_applicable;
      reason =
          "no projection (" + run.status + " at iteration " + format_brief(run.iterations) + ")";
    } else if (run.inner_unmet > 0 || run.inner_iterations_max >= kNewtonBudget) {
      outcome = CaseOutcome::disagrees;
      reason = run.inner_unmet > 0
                   ? format_brief(run.inner_unmet) + " projections missed their stopping rule"
                   : "a projection used the whole budget";
    }
    claim.add(outcome);
    claim.rows.push_back({run.mdp, run.step_size, features_text(run), format_brief(run.iterations),
                          format_brief(run.inner_iterations_max), format_brief(run.inner_unmet),
                          outcome_text(outcome, reason)});
  }
  claim.finish();
  return claim;
}

ClaimResult fa_landscape_claim(const std::vector<ReportRun>& runs) {
  constexpr int kStarts = 8;
  constexpr double kStartScale = 3.0;
  const AscentOptions ascent{.tolerance = 1e-8, .max_steps = 20000, .same_policy = 1e-3};
  ClaimResult claim{
      .claim =
          "MDPO's inner objective is not concave: different starts land at different "
          "policies; SPMA's lands at one",
      .figures = {},
      .header = {"MDP", "features", "eta", "MDPO: landed / starts", "MDPO: distinct policies",
                 "MDPO: values", "SPMA: distinct policies (its eta)", "outcome"},
      .rule =
          "computed for this report, not read from the sweep: at the first iterate of "
          "the sweep's MDPO runs (the uniform policy), on each built-in MDP and random "
          "feature set with k < S A, and at MDPO's eta, the same gradient ascent with "
          "Armijo backtracking (algorithms/inner_landscape) climbs MDPO's surrogate and "
          "SPMA's L_t from " +
          std::to_string(kStarts) + " starts theta ~ N(0, " + format_brief(kStartScale) +
          "^2 I) (seed 1) until |grad| <= " + format_brief(ascent.tolerance) + " (at most " +
          std::to_string(ascent.max_steps) +
          " steps); two landings are one policy when they differ by at most " +
          format_brief(ascent.same_policy) +
          " on the visited states. A case agrees when MDPO lands at two or more policies and "
          "SPMA, from every start, at one; it is inconclusive when MDPO lands at one (no "
          "second maximum found from these starts) or nowhere within the budget, and "
          "disagrees when SPMA lands at more than one (it is concave). Where 1 + eta A <= 0 "
          "somewhere, SPMA's L_t is unbounded at MDPO's eta and is climbed at 0.99 / max(-A) "
          "instead"};
  std::vector<std::pair<std::string, std::string>> done;
  for (const ReportRun& run : runs) {
    if (run.algorithm != "mdpo" || run.features.empty() || full_rank(run) ||
        std::isnan(feature_dim(run)))
      continue;
    const std::pair<std::string, std::string> key{run.mdp, run.features};
    if (std::find(done.begin(), done.end(), key) != done.end()) continue;
    done.push_back(key);
    Mdp mdp = make_builtin_mdp(run.mdp);
    const FeatureMatrix features = *make_features(run.features, mdp, nullptr);
    PolicyEvaluator evaluator(mdp);
    Evaluation evaluation;
    evaluator.evaluate_logits(StateActionMatrix::Zero(mdp.num_states(), mdp.num_actions()),
                              evaluation);
    const double eta = run.step_value;
    Random random(1);
    std::vector<Vector> starts;
    for (int i = 0; i < kStarts; ++i) {
      Vector start(features.dim());
      for (Index j = 0; j < start.size(); ++j) start[j] = kStartScale * random.normal();
      starts.push_back(start);
    }
    const InnerLandscape mdpo =
        explore_inner_landscape(InnerObjective::mdpo, features, evaluation, eta, starts, ascent);
    int landed = 0;
    double low = std::numeric_limits<double>::infinity(), high = -low;
    for (const InnerLanding& landing : mdpo.landings) {
      if (!landing.converged) continue;
      ++landed;
      low = std::min(low, landing.value);
      high = std::max(high, landing.value);
    }
    // SPMA's L_t is bounded only where 1 + eta A > 0: it is climbed at MDPO's eta when that
    // holds, else at 0.99 / max(-A), the largest step that keeps every target weight positive.
    const double most_negative = -evaluation.advantage.minCoeff();
    const double spma_eta =
        most_negative * eta < 1.0 ? eta : 0.99 / std::max(most_negative, 1e-300);
    const InnerLandscape spma = explore_inner_landscape(InnerObjective::spma, features, evaluation,
                                                        spma_eta, starts, ascent);
    int spma_landed = 0;
    for (const InnerLanding& landing : spma.landings) spma_landed += landing.converged ? 1 : 0;
    CaseOutcome outcome = CaseOutcome::agrees;
    std::string reason;
    if (spma.distinct > 1) {
      outcome = CaseOutcome::disagrees;
      reason = "SPMA landed at " + std::to_string(spma.distinct) + " policies";
    } else if (spma_landed < kStarts) {
      outcome = CaseOutcome::inconclusive;
      reason = "SPMA's ascent did not land from every start";
    } else if (landed == 0) {
      outcome = CaseOutcome::inconclusive;
      reason = "no MDPO start landed within the budget";
    } else if (mdpo.distinct < 2) {
      outcome = CaseOutcome::inconclusive;
      reason = "MDPO landed at one policy from these starts";
    }
    claim.add(outcome);
    claim.rows.push_back({run.mdp, features_text(run), format_brief(eta),
                          std::to_string(landed) + " / " + std::to_string(kStarts),
                          std::to_string(mdpo.distinct),
                          landed > 0 ? format_brief(low) + " ... " + format_brief(high) : "-",
                          std::to_string(spma.distinct) + " (eta " + format_brief(spma_eta) + ")",
                          outcome_text(outcome, reason)});
  }
  claim.finish();
  return claim;
}

}  // namespace tabrl
