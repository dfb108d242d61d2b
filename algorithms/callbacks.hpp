// Standard callbacks of the optimizer loop: record a curve, stop at a tolerance or a time limit,
// report progress. Algorithms know none of them.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <tabrl/algorithms/optimizer.hpp>

namespace tabrl {

// Which iterations a curve keeps. The last iterate is always kept.
struct RecordSchedule {
  enum class Kind { all, stride, log };
  Kind kind = Kind::all;
  int stride = 1;  // Kind::stride: every stride-th iteration
  // Kind::log: iterations 0..10, then about this many geometrically spaced points per decade.
  int points_per_decade = 20;

  bool should_record(int iteration) const;
  void validate() const;  // throws InputError
};

struct CurvePoint {
  int iteration = 0;
  double objective = 0.0;
  double suboptimality = 0.0;
  double value_error_inf = 0.0;
  double step_size = 0.0;
  double optimal_action_prob = 0.0;
  std::vector<double> diagnostics;
};

// Records the points of a curve that `schedule` selects. Without a sink the points are kept
// (points()); with one, each point is handed to it as it is recorded and not kept, so memory does
// not grow with the number of iterations (a CLI streams them to a file).
class CurveRecorder final : public IterationCallback {
 public:
  using Sink = std::function<void(const CurvePoint&)>;
  // Throws InputError for an invalid schedule (a stride below 1 would divide by zero).
  explicit CurveRecorder(RecordSchedule schedule = {}, Sink sink = {});
  CallbackAction on_iteration(const IterationSummary& summary) override;
  void on_finish(const IterationSummary& last, const OptimizerResult& result) override;
  const std::vector<CurvePoint>& points() const { return points_; }

 private:
  void record(const IterationSummary& summary);
  RecordSchedule schedule_;
  Sink sink_;
  std::vector<CurvePoint> points_;
  int last_recorded_ = -1;
};

// Reports `converged` once value_error_inf <= tolerance.
class ToleranceStop final : public IterationCallback {
 public:
  explicit ToleranceStop(double tolerance);
  CallbackAction on_iteration(const IterationSummary& summary) override;

 private:
  double tolerance_;
};

// Stops the run once it has taken longer than the limit.
class TimeLimitStop final : public IterationCallback {
 public:
  explicit TimeLimitStop(double seconds);
  CallbackAction on_iteration(const IterationSummary& summary) override;

 private:
  double seconds_;
};

// Sums one diagnostic column over the steps a run took (every iterate but the last, whatever
// the recording schedule), NaNs skipped: e.g. exact SPMA's inner_unmet, the projections that
// missed their stopping rule. The last iterate's step is computed and recorded but never taken.
class DiagnosticTotal final : public IterationCallback {
 public:
  // `names`: the rule's diagnostic_names(); a name not among them sums nothing.
  DiagnosticTotal(const std::vector<std::string>& names, const std::string& name);
  CallbackAction on_iteration(const IterationSummary& summary) override;
  void on_finish(const IterationSummary& last, const OptimizerResult& result) override;
  double total() const { return total_; }

 private:
  // The column's value in `summary`, 0 where it is NaN or absent.
  double value(const IterationSummary& summary) const;
  std::ptrdiff_t index_ = -1;
  double total_ = 0.0;
};

// Hands every `every`-th summary to a function (the CLI prints it; libraries never do).
class ProgressCallback final : public IterationCallback {
 public:
  ProgressCallback(int every, std::function<void(const IterationSummary&)> report)
      : every_(every), report_(std::move(report)) {}
  CallbackAction on_iteration(const IterationSummary& summary) override;

 private:
  int every_;
  std::function<void(const IterationSummary&)> report_;
};

}  // namespace tabrl
