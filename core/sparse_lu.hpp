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

// The envelope of M + M^T's pattern (every transition of every action: the same for all
// policies) under reverse Cuthill-McKee, with hubs last (states of degree above
// max(16, 8 x the average), such as a start state every state can reset to), each counted as a
// full row and column. Small for narrow structure (chains, cycles, grids), about S^2 / 2 for
// random structure (Garnet): the estimate by which the automatic choice's fallback takes a
// sparse LU (docs/engine.md, "Fallback of the automatic choice").
EnvelopeSize sparse_lu_envelope(const Mdp& mdp);

// Eigen's SparseLU ordering (an OrderingType) that puts the hubs of the pattern of A + A^T last
// and orders the rest by COLAMD. COLAMD alone treats a row as dense only above half the columns;
// one state that can move to 40% of a 40,000-state grid made its factorisation take 51 s and
// 1 GB, against 0.23 s and 0.2 GB with the hub last (measured, docs/engine.md). Without hubs the
// order is COLAMD's own.
struct HubsLastColamdOrdering {
  using PermutationType = Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int>;
  void operator()(const Eigen::SparseMatrix<double>& matrix, PermutationType& permutation) const;
};

// Eigen's SparseLU in the order of HubsLastColamdOrdering, pivoting on the diagonal (M is
// diagonally dominant by rows): `--solver sparse`, and the automatic choice's fallback on narrow
// structure.
class SparseLu final : public PolicySystemSolver {
 public:
  explicit SparseLu(const Mdp& mdp);
  LinearSolverKind kind() const override { return LinearSolverKind::sparse_lu; }
  void prepare(const StateActionMatrix& policy) override;
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) override;
  void solve_value(const Vector& value_rhs, Vector& v) override;
  // Non-zeros of the factors L and U after the last prepare.
  Index factor_nonzeros() const { return lu_.nnzL() + lu_.nnzU(); }

 private:
  SparsePolicySystem system_;
  Eigen::SparseLU<Eigen::SparseMatrix<double>, HubsLastColamdOrdering> lu_;
};

}  // namespace tabrl
