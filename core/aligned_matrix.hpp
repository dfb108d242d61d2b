// A dense row-major matrix whose first entry sits at the start of a 64-byte cache line
// (docs/engine.md, "Vector kernels"). The dense kernel and the dense solver's M live in one:
// their rows are read with 32-byte vector loads, and where a row's start is only 16-byte aligned
// (as glibc's malloc gives) half of those loads straddle two cache lines, which made the row
// passes at S = 100 about a fifth slower. Every row is then 32-byte aligned when the number of
// columns is a multiple of 4.
#pragma once

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

#include <tabrl/core/types.hpp>

namespace tabrl {

// The allocator of AlignedMatrix's storage: every block starts on a 64-byte boundary.
template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlignment); }
  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
};

using MatrixView = Eigen::Map<StateActionMatrix, Eigen::Aligned64>;
using ConstMatrixView = Eigen::Map<const StateActionMatrix, Eigen::Aligned64>;

class AlignedMatrix {
 public:
  AlignedMatrix() = default;
  AlignedMatrix(const AlignedMatrix&) = default;
  AlignedMatrix& operator=(const AlignedMatrix&) = default;
  // A moved-from matrix is 0 x 0, as an Eigen matrix is.
  AlignedMatrix(AlignedMatrix&& other) noexcept { *this = std::move(other); }
  AlignedMatrix& operator=(AlignedMatrix&& other) noexcept {
    entries_ = std::move(other.entries_);
    rows_ = std::exchange(other.rows_, 0);
    cols_ = std::exchange(other.cols_, 0);
    other.entries_.clear();
    return *this;
  }
  // rows x cols zeros.
  void set_zero(Index rows, Index cols) {
    entries_.assign(static_cast<std::size_t>(rows * cols), 0.0);
    rows_ = rows;
    cols_ = cols;
  }
  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  double* data() { return entries_.data(); }
  const double* data() const { return entries_.data(); }
  double& operator()(Index row, Index col) {
    return entries_[static_cast<std::size_t>(row * cols_ + col)];
  }
  double operator()(Index row, Index col) const {
    return entries_[static_cast<std::size_t>(row * cols_ + col)];
  }
  // Eigen views of the entries (valid until the next set_zero).
  MatrixView view() { return MatrixView(entries_.data(), rows_, cols_); }
  ConstMatrixView view() const { return ConstMatrixView(entries_.data(), rows_, cols_); }

 private:
  std::vector<double, CacheLineAllocator<double>> entries_;
  Index rows_ = 0;
  Index cols_ = 0;
};

}  // namespace tabrl
