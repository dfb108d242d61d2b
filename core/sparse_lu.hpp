// Eigen's SparseLU on M = I - gamma P_pi: exact, symbolic analysis once per MDP (the pattern
// cannot change). Random sparsity (Garnet) fills in; kept as an option for structured MDPs, and
// the fallback of the automatic choice where an estimate of its fill says it is cheap.
#pragma once

#include <Eigen/SparseLU>
#include <vector>

#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/sparse_system.hpp>

namespace tabrl {

// A reverse Cuthill-McKee ordering of an undirected graph given by its adjacency lists
// (neighbours of vertex i: adjacency[offsets[i] .. offsets[i + 1])): breadth first from a
// pseudo-peripheral vertex of each connected component, neighbours by increasing degree, then
// reversed. order[k] is the vertex placed k-th. Deterministic: ties go to the lower index.
std::vector<int> reverse_cuthill_mckee(const std::vector<int>& offsets,
                                       const std::vector<int>& adjacency);

// The envelope of a symmetric pattern under an ordering: row k (vertex order[k]) spans from its
// first neighbour placed before it to the diagonal. A factorisation in that order without
// pivoting fills in only inside the envelope.
struct EnvelopeSize {
  double entries = 0.0;        // sum of the rows' widths (below the diagonal)
  double multiply_adds = 0.0;  // sum of the squared widths: a factorisation's work within it
};
EnvelopeSize envelope_size(const std::vector<int>& offsets, const std::vector<int>& adjacency,
                           const std::vector<int>& order);

// The envelope of M + M^T's pattern (every transition of every action, all policies alike)
// under reverse Cuthill-McKee: small for narrow structure (chains, cycles, trees, grids), about
// S^2 / 2 for random structure (Garnet). Used to decide whether a sparse LU is worth trying
// (docs/engine.md, "Fallback of the automatic choice"); O(nonzeros log) time and memory.
EnvelopeSize sparse_lu_envelope(const Mdp& mdp);

class SparseLu final : public PolicySystemSolver {
 public:
  explicit SparseLu(const Mdp& mdp);
  LinearSolverKind kind() const override { return LinearSolverKind::sparse_lu; }
  void prepare(const StateActionMatrix& policy) override;
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) override;
  void solve_value(const Vector& value_rhs, Vector& v) override;

 private:
  SparsePolicySystem system_;
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu_;
};

}  // namespace tabrl
