#pragma once
// One GEMM on one R x C systolic array, as SCALE-Sim v2 computes it (commit 22f88b17; see
// shared/reference/compute-systolic.md): operand mapping per dataflow, fold counts, cycles
// per fold, the reported stall-free total (with ScaleSim's "-1"), and its three utilisation
// figures. Closed forms, integer arithmetic, O(1) per GEMM.
//
// GEMM convention: O[M x N] = A[M x K] * B[K x N]. ScaleSim calls A the ifmap operand
// (M x K) and B the filter operand (K x N); O is the ofmap.
#include <cstdint>
#include <string_view>

namespace chimera {

enum class Dataflow : std::uint8_t { os, ws, is };  // output, weight, input stationary

const char* to_string(Dataflow d);
bool parse_dataflow(std::string_view text, Dataflow& out);  // "os", "ws", "is" (any case)
inline constexpr const char* kDataflowChoices = "os, ws or is";

struct ArrayShape {
  std::int64_t rows = 0;  // R (ScaleSim ArrayHeight)
  std::int64_t cols = 0;  // C (ScaleSim ArrayWidth)
  Dataflow dataflow = Dataflow::os;
};

// How a GEMM is laid onto the array (compute-systolic.md, section 3):
//   OS: S_R = M, S_C = N, T = K;  WS: S_R = K, S_C = N, T = M;  IS: S_R = K, S_C = M, T = N.
struct FoldMapping {
  std::int64_t spatial_rows = 0;   // S_R
  std::int64_t spatial_cols = 0;   // S_C
  std::int64_t temporal = 0;       // T
  std::int64_t row_folds = 0;      // ceil(S_R / R)
  std::int64_t col_folds = 0;      // ceil(S_C / C)
  std::int64_t fold_cycles = 0;    // L_f: OS T + R + C - 2; WS/IS T + 2R + C - 2
  std::int64_t util_fold_cycles = 0;  // L'_f, Compute Util's denominator: OS L_f; WS/IS T + 2R + 2C - 3
  std::int64_t folds() const { return row_folds * col_folds; }
};

// Requires m, n, k, rows, cols >= 1 (callers validate user input first).
FoldMapping map_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const ArrayShape& array);

// ScaleSim's "Total Cycles" without stalls: F * L_f - 1 (the index of the cycle of the last
// ofmap demand row, not a count).
std::int64_t stall_free_cycles(const FoldMapping& f);

// Fractions in [0, 1] (ScaleSim reports them x 100):
//   overall = M*N*K / (total_cycles * R * C)      (total includes stalls and the -1)
//   mapping = mean over folds of used_rows * used_cols / (R*C) = S_R*S_C / (F*R*C)
//   compute = mean over folds of used_rows * used_cols * T / (R*C*L'_f) = S_R*S_C*T / (F*R*C*L'_f)
// (the per-fold means collapse to these closed forms because used rows and used columns of
// the folds sum to S_R and S_C).
struct Utilisation {
  double overall = 0;
  double mapping = 0;
  double compute = 0;
};
Utilisation utilisation(std::int64_t m, std::int64_t n, std::int64_t k, const ArrayShape& array,
                        const FoldMapping& f, std::int64_t total_cycles);

}  // namespace chimera
