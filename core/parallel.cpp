#include "parallel.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>

#include <tabrl/core/dense_rows.hpp>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tabrl {
namespace {

// Dense products go parallel from about 1 ms of work (8 MB of matrix) on.
constexpr Index kParallelDenseMinimum = Index{1} << 20;

std::atomic<bool> forked_child{false};

void mark_forked_child() { forked_child.store(true, std::memory_order_relaxed); }

}  // namespace

bool parallel_loops_allowed() {
  // Registered before the first parallel loop, so any fork after it is seen.
  static const bool registered = ::pthread_atfork(nullptr, nullptr, &mark_forked_child) == 0;
  return registered && !forked_child.load(std::memory_order_relaxed);
}

void set_thread_count(int count) {
#ifdef _OPENMP
  omp_set_num_threads(std::clamp(count, 1, kMaxThreads));
#else
  (void)count;
#endif
}

int thread_count() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

int available_processors() {
#ifdef _OPENMP
  return omp_get_num_procs();
#else
  return 1;
#endif
}

bool built_with_openmp() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

void dense_row_product(const Eigen::Ref<const StateActionMatrix>& matrix, const double* x,
                       double* y) {
  // Fixed blocks of rows: each block is the same Eigen product whichever thread computes it.
  constexpr Index kBlock = 64;
  const Index rows = matrix.rows();
  const Index cols = matrix.cols();
  const Index blocks = (rows + kBlock - 1) / kBlock;
  const Eigen::Map<const Vector> in(x, cols);
  for_each_index(blocks, rows * cols >= kParallelDenseMinimum, [&](Index block) {
    const Index begin = block * kBlock;
    const Index count = std::min(kBlock, rows - begin);
    Eigen::Map<Vector> out(y + begin, count);
    out.noalias() = matrix.middleRows(begin, count) * in;
  });
}

void dense_row_dots(const Eigen::Ref<const StateActionMatrix>& matrix, const double* x, double* y) {
  constexpr Index kBlock = 64;
  const Index rows = matrix.rows();
  const Index cols = matrix.cols();
  const Index blocks = (rows + kBlock - 1) / kBlock;
  if (matrix.outerStride() != cols) {  // row_dots reads contiguous rows: a block is copied
    const StateActionMatrix contiguous = matrix;
    dense_row_dots(contiguous, x, y);
    return;
  }
  const SimdLevel level = simd_level();
  // Each row's sum does not depend on its block.
  for_each_index(blocks, rows * cols >= kParallelDenseMinimum, [&](Index block) {
    const Index begin = block * kBlock;
    row_dots(matrix.data() + begin * cols, std::min(kBlock, rows - begin), cols, x, y + begin,
             level);
  });
}

void dense_transposed_product(const Eigen::Ref<const StateActionMatrix>& matrix, const double* x,
                              double* y) {
  constexpr Index kBlock = 64;
  const Index rows = matrix.rows();
  const Index cols = matrix.cols();
  const Index blocks = (cols + kBlock - 1) / kBlock;
  const Index stride = matrix.outerStride();
  const SimdLevel level = simd_level();
  // Each entry's sum runs over the rows in order (core/dense_rows), whatever its block.
  for_each_index(blocks, rows * cols >= kParallelDenseMinimum, [&](Index block) {
    const Index begin = block * kBlock;
    row_combination(matrix.data() + begin, rows, std::min(kBlock, cols - begin), stride, x,
                    y + begin, level);
  });
}

}  // namespace tabrl
