#include "report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>

#include <tabrl/core/format.hpp>
#include <tabrl/core/rate_fit.hpp>
#include <tabrl/report/csv_table.hpp>
#include <tabrl/report/function_approximation.hpp>
#include <tabrl/sweep/sweep_store.hpp>

namespace tabrl {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string iterations_text(double iterations) {
  return std::isfinite(iterations) ? format_brief(iterations) : "never";
}

// "safe = 0.099" for a rule, the number as written otherwise.
std::string step_text(const ReportRun& run) {
  if (run.step_size.empty()) return "-";
  const bool rule = std::isnan(table_number(run.step_size, kNaN));
  return (rule ? run.step_size + " = " + format_brief(run.step_value) : run.step_size) +
         (run.clip ? " (clip)" : "");
}

// Iterations to each tolerance of the sweep, largest tolerance first: "331 / 723 / never".
std::string iterations_ladder(const ReportRun& run) {
  std::string text;
  for (auto it = run.iterations_to.rbegin(); it != run.iterations_to.rend(); ++it) {
    text += (text.empty() ? "" : " / ") + iterations_text(it->second);
  }
  return text;
}

std::string tolerance_ladder_name(const ReportRun& run) {
  std::string text;
  for (auto it = run.iterations_to.rbegin(); it != run.iterations_to.rend(); ++it) {
    text += (text.empty() ? "" : " / ") + format_brief(it->first);
  }
  return text;
}

const ReportRun* find_run(const std::vector<ReportRun>& runs, const std::string& mdp,
                          const std::string& algorithm, const std::string& step, bool clip,
                          const std::string& init = "uniform") {
  for (const ReportRun& run : runs) {
    if (run.mdp == mdp && run.algorithm == algorithm && run.step_size == step && run.clip == clip &&
        run.init == init)
      return &run;
  }
  return nullptr;
}

std::vector<std::string> mdps_of(const std::vector<ReportRun>& runs) {
  std::vector<std::string> mdps;
  for (const ReportRun& run : runs) {
    if (std::find(mdps.begin(), mdps.end(), run.mdp) == mdps.end()) mdps.push_back(run.mdp);
  }
  return mdps;
}

// The numeric steps of an algorithm's runs, in first-appearance order.
std::vector<std::string> numeric_steps(const std::vector<ReportRun>& runs,
                                       const std::string& algorithm) {
  std::vector<std::string> steps;
  for (const ReportRun& run : runs) {
    if (run.algorithm != algorithm || std::isnan(table_number(run.step_size, kNaN))) continue;
    if (std::find(steps.begin(), steps.end(), run.step_size) == steps.end())
      steps.push_back(run.step_size);
  }
  return steps;
}

}  // namespace

Verdict verdict_from_counts(std::size_t agreeing, std::size_t conclusive,
                            std::size_t inconclusive) {
  if (conclusive == 0) return inconclusive > 0 ? Verdict::inconclusive : Verdict::no_data;
  if (agreeing == conclusive) return Verdict::supported;
  if (2 * agreeing >= conclusive) return Verdict::partly_supported;
  return Verdict::not_supported;
}

double ReportRun::to(double tolerance) const {
  const auto it = iterations_to.find(tolerance);
  return it == iterations_to.end() ? kInfinity : it->second;
}

double ReportRun::smallest_tolerance() const {
  return iterations_to.empty() ? kNaN : iterations_to.begin()->first;
}

double ReportRun::fitted_decades() const {
  if (!(rate > 0.0) || fit_last <= fit_first) return 0.0;
  return -(fit_last - fit_first) * std::log10(rate);
}

bool ReportRun::linear_or_faster() const {
  return convergence == "linear" || convergence == "superlinear";
}

std::vector<ReportRun> read_runs(const std::filesystem::path& runs_csv) {
  const CsvTable table = read_csv(runs_csv.string());
  const auto at = [&](const std::vector<std::string>& row, const char* name) -> const std::string& {
    return row[table.column(name)];
  };
  // The log-linear columns: empty when a runs.csv (an older one, or a test's) lacks them.
  static const std::string kEmpty;
  const auto optional = [&](const std::vector<std::string>& row,
                            const char* name) -> const std::string& {
    const auto it = std::find(table.header.begin(), table.header.end(), name);
    return it == table.header.end() ? kEmpty
                                    : row[static_cast<std::size_t>(it - table.header.begin())];
  };
  std::vector<std::pair<double, std::size_t>> tolerance_columns;
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    const std::string& name = table.header[c];
    if (name.rfind("iters_to_", 0) == 0)
      tolerance_columns.emplace_back(table_number(name.substr(9), kNaN), c);
  }
  std::vector<ReportRun> runs;
  for (const auto& row : table.rows) {
    ReportRun run{
        .mdp = at(row, "mdp"),
        .algorithm = at(row, "algorithm"),
        .setting = at(row, "setting"),
        .step_size = at(row, "step_size"),
        .step_value = table_number(at(row, "step_value"), kNaN),
        .clip = at(row, "clip") == "true",
        .init = at(row, "init"),
        .status = at(row, "status"),
        .iterations = table_number(at(row, "iterations"), kNaN),
        .final_value_error = table_number(at(row, "final_value_error_inf"), kNaN),
        .rate = table_number(at(row, "rate"), kNaN),
        .loglog_slope = table_number(at(row, "loglog_slope"), kNaN),
        .fit_first = table_number(at(row, "rate_first_iteration"), kNaN),
        .fit_last = table_number(at(row, "rate_last_iteration"), kNaN),
        .convergence = at(row, "convergence"),
        .theory_bound = at(row, "theory_bound"),
        .bound_held = at(row, "bound_held") == "true"    ? std::optional<bool>(true)
                      : at(row, "bound_held") == "false" ? std::optional<bool>(false)
                                                         : std::nullopt,
        .bound_violations = at(row, "bound_violations"),
        .run_id = at(row, "run_id"),
        .min_c = table_number(at(row, "spma_min_c"), kNaN),
        .algorithm_spec = optional(row, "algorithm_spec"),
        .features = optional(row, "features"),
        .states = table_number(optional(row, "states"), kNaN),
        .actions = table_number(optional(row, "actions"), kNaN),
        .final_suboptimality = table_number(optional(row, "final_suboptimality"), kNaN),
        .optimal_objective = table_number(optional(row, "optimal_objective"), kNaN),
        .floor = table_number(optional(row, "floor"), kNaN),
        .floor_rate = table_number(optional(row, "floor_rate"), kNaN),
        .floor_rate_r2 = table_number(optional(row, "floor_rate_r2"), kNaN),
        .floor_projection_error = table_number(optional(row, "floor_projection_error"), kNaN),
        .floor_drift = table_number(optional(row, "floor_drift"), kNaN),
        .inner_iterations_max = table_number(optional(row, "inner_iterations_max"), kNaN),
        .inner_unmet = table_number(optional(row, "inner_unmet"), 0.0)};
    for (const auto& [tolerance, column] : tolerance_columns)
      run.iterations_to[tolerance] = table_number(row[column], kInfinity);
    runs.push_back(std::move(run));
  }
  return runs;
}

void read_tails(const std::filesystem::path& curves_csv, std::vector<ReportRun>& runs) {
  const CsvTable curves = read_csv(curves_csv.string());
  const std::size_t id = curves.column("run_id"), t = curves.column("iteration"),
                    error = curves.column("value_error_inf");
  std::map<std::string, std::vector<std::pair<double, double>>> points;  // run -> (t, error)
  for (const auto& row : curves.rows) {
    points[row[id]].emplace_back(table_number(row[t], kNaN), table_number(row[error], kNaN));
  }
  for (ReportRun& run : runs) {
    const auto it = points.find(run.run_id);
    if (it == points.end() || it->second.empty()) continue;
    const std::vector<std::pair<double, double>>& curve = it->second;
    const double end = curve.back().first;
    run.tail_first = end / 10.0;
    double at_one = kNaN, at_tail = kNaN;
    // Least squares of log10 error against log10 t over [T/10, T], above the rounding floor.
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& [iteration, value] : curve) {
      if (iteration >= 1.0 && std::isnan(at_one)) at_one = value;
      if (iteration < run.tail_first || iteration < 1.0) continue;
      if (std::isnan(at_tail)) at_tail = value;
      if (!(value > 1e-13) || !std::isfinite(value)) continue;
      const double x = std::log10(iteration), y = std::log10(value);
      n += 1;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    run.tail_points = static_cast<int>(n);
    if (n >= 3 && n * sxx - sx * sx > 0) run.tail_slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    if (at_one > 0 && at_tail > 0) run.drop_before_tail = std::log10(at_one / at_tail);
  }
}

void ClaimResult::add(CaseOutcome outcome) {
  switch (outcome) {
    case CaseOutcome::agrees:
      ++agreeing;
      break;
    case CaseOutcome::disagrees:
      ++disagreeing;
      break;
    case CaseOutcome::inconclusive:
      ++inconclusive;
      break;
    case CaseOutcome::not_applicable:
      break;
  }
}

void ClaimResult::finish() {
  verdict = verdict_from_counts(agreeing, agreeing + disagreeing, inconclusive);
}

std::string outcome_text(CaseOutcome outcome, const std::string& reason) {
  const char* word = outcome == CaseOutcome::agrees         ? "agrees"
                     : outcome == CaseOutcome::disagrees    ? "disagrees"
                     : outcome == CaseOutcome::inconclusive ? "inconclusive"
                                                            : "n/a";
  return reason.empty() ? word : std::string(word) + ": " + reason;
}

// The theory-bound column of a claim's table: "-" without a bound.
std::string bound_text(bool bounded, std::optional<bool> held) {
  if (!bounded) return "-";
  if (!held) return "not checked";
  return *held ? "held" : "violated";
}

ClaimResult spma_linear_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim = "SPMA converges linearly with a constant step size",
      .figures = {"spma_linear/figures/convergence.png"},
      .header = {"MDP", "step", "status", "iterations to tol.", "fitted q",
                 "decades in fitted window", "classified", "min C_t", "contraction bound",
                 "outcome"},
      .rule = "a run agrees when it is classified linear (or super-linear) with at least " +
              format_brief(kLinearDecades) +
              " decades of decrease inside the fitted window and, at and below the safe step, "
              "the contraction bound held at every step. It disagrees when the bound was "
              "violated, the run failed, or its tail is a power law over at least " +
              format_brief(kLinearDecades) +
              " decades. Otherwise too little decrease was measured to tell a rate "
              "(inconclusive, with q and SPMA's smallest C_t: the theorem's rate 1 - eta C_t "
              "(1 - gamma) may be too slow for the budget). A step where 1 + eta A <= 0 ends "
              "the run `step_invalid`: SPMA is not defined there (n/a)"};
  for (const ReportRun& run : runs) {
    if (run.algorithm != "spma" || run.clip) continue;
    const bool bounded = run.theory_bound == "spma_contraction";
    CaseOutcome outcome;
    std::string reason;
    if (run.status == "step_invalid") {
      outcome = CaseOutcome::not_applicable;
      reason = "1 + eta A <= 0 reached: above the safe step SPMA is undefined here";
    } else if (run.status != "converged" && run.status != "max_iterations") {
      outcome = CaseOutcome::disagrees;
      reason = "ended " + run.status;
    } else if (bounded && run.bound_held == false) {
      outcome = CaseOutcome::disagrees;
      reason = "the contraction bound was violated (" + run.bound_violations + " steps)";
    } else if (run.linear_or_faster() && run.rate < 1.0) {
      outcome = CaseOutcome::agrees;
    } else if (run.convergence == "sublinear" && run.fitted_decades() >= kLinearDecades) {
      outcome = CaseOutcome::disagrees;
      reason = "a power-law tail over " + format_brief(run.fitted_decades()) + " decades";
    } else {
      // Too little decrease to tell a rate: the budget is short for this step (FrozenLake at
      // 0.01), or C_t is tiny (two nearly tied actions), which the theorem allows.
      outcome = CaseOutcome::inconclusive;
      reason = run.convergence == "unknown"
                   ? "too few points above the rounding floor to fit a rate"
                   : "the fitted window shows " + format_brief(run.fitted_decades()) +
                         " decades (classified " + run.convergence +
                         ", q = " + format_brief(run.rate) +
                         ", min C_t = " + format_brief(run.min_c) +
                         "): the rate is too slow to show in " + iterations_text(run.iterations) +
                         " iterations";
    }
    claim.add(outcome);
    claim.rows.push_back({run.mdp, step_text(run), run.status,
                          iterations_text(run.to(run.smallest_tolerance())), format_brief(run.rate),
                          format_brief(run.fitted_decades()), run.convergence,
                          format_brief(run.min_c), bound_text(bounded, run.bound_held),
                          outcome_text(outcome, reason)});
  }
  claim.finish();
  return claim;
}

namespace {

// Softmax PG's tail is Theta(1/t), APG's O(1/t^2): a tail is "in its regime" when its log-log
// slope over the last decade of iterations is within these distances of -1 and -2, and the
// error had already fallen by kLeftPlateau decades before that decade (not a plateau's exit).
constexpr double kSpgSlopeTolerance = 0.3;
constexpr double kApgSlopeTolerance = 0.5;
constexpr double kLeftPlateau = 1.0;

std::string tail_text(const ReportRun& run) {
  if (run.tail_points < 3) return "no tail fit";
  return "slope " + format_brief(run.tail_slope) + " over " + format_brief(run.tail_first) + "-" +
         format_brief(run.iterations) + ", after a fall of " + format_brief(run.drop_before_tail) +
         " decades";
}

// Why a PG tail is not in its asymptotic regime; "" when it is.
std::string regime_miss(const ReportRun& run, double slope, double tolerance, const char* name) {
  const bool in_regime = run.tail_points >= 3 && std::abs(run.tail_slope - slope) <= tolerance &&
                         run.drop_before_tail >= kLeftPlateau;
  if (in_regime) return "";
  return std::string(name) + " not in its " + (slope == -1.0 ? "1/t" : "1/t^2") + " tail (" +
         tail_text(run) + ", final error " + format_brief(run.final_value_error) + ")";
}

}  // namespace

ClaimResult pg_comparison_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim = "SPMA is faster than constant-step softmax PG and APG",
      .figures = {"pg_comparison/figures/loglog.png",
                  "pg_comparison/figures/iterations_to_accuracy.png"},
      .header = {"MDP", "step", "tolerances", "SPMA iterations", "SPG iterations", "APG iterations",
                 "SPMA", "SPG tail", "APG tail", "outcome"},
      .rule =
          "a case (MDP, step) agrees when SPMA is classified linear (or super-linear), neither "
          "softmax PG nor APG reaches the smallest tolerance first, and their tails show the "
          "rates of their theorems over the last decade of iterations [T/10, T]: softmax PG's "
          "log-log slope within " +
          format_brief(kSpgSlopeTolerance) + " of -1, APG's within " +
          format_brief(kApgSlopeTolerance) + " of -2, each after its error had fallen " +
          format_brief(kLeftPlateau) +
          " decade before T/10 (off its initial plateau). It is inconclusive when a tail is "
          "not in that regime within the budget, and disagrees otherwise. Steps: each method's "
          "theory step (SPMA: safe), then the shared grid (SPMA clipped)"};
  for (const std::string& mdp : mdps_of(runs)) {
    std::vector<std::pair<std::string, std::array<const ReportRun*, 3>>> cases;
    cases.push_back(
        {"theory",
         {find_run(runs, mdp, "spma", "safe", false), find_run(runs, mdp, "spg", "theory", false),
          find_run(runs, mdp, "apg", "theory", false)}});
    for (const std::string& step : numeric_steps(runs, "spg")) {
      cases.push_back(
          {step,
           {find_run(runs, mdp, "spma", step, true), find_run(runs, mdp, "spg", step, false),
            find_run(runs, mdp, "apg", step, false)}});
    }
    for (const auto& [label, members] : cases) {
      const auto [spma, spg, apg] = members;
      if (spma == nullptr || spg == nullptr || apg == nullptr) continue;
      const double tolerance = spma->smallest_tolerance();
      const double spma_at = spma->to(tolerance);
      CaseOutcome outcome = CaseOutcome::agrees;
      std::string reason;
      if (!spma->linear_or_faster() || !std::isfinite(spma_at)) {
        outcome = CaseOutcome::disagrees;
        reason =
            "SPMA classified " + spma->convergence + ", reached tol. " + iterations_text(spma_at);
      } else if (spg->to(tolerance) <= spma_at || apg->to(tolerance) <= spma_at) {
        outcome = CaseOutcome::disagrees;
        reason = std::string(spg->to(tolerance) <= spma_at ? "softmax PG" : "APG") +
                 " reaches the smallest tolerance first";
      } else {
        const std::string spg_miss = regime_miss(*spg, -1.0, kSpgSlopeTolerance, "softmax PG");
        const std::string apg_miss = regime_miss(*apg, -2.0, kApgSlopeTolerance, "APG");
        if (!spg_miss.empty() || !apg_miss.empty()) {
          outcome = CaseOutcome::inconclusive;
          reason = spg_miss + (spg_miss.empty() || apg_miss.empty() ? "" : "; ") + apg_miss +
                   " within " + iterations_text(spg->iterations) + " iterations";
        }
      }
      claim.add(outcome);
      const std::string step = label == "theory" ? "theory (SPMA " + step_text(*spma) + ", SPG " +
                                                       format_brief(spg->step_value) + ", APG " +
                                                       format_brief(apg->step_value) + ")"
                                                 : label;
      claim.rows.push_back({mdp, step, tolerance_ladder_name(*spma), iterations_ladder(*spma),
                            iterations_ladder(*spg), iterations_ladder(*apg), spma->convergence,
                            tail_text(*spg), tail_text(*apg), outcome_text(outcome, reason)});
    }
  }
  claim.finish();
  return claim;
}

namespace {

// SPMA is "comparable" when it needs at most this many times NPG's iterations (or, when neither
// reaches the tolerance, its 1 - q is at least NPG's divided by it).
constexpr double kComparableFactor = 3.0;

}  // namespace

ClaimResult npg_comparison_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim = "SPMA is comparable to NPG at the same step size",
      .figures = {"npg_comparison/figures/iterations_vs_step.png",
                  "npg_comparison/figures/rate_vs_step.png"},
      .header = {"MDP", "eta", "SPMA iterations", "NPG iterations", "ratio SPMA/NPG", "SPMA q",
                 "NPG q", "PI iterations", "regime", "outcome"},
      .rule = "at every eta of the grid (SPMA clipped), a case agrees when SPMA needs at most " +
              format_brief(kComparableFactor) +
              " times NPG's iterations to the smallest tolerance (or reaches it and NPG does "
              "not; when neither does, when SPMA's 1 - q is at least NPG's / " +
              format_brief(kComparableFactor) +
              "); the regime is `PI` when both need at most 2 k + 2 iterations, k those of "
              "policy iteration"};
  std::map<std::string, std::pair<int, int>> pi_regime;  // eta -> (MDPs in PI regime, MDPs)
  for (const std::string& mdp : mdps_of(runs)) {
    double pi_iterations = kNaN;
    for (const ReportRun& run : runs) {
      if (run.mdp == mdp && run.algorithm == "pi") pi_iterations = run.to(run.smallest_tolerance());
    }
    for (const std::string& step : numeric_steps(runs, "npg")) {
      const ReportRun* spma = find_run(runs, mdp, "spma", step, true);
      const ReportRun* npg = find_run(runs, mdp, "npg", step, false);
      if (spma == nullptr || npg == nullptr) continue;
      const double tolerance = spma->smallest_tolerance();
      const double a = spma->to(tolerance), b = npg->to(tolerance);
      CaseOutcome outcome = CaseOutcome::agrees;
      std::string reason, ratio = "-", regime;
      if (std::isfinite(a) && std::isfinite(b)) {
        const double value = std::max(a, 1.0) / std::max(b, 1.0);
        ratio = format_brief(value);
        if (value > kComparableFactor) {
          outcome = CaseOutcome::disagrees;
          reason = "SPMA needs " + ratio + " times NPG's iterations";
        }
        const double limit = 2.0 * pi_iterations + 2.0;
        if (a <= limit && b <= limit) regime = "PI";
        ++pi_regime[step].second;
        pi_regime[step].first += regime == "PI" ? 1 : 0;
      } else if (std::isfinite(b)) {
        outcome = CaseOutcome::disagrees;
        reason = "NPG reaches the tolerance, SPMA does not";
      } else if (!std::isfinite(a)) {
        if (spma->rate < 1.0 && npg->rate < 1.0) {
          const double value = (1.0 - npg->rate) / (1.0 - spma->rate);
          ratio = "rates: " + format_brief(value);
          if (value > kComparableFactor) {
            outcome = CaseOutcome::disagrees;
            reason = "SPMA's 1 - q is " + format_brief(value) + " times smaller";
          } else {
            reason = "neither reaches the tolerance; compared by fitted rate";
          }
        } else {
          outcome = CaseOutcome::inconclusive;
          reason = "neither reaches the tolerance nor has a rate < 1";
        }
      }
      claim.add(outcome);
      claim.rows.push_back({mdp, step, iterations_text(a), iterations_text(b), ratio,
                            format_brief(spma->rate), format_brief(npg->rate),
                            iterations_text(pi_iterations), regime.empty() ? "-" : regime,
                            outcome_text(outcome, reason)});
    }
  }
  std::string in_pi;
  for (const auto& [step, counts] : pi_regime) {
    if (counts.first > 0) {
      in_pi += (in_pi.empty() ? "" : ", ") + std::string("eta ") + step + ": " +
               std::to_string(counts.first) + " of " + std::to_string(counts.second) + " MDPs";
    }
  }
  claim.note =
      "SPMA above its safe step is the clipped update (`clip=true`: the factor 1 + eta A is "
      "floored and renormalised), which at large eta is no longer SPMA's mirror step. As eta "
      "grows both updates move towards the greedy action of Q_t, policy iteration's step; where "
      "both need at most 2 k + 2 iterations (k: PI's) the agreement says nothing beyond PI. Not "
      "every MDP reaches that limit on this grid (the table's PI column). Cases in the PI "
      "regime: " +
      (in_pi.empty() ? std::string("none") : in_pi) + ".";
  claim.finish();
  return claim;
}

namespace {

// The escape time from the adversarial start: the growth factor of the time to the largest
// tolerance when the adversarial logit doubles (scale s -> 2 s). Theory: exp(s) for softmax PG
// and APG (their time grows like 1/pi_0(a*)), at most 2 for SPMA and NPG (like log 1/pi_0(a*)).
constexpr double kPlateauFactor = 4.0;
constexpr double kEscapeFactor = 2.5;

double adversarial_scale(const std::string& init) {
  const std::string prefix = "adversarial(scale=";
  if (init.rfind(prefix, 0) != 0) return kNaN;
  return table_number(init.substr(prefix.size(), init.size() - prefix.size() - 1), kNaN);
}

}  // namespace

ClaimResult hard_start_claim(const std::vector<ReportRun>& runs) {
  ClaimResult claim{
      .claim = "From the adversarial start softmax PG and APG plateau; SPMA and NPG do not",
      .figures = {"hard_start/figures/escape_time.png"},
      .header = {"MDP", "method", "step", "escape tolerance", "from uniform", "small scale",
                 "large scale", "growth", "expected", "outcome"},
      .rule =
          "the escape time is the first iteration at the sweep's largest tolerance, from "
          "the uniform policy and from adversarial(scale=s) at a small and a large s; its "
          "growth is the ratio large/small (never reached: infinite). Softmax PG and APG "
          "agree when it grows at least " +
          format_brief(kPlateauFactor) +
          "x (a plateau: theory exp(s)); SPMA and NPG agree "
          "when they escape at every scale and it grows at most " +
          format_brief(kEscapeFactor) + "x (theory: linear in s)"};
  for (const std::string& mdp : mdps_of(runs)) {
    // (algorithm, step, clip) -> the scales' runs.
    std::vector<std::tuple<std::string, std::string, bool>> methods;
    for (const ReportRun& run : runs) {
      const auto key = std::make_tuple(run.algorithm, run.step_size, run.clip);
      if (run.mdp == mdp && std::find(methods.begin(), methods.end(), key) == methods.end())
        methods.push_back(key);
    }
    for (const auto& [algorithm, step, clip] : methods) {
      const ReportRun* uniform = find_run(runs, mdp, algorithm, step, clip);
      const ReportRun *small = nullptr, *large = nullptr;
      for (const ReportRun& run : runs) {
        const double scale = adversarial_scale(run.init);
        if (run.mdp != mdp || run.algorithm != algorithm || run.step_size != step ||
            run.clip != clip || std::isnan(scale))
          continue;
        if (small == nullptr || scale < adversarial_scale(small->init)) small = &run;
        if (large == nullptr || scale > adversarial_scale(large->init)) large = &run;
      }
      if (uniform == nullptr || small == nullptr || large == nullptr || small == large) continue;
      const double tolerance = uniform->iterations_to.rbegin()->first;
      const double t_small = small->to(tolerance), t_large = large->to(tolerance);
      const double growth = !std::isfinite(t_small) || !std::isfinite(t_large)
                                ? kInfinity
                                : t_large / std::max(t_small, 1.0);
      const bool plateau_expected = algorithm == "spg" || algorithm == "apg";
      const bool escape_expected = algorithm == "spma" || algorithm == "npg";
      CaseOutcome outcome = CaseOutcome::not_applicable;
      std::string reason;
      if (plateau_expected) {
        outcome = growth >= kPlateauFactor ? CaseOutcome::agrees : CaseOutcome::disagrees;
        if (outcome == CaseOutcome::disagrees) {
          reason = "the escape time grew only " + format_brief(growth) + "x";
        } else if (!std::isfinite(t_small)) {
          reason = "no escape within the budget from either scale (from uniform: " +
                   iterations_text(uniform->to(tolerance)) + ")";
        }
      } else if (escape_expected) {
        outcome = growth <= kEscapeFactor ? CaseOutcome::agrees : CaseOutcome::disagrees;
        if (outcome == CaseOutcome::disagrees)
          reason = std::isfinite(growth) ? "the escape time grew " + format_brief(growth) + "x"
                                         : "did not escape within the budget";
      } else {
        reason = "no claim for this method";
      }
      claim.add(outcome);
      claim.rows.push_back({mdp, uniform->setting, step_text(*uniform), format_brief(tolerance),
                            iterations_text(uniform->to(tolerance)),
                            iterations_text(t_small) + " (" + small->init + ")",
                            iterations_text(t_large) + " (" + large->init + ")",
                            std::isfinite(growth) ? format_brief(growth) + "x" : "inf",
                            plateau_expected ? "plateau" : (escape_expected ? "no plateau" : "-"),
                            outcome_text(outcome, reason)});
    }
  }
  claim.finish();
  return claim;
}

ClaimResult bandit_gap_claim(const std::vector<SummaryLine>& lines) {
  ClaimResult claim{
      .claim = "SPMA with the gap-dependent step converges super-linearly on bandits",
      .figures = {"bandits/figures/convergence.png"},
      .header = {"bandit", "SPMA step", "classified", "iterations to the smallest tolerance",
                 "delta_{t+1} <= delta_t^2", "outcome"},
      .rule =
          "a case agrees when SPMA's gap-step runs are classified super-linear and "
          "delta_{t+1} <= delta_t^2 held at every step of every run"};
  for (const SummaryLine& line : lines) {
    if (line.algorithm != "spma") continue;
    const bool agrees = line.convergence == "superlinear" && line.claim == "held";
    const CaseOutcome outcome = agrees ? CaseOutcome::agrees : CaseOutcome::disagrees;
    claim.add(outcome);
    claim.rows.push_back({line.mdp, line.best_step, line.convergence,
                          format_brief(line.median_iterations_to_tolerance), line.claim,
                          outcome_text(outcome)});
  }
  claim.finish();
  return claim;
}

}  // namespace tabrl

namespace tabrl {
namespace {

std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows) {
  std::string text = "|";
  for (const std::string& cell : header) text += " " + cell + " |";
  text += "\n|";
  for (std::size_t i = 0; i < header.size(); ++i) text += "---|";
  text += "\n";
  for (const auto& row : rows) {
    text += "|";
    for (const std::string& cell : row) text += " " + cell + " |";
    text += "\n";
  }
  return text;
}

std::string counts_text(const ClaimResult& claim) {
  std::string text =
      std::to_string(claim.agreeing) + " of " + std::to_string(claim.agreeing + claim.disagreeing);
  if (claim.inconclusive > 0) text += " (" + std::to_string(claim.inconclusive) + " inconclusive)";
  return text;
}

}  // namespace

std::string write_report(const std::filesystem::path& directory, bool allow_partial) {
  namespace fs = std::filesystem;
  // Every sweep of the report is checked against its manifest.
  // "**<sweep>: <state>**: <what it means for the verdicts>", one per incomplete sweep.
  std::vector<std::pair<std::string, std::string>> partial_notes;
  const std::string uses_finished =
      "the other runs are missing; the verdicts use the finished ones.";
  const std::string no_data = "its claims have no data.";
  std::map<std::string, std::vector<ReportRun>> runs;  // sweep -> its runs, for those present
  for (const ReproductionSweep& sweep : kReproductionSweeps) {
    if (!has_manifest(directory / sweep.name)) {
      if (allow_partial) partial_notes.emplace_back(std::string(sweep.name) + ": not run", no_data);
      continue;
    }
    const SweepCoverage coverage = sweep_coverage(directory / sweep.name);
    if (allow_partial && !coverage.has_runs_csv) {
      // Interrupted before its runs were assembled: reported as missing, not refused.
      partial_notes.emplace_back(std::string(sweep.name) + ": no runs.csv yet (" +
                                     std::to_string(coverage.journaled) + " of " +
                                     std::to_string(coverage.expected) + " runs journaled)",
                                 no_data);
      continue;
    }
    require_coverage(directory / sweep.name, coverage, allow_partial);
    if (coverage.partial())
      partial_notes.emplace_back(std::string(sweep.name) + ": " + coverage.text(), uses_finished);
    runs[sweep.name] = read_runs(directory / sweep.name / "runs.csv");
  }
  // Each sweep's runs.csv is read once, for its claim and for the bound table; a sweep that is
  // not there has no runs.
  const auto runs_of = [&](const char* sweep) -> const std::vector<ReportRun>& {
    static const std::vector<ReportRun> none;
    const auto it = runs.find(sweep);
    return it == runs.end() ? none : it->second;
  };
  const auto present = [&](const char* sweep) { return runs.count(sweep) > 0; };
  const auto gap_step = [](const std::vector<std::string>& row, const CsvTable& table) {
    return row[table.column("algorithm")] == "spma" && row[table.column("step_size")] == "gap";
  };
  std::vector<ClaimResult> claims;
  claims.push_back(spma_linear_claim(runs_of("spma_linear")));
  std::vector<ReportRun> pg_runs = runs_of("pg_comparison");
  if (present("pg_comparison")) read_tails(directory / "pg_comparison" / "curves.csv", pg_runs);
  claims.push_back(pg_comparison_claim(pg_runs));
  claims.push_back(npg_comparison_claim(runs_of("npg_comparison")));
  claims.push_back(hard_start_claim(runs_of("hard_start")));
  claims.push_back(bandit_gap_claim(
      present("bandits") ? summarize_sweep(directory / "bandits", allow_partial, gap_step).lines
                         : std::vector<SummaryLine>{}));
  // Log-linear policies (function_approximation): five claims, one sweep.
  const std::vector<ReportRun>& fa_runs = runs_of("function_approximation");
  claims.push_back(fa_floor_claim(fa_runs));
  claims.push_back(fa_small_m_claim(fa_runs));
  claims.push_back(fa_gap_claim(fa_runs));
  claims.push_back(fa_newton_claim(fa_runs));
  claims.push_back(fa_landscape_claim(fa_runs));

  std::ostringstream out;
  out << "# tabrl reproduction report\n\n"
      << "Written by `tabrl reproduce`. Every number below is read from the sweeps in this "
         "directory (`*/runs.csv`, `*/curves.csv`); every verdict is computed from them by the "
         "rule stated with it. Iterations are the first iteration at which value_error_inf "
         "reaches a tolerance; `q` is the fitted per-iteration contraction factor and the "
         "slope the fitted log-log slope of value_error_inf over the later part of the curve "
         "(docs/theory.md, \"Measuring a rate\"). A claim's verdict counts its conclusive cases; "
         "inconclusive cases are listed with their reason.\n\n";
  for (const auto& [state, meaning] : partial_notes)
    out << "**" << state << "**: " << meaning << "\n\n";
  if (present("theory_steps")) {
    out << "## Every method at its theory step\n\n"
        << "![theory steps](theory_steps/figures/theory_steps.png)\n\n"
        << "SPMA at its safe step `0.99 (1 - gamma)/R`, NPG at the same step, softmax PG at "
           "`(1 - gamma)^3/(8R)` (`2/(5R)` on the bandit), APG at `(1 - gamma)^3/(16R)`; dashed: "
           "the bound each run is checked against (docs/theory.md, \"Convergence "
           "guarantees\").\n\n";
  }
  if (present("pg_comparison")) {
    out << "## Each method at its best step of a shared grid\n\n"
        << "![tuned steps](pg_comparison/figures/convergence.png)\n\n";
  }
  out << "## Claims\n\n| claim | verdict | cases agreeing |\n|---|---|---|\n";
  for (const ClaimResult& claim : claims) {
    out << "| " << claim.claim << " | **" << to_string(claim.verdict) << "** | "
        << counts_text(claim) << " |\n";
  }
  for (std::size_t i = 0; i < claims.size(); ++i) {
    const ClaimResult& claim = claims[i];
    out << "\n## " << i + 1 << ". " << claim.claim << ": " << to_string(claim.verdict) << "\n\n";
    for (const std::string& figure : claim.figures) {
      if (fs::exists(directory / figure)) out << "![" << claim.claim << "](" << figure << ")\n\n";
    }
    out << "Rule: " << claim.rule << ". Agreeing: " << counts_text(claim) << ".\n\n";
    if (!claim.note.empty()) out << claim.note << "\n\n";
    out << markdown_table(claim.header, claim.rows);
  }

  // Theory bounds checked at every iteration of every run.
  out << "\n## Theory bounds checked at every iteration\n\n";
  std::vector<std::vector<std::string>> bound_rows;
  for (const ReproductionSweep& sweep : kReproductionSweeps) {
    struct Counts {
      int checked = 0, violated = 0, unchecked = 0;
    };
    std::map<std::string, Counts> counts;  // by bound
    for (const ReportRun& run : runs_of(sweep.name)) {
      if (run.theory_bound == "none") continue;
      Counts& count = counts[run.theory_bound];
      if (!run.bound_held) {  // no step of the run could check it
        ++count.unchecked;
        continue;
      }
      ++count.checked;
      if (!*run.bound_held) ++count.violated;
    }
    for (const auto& [bound, count] : counts) {
      bound_rows.push_back({sweep.name, bound, std::to_string(count.checked),
                            std::to_string(count.violated), std::to_string(count.unchecked)});
    }
  }
  out << markdown_table({"sweep", "bound (docs/theory.md)", "runs checked", "runs with a violation",
                         "runs that could not check it"},
                        bound_rows);
  out << "\n## Figures\n\n";
  for (const ReproductionSweep& sweep : kReproductionSweeps) {
    for (const char* figure : {"theory_steps", "convergence", "loglog", "rate_vs_step",
                               "iterations_vs_step", "iterations_to_accuracy", "escape_time",
                               "spma_c", "fa_convergence", "fa_floor_vs_k", "fa_spma_minus_mdpo"}) {
      const fs::path path = fs::path(sweep.name) / "figures" / (std::string(figure) + ".png");
      if (fs::exists(directory / path))
        out << "- [" << sweep.name << ": " << figure << "](" << path.string() << ")\n";
    }
  }
  return out.str();
}

}  // namespace tabrl
