// Eigen's SparseLU on M = I - gamma P_pi: exact, symbolic analysis once per MDP (the pattern
// cannot change). Random sparsity (Garnet) fills in; kept as an option for structured MDPs, and
// the fallback of the automatic choice where an estimate of its fill says it is cheap.
#pragma once

#include <Eigen/SparseLU>
#include <memory>
#include <optional>
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

// The fill of an elimination without pivoting, in `order` (order[k]: the vertex eliminated k-th),
// of a matrix whose pattern plus its transpose is the graph: the entries below the diagonal of
// the Cholesky factor of that symmetric pattern, which hold those of L and mirror those of U.
// Counted row by row along the elimination tree (each row's subtree once), in time proportional
// to the entries counted; stops once they pass `limit` (complete = false: at least that many).
struct FillCount {
  double entries = 0.0;        // below the diagonal
  double multiply_adds = 0.0;  // the sum of the columns' squared counts: the elimination's work
  bool complete = true;
};
FillCount symbolic_fill(const std::vector<int>& offsets, const std::vector<int>& adjacency,
                        const std::vector<int>& order, double limit);

// The fill of tabrl's sparse LU (SparseLu below) on M = I - gamma P_pi of every policy (the
// pattern of M + M^T holds every transition of every action), by which the automatic choice's
// fallback takes it (docs/engine.md, "Fallback of the automatic choice"). Counted in the LU's own
// order (COLAMD with the hubs last, then Eigen's postorder of the elimination tree): a bound of
// its factors (exact where the pattern is symmetric; where transitions go one way, many states
// into a few, the factors can be far smaller), own_order. Computing that order is slow on large
// random structure (32 s for a random 4-regular graph of 1e6 states), so it is computed only
// where a cheap order already shows the structure narrow (reverse Cuthill-McKee, hubs last,
// within `limit`) or where the pattern has at most kOwnOrderPatternEntries entries (each pair of
// linked states counted twice); elsewhere the count is that of the cheap order, past the limit
// (complete = false), and own_order is false.
// The fill of an elimination without pivoting, in `order`, of a matrix whose pattern off the
// diagonal is the directed graph (row r's columns: columns[offsets[r] .. offsets[r + 1])),
// exactly: row k of the factors holds the columns reached from row k's own entries through the
// rows of U of the earlier pivots it meets (smallest first). `lower` and `upper` count L's
// entries below and U's above the diagonal; multiply_adds is the sum over pivots j of
// |L(:, j)| |U(j, :)|. The counting's own steps are about the elimination's multiply-adds, so it
// stops once they pass `step_limit`, or the entries pass `limit` in either factor (complete =
// false).
struct DirectedFillCount {
  double lower = 0.0;
  double upper = 0.0;
  double multiply_adds = 0.0;
  bool complete = true;
};
DirectedFillCount directed_fill(const std::vector<int>& offsets, const std::vector<int>& columns,
                                const std::vector<int>& order, double limit, double step_limit);

// Eigen's SparseLU in the order of HubsLastColamdOrdering, with its symbolic analysis of M's
// pattern done: what sparse_lu_fill computes to count the fill, handed to the SparseLu the
// fallback then makes, so that the analysis runs once (measured: docs/engine.md, "Fallback of
// the automatic choice").
struct SparseLuAnalysis;

struct SparseLuFill {
  FillCount fill;
  bool own_order = true;
  // Where the bound from M + M^T is past the limits in the LU's own order: the exact count of
  // the directed pattern, within kExactCountSteps steps (one-way structures, where the bound is
  // loose), if it finished.
  std::optional<DirectedFillCount> exact;
  // Where the own order was computed (own_order), the analysis that computed it (owned: a
  // SparseLu takes it over; two solvers sharing one would race on its matrix and factors).
  std::unique_ptr<SparseLuAnalysis> analysis;
};
constexpr double kOwnOrderPatternEntries = 2e6;
constexpr double kExactCountSteps = 3e8;
// `work_limit`: the multiply-adds past which the bound counts as past the limits.
SparseLuFill sparse_lu_fill(const Mdp& mdp, double limit, double work_limit);

// Eigen's SparseLU ordering (an OrderingType) that puts the hubs of the pattern of A + A^T last
// and orders the rest by COLAMD. COLAMD alone treats a row as dense only above half the columns;
// one state that can move to 40% of a 40,000-state grid made its factorisation take 51 s and
// 1 GB, against 0.23 s and 0.2 GB with the hub last (measured, docs/engine.md). Without hubs the
// order is COLAMD's own.
struct HubsLastColamdOrdering {
  using PermutationType = Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int>;
  void operator()(const Eigen::SparseMatrix<double>& matrix, PermutationType& permutation) const;
};

struct SparseLuAnalysis {
  // Analyses the pattern of I - gamma P_pi, pivoting on the diagonal.
  explicit SparseLuAnalysis(const Mdp& mdp);
  SparsePolicySystem system;
  Eigen::SparseLU<Eigen::SparseMatrix<double>, HubsLastColamdOrdering> lu;
};

// Eigen's SparseLU in the order of HubsLastColamdOrdering, pivoting on the diagonal (M is
// diagonally dominant by rows): `--solver sparse`, and the automatic choice's fallback on narrow
// structure.
class SparseLu final : public PolicySystemSolver {
 public:
  // `analysis`: one already made for `mdp` (sparse_lu_fill's), taken over; null: analysed here.
  explicit SparseLu(const Mdp& mdp, std::unique_ptr<SparseLuAnalysis> analysis = nullptr);
  LinearSolverKind kind() const override { return LinearSolverKind::sparse_lu; }
  void prepare(const StateActionMatrix& policy) override;
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) override;
  void solve_value(const Vector& value_rhs, Vector& v) override;
  // Non-zeros of the factors L and U after the last prepare.
  Index factor_nonzeros() const { return analysis_->lu.nnzL() + analysis_->lu.nnzU(); }

 private:
  std::unique_ptr<SparseLuAnalysis> analysis_;
};

}  // namespace tabrl
