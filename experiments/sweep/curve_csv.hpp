// The one column schema of curves (docs/cli.md, "Curve CSV"): `tabrl run` writes
//   iteration,objective,suboptimality,value_error_inf,step_size[,optimal_action_prob],<diagnostics>
// and a sweep's curves.csv the same columns with run_id in front, optimal_action_prob always,
// the union of its algorithms' diagnostics and the plotted theory bound at the end. Every
// diagnostic a rule declares reaches both; a value a row does not have (NaN) is an empty field.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <tabrl/algorithms/callbacks.hpp>

namespace tabrl {

class CurveSchema {
 public:
  // The curve of one `tabrl run`: the bandit column for bandits, the rule's diagnostics.
  static CurveSchema for_run(bool bandit, std::vector<std::string> diagnostics);
  // A sweep's curves.csv for runs of `algorithms` (names in the registry): the union of their
  // diagnostics, in registry order, then the log-linear columns when some run has features.
  static CurveSchema for_sweep(const std::vector<std::string>& algorithms, bool log_linear = false);

  std::string header() const;
  // One row, without a newline. `names` names point.diagnostics (the rule's order); a column
  // the rule does not fill is empty. `run_id` and `bound` only for sweeps.
  std::string row(const CurvePoint& point, const std::vector<std::string>& names,
                  const std::string& run_id = {}, double bound = 0.0) const;
  const std::vector<std::string>& diagnostics() const { return diagnostics_; }

 private:
  bool sweep_ = false;
  bool optimal_action_prob_ = false;
  std::vector<std::string> diagnostics_;
};

// Writes header and rows of a `tabrl run` curve.
void write_curve_header(std::ostream& out, const CurveSchema& schema);
void write_curve_row(std::ostream& out, const CurveSchema& schema, const CurvePoint& point,
                     const std::vector<std::string>& names);

}  // namespace tabrl
