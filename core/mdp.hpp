// The tabular MDP model (docs/theory.md, "Setting"): S states, A actions in every state,
// transitions P[s, a, s'] with one row per (s, a), rewards r[s, a], discount gamma and start
// distribution rho. Validated once at construction; afterwards every algorithm trusts it.
// The kernel is kept sparse, and also dense when the dense (S A) x S array is not much larger
// than the sparse form (docs/engine.md, "Kernel storage"): the hot loops then read the dense
// array, the sparse form stays the one the readers, writers and tools see.
#pragma once

#include <string>
#include <vector>

#include <tabrl/core/aligned_matrix.hpp>
#include <tabrl/core/enum_names.hpp>
#include <tabrl/core/types.hpp>

namespace tabrl {

// The raw pieces of an MDP, as a reader or a builder produces them.
struct MdpParts {
  Index num_states = 0;
  Index num_actions = 0;
  double gamma = 0.0;
  Vector rho;                             // size S
  StateActionMatrix rewards;              // S x A
  TransitionMatrix transitions;           // (S * A) x S, row s * A + a
  std::vector<std::string> state_names;   // empty, or one per state
  std::vector<std::string> action_names;  // empty, or one per action
};

// The smallest accepted 1 - gamma (see Mdp::value_scale) and the largest accepted
// max |r| / (1 - gamma).
constexpr double kMinOneMinusGamma = 1e-12;
constexpr double kMaxValueMagnitude = 1e300;

// How the hot loops read the kernel: sparse (compressed rows), or dense (a row-major
// (S A) x S array next to the sparse form). automatic: dense when kernel_storage_for says so.
enum class KernelStorage { automatic, sparse, dense };

constexpr EnumName<KernelStorage> kKernelStorageNames[] = {{KernelStorage::automatic, "auto"},
                                                           {KernelStorage::sparse, "sparse"},
                                                           {KernelStorage::dense, "dense"}};

inline const char* to_string(KernelStorage storage) {
  return enum_name(storage, kKernelStorageNames);
}

// Throws InputError (field "kernel") naming the choices.
KernelStorage parse_kernel_storage(const std::string& text);

// The automatic choice for a kernel of `rows` x `cols` with `nonzeros` entries: dense when its
// 8 bytes per entry come to at most 1.5 times the sparse form's 12 bytes per nonzero plus 4 per
// row, i.e. from about 45% density on.
KernelStorage kernel_storage_for(Index rows, Index cols, Index nonzeros);

// Whether a sum of `terms` probabilities is 1 up to its own rounding. Such a row (or rho) is left
// alone, so that renormalising is idempotent: a validated MDP written with 17 digits and read
// back is the same MDP, bit for bit. Any other row within the tolerance is divided by its sum.
bool within_rounding(double sum, Index terms);

struct MdpValidationOptions {
  // Largest accepted |sum_s' P[s, a, s'] - 1| (and |sum rho - 1|); rows within it are
  // renormalised exactly. 1e-5 is the tolerance of Cassandra's own tools.
  double row_sum_tolerance = 1e-5;
  // automatic, or a forced storage (tests compare the two paths on one MDP).
  KernelStorage kernel = KernelStorage::automatic;
};

class Mdp {
 public:
  // Throws InputError naming the offending state, action and value.
  explicit Mdp(MdpParts parts, const MdpValidationOptions& options = {});

  Index num_states() const { return num_states_; }
  Index num_actions() const { return num_actions_; }
  double gamma() const { return gamma_; }
  const Vector& rho() const { return rho_; }
  const StateActionMatrix& rewards() const { return rewards_; }
  const TransitionMatrix& transitions() const { return transitions_; }
  Index transition_row(Index state, Index action) const { return state * num_actions_ + action; }
  // sparse or dense (never automatic): which form the hot loops read.
  KernelStorage kernel_storage() const { return kernel_storage_; }
  // The kernel as a dense row-major (S A) x S array, the same values as transitions();
  // empty unless kernel_storage() is dense.
  ConstMatrixView dense_transitions() const { return dense_transitions_.view(); }
  // out[s A + a] = sum_s' P[s, a, s'] v[s'] (out has S A entries), from the form the hot loops
  // read, in parallel; each entry is one sum in an order fixed by the kernel form (column order
  // for sparse rows, vector partial sums for dense ones, core/dense_rows), whatever the thread
  // count.
  void apply_transitions(const Vector& v, double* out) const;

  bool has_state_names() const { return !state_names_.empty(); }
  bool has_action_names() const { return !action_names_.empty(); }
  const std::vector<std::string>& state_names() const { return state_names_; }
  const std::vector<std::string>& action_names() const { return action_names_; }
  // The name if there is one, else the index as text.
  std::string state_label(Index state) const;
  std::string action_label(Index action) const;

  // r_max - r_min over all (s, a): the R of docs/theory.md (computed once at construction).
  double reward_range() const { return reward_range_; }
  // The reward range R, or max |r| when every reward is the same, or 1 when all are 0: the R of
  // the value scale and of the named step rules (docs/theory.md, "Value scale"); always > 0.
  double reward_scale() const { return reward_scale_; }
  // reward_scale() / (1 - gamma): the size of the values, to which every tolerance on a value is
  // relative (docs/theory.md, "Value scale"), so that scaling all rewards changes no decision.
  double value_scale() const { return value_scale_; }
  // Largest |row sum - 1| seen before renormalisation (transitions and rho).
  double max_row_sum_deviation() const { return max_row_sum_deviation_; }
  // A bandit is one state with gamma = 0 (docs/theory.md, "Conventions"). One state with
  // gamma > 0 is an MDP: its values carry 1 / (1 - gamma), and the MDP theory steps and bounds
  // apply (the bandit ones were 1 / (1 - gamma) too large).
  bool is_bandit() const { return num_states_ == 1 && gamma_ == 0.0; }

  // A copy of the validated pieces, e.g. to build a variant of this MDP.
  MdpParts parts() const;

 private:
  Index num_states_;
  Index num_actions_;
  double gamma_;
  Vector rho_;
  StateActionMatrix rewards_;
  TransitionMatrix transitions_;
  KernelStorage kernel_storage_ = KernelStorage::sparse;
  AlignedMatrix dense_transitions_;  // cache-line aligned rows for the vector kernels
  std::vector<std::string> state_names_;
  std::vector<std::string> action_names_;
  double max_row_sum_deviation_ = 0.0;
  double reward_range_ = 0.0;
  double reward_scale_ = 1.0;
  double value_scale_ = 1.0;
};

}  // namespace tabrl
