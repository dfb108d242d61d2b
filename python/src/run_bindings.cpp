// tabrl.run: one optimization made as `tabrl run` makes it (the algorithm registry, the initial
// policy specs, solve_optimal, the optimizer loop and its CurveRecorder), so that its curve is
// the CLI's to the last bit; the columns are CurveSchema's. The GIL is released while the engine
// runs; Python's signal handlers run every SignalWatch::kSignalInterval seconds, from the optimal
// solve (between its sweeps) and the loop (through the cancel flag).
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/initial_policy.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/optimizer.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/features.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/spec.hpp>
#include <tabrl/mdps/toml_format.hpp>
#include <tabrl/sweep/curve_csv.hpp>
#include <tabrl/sweep/record_schedule.hpp>
#include <tabrl/sweep/sweep_grid.hpp>

#include "bindings.hpp"

namespace tabrl::python {
namespace {

// Gives Python's signal handlers a chance from the run's loop (SignalWatch::poll).
class SignalCheck final : public IterationCallback {
 public:
  explicit SignalCheck(SignalWatch& watch) : watch_(watch) {}
  CallbackAction on_iteration(const IterationSummary& /*summary*/) override {
    watch_.poll();  // a raised handler raises the cancel flag: the loop ends as interrupted
    return CallbackAction::proceed;
  }

 private:
  SignalWatch& watch_;
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

// The curve as the CurveRecorder hands each recorded point over, stored as pandas stores a
// frame: the iterations as one int64 column, every other column as a row of one float64 block
// (columns x capacity). No point is kept, and both become NumPy arrays without a copy, so that
// the DataFrame is made without one either (python/tabrl/_api.py).
class CurveColumns {
 public:
  CurveColumns(std::vector<ColumnSource> sources, std::size_t capacity)
      : sources_(std::move(sources)),
        rows_(sources_.size() - 1),
        capacity_(std::max<std::size_t>(capacity, 1)),
        // Not value-initialised: pages that are never written cost nothing.
        block_(new double[rows_ * capacity_]) {
    iterations_.reserve(capacity_);
  }
  void append(const CurvePoint& point) {
    if (size_ == capacity_) grow();
    iterations_.push_back(point.iteration);
    for (std::size_t row = 0; row < rows_; ++row) {
      block_[row * capacity_ + size_] = column_value(sources_[row + 1], point);
    }
    ++size_;
  }
  // (iterations of shape (n,), block of shape (columns - 1, n)); the buffers move into them.
  std::pair<py::array_t<std::int64_t>, py::array_t<double>> take() {
    auto* iterations = new std::vector<std::int64_t>(std::move(iterations_));
    const py::capsule iterations_owner(
        iterations, [](void* pointer) { delete static_cast<std::vector<std::int64_t>*>(pointer); });
    double* block = block_.release();
    const py::capsule block_owner(block,
                                  [](void* pointer) { delete[] static_cast<double*>(pointer); });
    const auto n = static_cast<py::ssize_t>(size_);
    return {py::array_t<std::int64_t>(n, iterations->data(), iterations_owner),
            py::array_t<double>({static_cast<py::ssize_t>(rows_), n},
                                {static_cast<py::ssize_t>(capacity_ * sizeof(double)),
                                 static_cast<py::ssize_t>(sizeof(double))},
                                block, block_owner)};
  }

 private:
  void grow() {
    const std::size_t capacity = 2 * capacity_;
    std::unique_ptr<double[]> block(new double[rows_ * capacity]);
    for (std::size_t row = 0; row < rows_; ++row) {
      std::copy_n(block_.get() + row * capacity_, size_, block.get() + row * capacity);
    }
    block_ = std::move(block);
    capacity_ = capacity;
  }

  std::vector<ColumnSource> sources_;  // sources_[0] is the iteration
  std::size_t rows_;                   // the float columns
  std::size_t capacity_;
  std::size_t size_ = 0;
  std::unique_ptr<double[]> block_;  // row r holds column r + 1, capacity_ values apart
  std::vector<std::int64_t> iterations_;
};

py::object number_or_none(double value) { return std::isnan(value) ? py::none() : py::cast(value); }

// The result columns of a sweep's runs.csv (docs/sweeps.md), for one run.
py::dict run_summary(const OptimizerResult& result, const OptimalSolution& optimal,
                     const RunAnalysisResult& found, const std::vector<double>& tolerances) {
  py::dict summary;
  summary["status"] = std::string(to_string(result.status));
  summary["message"] = readable_text(run_message(result, found));
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
  summary["bound_held"] = found.bound_checked() ? py::cast(found.bound_held()) : py::none();
  summary["spma_min_c"] = number_or_none(found.spma_min_c);
  return summary;
}

// The initial logits given as an (S, A) array.
StateActionMatrix logits_from_array(const py::object& object, const Mdp& mdp) {
  const FloatArray array = float_array(object, "init");
  if (array.ndim() != 2 || array.shape(0) != mdp.num_states() ||
      array.shape(1) != mdp.num_actions()) {
    throw py::value_error("init: expected a spec, a CSV file or an array of logits of shape (" +
                          std::to_string(mdp.num_states()) + ", " +
                          std::to_string(mdp.num_actions()) + "), got shape " + shape_text(array));
  }
  StateActionMatrix logits =
      Eigen::Map<const StateActionMatrix>(array.data(), mdp.num_states(), mdp.num_actions());
  if (!logits.allFinite()) throw py::value_error("init: every logit must be finite");
  return logits;
}

// Features of a log-linear run: a spec or file (as --features), or an (S A, k) array.
std::shared_ptr<const FeatureMatrix> features_from_object(const py::object& object,
                                                          const Mdp& mdp) {
  if (is_path_text(object)) {
    const std::string text = path_text(object);
    check_features(text);
    return make_features(text, mdp, read_toml_features_file);
  }
  const FloatArray array = float_array(object, "features");
  const Index rows = mdp.num_states() * mdp.num_actions();
  if (array.ndim() != 2 || array.shape(0) != rows || array.shape(1) < 1) {
    throw py::value_error("features: expected a spec, a CSV file or an array of shape (" +
                          std::to_string(rows) + ", k), k >= 1 (row s * A + a)");
  }
  Eigen::MatrixXd values =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          array.data(), rows, array.shape(1));
  // As the feature files are read (docs/algorithms.md): finite, and within kLargestFeature.
  if (!values.allFinite()) throw py::value_error("features: every entry must be finite");
  if (values.size() > 0 && values.cwiseAbs().maxCoeff() > kLargestFeature) {
    throw py::value_error("features: an entry is beyond " + format_number(kLargestFeature) +
                          " in magnitude: products of features would overflow");
  }
  return std::make_shared<const FeatureMatrix>(mdp.num_states(), mdp.num_actions(),
                                               std::move(values));
}

bool rows_constant(const StateActionMatrix& logits) {
  for (Index s = 0; s < logits.rows(); ++s) {
    if ((logits.row(s).array() != logits(s, 0)).any()) return false;
  }
  return true;
}

py::dict run(const std::shared_ptr<Mdp>& mdp_pointer, const std::string& algorithm,
             const std::string& step_size, int iterations, std::optional<double> tolerance,
             const py::object& init, const py::object& features, const std::string& record,
             const std::string& solver) {
  const Mdp& mdp = *mdp_pointer;
  // Everything that can be refused is refused before any work, as `tabrl run` does.
  check_no_nul(algorithm, "algo");
  check_no_nul(step_size, "step_size");
  check_no_nul(record, "record");
  check_no_nul(solver, "solver");
  const RecordSchedule schedule = parse_record_schedule(record);
  OptimizerOptions options{.max_iterations = iterations, .solver = parse_solver_kind(solver)};
  options.validate();
  std::string init_spec = "uniform";
  std::optional<StateActionMatrix> given_logits;
  if (is_path_text(init)) {
    init_spec = path_text(init);
    check_initial_policy(init_spec);
  } else if (!init.is_none()) {
    given_logits = logits_from_array(init, mdp);
  }
  std::unique_ptr<UpdateRule> rule =
      features.is_none() ? make_algorithm(algorithm, step_size, mdp)
                         : make_log_linear_algorithm(algorithm, step_size, mdp,
                                                     features_from_object(features, mdp));
  const std::vector<std::string> names = rule->diagnostic_names();
  const CurveSchema schema = CurveSchema::for_run(mdp.is_bandit(), names);
  const std::vector<std::string> columns = split_header(schema.header());
  const std::vector<ColumnSource> sources = column_sources(columns, schema, names);

  if (sources.empty() || sources.front().field != ColumnSource::Field::iteration) {
    throw std::logic_error("the curve schema no longer starts with the iteration");
  }
  // Room for every point of a short run, or for a first part of a long one (the block grows);
  // room never written to costs no memory.
  constexpr int kReservedPoints = 1 << 16;
  CurveColumns curve(sources, static_cast<std::size_t>(std::min(iterations, kReservedPoints)) + 1);
  const std::vector<double> tolerances = SweepSettings{}.tolerances;
  CurveRecorder recorder(schedule, [&curve](const CurvePoint& point) { curve.append(point); });
  // Made once the optimal solve has said which solver the run starts with (its accuracy sets
  // the bounds' slack), as a sweep makes it.
  std::optional<RunAnalysis> analysis;
  const bool uniform_start =
      given_logits ? rows_constant(*given_logits) : is_uniform_initial_policy(init_spec);
  SignalWatch watch;
  SignalCheck signal_check(watch);
  options.cancel = &watch.cancel_flag();
  std::vector<IterationCallback*> callbacks{&recorder, &signal_check};
  std::optional<ToleranceStop> stop;
  if (tolerance) callbacks.push_back(&stop.emplace(*tolerance));

  OptimalSolution optimal;
  OptimizerResult result;
  {
    const ReleasedGil release;
    try {
      optimal = solve_optimal(mdp, options.solver, [&watch] { return watch.poll(); });
      analysis.emplace(mdp, *rule, tolerances, uniform_start, optimal.solver);
      callbacks.insert(callbacks.begin() + 1, &*analysis);
      StateActionMatrix initial =
          given_logits ? *given_logits : initial_logits(init_spec, mdp, optimal);
      result = optimize(mdp, optimal, *rule, std::move(initial), options, callbacks);
    } catch (const OptimalSolveInterrupted&) {
      // A handler raised during the optimal solve: its exception follows, with no run.
    }
  }
  watch.rethrow();  // Ctrl-C: KeyboardInterrupt, after the engine ended cleanly

  py::dict out;
  out["columns"] = columns;
  auto [iteration_column, value_block] = curve.take();
  out["curve_iterations"] = iteration_column;
  out["curve_values"] = value_block;
  out["status"] = std::string(to_string(result.status));
  out["message"] = readable_text(result.message);
  out["iterations"] = result.iterations;
  out["policy"] = to_array(result.policy);
  out["logits"] = to_array(result.logits);
  out["theta"] = features.is_none()
                     ? py::object(py::none())
                     : py::object(py::array_t<double>(result.theta.size(), result.theta.data()));
  out["engine_seconds"] = result.elapsed_seconds;
  out["solver"] = std::string(to_string(result.solver));
  std::string note;
  for (const std::string& line : solver_notes(optimal, result)) {
    note += (note.empty() ? "" : "\n") + line;
  }
  out["solver_note"] = readable_text(note);
  out["summary"] = run_summary(result, optimal, analysis->result(), tolerances);
  return out;
}

// The C++ API's own loop for the overhead benchmark (bench/python_overhead.py): the rule from
// the registry, optimize() with a CurveRecorder and nothing else, its OptimizerResult's time.
double engine_loop_seconds(const std::shared_ptr<Mdp>& mdp, const std::string& algorithm,
                           const std::string& step_size, int iterations) {
  const ReleasedGil release;
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
             py::arg("iterations"), py::arg("tolerance"), py::arg("init"), py::arg("features"),
             py::arg("record"), py::arg("solver"),
             "The engine part of tabrl.run (python/tabrl/_api.py).");
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
