#include "actors/timeline_stats.hpp"

#include <algorithm>

namespace chimera {
namespace {

std::vector<Interval> merged(std::vector<Interval> v) {
  std::sort(v.begin(), v.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
  std::vector<Interval> out;
  for (const Interval& i : v) {
    if (i.end <= i.start) continue;
    if (!out.empty() && i.start <= out.back().end) out.back().end = std::max(out.back().end, i.end);
    else out.push_back(i);
  }
  return out;
}

}  // namespace

double union_length(std::vector<Interval> v) {
  double total = 0;
  for (const Interval& i : merged(std::move(v))) total += i.end - i.start;
  return total;
}

double difference_length(std::vector<Interval> a, std::vector<Interval> b) {
  auto ma = merged(std::move(a)), mb = merged(std::move(b));
  double total = 0;
  std::size_t j = 0;
  for (const Interval& x : ma) {
    double covered = 0;
    while (j < mb.size() && mb[j].end <= x.start) ++j;
    for (std::size_t k = j; k < mb.size() && mb[k].start < x.end; ++k)
      covered += std::min(x.end, mb[k].end) - std::max(x.start, mb[k].start);
    total += (x.end - x.start) - covered;
  }
  return total;
}

std::vector<RankTimeStats> rank_time_stats(const std::vector<Program>& programs, const SimulationResult& r) {
  std::vector<RankTimeStats> out(programs.size());
  for (std::size_t rank = 0; rank < programs.size(); ++rank) {
    std::vector<Interval> compute, comm;
    RankTimeStats& s = out[rank];
    for (std::size_t i = 0; i < programs[rank].ops.size(); ++i) {
      const OpTiming& t = r.timings[rank][i];
      (programs[rank].ops[i].kind == OpKind::compute ? compute : comm).push_back({t.start_s, t.end_s});
      s.finish_s = std::max(s.finish_s, t.end_s);
    }
    s.compute_busy_s = union_length(compute);
    s.comm_busy_s = union_length(comm);
    s.exposed_comm_s = difference_length(comm, compute);
    s.idle_s = std::max(0.0, r.makespan_s - s.compute_busy_s - s.exposed_comm_s);
  }
  return out;
}

}  // namespace chimera
