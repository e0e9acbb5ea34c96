#include "compute/gpu_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "common/input_error.hpp"
#include "compute/systolic_gemm.hpp"

namespace chimera {
namespace {

using I128 = __int128;
constexpr I128 kMaxUnits = I128(1) << 62;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
I128 ceil_div(I128 a, I128 b) { return (a + b - 1) / b; }

const GpuCalibration& calibration_of(const HardwarePreset& p) {
  if (!p.gpu) throw std::invalid_argument("preset '" + p.name + "' has no [gpu] calibration table");
  return *p.gpu;
}

void check_dims(std::initializer_list<std::pair<const char*, std::int64_t>> dims) {
  for (const auto& [name, v] : dims)
    if (v < 1 || v > kMaxGemmDimension) {
      std::string all;
      for (const auto& [n, x] : dims) all += fmt::format("{}{}={}", all.empty() ? "" : " ", n, x);
      throw std::invalid_argument(fmt::format("sizes must be between 1 and 2^40 (got {})", all));
    }
}

std::int64_t to_units(I128 v, const char* what) {
  if (v > kMaxUnits) throw std::invalid_argument(fmt::format("{} too large: more than 2^62 work units", what));
  return static_cast<std::int64_t>(v);
}

// sum_{i=0}^{count-1} clamp(first + i, 0, hi) for integers, exactly.
I128 sum_clamped(I128 first, I128 count, I128 hi) {
  I128 lo_i = std::clamp<I128>(-first, 0, count);      // terms before are below 0
  I128 hi_i = std::clamp<I128>(hi - first, lo_i, count);  // terms from here on are at least hi
  const I128 n = hi_i - lo_i;
  return n * (first + lo_i) + n * (n - 1) / 2 + (count - hi_i) * hi;
}

}  // namespace

int row_alignment_bytes(std::int64_t n, std::int64_t k, int bytes_per_element) {
  auto lowbit = [](std::int64_t v) { return v & -v; };
  const std::int64_t a = std::min<std::int64_t>({lowbit(n * bytes_per_element), lowbit(k * bytes_per_element), 16});
  return static_cast<int>(a);
}

GpuGemmCost gpu_gemm(const HardwarePreset& preset, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                     int bytes_per_element) {
  const GpuCalibration& c = calibration_of(preset);
  check_dims({{"m", m}, {"n", n}, {"k", k}, {"batch", batch}});
  if (bytes_per_element != 1 && bytes_per_element != 2 && bytes_per_element != 4)
    throw std::invalid_argument(fmt::format("bytes per element must be 1, 2 or 4 (got {})", bytes_per_element));
  GpuGemmCost g;
  g.tensor_efficiency = c.tensor_efficiency(preset.peak_flops);
  g.alignment_bytes = row_alignment_bytes(n, k, bytes_per_element);
  g.alignment_efficiency = g.alignment_bytes >= 16 ? 1.0 : g.alignment_bytes >= 4 ? c.misaligned_efficiency
                                                                                  : c.unaligned_efficiency;
  const double sm_flops = preset.peak_flops / double(c.sms);
  const std::int64_t slices = ceil_div(k, c.k_tile);
  bool first = true;
  for (const GemmTile& t : c.tiles) {  // the cheapest tile; ties keep the earlier (listed first)
    const I128 tiles = I128(ceil_div(m, t.m)) * ceil_div(n, t.n) * batch;
    const I128 units = tiles * slices;
    const I128 waves = ceil_div(units, I128(c.sms));
    const double peak_main = double(waves) * 2.0 * double(t.m) * double(t.n) * double(c.k_tile) / sm_flops;
    if (first || peak_main < g.peak_main_seconds) {
      g.tile = t;
      g.tiles = to_units(tiles, "GEMM");
      g.work_units = to_units(units, "GEMM");
      g.waves = to_units(waves, "GEMM");
      g.peak_main_seconds = peak_main;
      first = false;
    }
  }
  g.k_slices = slices;
  g.wave_efficiency = double(g.work_units) / (double(g.waves) * double(c.sms));
  g.tile_efficiency = double(m) * double(n) * double(k) * double(batch) /
                      (double(g.tiles) * double(g.tile.m) * double(g.tile.n) * double(slices) * double(c.k_tile));
  g.main_seconds = g.peak_main_seconds / (g.tensor_efficiency * g.alignment_efficiency);
  g.memory_seconds = double(bytes_per_element) * double(batch) *
                     (double(m) * double(k) + double(k) * double(n) + double(m) * double(n)) / c.elementwise_bandwidth_Bps;
  g.overhead_seconds = c.kernel_overhead_s;
  g.launch_floor_seconds = c.gemm_launch_floor_s;
  g.kernel_seconds = g.overhead_seconds + std::max(g.main_seconds, g.memory_seconds);
  g.seconds = std::max(g.launch_floor_seconds, g.kernel_seconds);
  g.bound = g.launch_floor_seconds > g.kernel_seconds ? "launch" : g.memory_seconds > g.main_seconds ? "memory" : "compute";
  return g;
}

GpuElementwiseCost gpu_elementwise(const HardwarePreset& preset, double bytes) {
  const GpuCalibration& c = calibration_of(preset);
  if (!(bytes >= 0) || !std::isfinite(bytes))
    throw std::invalid_argument(fmt::format("element-wise bytes must be >= 0 (got {})", bytes));
  GpuElementwiseCost e;
  if (bytes == 0) return e;  // no kernel runs
  e.transfer_seconds = bytes / c.elementwise_bandwidth_Bps;
  e.overhead_seconds = c.kernel_overhead_s;
  e.launch_floor_seconds = c.elementwise_launch_floor_s;
  const double kernel = e.overhead_seconds + e.transfer_seconds;
  e.seconds = std::max(e.launch_floor_seconds, kernel);
  e.bound = e.launch_floor_seconds > kernel ? "launch" : "memory";
  return e;
}

GpuAttentionCost gpu_attention(const HardwarePreset& preset, std::int64_t batch_heads, std::int64_t seq_q,
                               std::int64_t seq_kv, std::int64_t head_dim, bool causal, AttentionPass pass) {
  const GpuCalibration& c = calibration_of(preset);
  const GpuAttentionCalibration& a = c.attention;
  check_dims({{"batch_heads", batch_heads}, {"seq_q", seq_q}, {"seq_kv", seq_kv}, {"head_dim", head_dim}});
  const bool forward = pass == AttentionPass::forward;
  const I128 bh = batch_heads;
  const I128 q_blocks = ceil_div(seq_q, a.block), kv_blocks = ceil_div(seq_kv, a.block);
  // Forward: a job per (head, query block) over key blocks; backward: per (head, key block)
  // over query blocks.
  const I128 jobs_per_head = forward ? q_blocks : kv_blocks;
  const I128 job_length = forward ? kv_blocks : q_blocks;  // the longest job, in block pairs
  I128 pairs_per_head = q_blocks * kv_blocks;
  if (causal) {
    // Query block b (rows up to min((b+1) B, seq_q) - 1) sees the key blocks up to its last
    // row's last key: clamp(b + 1 + ceil((seq_kv - seq_q) / B), 0, kv_blocks) for every block
    // but the last, which sees all kv_blocks. Pairs with no unmasked score are skipped.
    const I128 offset = I128(seq_kv) - seq_q;
    const I128 shift = offset >= 0 ? ceil_div(offset, I128(a.block)) : -((-offset) / a.block);
    pairs_per_head = sum_clamped(1 + shift, q_blocks - 1, kv_blocks) + kv_blocks;
  }
  GpuAttentionCost r;
  r.jobs = to_units(bh * jobs_per_head, "attention");
  r.block_pairs = to_units(bh * pairs_per_head, "attention");
  const double u0 = a.cta_overhead_blocks;
  if (!causal)  // equal jobs: whole waves
    r.waves = double(ceil_div(bh * jobs_per_head, I128(c.sms))) * (double(job_length) + u0);
  else  // unequal jobs, longest first: the average load or the longest job
    r.waves = std::max((double(r.block_pairs) + u0 * double(r.jobs)) / double(c.sms), double(job_length) + u0);
  const double pair_flops = 4.0 * double(a.block) * double(a.block) * double(head_dim) * (forward ? 1.0 : 2.5);
  r.efficiency = (forward ? a.forward_efficiency : a.backward_efficiency) * (causal ? a.causal_efficiency : 1.0);
  r.flops = 4.0 * double(batch_heads) * double(seq_q) * double(seq_kv) * double(head_dim) * (forward ? 1.0 : 2.5) *
            (causal ? causal_fraction(seq_q, seq_kv) : 1.0);
  r.main_seconds = r.waves * pair_flops / (preset.peak_flops / double(c.sms) * r.efficiency);
  r.overhead_seconds = c.kernel_overhead_s;
  r.launch_floor_seconds = forward ? a.forward_launch_floor_s : a.backward_launch_floor_s;
  const double kernel = r.overhead_seconds + r.main_seconds;
  r.seconds = std::max(r.launch_floor_seconds, kernel);
  r.bound = r.launch_floor_seconds > kernel ? "launch" : "compute";
  return r;
}

GpuCostModel::GpuCostModel(HardwarePreset preset) : preset_(std::move(preset)) {
  if (!preset_.gpu)
    throw InputError({}, "model", fmt::format("preset '{}' has no [gpu] calibration table", preset_.name),
                     "compute model \"auto\" or \"systolic\" for it, or a preset with a [gpu] table");
}

double GpuCostModel::gemm_seconds(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch,
                                  int bytes_per_element) const {
  return gpu_gemm(preset_, m, n, k, batch, bytes_per_element).seconds;
}

double GpuCostModel::elementwise_seconds(double bytes) const { return gpu_elementwise(preset_, bytes).seconds; }

double GpuCostModel::reduction_seconds(double bytes) const { return 3 * bytes / preset_.gpu->elementwise_bandwidth_Bps; }

double GpuCostModel::attention_seconds(std::int64_t batch_heads, std::int64_t seq_q, std::int64_t seq_kv,
                                       std::int64_t head_dim, bool causal, AttentionPass pass) const {
  return gpu_attention(preset_, batch_heads, seq_q, seq_kv, head_dim, causal, pass).seconds;
}

std::string GpuCostModel::describe() const {
  const GpuCalibration& c = *preset_.gpu;
  std::string tiles;
  for (const auto& t : c.tiles) tiles += (tiles.empty() ? "" : "/") + to_string(t);
  return fmt::format("gpu on {} ({} SMs, tiles {} with k slices of {} dealt stream-K, {:.1f} TFLOP/s x {:.3f}, {:.0f} GB/s achievable, "
                     "overhead {:g} us, floors {:g}/{:g} us)",
                     preset_.name, c.sms, tiles, c.k_tile, preset_.peak_flops / 1e12,
                     c.tensor_efficiency(preset_.peak_flops), c.elementwise_bandwidth_Bps / 1e9, c.kernel_overhead_s * 1e6,
                     c.gemm_launch_floor_s * 1e6, c.elementwise_launch_floor_s * 1e6);
}

std::unique_ptr<ComputeCostModel> make_gpu_model(const HardwarePreset& preset) {
  return std::make_unique<GpuCostModel>(preset);
}

}  // namespace chimera
