// `tabrl run`: one optimization from an initial policy, its curve as CSV.
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/initial_policy.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/optimizer.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/simd.hpp>
#include <tabrl/mdps/formats.hpp>
#include <tabrl/mdps/registry.hpp>
#include <tabrl/mdps/toml_format.hpp>
#include <tabrl/sweep/atomic_file.hpp>
#include <tabrl/sweep/curve_csv.hpp>
#include <tabrl/sweep/record_schedule.hpp>

#include "cli.hpp"
#include "interrupt.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;

namespace {

constexpr const char* kRunUsage =
    R"USAGE(usage: tabrl run --mdp SPEC --algo ALGO [--step-size X] [options]

Runs one exact optimization from an initial policy (--init, uniform by default) and writes its
curve as CSV (iteration,objective,suboptimality,value_error_inf,step_size, plus
optimal_action_prob for bandits and the method's own columns, e.g. spma_c) to --out or stdout,
row by row as it is recorded. The run's status goes to stderr; the exit status is 0 for
converged, max_iterations, stationary and stopped, 1 for non_finite, step_invalid and
line_search_failed (the curve up to there is kept). Ctrl-C (or SIGTERM) ends the run after the
current iteration: the curve so far is written completely, the status is `interrupted`, and the
exit status is 130 (143). With --features the policy is log-linear, pi proportional to exp(phi^T theta) from
theta = 0 (spma, npg, spg and mdpo only; docs/algorithms.md, "Log-linear policies"), and the curve
has the columns projection_error, inner_gradient_norm and inner_iterations (and inner_floor for exact spma, feature_rank for npg). --out writes a regular file atomically, through a symlink to its
target, and into a device or FIFO in place; `-` is stdout.

example:
  tabrl run --mdp five_by_five --algo spma --step-size 0.099 --iterations 3000 --tolerance 1e-6 --out spma.csv
  tabrl run --mdp "bandit(means=[0.2,0.5,0.9])" --algo spma --step-size gap --iterations 10
  tabrl run --mdp cliff_world --algo "mdpo(inner_steps=5,inner_step_size=2)" --step-size 1 --init "adversarial(scale=5)"
  tabrl run --mdp five_by_five --algo pi --iterations 10
  tabrl run --mdp cliff_world --features "random(dim=8,seed=1)" --algo spma --step-size 0.5 --iterations 100
)USAGE";

}  // namespace

int run_command(const Arguments& args) {
  std::string mdp_spec, algorithm, step_size, out_path, record = "all", solver = "auto",
                                                        init = "uniform", features, kernel = "auto";
  int iterations = 1000, progress_every = 0, threads = 0;
  double tolerance = 0.0, time_limit = 0.0, clip_floor = 1e-8;
  bool clip = false, quiet = false;
  po::options_description options("options");
  options.add_options()(
      "mdp", po::value(&mdp_spec)->required(),
      ("built-in name(key=value,...), or a " + mdp_extension_list() + " file").c_str())(
      "algo", po::value(&algorithm)->required(),
      "algorithm spec name(key=value,...), e.g. spma or spma(clip=true); see `tabrl list`")(
      "step-size", po::value(&step_size),
      "eta, or a named rule of the method (see `tabrl list`); not for pi and vi")(
      "init", po::value(&init)->default_value("uniform"),
      "initial policy: uniform, random(seed=N,scale=S), adversarial(scale=S), or a CSV file "
      "state,action,logit")(
      "features", po::value(&features),
      "log-linear policies: one_hot, random(dim=K,seed=N,scale=S), or a CSV file "
      "state,action,f0,...,f{K-1}")("iterations", po::value(&iterations)->default_value(1000),
                                    "iteration budget")(
      "out", po::value(&out_path), "curve CSV file, or - for stdout (the default)")(
      "tolerance", po::value(&tolerance), "stop (converged) once value_error_inf <= T")(
      "time-limit", po::value(&time_limit), "stop after this many seconds")(
      "record", po::value(&record)->default_value("all"), "which iterations to write: all, N, log")(
      "solver", po::value(&solver)->default_value("auto"),
      "linear solver: auto (dense up to 500 states, Krylov above), dense, sparse, krylov")(
      "kernel", po::value(&kernel)->default_value("auto"),
      "transition kernel storage: auto (dense from about 45% non-zeros), sparse, dense")(
      "threads", po::value(&threads)->default_value(0),
      "threads of the large loops (0: one per processor); results do not depend on it")(
      "clip", po::bool_switch(&clip), "SPMA: clip 1 + eta A at --clip-floor instead of stopping")(
      "clip-floor", po::value(&clip_floor)->default_value(1e-8), "SPMA clip floor")(
      "progress", po::value(&progress_every)->default_value(0),
      "print a progress line on stderr every N iterations (0: never)")(
      "quiet,q", po::bool_switch(&quiet), "no status line on stderr");
  po::variables_map values;
  if (!parse_command_line(args, options, {}, kRunUsage, values)) return kExitSuccess;

  // --clip-floor needs clipping: --clip, or clip=true in the spec.
  if (!clip && !values["clip-floor"].defaulted()) {
    const std::string* clip_in_spec = parse_spec(algorithm, "algo").find("clip");
    if (clip_in_spec == nullptr || (*clip_in_spec != "true" && *clip_in_spec != "1")) {
      throw UsageError("--clip-floor applies only with --clip (SPMA's clipped update)");
    }
  }

  // Everything that can be rejected is checked before any work starts: the options first
  // (cheap), then the output, the MDP and the algorithm.
  if (progress_every < 0) {
    throw InputError({.field = "progress"}, "must be >= 0, got " + std::to_string(progress_every));
  }
  const RecordSchedule schedule = parse_record_schedule(record);
  const LinearSolverKind solver_kind = parse_solver_kind(solver);
  const KernelStorage kernel_storage = parse_kernel_storage(kernel);
  if (threads < 0 || threads > kMaxThreads) {
    throw InputError({.field = "threads"}, "must be in [0, " + std::to_string(kMaxThreads) +
                                               "] (0: one per processor), got " +
                                               std::to_string(threads));
  }
  set_thread_count(threads > 0 ? threads : available_processors());
  std::vector<std::unique_ptr<IterationCallback>> stops;
  if (values.count("tolerance") != 0U) stops.push_back(std::make_unique<ToleranceStop>(tolerance));
  if (values.count("time-limit") != 0U) {
    stops.push_back(std::make_unique<TimeLimitStop>(time_limit));
  }
  OptimizerOptions optimizer_options{.max_iterations = iterations, .solver = solver_kind};
  optimizer_options.validate();
  check_initial_policy(init);
  const bool log_linear = values.count("features") != 0U;
  if (log_linear) {
    check_features(features);
    if (!is_uniform_initial_policy(init)) {
      throw UsageError(
          "--init applies to tabular policies only: log-linear policies start from "
          "theta = 0 (uniform)");
    }
    if (clip || !values["clip-floor"].defaulted()) {
      throw UsageError("--clip and --clip-floor apply to tabular SPMA only, not with --features");
    }
  }

  OutputFile output(out_path.empty() ? "-" : out_path);
  const Mdp mdp = load_mdp(mdp_spec, {.kernel = kernel_storage});
  // --clip and --clip-floor are spellings of spma(clip=true, clip_floor=F).
  Spec algorithm_spec = parse_spec(algorithm, "algo");
  // Given once: as an option or inside the spec, never both.
  for (const auto& [option, key] : {std::pair{"clip", "clip"}, {"clip-floor", "clip_floor"}}) {
    if (!values[option].defaulted() && algorithm_spec.find(key) != nullptr) {
      throw UsageError(std::string("--") + option + " and " + key + "= in --algo both given; " +
                       "give one");
    }
  }
  if (clip) algorithm_spec = algorithm_spec.with("clip", "true");
  if (!values["clip-floor"].defaulted()) {
    algorithm_spec = algorithm_spec.with("clip_floor", format_double(clip_floor));
  }
  std::unique_ptr<UpdateRule> rule =
      log_linear ? make_log_linear_algorithm(algorithm_spec.to_string(), step_size, mdp,
                                             make_features(features, mdp, read_toml_features_file))
                 : make_algorithm(algorithm_spec.to_string(), step_size, mdp);
  const std::vector<std::string> diagnostics = rule->diagnostic_names();
  const CurveSchema schema = CurveSchema::for_run(mdp.is_bandit(), diagnostics);
  // Rows are streamed as they are recorded, so memory does not grow with the run, and reach the
  // file at least once a second (a large run writes a 64 KiB buffer's worth of rows in minutes);
  // a failed write (a full disk) ends the command at once.
  auto last_flush = std::chrono::steady_clock::now();
  CurveRecorder recorder(schedule, [&](const CurvePoint& point) {
    write_curve_row(output.stream(), schema, point, diagnostics);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_flush >= std::chrono::seconds(1)) {
      output.stream().flush();
      last_flush = now;
    }
    output.check();
  });
  ProgressCallback progress(progress_every, [](const IterationSummary& summary) {
    std::cerr << "tabrl run: iteration " << summary.iteration << ", suboptimality "
              << format_number(summary.suboptimality) << ", value_error_inf "
              << format_number(summary.value_error_inf) << "\n";
  });
  // Exact log-linear SPMA: projections that missed their stopping rule make iterates that are not
  // the exact update; the run says how many.
  DiagnosticTotal unmet(diagnostics, "inner_unmet");
  // mdpo and smdpo: inner steps that lost ground on their surrogate were unstable.
  DiagnosticTotal lost(diagnostics, "inner_lost");
  std::vector<IterationCallback*> callbacks{&recorder, &progress, &unmet, &lost};
  for (const auto& stop : stops) callbacks.push_back(stop.get());
  // From here on, Ctrl-C ends the run cleanly; while loading, it still ends the process at once.
  InterruptGuard interrupt;
  optimizer_options.cancel = &interrupt.flag();

  // A signal during the optimal solve ends it after the sweep in progress: there is no iterate
  // yet, so nothing is written (the --out path is left as it was).
  std::optional<OptimalSolution> solved;
  try {
    solved =
        solve_optimal(mdp, optimizer_options.solver, [&interrupt] { return interrupt.raised(); });
  } catch (const OptimalSolveInterrupted&) {
    std::cerr << "tabrl run: interrupted during the optimal solve, before the first iterate; "
                 "nothing written\n";
    return interrupt.exit_status();
  }
  const OptimalSolution& optimal = *solved;
  const StateActionMatrix initial = initial_logits(init, mdp, optimal);
  write_curve_header(output.stream(), schema);
  const OptimizerResult result =
      optimize(mdp, optimal, *rule, initial, optimizer_options, callbacks);
  output.commit();
  if (!quiet) {
    std::cerr << "tabrl run: " << to_string(result.status) << " at iteration " << result.iterations
              << ": suboptimality " << format_double(result.suboptimality) << ", value_error_inf "
              << format_double(result.value_error_inf)
              << " (J* = " << format_double(optimal.objective) << "; kernel "
              << to_string(mdp.kernel_storage()) << ", solver " << to_string(result.solver) << ", "
              << thread_count() << (thread_count() == 1 ? " thread" : " threads")
              << ", vector kernels " << to_string(simd_level()) << ")\n";
    if (!result.message.empty()) std::cerr << "tabrl run: " << result.message << "\n";
    for (const std::string& note : solver_notes(optimal, result)) {
      std::cerr << "tabrl run: " << note << "\n";
    }
  }
  // Said even with --quiet: those iterates are not what the method defines.
  for (const std::string& note : run_notes(unmet.total(), lost.total())) {
    std::cerr << "tabrl run: warning: " << note << "\n";
  }
  if (result.status == RunStatus::interrupted) return interrupt.exit_status();
  return is_failure(result.status) ? kExitFailure : kExitSuccess;
}

}  // namespace tabrl::cli
