#pragma once
// A (batched) GEMM on a device of one or more identical systolic arrays: cycles with
// ScaleSim-v2 semantics (compute/systolic.hpp), the memory side (double-buffered SRAM per
// operand, DRAM bandwidth in words per cycle, USER/CALC bandwidth modes), and seconds.
//
// Several arrays (tensor cores across SMs, MXUs across cores): the GEMM's folds (output
// tiles for OS) are dealt out to the arrays in waves, as a GPU deals thread-block tiles to
// SMs. The busiest array runs ceil(batch * F / arrays) folds, so
//     compute_cycles = ceil(batch * F / arrays) * L_f - 1,
// which is exactly ScaleSim's stall-free total when arrays = batch = 1.
//
// USER-mode stalls are an O(1) approximation of ScaleSim's row-by-row buffer walk
// (compute-systolic.md section 6), per operand X with active half A_X = SRAM_X / 2 words:
//  - X streams its unique words U_X `passes` times in ScaleSim's fold order (column folds
//    outer, row folds inner): the operand indexed by row folds is re-streamed once per
//    column fold; OS's filter once, or once per row fold if its K x C block exceeds A_X;
//    the stationary operand of WS/IS once. Ofmap writes: M*N for OS, row_folds*M*N
//    (partial sums) for WS/IS.
//  - Initial fill is free: an operand with U_X <= A_X never stalls, whatever the bandwidth;
//    the ofmap never stalls while its writes fit in the whole buffer (2 A_X), since the
//    final drain is not counted.
//  - Otherwise the remaining V_X words (read: passes*U_X - A_X; write: W - 2 A_X) arrive at
//    BW words per cycle, back to back, while the array computes; the last window's share of
//    the compute (w_X = C * A_X / demand) can only run after the last word arrived:
//        stall_X = ceil(max(0, V_X / BW + w_X - C)),   C = stall-free cycle count.
//  - The whole array stalls together and the operands have their own DRAM channels, so
//    stall = max_X stall_X.
// Not modelled: ScaleSim's set granularity (~1/100 of a buffer) and 1-cycle hit latency, its
// per-miss waits when fetches outrun compute, and (with several arrays) reuse between arrays.
// CALC mode never stalls and reports the DRAM words per cycle the same traffic needs.
#include <cstdint>

#include "compute/systolic.hpp"

namespace chimera {

enum class BandwidthMode : std::uint8_t { calc, user };
const char* to_string(BandwidthMode m);
bool parse_bandwidth_mode(std::string_view text, BandwidthMode& out);  // "calc", "user" (any case)
inline constexpr const char* kBandwidthModeChoices = "calc or user";

enum Operand : int { kIfmap = 0, kFilter = 1, kOfmap = 2 };
const char* operand_name(int operand);  // "ifmap", "filter", "ofmap"

struct SystolicConfig {
  ArrayShape array{256, 256, Dataflow::os};
  std::int64_t arrays = 1;      // arrays working in parallel
  double clock_hz = 1e9;
  double sram_bytes[3] = {12288.0 * 1024, 12288.0 * 1024, 8192.0 * 1024};  // per array: ifmap, filter, ofmap
  int bytes_per_element = 1;    // one SRAM/DRAM word (ScaleSim: 1 byte)
  BandwidthMode bandwidth_mode = BandwidthMode::calc;
  double dram_words_per_cycle = 50;  // per array and per operand channel (ScaleSim's Bandwidth)
  // Seconds are at least the compulsory DRAM traffic (each operand read once, the result
  // written once) over the device's DRAM bandwidth. For devices whose reuse happens in a
  // shared cache (GPU L2) that the per-array SRAM model cannot see.
  bool dram_traffic_floor = false;
  double dram_bandwidth_Bps = 50e9;  // whole device, for the floor

  std::int64_t sram_words(int operand) const;
  double peak_flops() const;  // 2 * rows * cols * arrays * clock
};

struct OperandTraffic {
  double dram_words = 0;       // words moved between DRAM and this operand's SRAM, per array
  double words_per_cycle = 0;  // dram_words / total cycles (CALC: the bandwidth needed)
  std::int64_t stall_cycles = 0;
  bool fits = false;           // read: U <= active half; write: writes <= whole buffer
};

struct GemmCost {
  FoldMapping mapping;            // the whole GEMM on one array
  std::int64_t batch = 1;
  std::int64_t arrays = 1;
  std::int64_t waves = 0;         // folds of the busiest array: ceil(batch * F / arrays)
  std::int64_t compute_cycles = 0;  // waves * L_f - 1
  std::int64_t stall_cycles = 0;
  std::int64_t total_cycles = 0;    // compute + stall
  Utilisation util;               // overall over all arrays (incl. stalls); mapping and compute as ScaleSim
  double wave_efficiency = 1;     // batch * F / (waves * arrays)
  OperandTraffic traffic[3];      // of the busiest array
  double compute_seconds = 0;     // total_cycles / clock
  double dram_floor_seconds = 0;  // 0 unless the config asks for the floor
  double seconds = 0;             // max(compute_seconds, dram_floor_seconds)
  bool memory_bound() const { return dram_floor_seconds > compute_seconds; }
};

// Largest m, n, k or batch accepted (2^40), so that fold counts stay exact in 64 bits.
inline constexpr std::int64_t kMaxGemmDimension = std::int64_t(1) << 40;

// Requires 1 <= m, n, k, batch <= kMaxGemmDimension, a valid config, and a cycle count below
// 2^62; throws std::invalid_argument otherwise.
GemmCost systolic_gemm(const SystolicConfig& cfg, std::int64_t m, std::int64_t n, std::int64_t k,
                       std::int64_t batch = 1);

}  // namespace chimera
