// The reproduction report: for each convergence claim, the figure that shows it, the measured
// numbers and a verdict computed from the sweep data (docs/reproduce.md).
#pragma once

#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tabrl/core/enum_names.hpp>
#include <tabrl/report/summary.hpp>

namespace tabrl {

enum class Verdict { supported, partly_supported, not_supported, inconclusive, no_data };
constexpr EnumName<Verdict> kVerdictNames[] = {{Verdict::supported, "SUPPORTED"},
                                               {Verdict::partly_supported, "PARTLY SUPPORTED"},
                                               {Verdict::not_supported, "NOT SUPPORTED"},
                                               {Verdict::inconclusive, "INCONCLUSIVE"},
                                               {Verdict::no_data, "NO DATA"}};
inline const char* to_string(Verdict verdict) { return enum_name(verdict, kVerdictNames); }

// Over the conclusive cases: all agree -> supported, at least half -> partly, fewer -> not.
// No conclusive case: inconclusive when some case was inconclusive, else no data.
Verdict verdict_from_counts(std::size_t agreeing, std::size_t conclusive,
                            std::size_t inconclusive = 0);

// One run of a reproduction sweep, as its runs.csv row states it.
struct ReportRun {
  std::string mdp;        // the full MDP spec (with its seed)
  std::string algorithm;  // registry name
  std::string setting;    // algorithm label and non-uniform initial policy
  std::string step_size;  // as written: a number, or a rule name (safe, theory, gap); "" for pi
  double step_value = 0.0;
  bool clip = false;
  std::string init;
  std::string status;
  double iterations = 0.0;
  std::map<double, double> iterations_to;  // tolerance -> first iteration; +inf when never
  double final_value_error = 0.0;
  double rate = 0.0;  // fitted q; NaN without a fit
  double loglog_slope = 0.0;
  double fit_first = 0.0, fit_last = 0.0;  // the fitted window
  std::string convergence;
  std::string theory_bound;
  std::optional<bool> bound_held;  // empty: no bound, or none of its steps could be checked
  std::string bound_violations;
  std::string run_id;
  double min_c = std::numeric_limits<double>::quiet_NaN();  // SPMA's smallest C_t (spma_min_c)
  // The tail over the last decade of iterations, [T/10, T] (read_tails, from curves.csv): the
  // log-log slope of value_error_inf, its points, and how many decades the error had already
  // fallen from iteration 1 to T/10 (a tail still on its initial plateau has fallen little).
  double tail_slope = std::numeric_limits<double>::quiet_NaN();
  int tail_points = 0;
  double tail_first = 0.0;
  double drop_before_tail = std::numeric_limits<double>::quiet_NaN();
  // Log-linear runs (empty features for tabular ones): docs/sweeps.md, "Rate and floor".
  std::string algorithm_spec;  // the resolved spec, with inner_steps and inner_step_size
  std::string features;
  double states = 0.0, actions = 0.0;
  double final_suboptimality = std::numeric_limits<double>::quiet_NaN();
  double optimal_objective = std::numeric_limits<double>::quiet_NaN();
  double floor = std::numeric_limits<double>::quiet_NaN();
  double floor_rate = std::numeric_limits<double>::quiet_NaN();
  double floor_rate_r2 = std::numeric_limits<double>::quiet_NaN();
  double floor_projection_error = std::numeric_limits<double>::quiet_NaN();
  double floor_drift = std::numeric_limits<double>::quiet_NaN();
  double inner_iterations_max = std::numeric_limits<double>::quiet_NaN();
  double inner_unmet = 0.0;  // exact SPMA's projections that missed their stopping rule

  double to(double tolerance) const;  // iterations_to, +inf when the column is absent
  double smallest_tolerance() const;  // the smallest tolerance of the sweep
  double fitted_decades() const;      // decades of decrease inside the fitted window
  bool linear_or_faster() const;      // classified linear or superlinear
};

// Reads DIR/runs.csv.
std::vector<ReportRun> read_runs(const std::filesystem::path& runs_csv);
// Fills each run's tail fields from DIR/curves.csv.
void read_tails(const std::filesystem::path& curves_csv, std::vector<ReportRun>& runs);

// The outcome of one case of a claim.
enum class CaseOutcome { agrees, disagrees, inconclusive, not_applicable };

struct ClaimResult {
  std::string claim;
  std::vector<std::string> figures;  // relative paths from the report, the first is the claim's
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // the measured numbers, one row per case
  std::size_t agreeing = 0;
  std::size_t disagreeing = 0;
  std::size_t inconclusive = 0;
  Verdict verdict = Verdict::no_data;
  std::string rule;  // how each case and the verdict are decided
  std::string note;  // what the numbers also show (e.g. the policy-iteration limit)

  std::size_t cases() const { return agreeing + disagreeing + inconclusive; }
  void add(CaseOutcome outcome);
  void finish();
};

// "agrees", "disagrees", "inconclusive: REASON", "n/a: REASON".
std::string outcome_text(CaseOutcome outcome, const std::string& reason = "");

// Claim 1: SPMA converges linearly with a constant step: unclipped SPMA runs at, below and above
// the safe step (spma_linear sweep); linear needs kLinearDecades inside the fitted window.
ClaimResult spma_linear_claim(const std::vector<ReportRun>& runs);
// Claim 2: SPMA is faster than constant-step softmax PG and APG (pg_comparison sweep), at each
// method's theory step and on the shared constant grid.
ClaimResult pg_comparison_claim(const std::vector<ReportRun>& runs);
// Claim 3: SPMA is comparable to NPG at the same eta (npg_comparison sweep).
ClaimResult npg_comparison_claim(const std::vector<ReportRun>& runs);
// Claim 4: from the adversarial start softmax PG and APG plateau, SPMA and NPG do not
// (hard_start sweep).
ClaimResult hard_start_claim(const std::vector<ReportRun>& runs);
// Claim 5: SPMA with the gap-dependent step converges super-linearly on bandits.
ClaimResult bandit_gap_claim(const std::vector<SummaryLine>& lines);

// The sweeps of the reproduction, in the order `tabrl reproduce` runs them; each entry says
// whether its figures show every step (true) or each method's best step.
struct ReproductionSweep {
  const char* name;
  bool all_steps;
};
inline constexpr ReproductionSweep kReproductionSweeps[] = {
    {"theory_steps", true},           {"spma_linear", true}, {"pg_comparison", false},
    {"npg_comparison", false},        {"hard_start", false}, {"bandits", false},
    {"function_approximation", false}};

// Reads the reproduction directory (one subdirectory per sweep) and returns the markdown of
// report.md. A sweep with missing runs is refused (InputError) unless `allow_partial`; the
// report then says "partial: N of M runs" for it.
std::string write_report(const std::filesystem::path& directory, bool allow_partial = false);

}  // namespace tabrl
