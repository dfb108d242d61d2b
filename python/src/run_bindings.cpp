// tabrl.run: one optimization made as `tabrl run` makes it (the algorithm registry, the initial
// policy specs, solve_optimal, the optimizer loop and its CurveRecorder), so that its curve is
// the CLI's to the last bit; the columns are CurveSchema's. The GIL is released while the engine
// runs; Python's signal handlers run every kSignalInterval seconds through the cancel flag.
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/analysis.hpp"
#include "algorithms/callbacks.hpp"
#include "algorithms/initial_policy.hpp"
#include "algorithms/registry.hpp"
#include "core/error.hpp"
#include "core/format.hpp"
#include "core/spec.hpp"
#include "experiments/curve_csv.hpp"
#include "experiments/record_schedule.hpp"
#include "experiments/sweep_grid.hpp"
#include "python/src/bindings.hpp"

namespace tabrl::python {
namespace {

// How often a run gives Python's signal handlers a chance: Ctrl-C answers within this time, and
// taking the GIL this rarely costs nothing measurable.
constexpr double kSignalInterval = 0.05;

class SignalCheck final : public IterationCallback {
 public:
  explicit SignalCheck(SignalWatch& watch) : watch_(watch) {}
  CallbackAction on_iteration(const IterationSummary& summary) override {
    if (summary.elapsed_seconds >= next_check_) {
      next_check_ = summary.elapsed_seconds + kSignalInterval;
      watch_.check();  // a raised handler raises the cancel flag: the loop ends as interrupted
    }
    return CallbackAction::proceed;
  }

 private:
  SignalWatch& watch_;
  double next_check_ = 0.0;
};

// Where each column of the schema comes from: a field of CurvePoint, or a diagnostic by index.
struct ColumnSource {
  enum class Field {
    iteration,
    objective,
    suboptimality,
    value_error_inf,
    step_size,
    optimal,
    own
  };
  Field field = Field::own;
  std::size_t diagnostic = 0;
};

std::vector<std::string> split_header(const std::string& header) {
  std::vector<std::string> columns;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = header.find(',', start);
    columns.push_back(header.substr(start, comma - start));
    if (comma == std::string::npos) return columns;
    start = comma + 1;
  }
}

std::vector<ColumnSource> column_sources(const std::vector<std::string>& columns,
                                         const CurveSchema& schema,
                                         const std::vector<std::string>& names) {
  using Field = ColumnSource::Field;
  const std::vector<std::pair<std::string, Field>> fields = {
      {"iteration", Field::iteration},         {"objective", Field::objective},
      {"suboptimality", Field::suboptimality}, {"value_error_inf", Field::value_error_inf},
      {"step_size", Field::step_size},         {"optimal_action_prob", Field::optimal}};
  std::vector<ColumnSource> sources;
  for (const std::string& column : columns) {
    const auto field = std::find_if(fields.begin(), fields.end(),
                                    [&](const auto& entry) { return entry.first == column; });
    if (field != fields.end()) {
      sources.push_back({.field = field->second});
      continue;
    }
    const auto& own = schema.diagnostics();
    const auto name = std::find(names.begin(), names.end(), column);
    if (std::find(own.begin(), own.end(), column) == own.end() || name == names.end()) {
      // A column added to CurveSchema needs its source here (tests/python/test_run.py checks
      // the columns against `tabrl run`).
      throw std::logic_error("curve column '" + column + "' has no source in the Python module");
    }
    sources.push_back(
        {.field = Field::own, .diagnostic = static_cast<std::size_t>(name - names.begin())});
  }
  return sources;
}

double column_value(const ColumnSource& source, const CurvePoint& point) {
  using Field = ColumnSource::Field;
  switch (source.field) {
    case Field::iteration:
      return point.iteration;
    case Field::objective:
      return point.objective;
    case Field::suboptimality:
      return point.suboptimality;
    case Field::value_error_inf:
      return point.value_error_inf;
    case Field::step_size:
      return point.step_size;
    case Field::optimal:
      return point.optimal_action_prob;
    case Field::own:
      return point.diagnostics[source.diagnostic];
  }
  return std::nan("");
}

// The curve as the CurveRecorder hands each recorded point over: appended to one buffer per
// column, so that no point is kept and each column becomes a NumPy array without a copy.
class CurveColumns {
 public:
  CurveColumns(std::vector<ColumnSource> sources, std::size_t expected_points)
      : sources_(std::move(sources)), values_(sources_.size() - 1) {
    iterations_.reserve(expected_points);
    for (std::vector<double>& column : values_) column.reserve(expected_points);
  }
  void append(const CurvePoint& point) {
    iterations_.push_back(point.iteration);
    for (std::size_t c = 1; c < sources_.size(); ++c) {
      values_[c - 1].push_back(column_value(sources_[c], point));
    }
  }
  // The columns, the first (iteration) as int64, the others as float64; the buffers move into
  // the arrays.
  py::list take() {
    py::list columns;
    columns.append(adopt(std::move(iterations_)));
    for (std::vector<double>& column : values_) columns.append(adopt(std::move(column)));
    return columns;
  }

 private:
  template <typename T>
  static py::array_t<T> adopt(std::vector<T>&& buffer) {
    auto* owned = new std::vector<T>(std::move(buffer));
    const py::capsule owner(owned,
                            [](void* pointer) { delete static_cast<std::vector<T>*>(pointer); });
    return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), owner);
  }

  std::vector<ColumnSource> sources_;  // sources_[0] is the iteration
  std::vector<std::int64_t> iterations_;
  std::vector<std::vector<double>> values_;
};

py::object number_or_none(double value) { return std::isnan(value) ? py::none() : py::cast(value); }

// The result columns of a sweep's runs.csv (docs/sweeps.md), for one run.
py::dict run_summary(const OptimizerResult& result, const OptimalSolution& optimal,
                     const RunAnalysisResult& found, const std::vector<double>& tolerances) {
  py::dict summary;
  summary["status"] = std::string(to_string(result.status));
  summary["message"] = result.message;
  summary["iterations"] = result.iterations;
  summary["final_objective"] = result.objective;
  summary["final_suboptimality"] = result.suboptimality;
  summary["final_value_error_inf"] = result.value_error_inf;
  summary["optimal_objective"] = optimal.objective;
  for (double tolerance : tolerances) {
    int first = -1;
    for (std::size_t i = 0; i < found.tolerances.size(); ++i) {
      if (found.tolerances[i] == tolerance) first = found.first_iteration[i];
    }
    summary[py::str("iters_to_" + format_number(tolerance))] =
        first >= 0 ? py::cast(first) : py::none();
  }
  const RateFit& rate = found.rate;
  const bool fitted = rate.points > 0;
  summary["rate"] = fitted ? py::cast(rate.rate) : py::none();
  summary["rate_r2"] = fitted ? py::cast(rate.r_squared) : py::none();
  summary["loglog_slope"] = fitted ? py::cast(rate.loglog_slope) : py::none();
  summary["rate_first_iteration"] = fitted ? py::cast(rate.first_iteration) : py::none();
  summary["rate_last_iteration"] = fitted ? py::cast(rate.last_iteration) : py::none();
  summary["convergence"] = std::string(to_string(found.convergence));
  summary["theory_bound"] = std::string(to_string(found.bound));
  summary["bound_checks"] = found.bound_checks;
  summary["bound_violations"] = found.bound_violations;
  summary["bound_held"] =
      found.bound == TheoryBound::none ? py::none() : py::cast(found.bound_held());
  summary["spma_min_c"] = number_or_none(found.spma_min_c);
  return summary;
}

// The initial logits given as an (S, A) array.
StateActionMatrix logits_from_array(const py::object& object, const Mdp& mdp) {
  const auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(object);
  if (!array || array.ndim() != 2 || array.shape(0) != mdp.num_states() ||
      array.shape(1) != mdp.num_actions()) {
    throw py::value_error("init: expected a spec, a CSV file or an array of logits of shape (" +
                          std::to_string(mdp.num_states()) + ", " +
                          std::to_string(mdp.num_actions()) + ")");
  }
  return Eigen::Map<const StateActionMatrix>(array.data(), mdp.num_states(), mdp.num_actions());
}

bool rows_constant(const StateActionMatrix& logits) {
  for (Index s = 0; s < logits.rows(); ++s) {
    if ((logits.row(s).array() != logits(s, 0)).any()) return false;
  }
  return true;
}

py::dict run(const std::shared_ptr<Mdp>& mdp_pointer, const std::string& algorithm,
             const std::string& step_size, int iterations, std::optional<double> tolerance,
             const py::object& init, const std::string& record, const std::string& solver) {
  const Mdp& mdp = *mdp_pointer;
  // Everything that can be refused is refused before any work, as `tabrl run` does.
  const RecordSchedule schedule = parse_record_schedule(record);
  OptimizerOptions options{.max_iterations = iterations, .solver = parse_solver_kind(solver)};
  options.validate();
  std::string init_spec = "uniform";
  std::optional<StateActionMatrix> given_logits;
  if (py::isinstance<py::str>(init) || py::hasattr(init, "__fspath__")) {
    init_spec = py::str(py::module_::import("os").attr("fspath")(init));
    check_initial_policy(init_spec);
  } else if (!init.is_none()) {
    given_logits = logits_from_array(init, mdp);
  }
  std::unique_ptr<UpdateRule> rule = make_algorithm(algorithm, step_size, mdp);
  const std::vector<std::string> names = rule->diagnostic_names();
  const CurveSchema schema = CurveSchema::for_run(mdp.is_bandit(), names);
  const std::vector<std::string> columns = split_header(schema.header());
  const std::vector<ColumnSource> sources = column_sources(columns, schema, names);

  if (sources.empty() || sources.front().field != ColumnSource::Field::iteration) {
    throw std::logic_error("the curve schema no longer starts with the iteration");
  }
  // Every point of a short run, or room for a first part of a long one (the buffers grow).
  constexpr int kReservedPoints = 1 << 16;
  CurveColumns curve(sources, static_cast<std::size_t>(std::min(iterations, kReservedPoints)) + 1);
  const std::vector<double> tolerances = SweepSettings{}.tolerances;
  CurveRecorder recorder(schedule, [&curve](const CurvePoint& point) { curve.append(point); });
  RunAnalysis analysis(
      mdp, *rule, tolerances,
      given_logits ? rows_constant(*given_logits) : is_uniform_initial_policy(init_spec));
  SignalWatch watch;
  SignalCheck signal_check(watch);
  options.cancel = &watch.cancel_flag();
  std::vector<IterationCallback*> callbacks{&recorder, &analysis, &signal_check};
  std::optional<ToleranceStop> stop;
  if (tolerance) callbacks.push_back(&stop.emplace(*tolerance));

  OptimalSolution optimal;
  OptimizerResult result;
  {
    const py::gil_scoped_release release;
    optimal = solve_optimal(mdp, options.solver);
    StateActionMatrix initial =
        given_logits ? *given_logits : initial_logits(init_spec, mdp, optimal);
    result = optimize(mdp, optimal, *rule, std::move(initial), options, callbacks);
  }
  watch.rethrow();  // Ctrl-C: KeyboardInterrupt, after the engine ended cleanly

  py::dict out;
  out["columns"] = columns;
  out["values"] = curve.take();
  out["status"] = std::string(to_string(result.status));
  out["message"] = result.message;
  out["iterations"] = result.iterations;
  out["policy"] = to_array(result.policy);
  out["logits"] = to_array(result.logits);
  out["engine_seconds"] = result.elapsed_seconds;
  out["summary"] = run_summary(result, optimal, analysis.result(), tolerances);
  return out;
}

// The C++ API's own loop for the overhead benchmark (bench/python_overhead.py): the rule from
// the registry, optimize() with a CurveRecorder and nothing else, its OptimizerResult's time.
double engine_loop_seconds(const std::shared_ptr<Mdp>& mdp, const std::string& algorithm,
                           const std::string& step_size, int iterations) {
  const py::gil_scoped_release release;
  const OptimalSolution optimal = solve_optimal(*mdp);
  std::unique_ptr<UpdateRule> rule = make_algorithm(algorithm, step_size, *mdp);
  CurveRecorder recorder;
  IterationCallback* const callbacks[] = {&recorder};
  const StateActionMatrix uniform = StateActionMatrix::Zero(mdp->num_states(), mdp->num_actions());
  return optimize(*mdp, optimal, *rule, uniform, {.max_iterations = iterations}, callbacks)
      .elapsed_seconds;
}

}  // namespace

void bind_run(py::module_& module) {
  module.def("_engine_loop_seconds", &engine_loop_seconds, py::arg("mdp"), py::arg("algo"),
             py::arg("step_size"), py::arg("iterations"),
             "The optimizer loop alone through the C++ API (for bench/python_overhead.py).");
  module.def("_run", &run, py::arg("mdp"), py::arg("algo"), py::arg("step_size"),
             py::arg("iterations"), py::arg("tolerance"), py::arg("init"), py::arg("record"),
             py::arg("solver"), "The engine part of tabrl.run (python/tabrl/_api.py).");
  module.def(
      "_takes_step_size",
      [](const std::string& spec) {
        return find_algorithm(parse_spec(spec, "algo").name).takes_step_size;
      },
      "Whether the algorithm of `spec` takes a step size (pi and vi do not).");
  module.def(
      "algorithms",
      [] {
        py::list algorithms;
        for (const AlgorithmEntry& entry : algorithm_registry()) {
          py::list parameters, rules;
          for (const ParameterInfo& parameter : entry.parameters) {
            py::dict info;
            info["name"] = parameter.name;
            info["type"] = parameter.type;
            info["default"] =
                parameter.default_value.empty() ? py::none() : py::cast(parameter.default_value);
            info["description"] = parameter.description;
            info["choices"] = parameter.choices;
            parameters.append(info);
          }
          for (const StepSizeRule& rule : entry.step_rules) rules.append(rule.name);
          py::dict info;
          info["name"] = entry.name;
          info["description"] = entry.description;
          info["reference"] = entry.reference;
          info["parameters"] = parameters;
          info["takes_step_size"] = entry.takes_step_size;
          info["step_rules"] = rules;
          info["columns"] = entry.diagnostics;
          algorithms.append(info);
        }
        return algorithms;
      },
      "The algorithms of the registry, as `tabrl list` shows them: a list of dicts with name, "
      "description, reference, parameters (name, type, default (None: required), description, "
      "choices), takes_step_size, step_rules and the curve columns the method may fill.");
}

}  // namespace tabrl::python
