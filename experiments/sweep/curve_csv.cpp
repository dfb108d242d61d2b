#include "curve_csv.hpp"

#include <algorithm>
#include <cmath>

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/format.hpp>

namespace tabrl {
namespace {

// A value the row does not have is an empty field; objective values keep nan and inf.
std::string optional_field(double value) {
  return std::isnan(value) ? std::string() : format_double(value);
}

}  // namespace

CurveSchema CurveSchema::for_run(bool bandit, std::vector<std::string> diagnostics) {
  CurveSchema schema;
  schema.optimal_action_prob_ = bandit;
  schema.diagnostics_ = std::move(diagnostics);
  return schema;
}

CurveSchema CurveSchema::for_sweep(const std::vector<std::string>& algorithms, bool log_linear) {
  CurveSchema schema;
  schema.sweep_ = true;
  schema.optimal_action_prob_ = true;
  for (const AlgorithmEntry& entry : algorithm_registry()) {
    if (std::find(algorithms.begin(), algorithms.end(), entry.name) == algorithms.end()) continue;
    for (const std::string& name : entry.diagnostics) {
      if (std::find(schema.diagnostics_.begin(), schema.diagnostics_.end(), name) ==
          schema.diagnostics_.end()) {
        schema.diagnostics_.push_back(name);
      }
    }
  }
  if (log_linear) {
    for (const char* name : {"projection_error", "inner_gradient_norm", "inner_iterations",
                             "feature_rank", "inner_floor", "inner_unmet"}) {
      schema.diagnostics_.emplace_back(name);
    }
  }
  return schema;
}

std::string CurveSchema::header() const {
  std::string text = sweep_ ? "run_id," : "";
  text += "iteration,objective,suboptimality,value_error_inf,step_size";
  if (optimal_action_prob_) text += ",optimal_action_prob";
  for (const std::string& name : diagnostics_) text += "," + name;
  if (sweep_) text += ",bound";
  return text;
}

std::string CurveSchema::row(const CurvePoint& point, const std::vector<std::string>& names,
                             const std::string& run_id, double bound) const {
  std::string text = sweep_ ? run_id + "," : "";
  text += std::to_string(point.iteration) + "," + format_double(point.objective) + "," +
          format_double(point.suboptimality) + "," + format_double(point.value_error_inf) + "," +
          optional_field(point.step_size);
  if (optimal_action_prob_) text += "," + optional_field(point.optimal_action_prob);
  for (const std::string& column : diagnostics_) {
    const auto found = std::find(names.begin(), names.end(), column);
    const bool filled = found != names.end();
    text +=
        "," +
        (filled ? optional_field(point.diagnostics[static_cast<std::size_t>(found - names.begin())])
                : std::string());
  }
  if (sweep_) text += "," + optional_field(bound);
  return text;
}

void write_curve_header(std::ostream& out, const CurveSchema& schema) {
  out << schema.header() << '\n';
}

void write_curve_row(std::ostream& out, const CurveSchema& schema, const CurvePoint& point,
                     const std::vector<std::string>& names) {
  out << schema.row(point, names) << '\n';
}

}  // namespace tabrl
