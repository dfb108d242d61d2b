// The vector instruction level of tabrl's hand-vectorised kernels (docs/engine.md, "Vector
// kernels"): the dense LU (core/dominant_lu) and the dense kernel's row operations
// (core/dense_rows) are compiled twice, for portable x86-64 (SSE2) and with AVX and FMA, and the
// second is used on processors that have both. The binaries stay portable: nothing is compiled
// for the build machine (no -march=native).
#pragma once

namespace tabrl {

enum class SimdLevel { portable, avx_fma };

const char* to_string(SimdLevel level);
// Whether this build has the AVX/FMA kernels and this processor runs them. The kernels' entry
// points fall back to the portable build when asked for avx_fma where it is not available.
bool avx_fma_available();
// Whether a kernel asked for `level` runs its AVX/FMA build: asked for it, and available.
inline bool runs_avx_fma(SimdLevel level) {
  return level == SimdLevel::avx_fma && avx_fma_available();
}
// The level the kernels use: avx_fma when available, unless the environment variable TABRL_SIMD
// says otherwise (portable, avx-fma, or auto). Throws InputError (field TABRL_SIMD) on any
// other value, or when avx-fma is asked for and not available. Read once per process.
SimdLevel simd_level();

}  // namespace tabrl
