// A rule that is another rule in everything it does not override: tests derive from it to change
// one aspect of a real method (the bound it claims, whether it asks for the visitation).
#pragma once

#include <span>
#include <string>
#include <vector>

#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl::testing {

class ForwardingRule : public UpdateRule {
 public:
  explicit ForwardingRule(UpdateRule& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  PolicyForm form() const override { return inner_.form(); }
  TheoryBound theory_bound(const Mdp& mdp) const override { return inner_.theory_bound(mdp); }
  double nominal_step_size() const override { return inner_.nominal_step_size(); }
  std::vector<std::string> diagnostic_names() const override { return inner_.diagnostic_names(); }
  bool needs_visitation() const override { return inner_.needs_visitation(); }
  void initialize(const StepContext& context, const StateActionMatrix& initial_logits,
                  StateActionMatrix& parameters) override {
    inner_.initialize(context, initial_logits, parameters);
  }
  StepReport step(const StepContext& context, const Evaluation& evaluation,
                  const StateActionMatrix& parameters, StateActionMatrix& next_parameters,
                  std::span<double> diagnostics) override {
    return inner_.step(context, evaluation, parameters, next_parameters, diagnostics);
  }

 private:
  UpdateRule& inner_;
};

}  // namespace tabrl::testing
