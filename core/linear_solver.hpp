// The linear systems of one policy evaluation (docs/theory.md, "Exact quantities of a policy"):
// with M = I - gamma P_pi, the value solve M v = r_pi and the visitation solve M^T x = rho.
// One small interface, three solvers (docs/engine.md): DenseLu, SparseLu and Bicgstab; each owns
// its work storage, sized once per MDP, so that an iteration allocates nothing.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <tabrl/core/enum_names.hpp>
#include <tabrl/core/mdp.hpp>

namespace tabrl {

// dense_lu: the dense S x S system, solved by GMRES from the warm start where that reaches the
// LU's accuracy, else by its LU (no pivoting needed: core/dominant_lu.hpp; core/dense_lu.hpp).
// sparse_lu: Eigen's SparseLU (exact, but random sparsity such as Garnet's fills in). krylov:
// BiCGSTAB with a Jacobi preconditioner, warm-started from the previous policy's solutions, to a
// relative residual of 1e-12.
enum class LinearSolverKind { automatic, dense_lu, sparse_lu, krylov };

// The names of --solver and the sweep key `solver`.
constexpr EnumName<LinearSolverKind> kLinearSolverNames[] = {
    {LinearSolverKind::automatic, "auto"},
    {LinearSolverKind::dense_lu, "dense"},
    {LinearSolverKind::sparse_lu, "sparse"},
    {LinearSolverKind::krylov, "krylov"}};

inline const char* to_string(LinearSolverKind kind) { return enum_name(kind, kLinearSolverNames); }

// Throws InputError (field "solver") naming the choices.
LinearSolverKind parse_solver_kind(const std::string& text);

// An iterative solver that did not reach its guaranteed residual (core/bicgstab). The evaluator
// of the automatic choice answers it by changing to a direct solver (core/evaluation.hpp).
struct SolverFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the last solve pair cost (iterative solvers; zero for direct ones).
struct SolveReport {
  double value_residual = 0.0;       // ||r_pi - M v|| / ||r_pi||
  double visitation_residual = 0.0;  // ||rho - M^T x|| / ||rho||
  int iterations = 0;
};

class PolicySystemSolver {
 public:
  virtual ~PolicySystemSolver() = default;
  virtual LinearSolverKind kind() const = 0;
  // Builds M for `policy` (rows are distributions) and factorises it where the solver does.
  virtual void prepare(const StateActionMatrix& policy) = 0;
  // Solves M v = value_rhs and, unless x is null, M^T x = visitation_rhs. On entry v and x hold
  // the previous policy's solutions (or anything of the right size): iterative solvers start
  // from them. v comes out the same, bit for bit, whether x is solved or not.
  virtual void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs,
                     Vector* x) = 0;
  // Solves M v = value_rhs only, for policy iteration's improvement sweeps, whose policies jump:
  // an iterative solver restarts its warm start here, where solve() with a null x keeps it.
  virtual void solve_value(const Vector& value_rhs, Vector& v) = 0;
  virtual SolveReport report() const { return {}; }
  // Iterative solvers: the relative residual the next solves guarantee (direct solvers ignore it).
  virtual void set_tolerance(double /*tolerance*/) {}
};

// automatic: dense up to kDenseStateLimit states, Krylov above (measured in
// docs/performance.md; the dense solver is exact to rounding).
constexpr Index kDenseStateLimit = 500;
// Relative residual ||b - M x|| / ||b|| guaranteed by the Krylov solves.
constexpr double kDefaultKrylovTolerance = 1e-12;

LinearSolverKind resolve_solver_kind(const Mdp& mdp, LinearSolverKind kind);

// How accurately two exact evaluations of policies agree with the truth, as a fraction of the
// value scale (docs/theory.md, "Accuracy of the values"): the tolerances that compare computed
// values (the theory bounds' slack, soft policy iteration's end) may not be tighter. 1e-12 where
// rounding allows; near gamma = 1 the rounding floor of a direct solve: twice a backward error
// of max(8, 0.75 sqrt(S)) units of roundoff u = 2^-53 (the LU's, measured: docs/engine.md),
// times the condition number (1 + gamma) / (1 - gamma) of I - gamma P_pi; for the `krylov`
// solver, at least twice its relative residual times that condition number.
// `solver`: resolved (resolve_solver_kind).
double value_accuracy(const Mdp& mdp, LinearSolverKind solver);
constexpr double kValueAccuracy = 1e-12;

// Where the automatic choice's Krylov solver fails (a deterministic cycle with a discount close
// to 1, on which BiCGSTAB stalls or diverges), the direct solver it changes to, and why
// (docs/engine.md, "Fallback of the automatic choice"): the sparse LU where the count of its fill
// (sparse_lu_fill, core/sparse_lu.hpp) says it is cheap, at any size (chains, cycles, trees,
// grids); else the dense solver up to kFallbackStateLimit states (an LU of 5,000 states takes
// 200 MB and a few seconds); else none, and the failure stands.
constexpr Index kFallbackStateLimit = 5000;
// The sparse LU is chosen where its factors hold at most this many entries below the diagonal and
// its elimination at most this many multiply-adds (its factors then take at most 0.6 GB; a
// factorisation took 0.45 to 1.4 s per 1e9 multiply-adds of the count, measured), and, up to
// kFallbackStateLimit states, where it costs less than a tenth of the dense LU's S^3 / 3
// multiply-adds (the dense kernels run about ten times faster per multiply-add).
constexpr double kSparseFallbackEntries = 2.5e7;
constexpr double kSparseFallbackWork = 5e9;
struct SparseLuAnalysis;  // core/sparse_lu.hpp
struct FallbackChoice {
  std::optional<LinearSolverKind> kind;  // none: no direct solver fits
  std::string reason;                    // what decided it, for the user
  // The sparse LU's symbolic analysis, done by the count (kind sparse_lu only), for
  // make_policy_system_solver to move into the solver it makes.
  std::unique_ptr<SparseLuAnalysis> analysis;
  FallbackChoice(std::optional<LinearSolverKind> kind, std::string reason,
                 std::unique_ptr<SparseLuAnalysis> analysis = nullptr);
  FallbackChoice(FallbackChoice&&) noexcept;
  FallbackChoice& operator=(FallbackChoice&&) noexcept;
  ~FallbackChoice();
};
FallbackChoice choose_fallback_solver(const Mdp& mdp);

std::unique_ptr<PolicySystemSolver> make_policy_system_solver(
    const Mdp& mdp, LinearSolverKind kind, double krylov_tolerance = kDefaultKrylovTolerance);
// `analysis`: for the sparse LU, a symbolic analysis of `mdp` already made (FallbackChoice's),
// moved into the solver (an rvalue reference, so that callers need not see its type).
std::unique_ptr<PolicySystemSolver> make_policy_system_solver(
    const Mdp& mdp, LinearSolverKind kind, double krylov_tolerance,
    std::unique_ptr<SparseLuAnalysis>&& analysis);

}  // namespace tabrl
