#include "compute/systolic_gemm.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <string>

#include "common/strings.hpp"

namespace chimera {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// What one array's memory system sees: the part of the GEMM it runs, as a fold grid.
// The busiest array runs `waves` folds; we take them as a compact block of the fold grid,
// whole row-fold columns first (consecutive tiles, as a GPU rasterises them). Batched GEMMs
// are stacked along the spatial columns.
FoldMapping array_share(const FoldMapping& g, const ArrayShape& a, std::int64_t batch, std::int64_t waves) {
  if (batch == 1 && waves == g.folds()) return g;
  FoldMapping s = g;
  const std::int64_t fr = std::min(g.row_folds, waves);
  const std::int64_t fc = ceil_div(waves, fr);
  s.spatial_rows = std::min(g.spatial_rows, fr * a.rows);
  s.spatial_cols = std::min(g.spatial_cols * batch, fc * a.cols);
  s.row_folds = ceil_div(s.spatial_rows, a.rows);
  s.col_folds = ceil_div(s.spatial_cols, a.cols);
  return s;
}

struct Stream {
  double unique = 0;  // distinct words (reads) or words written (ofmap)
  double passes = 1;  // how often the unique words stream through the buffer
};

// Reuse structure of ScaleSim's fold order (see the header).
void operand_streams(const FoldMapping& s, const ArrayShape& a, const double active[3], Stream out[3]) {
  const double sr = double(s.spatial_rows), sc = double(s.spatial_cols), t = double(s.temporal);
  const double fr = double(s.row_folds), fc = double(s.col_folds);
  switch (a.dataflow) {
    case Dataflow::os:
      out[kIfmap] = {sr * t, fc};  // M x K, row-folded: once per column fold
      // K x N: block j serves all row folds of column fold j, if it stays in the active half.
      out[kFilter] = {sc * t, double(a.cols) * t <= active[kFilter] ? 1.0 : fr};
      out[kOfmap] = {sr * sc, 1};
      break;
    case Dataflow::ws:
      out[kIfmap] = {t * sr, fc};   // M x K streamed, K row-folded
      out[kFilter] = {sr * sc, 1};  // stationary K x N, each block once
      out[kOfmap] = {fr * t * sc, 1};  // partial sums of every row fold
      break;
    case Dataflow::is:
      out[kFilter] = {sr * t, fc};  // K x N streamed, K row-folded
      out[kIfmap] = {sr * sc, 1};   // stationary K x M, each block once
      out[kOfmap] = {fr * t * sc, 1};
      break;
  }
}

// Cycles by which `volume` words arriving at `bw` words per cycle push the end of a run of
// `cycles` compute cycles, when the last `window` words of a `demand`-word stream can only
// be consumed after they arrived: fetch + tail - cycles with tail = cycles * window / demand.
// Rounded up once, at the end, so that the result is monotonic in the GEMM's dimensions.
std::int64_t stream_stall(double volume, double window, double demand, double bw, std::int64_t cycles) {
  if (volume <= 0) return 0;
  const double c = double(cycles);
  const double stall = volume / bw - c * (1 - std::min(1.0, window / demand));
  return stall > 1e-9 ? static_cast<std::int64_t>(std::ceil(stall - 1e-9)) : 0;
}

void check(const SystolicConfig& c, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch) {
  if (m < 1 || n < 1 || k < 1 || batch < 1 || m > kMaxGemmDimension || n > kMaxGemmDimension ||
      k > kMaxGemmDimension || batch > kMaxGemmDimension)
    throw std::invalid_argument("GEMM dimensions and batch must be between 1 and 2^40 (got m=" + std::to_string(m) +
                                " n=" + std::to_string(n) + " k=" + std::to_string(k) +
                                " batch=" + std::to_string(batch) + ")");
  if (c.array.rows < 1 || c.array.cols < 1 || c.arrays < 1 || c.array.rows > kMaxGemmDimension ||
      c.array.cols > kMaxGemmDimension || !(c.clock_hz > 0) || c.bytes_per_element < 1)
    throw std::invalid_argument("systolic config needs rows, cols, arrays, clock and bytes_per_element > 0");
  if (c.bandwidth_mode == BandwidthMode::user && !(c.dram_words_per_cycle > 0))
    throw std::invalid_argument("USER bandwidth mode needs a DRAM bandwidth > 0 words per cycle");
}

}  // namespace

const char* to_string(BandwidthMode m) { return m == BandwidthMode::calc ? "calc" : "user"; }

bool parse_bandwidth_mode(std::string_view text, BandwidthMode& out) {
  const std::string s = to_lower(text);
  if (s == "calc") return out = BandwidthMode::calc, true;
  if (s == "user") return out = BandwidthMode::user, true;
  return false;
}

const char* operand_name(int operand) {
  static const char* const names[3] = {"ifmap", "filter", "ofmap"};
  return operand >= 0 && operand < 3 ? names[operand] : "?";
}

std::int64_t SystolicConfig::sram_words(int operand) const {
  return static_cast<std::int64_t>(sram_bytes[operand] / bytes_per_element);
}

double SystolicConfig::peak_flops() const {
  return 2.0 * double(array.rows) * double(array.cols) * double(arrays) * clock_hz;
}

GemmCost systolic_gemm(const SystolicConfig& cfg, std::int64_t m, std::int64_t n, std::int64_t k,
                       std::int64_t batch) {
  check(cfg, m, n, k, batch);
  GemmCost g;
  g.mapping = map_gemm(m, n, k, cfg.array);
  g.batch = batch;
  g.arrays = cfg.arrays;
  // Exact in 128 bits: reject what would overflow the 64-bit cycle count.
  const __int128 folds128 = __int128(batch) * g.mapping.row_folds * g.mapping.col_folds;
  const __int128 cycles128 = (folds128 + cfg.arrays - 1) / cfg.arrays * g.mapping.fold_cycles;
  if (cycles128 > (__int128(1) << 62))
    throw std::invalid_argument("GEMM too large: its cycle count exceeds 2^62 (m=" + std::to_string(m) +
                                " n=" + std::to_string(n) + " k=" + std::to_string(k) + ")");
  const std::int64_t all_folds = batch * g.mapping.folds();
  g.waves = ceil_div(all_folds, cfg.arrays);
  g.compute_cycles = g.waves * g.mapping.fold_cycles - 1;
  g.wave_efficiency = double(all_folds) / (double(g.waves) * double(cfg.arrays));

  // Memory side of the busiest array.
  const FoldMapping share = array_share(g.mapping, cfg.array, batch, g.waves);
  const std::int64_t cycles = g.waves * g.mapping.fold_cycles;  // stall-free count
  double active[3];
  for (int x = 0; x < 3; ++x) active[x] = double(cfg.sram_words(x)) / 2;  // ScaleSim: active fraction 0.5
  Stream st[3];
  operand_streams(share, cfg.array, active, st);
  const bool user = cfg.bandwidth_mode == BandwidthMode::user;
  for (int x = 0; x < 3; ++x) {
    OperandTraffic& t = g.traffic[x];
    const double demand = st[x].unique * st[x].passes;
    if (x == kOfmap) {
      t.dram_words = st[x].unique;
      t.fits = st[x].unique <= 2 * active[x];
      if (user && !t.fits)
        t.stall_cycles = stream_stall(st[x].unique - 2 * active[x], active[x], demand, cfg.dram_words_per_cycle, cycles);
    } else {
      t.fits = st[x].unique <= active[x];
      t.dram_words = t.fits ? st[x].unique : demand;
      if (user && !t.fits)
        t.stall_cycles = stream_stall(demand - active[x], active[x], demand, cfg.dram_words_per_cycle, cycles);
    }
    g.stall_cycles = std::max(g.stall_cycles, t.stall_cycles);
  }
  g.total_cycles = g.compute_cycles + g.stall_cycles;
  for (auto& t : g.traffic) t.words_per_cycle = t.dram_words / double(std::max<std::int64_t>(g.total_cycles, 1));

  g.util = utilisation(m, n, k, cfg.array, g.mapping, g.total_cycles);
  if (batch != 1 || cfg.arrays != 1)  // over every MAC unit of the device
    g.util.overall = double(m) * double(n) * double(k) * double(batch) /
                     (double(std::max<std::int64_t>(g.total_cycles, 1)) * double(cfg.array.rows) *
                      double(cfg.array.cols) * double(cfg.arrays));

  g.compute_seconds = double(g.total_cycles) / cfg.clock_hz;
  if (cfg.dram_traffic_floor && cfg.dram_bandwidth_Bps > 0)
    g.dram_floor_seconds = double(batch) * (double(m) * k + double(k) * n + double(m) * n) *
                           cfg.bytes_per_element / cfg.dram_bandwidth_Bps;
  g.seconds = std::max(g.compute_seconds, g.dram_floor_seconds);
  return g;
}

}  // namespace chimera
