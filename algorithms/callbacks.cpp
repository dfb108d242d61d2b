#include "callbacks.hpp"

#include <algorithm>
#include <cmath>

#include <tabrl/core/error.hpp>

namespace tabrl {

bool RecordSchedule::should_record(int iteration) const {
  switch (kind) {
    case Kind::all:
      return true;
    case Kind::stride:
      return iteration % stride == 0;
    case Kind::log: {
      if (iteration <= 10) return true;
      const double per_decade = points_per_decade;
      return std::floor(per_decade * std::log10(iteration)) >
             std::floor(per_decade * std::log10(iteration - 1));
    }
  }
  return true;
}

void RecordSchedule::validate() const {
  if (kind == Kind::stride && stride < 1) {
    throw InputError({.field = "record"}, "stride must be >= 1, got " + std::to_string(stride));
  }
  if (kind == Kind::log && points_per_decade < 1) {
    throw InputError({.field = "record"},
                     "points per decade must be >= 1, got " + std::to_string(points_per_decade));
  }
}

CurveRecorder::CurveRecorder(RecordSchedule schedule, Sink sink)
    : schedule_(schedule), sink_(std::move(sink)) {
  schedule_.validate();
}

void CurveRecorder::record(const IterationSummary& summary) {
  CurvePoint point{.iteration = summary.iteration,
                   .objective = summary.objective,
                   .suboptimality = summary.suboptimality,
                   .value_error_inf = summary.value_error_inf,
                   .step_size = summary.step.step_size,
                   .optimal_action_prob = summary.optimal_action_prob,
                   .diagnostics = {summary.diagnostics.begin(), summary.diagnostics.end()}};
  last_recorded_ = summary.iteration;
  if (sink_) {
    sink_(point);
  } else {
    points_.push_back(std::move(point));
  }
}

CallbackAction CurveRecorder::on_iteration(const IterationSummary& summary) {
  if (schedule_.should_record(summary.iteration)) record(summary);
  return CallbackAction::proceed;
}

void CurveRecorder::on_finish(const IterationSummary& last, const OptimizerResult& /*result*/) {
  if (last_recorded_ != last.iteration) record(last);
}

ToleranceStop::ToleranceStop(double tolerance) : tolerance_(tolerance) {
  if (!(tolerance >= 0.0) || !std::isfinite(tolerance)) {
    throw InputError({.field = "tolerance"}, "must be finite and >= 0");
  }
}

CallbackAction ToleranceStop::on_iteration(const IterationSummary& summary) {
  return summary.value_error_inf <= tolerance_ ? CallbackAction::converged
                                               : CallbackAction::proceed;
}

TimeLimitStop::TimeLimitStop(double seconds) : seconds_(seconds) {
  if (!(seconds > 0.0)) throw InputError({.field = "time_limit"}, "must be > 0 seconds");
}

CallbackAction TimeLimitStop::on_iteration(const IterationSummary& summary) {
  return summary.elapsed_seconds > seconds_ ? CallbackAction::stop : CallbackAction::proceed;
}

DiagnosticTotal::DiagnosticTotal(const std::vector<std::string>& names, const std::string& name) {
  const auto found = std::find(names.begin(), names.end(), name);
  if (found != names.end()) index_ = found - names.begin();
}

double DiagnosticTotal::value(const IterationSummary& summary) const {
  if (index_ < 0 || static_cast<std::size_t>(index_) >= summary.diagnostics.size()) return 0.0;
  const double found = summary.diagnostics[static_cast<std::size_t>(index_)];
  return std::isnan(found) ? 0.0 : found;
}

CallbackAction DiagnosticTotal::on_iteration(const IterationSummary& summary) {
  total_ += value(summary);
  return CallbackAction::proceed;
}

void DiagnosticTotal::on_finish(const IterationSummary& last, const OptimizerResult& /*result*/) {
  total_ -= value(last);  // the step from the last iterate is not taken
}

CallbackAction ProgressCallback::on_iteration(const IterationSummary& summary) {
  if (every_ > 0 && summary.iteration % every_ == 0) report_(summary);
  return CallbackAction::proceed;
}

}  // namespace tabrl
