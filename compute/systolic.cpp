#include "compute/systolic.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "common/strings.hpp"

namespace chimera {
namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

}  // namespace

const char* to_string(Dataflow d) {
  switch (d) {
    case Dataflow::os: return "os";
    case Dataflow::ws: return "ws";
    case Dataflow::is: return "is";
  }
  return "?";
}

bool parse_dataflow(std::string_view text, Dataflow& out) {
  const std::string s = to_lower(text);
  if (s == "os") return out = Dataflow::os, true;
  if (s == "ws") return out = Dataflow::ws, true;
  if (s == "is") return out = Dataflow::is, true;
  return false;
}

FoldMapping map_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const ArrayShape& a) {
  FoldMapping f;
  const std::int64_t r = a.rows, c = a.cols;
  switch (a.dataflow) {
    case Dataflow::os: f.spatial_rows = m, f.spatial_cols = n, f.temporal = k; break;
    case Dataflow::ws: f.spatial_rows = k, f.spatial_cols = n, f.temporal = m; break;
    case Dataflow::is: f.spatial_rows = k, f.spatial_cols = m, f.temporal = n; break;
  }
  f.row_folds = ceil_div(f.spatial_rows, r);
  f.col_folds = ceil_div(f.spatial_cols, c);
  if (a.dataflow == Dataflow::os) {
    // T operand rows, C - 1 drain rows, R - 1 rows of fill skew.
    f.fold_cycles = f.temporal + r + c - 2;
    f.util_fold_cycles = f.fold_cycles;
  } else {
    // R rows preloading the stationary operand, then T streamed, C - 1 drain, R - 1 skew.
    f.fold_cycles = f.temporal + 2 * r + c - 2;
    // ScaleSim measures Compute Util's fold on the padded stationary block plus its suffix:
    // C - 1 cycles longer than the fold really is. Kept so that reports match ScaleSim's.
    f.util_fold_cycles = f.temporal + 2 * r + 2 * c - 3;
  }
  return f;
}

std::int64_t stall_free_cycles(const FoldMapping& f) { return f.folds() * f.fold_cycles - 1; }

Utilisation utilisation(std::int64_t m, std::int64_t n, std::int64_t k, const ArrayShape& a, const FoldMapping& f,
                        std::int64_t total_cycles) {
  const double pe = double(a.rows) * double(a.cols);
  const double folds = double(f.folds());
  const double used = double(f.spatial_rows) * double(f.spatial_cols);
  Utilisation u;
  // A 1 x 1 OS array reports total K*F - 1, which is 0 for a 1x1x1 GEMM: ScaleSim divides
  // by zero there; we take one cycle instead.
  u.overall = double(m) * double(n) * double(k) / (double(std::max<std::int64_t>(total_cycles, 1)) * pe);
  u.mapping = used / (folds * pe);
  u.compute = used * double(f.temporal) / (folds * pe * double(f.util_fold_cycles));
  return u;
}

}  // namespace chimera
