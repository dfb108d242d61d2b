#include "simd.hpp"

#include <cstdlib>
#include <string>

#include <tabrl/core/error.hpp>

namespace tabrl {

const char* to_string(SimdLevel level) {
  return level == SimdLevel::avx_fma ? "avx-fma" : "portable";
}

bool avx_fma_available() {
#if defined(TABRL_AVX_FMA_KERNELS)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

namespace {

SimdLevel level_from_environment() {
  const char* value = std::getenv("TABRL_SIMD");
  const std::string text = value == nullptr ? "" : value;
  if (text == "portable") return SimdLevel::portable;
  if (text == "auto" || text.empty())
    return avx_fma_available() ? SimdLevel::avx_fma : SimdLevel::portable;
  if (text == "avx-fma") {
    if (avx_fma_available()) return SimdLevel::avx_fma;
    throw InputError({.field = "TABRL_SIMD"},
                     "avx-fma asked for, but this build or processor has no AVX and FMA kernels");
  }
  throw InputError({.field = "TABRL_SIMD"},
                   "unknown value '" + text + "'; expected auto, portable or avx-fma");
}

}  // namespace

SimdLevel simd_level() {
  static const SimdLevel level = level_from_environment();
  return level;
}

}  // namespace tabrl
