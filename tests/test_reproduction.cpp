// The reproduction configs and the verdict logic of the report.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <tabrl/report/report.hpp>
#include <tabrl/sweep/sweep_config.hpp>

using namespace tabrl;

namespace {

std::string config_path(const std::string& name) {
  return std::string(TABRL_SOURCE_DIR) + "/experiments/configs/" + name + ".toml";
}

constexpr double kNever = std::numeric_limits<double>::infinity();

// A run that reaches 1e-2 .. 1e-8 at the given iterations.
ReportRun run(const std::string& mdp, const std::string& algorithm, const std::string& step,
              std::array<double, 4> iterations, const std::string& convergence = "linear",
              double slope = -10.0) {
  ReportRun record{.mdp = mdp,
                   .algorithm = algorithm,
                   .setting = algorithm,
                   .step_size = step,
                   .step_value = 0.1,
                   .init = "uniform",
                   .status = "converged",
                   .iterations = 100000,
                   .final_value_error = 1e-6,
                   .rate = convergence == "linear" ? 0.9 : 0.99999,
                   .loglog_slope = slope,
                   .fit_first = 50,
                   .fit_last = 100,
                   .convergence = convergence,
                   .theory_bound = "none"};
  const double tolerances[] = {1e-2, 1e-4, 1e-6, 1e-8};
  for (int i = 0; i < 4; ++i) record.iterations_to[tolerances[i]] = iterations[i];
  return record;
}

SummaryLine line(const std::string& mdp, double iterations, const std::string& convergence,
                 const std::string& claim) {
  return {.mdp = mdp,
          .algorithm = "spma",
          .best_step = "gap",
          .median_iterations_to_tolerance = iterations,
          .convergence = convergence,
          .claim = claim};
}

}  // namespace

TEST_CASE("every reproduction config parses and expands to the expected grid") {
  CHECK(load_sweep_config(config_path("bandits")).runs.size() == 18 * 9);
  CHECK(load_sweep_config(config_path("theory_steps")).runs.size() == 6 * 4);
  CHECK(load_sweep_config(config_path("spma_linear")).runs.size() == 8 * 6);
  CHECK(load_sweep_config(config_path("pg_comparison")).runs.size() == 5 * (1 + 3 + 4 + 4));
  CHECK(load_sweep_config(config_path("npg_comparison")).runs.size() == 7 * (6 + 6 + 1));
  CHECK(load_sweep_config(config_path("hard_start")).runs.size() == 5 * 5 * 3);
  CHECK(load_sweep_config(config_path("demo")).runs.size() == 4 * (1 + 2 + 3 + 3 + 3));
  for (const ReproductionSweep& sweep : kReproductionSweeps)
    CHECK_NOTHROW(load_sweep_config(config_path(sweep.name)));
}

TEST_CASE("verdicts count the conclusive cases") {
  CHECK(verdict_from_counts(3, 3) == Verdict::supported);
  CHECK(verdict_from_counts(2, 3, 5) == Verdict::partly_supported);
  CHECK(verdict_from_counts(1, 3) == Verdict::not_supported);
  CHECK(verdict_from_counts(0, 0, 2) == Verdict::inconclusive);
  CHECK(verdict_from_counts(0, 0) == Verdict::no_data);
}

TEST_CASE("claim 1: linear needs three decades, and undefined steps are set aside") {
  ReportRun linear = run("a", "spma", "safe", {10, 20, 30, 40});
  linear.theory_bound = "spma_contraction";
  linear.bound_held = true;
  ReportRun short_window = linear;  // q = 0.9 over 10 iterations: 0.46 decades
  short_window.convergence = "inconclusive";
  short_window.fit_last = 60;
  ReportRun violated = linear;
  violated.bound_held = false;
  ReportRun invalid = run("a", "spma", "3", {kNever, kNever, kNever, kNever}, "unknown");
  invalid.status = "step_invalid";
  ReportRun power_law = linear;  // a clear 1/t tail over 4 decades: contradicts the claim
  power_law.convergence = "sublinear";
  power_law.rate = 0.999;
  power_law.fit_first = 1000;
  power_law.fit_last = 10210;  // -(9210) log10(0.999) = 4.0 decades
  ReportRun stalled = linear;  // barely moving: too slow to tell within the budget
  stalled.convergence = "stalled";
  stalled.rate = 0.999999;
  ReportRun failed = linear;
  failed.status = "non_finite";
  ReportRun clipped = linear;  // not a case of this claim
  clipped.clip = true;
  clipped.convergence = "stalled";
  const ClaimResult claim = spma_linear_claim(
      {linear, short_window, violated, invalid, power_law, stalled, failed, clipped});
  CHECK(linear.fitted_decades() == doctest::Approx(50 * -std::log10(0.9)));
  CHECK(claim.agreeing == 1);
  CHECK(claim.disagreeing == 3);   // violated, power_law, failed
  CHECK(claim.inconclusive == 2);  // short_window, stalled
  CHECK(claim.rows.size() == 7);
  CHECK(claim.verdict == Verdict::not_supported);
  CHECK(claim.rows[3].back().rfind("n/a", 0) == 0);
  CHECK(claim.rows[4].back().find("power-law tail") != std::string::npos);
  CHECK(claim.rows[5].back().find("too slow to show") != std::string::npos);
  CHECK(claim.rows[1].back().find("decades") != std::string::npos);
}

TEST_CASE("claim 2: SPMA first, and the PG tails at their slopes, else inconclusive") {
  // The tails as read_tails measures them: the slope over [T/10, T], after a fall of 2 decades.
  const auto tail = [](ReportRun record, double slope) {
    record.tail_slope = slope;
    record.tail_points = 20;
    record.tail_first = 10000;
    record.drop_before_tail = 2.0;
    return record;
  };
  const auto spg = [&](const std::string& mdp, const std::string& step, double slope) {
    return tail(run(mdp, "spg", step, {100, 10000, kNever, kNever}, "sublinear"), slope);
  };
  const auto apg = [&](const std::string& mdp, const std::string& step, double slope) {
    return tail(run(mdp, "apg", step, {50, 500, 5000, kNever}, "sublinear"), slope);
  };
  ReportRun spma = run("a", "spma", "safe", {10, 20, 30, 40});
  ReportRun spma_grid = run("a", "spma", "1", {5, 10, 15, 20});
  spma_grid.clip = true;
  ReportRun spma_b = spma_grid;
  spma_b.mdp = "b";
  ReportRun spma_c = spma_grid;
  spma_c.mdp = "c";
  ReportRun fast_apg = apg("c", "1", -2.0);
  fast_apg.iterations_to[1e-8] = 10;  // APG reaches 1e-8 before SPMA
  ReportRun spma_d = spma_grid;
  spma_d.mdp = "d";
  ReportRun plateau_exit = spg("d", "1", -1.0);  // the right slope, but still leaving its plateau
  plateau_exit.drop_before_tail = 0.2;
  const ClaimResult claim = pg_comparison_claim(
      {spma, spg("a", "theory", -1.0), apg("a", "theory", -2.1),  // agrees
       spma_grid, spg("a", "1", -1.05), apg("a", "1", -1.2),      // APG off its slope
       spma_b, spg("b", "1", -0.1), apg("b", "1", -2.0),          // SPG off its slope
       spma_c, spg("c", "1", -1.0), fast_apg});                   // disagrees
  CHECK(claim.rows.size() == 4);
  CHECK(claim.agreeing == 1);
  CHECK(claim.inconclusive == 2);
  CHECK(claim.disagreeing == 1);
  CHECK(claim.verdict == Verdict::partly_supported);
  CHECK(claim.rows[0][3] == "10 / 20 / 30 / 40");
  CHECK(claim.rows[1].back().find("APG not in its 1/t^2 tail") != std::string::npos);
  CHECK(claim.rows[3].back().find("APG reaches the smallest tolerance first") != std::string::npos);
}

TEST_CASE("claim 3: SPMA against NPG at the same eta, and the policy-iteration limit") {
  const auto clipped = [](ReportRun record) {
    record.clip = true;
    return record;
  };
  const ClaimResult claim = npg_comparison_claim({
      run("a", "pi", "", {2, 2, 2, 2}), clipped(run("a", "spma", "0.1", {100, 200, 300, 400})),
      run("a", "npg", "0.1", {100, 200, 300, 300}),  // ratio 1.33: agrees
      clipped(run("a", "spma", "10", {50, 60, 70, 2000})),
      run("a", "npg", "10", {10, 20, 30, 40}),  // 50 x: disagrees
      clipped(run("a", "spma", "1000", {2, 3, 4, 5})),
      run("a", "npg", "1000", {2, 2, 3, 3}),  // both within 2 k + 2 = 6: PI regime
  });
  CHECK(claim.rows.size() == 3);
  CHECK(claim.agreeing == 2);
  CHECK(claim.disagreeing == 1);
  CHECK(claim.rows[2][8] == "PI");
  CHECK(claim.rows[0][8] == "-");
  CHECK(claim.note.find("eta 1000: 1 of 1") != std::string::npos);
}

TEST_CASE("claim 4: the escape time grows exponentially for SPG, linearly for SPMA") {
  const auto start = [](const std::string& algorithm, const std::string& init, double first) {
    ReportRun record = run("a", algorithm, "1", {first, first + 10, first + 20, first + 30});
    record.init = init;
    return record;
  };
  const ClaimResult claim = hard_start_claim({
      start("spma", "uniform", 10), start("spma", "adversarial(scale=5)", 40),
      start("spma", "adversarial(scale=10)", 75),  // 1.9x: agrees
      start("spg", "uniform", 10), start("spg", "adversarial(scale=5)", 100),
      start("spg", "adversarial(scale=10)", kNever),  // never: a plateau, agrees
      start("npg", "uniform", 10), start("npg", "adversarial(scale=5)", 40),
      start("npg", "adversarial(scale=10)", 400),  // 10x: disagrees
      start("apg", "uniform", 10), start("apg", "adversarial(scale=5)", 40),
      start("apg", "adversarial(scale=10)", 60),  // 1.5x: no plateau, disagrees
  });
  CHECK(claim.rows.size() == 4);
  CHECK(claim.agreeing == 2);
  CHECK(claim.disagreeing == 2);
  CHECK(claim.rows[0][7] == "1.875x");
  CHECK(claim.rows[1][7] == "inf");
}

TEST_CASE("claim 5: super-linear bandits need the classification and the per-step check") {
  const ClaimResult claim = bandit_gap_claim({line("k2", 5, "superlinear", "held"),
                                              line("k5", 5, "superlinear", "violated 1/3"),
                                              line("k9", 5, "linear", "held")});
  CHECK(claim.cases() == 3);
  CHECK(claim.agreeing == 1);
  CHECK(claim.verdict == Verdict::not_supported);
}
