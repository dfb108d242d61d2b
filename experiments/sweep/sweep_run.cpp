#include "sweep_run.hpp"

#include <chrono>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/initial_policy.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/core/spec.hpp>
#include <tabrl/mdps/registry.hpp>
#include <tabrl/mdps/toml_format.hpp>
#include <tabrl/sweep/curve_csv.hpp>
#include <tabrl/sweep/record_schedule.hpp>

namespace tabrl {
namespace {

std::string tolerance_column(double tolerance) { return "iters_to_" + format_number(tolerance); }

// What summaries group a run with (its `setting` column): the algorithm's label, and the initial
// policy unless it is uniform, without a random one's seed (its seeds are replicates).
std::string setting_label(const RunSpec& run) {
  std::string init;
  if (is_initial_policy_file(run.init)) {
    init = run.init;
  } else if (!is_uniform_initial_policy(run.init)) {
    Spec spec = parse_spec(run.init, "init");
    std::erase_if(spec.arguments, [](const auto& argument) { return argument.first == "seed"; });
    init = spec.to_string();
  }
  // Log-linear runs: the label of the log-linear spec (parameters that differ from the
  // log-linear defaults) and the features.
  std::string label;
  if (run.algorithm.features.empty()) {
    label = algorithm_label(run.algorithm.spec);
  } else {
    const Spec resolved = parse_spec(run.algorithm.spec, "algo");
    Spec short_spec{.name = resolved.name};
    const std::vector<ParameterInfo>& parameters = log_linear_parameters(resolved.name);
    for (const auto& [key, value] : resolved.arguments) {
      for (const ParameterInfo& parameter : parameters) {
        if (parameter.name == key &&
            value != normalized_parameter_value(parameter.type, parameter.default_value)) {
          short_spec.arguments.emplace_back(key, value);
        }
      }
    }
    label = short_spec.canonical() + " with " + run.algorithm.features;
  }
  return label + (init.empty() ? "" : " from " + init);
}

}  // namespace

const Mdp& MdpCache::mdp(const std::string& spec, LinearSolverKind solver) {
  if (!mdp_ || spec != spec_) {
    // The old MDP goes first (memory); the new one is kept only with its optimal solution, so a
    // failed build or solve leaves nothing half made, and the next run tries again.
    features_.reset();
    optimal_.reset();
    mdp_.reset();
    auto mdp = std::make_unique<Mdp>(load_mdp(spec));
    optimal_ = std::make_unique<OptimalSolution>(solve_optimal(*mdp, solver));
    mdp_ = std::move(mdp);
    spec_ = spec;
  }
  return *mdp_;
}

std::shared_ptr<const FeatureMatrix> MdpCache::features(const std::string& text) {
  if (!mdp_) throw std::logic_error("MdpCache::features before a successful MdpCache::mdp");
  if (!features_ || text != features_text_) {
    features_.reset();
    features_ = make_features(text, *mdp_, read_toml_features_file);
    features_text_ = text;
  }
  return features_;
}

std::string runs_csv_header(const SweepSettings& settings) {
  std::string header =
      "run_id,mdp,mdp_label,gamma,states,actions,kernel,algorithm,algorithm_spec,setting,step_size,"
      "step_value,"
      "clip,clip_floor,"
      "init,seed,status,"
      "iterations,final_objective,final_suboptimality,final_value_error_inf,optimal_objective";
  for (double tolerance : settings.tolerances) header += "," + tolerance_column(tolerance);
  header +=
      ",rate,rate_r2,loglog_slope,rate_first_iteration,rate_last_iteration,convergence,theory_"
      "bound,"
      "bound_checks,bound_violations,bound_held,spma_min_c,features,floor,floor_rate,"
      "floor_rate_r2,floor_projection_error,floor_drift,inner_iterations_max,inner_unmet,message,"
      "wall_seconds";
  return header;
}

bool is_failed_status(const std::string& status) {
  const std::optional<RunStatus> known = enum_from_name(status, kRunStatusNames);
  return known ? is_failure(*known) : status == "error";
}

CurveSchema curves_csv_schema(const SweepConfig& config) {
  std::vector<std::string> algorithms;
  bool log_linear = false;
  for (const RunSpec& run : config.runs) {
    algorithms.push_back(run.algorithm.name);
    log_linear = log_linear || !run.algorithm.features.empty();
  }
  return CurveSchema::for_sweep(algorithms, log_linear);
}

RunRecord execute_run(const RunSpec& run, const std::string& run_id, const SweepSettings& settings,
                      const CurveSchema& curves, MdpCache& cache) {
  const auto start = std::chrono::steady_clock::now();
  RunRecord record{.run_id = run_id};
  std::string status, message;
  std::string result_columns;
  std::string step_value;     // empty for methods without a scalar step (pi, vi, the gap step)
  std::string shape = ",,,";  // gamma,states,actions,kernel
  // floor,floor_rate,floor_rate_r2,floor_projection_error,floor_drift,inner_iterations_max,
  // inner_unmet
  std::string floor_columns = ",,,,,,,";
  try {
    const LinearSolverKind solver = parse_solver_kind(settings.solver);
    const Mdp& mdp = cache.mdp(run.mdp, solver);
    const OptimalSolution& optimal = cache.optimal();
    shape = format_number(mdp.gamma()) + "," + std::to_string(mdp.num_states()) + "," +
            std::to_string(mdp.num_actions()) + "," + to_string(mdp.kernel_storage());
    std::unique_ptr<UpdateRule> rule =
        run.algorithm.features.empty()
            ? make_algorithm(run.algorithm.spec, run.algorithm.step_size, mdp)
            : make_log_linear_algorithm(run.algorithm.spec, run.algorithm.step_size, mdp,
                                        cache.features(run.algorithm.features));
    CurveRecorder recorder(parse_record_schedule(settings.record));
    // The solver the run starts with: the optimal solve's (automatic resolved, or the direct
    // solver its fallback changed to); its accuracy sets the bounds' slack.
    RunAnalysis analysis(mdp, *rule, settings.tolerances, is_uniform_initial_policy(run.init),
                         optimal.solver);
    std::vector<IterationCallback*> callbacks{&recorder, &analysis};
    std::unique_ptr<ToleranceStop> stop;
    if (settings.stop_tolerance) {
      stop = std::make_unique<ToleranceStop>(*settings.stop_tolerance);
      callbacks.push_back(stop.get());
    }
    const StateActionMatrix initial = initial_logits(run.init, mdp, optimal);
    const OptimizerResult result =
        optimize(mdp, optimal, *rule, initial,
                 {.max_iterations = settings.iterations, .solver = solver}, callbacks);
    status = std::string(to_string(result.status));
    message = run_message(result, analysis.result());
    // By name, as the summary counts them: a status added later is classified in one place.
    record.failed = is_failed_status(status);

    const std::vector<std::string> names = rule->diagnostic_names();
    for (const CurvePoint& point : recorder.points()) {
      record.curve_rows +=
          curves.row(point, names, run_id, analysis.plotted_bound(point.iteration)) + "\n";
    }
    // The eta the rule was given (APG's first step is eta/2, a line search's a trial): the
    // first step taken only when the rule has no constant eta (the gap-dependent step).
    const double nominal = rule->nominal_step_size();
    if (std::isfinite(nominal) && nominal > 0.0) {
      step_value = format_double(nominal);
    } else if (!recorder.points().empty() && !std::isnan(recorder.points().front().step_size)) {
      step_value = format_double(recorder.points().front().step_size);
    }

    const RunAnalysisResult& found = analysis.result();
    result_columns = std::to_string(result.iterations) + "," + format_double(result.objective) +
                     "," + format_double(result.suboptimality) + "," +
                     format_double(result.value_error_inf) + "," + format_double(optimal.objective);
    // Tolerances in the order of the settings (the analysis keeps them sorted).
    for (double tolerance : settings.tolerances) {
      int first = -1;
      for (std::size_t i = 0; i < found.tolerances.size(); ++i) {
        if (found.tolerances[i] == tolerance) first = found.first_iteration[i];
      }
      result_columns += "," + (first >= 0 ? std::to_string(first) : std::string());
    }
    const RateFit& rate = found.rate;
    const bool fitted = rate.points > 0;
    result_columns += "," + (fitted ? format_double(rate.rate) : "") + "," +
                      (fitted ? format_double(rate.r_squared) : "") + "," +
                      (fitted ? format_double(rate.loglog_slope) : "") + "," +
                      (fitted ? std::to_string(rate.first_iteration) : "") + "," +
                      (fitted ? std::to_string(rate.last_iteration) : "") + "," +
                      to_string(found.convergence) + "," + to_string(found.bound) + "," +
                      std::to_string(found.bound_checks) + "," +
                      std::to_string(found.bound_violations) + "," +
                      (!found.bound_checked() ? ""
                       : found.bound_held()   ? "true"
                                              : "false") +
                      "," + (std::isnan(found.spma_min_c) ? "" : format_double(found.spma_min_c));
    if (!std::isnan(found.floor)) {
      const bool floor_fitted = found.floor_rate.points > 0;
      floor_columns =
          "," + format_double(found.floor) + "," +
          (floor_fitted ? format_double(found.floor_rate.rate) : "") + "," +
          (floor_fitted ? format_double(found.floor_rate.r_squared) : "") + "," +
          (std::isnan(found.floor_projection_error) ? ""
                                                    : format_double(found.floor_projection_error)) +
          "," + format_double(found.floor_drift) + "," +
          (std::isnan(found.inner_iterations_max) ? ""
                                                  : format_number(found.inner_iterations_max)) +
          "," + std::to_string(found.inner_unmet);
    }
  } catch (const std::exception& error) {
    status = "error";
    message = exception_text(error);
    record.failed = true;
    record.curve_rows.clear();
    floor_columns = ",,,,,,,";
    // Empty result columns: 5 finals, one per tolerance, then the rate and bound columns.
    std::vector<std::string> fields(5 + settings.tolerances.size());
    for (const char* value : {"", "", "", "", "", "unknown", "none", "0", "0", "", ""}) {
      fields.emplace_back(value);
    }
    result_columns.clear();
    for (std::size_t i = 0; i < fields.size(); ++i) result_columns += (i ? "," : "") + fields[i];
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const AlgorithmSetting& algorithm = run.algorithm;
  // SPMA's clip mode keeps its own columns (summaries and figures treat clipped steps as their
  // own setting); empty for methods without it.
  const Spec spec = parse_spec(algorithm.spec, "algo");
  const std::string* clip = spec.find("clip");
  const std::string* clip_floor = spec.find("clip_floor");
  record.runs_row = run_id + "," + csv_field(run.mdp) + "," + csv_field(run.mdp_label) + "," +
                    shape + "," + csv_field(algorithm.name) + "," + csv_field(algorithm.spec) +
                    "," + csv_field(setting_label(run)) + "," + csv_field(algorithm.step_size) +
                    "," + step_value + "," + (clip != nullptr ? *clip : "false") + "," +
                    (clip_floor != nullptr ? *clip_floor : "") + "," + csv_field(run.init) + "," +
                    (run.seed ? std::to_string(*run.seed) : "") + "," + status + "," +
                    result_columns + "," + csv_field(algorithm.features) + floor_columns + "," +
                    csv_field(message) + "," + format_number(seconds);
  return record;
}

}  // namespace tabrl
