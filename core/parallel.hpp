// Threads for the hot loops of large problems (docs/engine.md, "Threads"), and the parallel
// primitives that keep every result independent of the thread count: element-wise loops and
// row-wise products compute each entry the same way whatever thread runs it, and every sum goes
// through fixed chunks of kReductionChunk entries whose partial sums are added in chunk order.
// Built without OpenMP, the same code runs on one thread and gives the same bits.
#pragma once

#include <algorithm>
#include <array>
#include <vector>

#include <tabrl/core/types.hpp>

namespace tabrl {

// Entries per chunk of a parallel sum: fixed, so that the order of additions (and the result,
// bit for bit) does not depend on how many threads share the work.
constexpr Index kReductionChunk = 4096;
// Loops shorter than this run on the calling thread (a parallel region costs microseconds).
constexpr Index kParallelMinimum = 32768;

// The most threads a parallel loop may use: far beyond any machine's cores, and far below the
// count at which starting the threads fails (100,000 crashed libgomp).
constexpr int kMaxThreads = 1024;

// Sets the number of threads of the parallel loops started from the calling thread (clamped to
// [1, kMaxThreads]); a no-op without OpenMP.
void set_thread_count(int count);
// The number the next parallel loop of this thread would use.
int thread_count();
// The number of processors available to the process (1 without OpenMP).
int available_processors();
// Whether tabrl was built with OpenMP.
bool built_with_openmp();

// False in a child process forked after this process's first parallel loop: GCC's OpenMP
// runtime keeps its pool of threads across fork(), which the child does not have, and its
// first parallel loop would wait for them for ever (Python's multiprocessing forks by default).
// Such a child runs every loop on its one thread, which gives the same bits.
bool parallel_loops_allowed();

// Runs body(i) for every i in [0, n): in parallel when `parallel`, else as a plain loop on the
// calling thread. (An OpenMP loop with a false `if` clause still enters the runtime, and with a
// pool of idle threads that costs a system call per loop: a small MDP's iteration paid one per
// product.)
template <class Body>
void for_each_index(Index n, bool parallel, const Body& body) {
  if (!parallel || !parallel_loops_allowed()) {
    for (Index i = 0; i < n; ++i) body(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (Index i = 0; i < n; ++i) body(i);
}

// Sums K quantities over [0, n) in fixed chunks: chunk_sums(begin, end) returns the K sums of
// one chunk, and the chunks' sums are added in order. `partials` is work storage; it allocates
// only when it has never held this many chunks.
template <int K, class ChunkSums>
std::array<double, K> chunked_sums(Index n, std::vector<double>& partials,
                                   const ChunkSums& chunk_sums) {
  const Index chunks = (n + kReductionChunk - 1) / kReductionChunk;
  partials.resize(static_cast<std::size_t>(chunks * K));
  double* out = partials.data();
  const auto one_chunk = [&](Index chunk) {
    const Index begin = chunk * kReductionChunk;
    const std::array<double, K> sums = chunk_sums(begin, std::min(n, begin + kReductionChunk));
    for (int k = 0; k < K; ++k) out[chunk * K + k] = sums[static_cast<std::size_t>(k)];
  };
  for_each_index(chunks, n >= kParallelMinimum, one_chunk);
  std::array<double, K> total{};
  for (Index chunk = 0; chunk < chunks; ++chunk) {
    for (int k = 0; k < K; ++k) total[static_cast<std::size_t>(k)] += out[chunk * K + k];
  }
  return total;
}

// Runs body(begin, end) over [0, n) in chunks of kReductionChunk, in parallel when n is large.
template <class Body>
void chunked_for(Index n, const Body& body) {
  const Index chunks = (n + kReductionChunk - 1) / kReductionChunk;
  const auto one_chunk = [&](Index chunk) {
    const Index begin = chunk * kReductionChunk;
    body(begin, std::min(n, begin + kReductionChunk));
  };
  for_each_index(chunks, n >= kParallelMinimum, one_chunk);
}

// y = A x where `rows` stores A row by row: a RowMajor matrix, or a ColMajor matrix holding A^T
// (its columns are A's rows). Each y[i] is one sequential sum over its row.
template <class Compressed>
void gather_product(const Compressed& rows, const double* x, double* y) {
  const Index outer = rows.outerSize();
  const auto* starts = rows.outerIndexPtr();
  const auto* columns = rows.innerIndexPtr();
  const double* values = rows.valuePtr();
  for_each_index(outer, rows.nonZeros() >= kParallelMinimum, [&](Index i) {
    double sum = 0.0;
    for (auto k = starts[i]; k < starts[i + 1]; ++k) sum += values[k] * x[columns[k]];
    y[i] = sum;
  });
}

// y = A x for a dense row-major A, in blocks of 64 rows whatever the thread count.
void dense_row_product(const Eigen::Ref<const StateActionMatrix>& matrix, const double* x,
                       double* y);
// y = A x for a dense row-major A, each y[i] a row dot product of core/dense_rows (vector
// partial sums in a fixed order), in blocks of 64 rows whatever the thread count.
void dense_row_dots(const Eigen::Ref<const StateActionMatrix>& matrix, const double* x, double* y);
// y = A^T x for a dense row-major A, in blocks of 64 entries of y whatever the thread count; each
// entry a sum over the rows in order (row_combination of core/dense_rows).
void dense_transposed_product(const Eigen::Ref<const StateActionMatrix>& matrix, const double* x,
                              double* y);

}  // namespace tabrl
