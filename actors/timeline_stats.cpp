#include "actors/timeline_stats.hpp"

#include <algorithm>
#include <map>
#include <tuple>

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
  // Start times of the sends of each (source, destination, channel), in program order: the
  // k-th receive of a channel matches its k-th send (FIFO, as the engine matches them).
  using Channel = std::tuple<int, int, int>;
  std::map<Channel, std::vector<double>> send_starts;
  for (std::size_t rank = 0; rank < programs.size(); ++rank)
    for (std::size_t i = 0; i < programs[rank].ops().size(); ++i) {
      const Op& op = programs[rank].ops()[i];
      if (op.kind == OpKind::send)
        send_starts[{static_cast<int>(rank), programs[rank].peer(op), op.effective_channel()}].push_back(r.timings[rank][i].start_s);
    }
  // Entry times of each collective instance: the k-th collective of a rank with the same kind,
  // channel and participants (group and targets) is the k-th of every participant, and no data
  // moves for a rank before the last participant has entered it (the engine's transfers
  // rendezvous with their peers).
  using Instance = std::tuple<int, int, std::vector<int>>;
  auto instance_of = [&](std::size_t rank, const Op& op) {
    std::vector<int> members = programs[rank].group(op).ranks;
    if (const Group* t = programs[rank].targets(op)) members.insert(members.end(), t->ranks.begin(), t->ranks.end());
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    return Instance{static_cast<int>(op.collective), op.effective_channel(), std::move(members)};
  };
  std::map<Instance, std::vector<double>> last_entry;  // [k]: the latest entry of the k-th instance
  {
    std::map<std::pair<Instance, int>, std::size_t> seen;
    for (std::size_t rank = 0; rank < programs.size(); ++rank)
      for (std::size_t i = 0; i < programs[rank].ops().size(); ++i) {
        const Op& op = programs[rank].ops()[i];
        if (op.kind != OpKind::collective) continue;
        Instance key = instance_of(rank, op);
        const std::size_t k = seen[{key, static_cast<int>(rank)}]++;
        std::vector<double>& entries = last_entry[std::move(key)];
        if (entries.size() <= k) entries.resize(k + 1, 0.0);
        entries[k] = std::max(entries[k], r.timings[rank][i].start_s);
      }
  }
  std::vector<RankTimeStats> out(programs.size());
  for (std::size_t rank = 0; rank < programs.size(); ++rank) {
    std::vector<Interval> compute, comm, moving, waiting;
    std::map<Channel, std::size_t> received;
    std::map<Instance, std::size_t> entered;
    RankTimeStats& s = out[rank];
    for (std::size_t i = 0; i < programs[rank].ops().size(); ++i) {
      const Op& op = programs[rank].ops()[i];
      const OpTiming& t = r.timings[rank][i];
      s.finish_s = std::max(s.finish_s, t.end_s);
      if (op.kind == OpKind::compute) {
        compute.push_back({t.start_s, t.end_s});
        continue;
      }
      comm.push_back({t.start_s, t.end_s});
      double data_from = t.start_s;  // when data starts to move for this op
      if (op.kind == OpKind::recv) {
        const Channel c{programs[rank].peer(op), static_cast<int>(rank), op.effective_channel()};
        const auto it = send_starts.find(c);
        const std::size_t k = received[c]++;
        if (it != send_starts.end() && k < it->second.size())
          data_from = std::clamp(it->second[k], t.start_s, t.end_s);
      } else if (op.kind == OpKind::collective) {
        Instance key = instance_of(rank, op);
        const std::size_t k = entered[key]++;
        data_from = std::clamp(last_entry.at(key)[k], t.start_s, t.end_s);
      }
      waiting.push_back({t.start_s, data_from});
      moving.push_back({data_from, t.end_s});
    }
    s.compute_busy_s = union_length(compute);
    s.comm_busy_s = union_length(comm);
    s.exposed_comm_s = difference_length(comm, compute);
    std::vector<Interval> busy = compute;
    busy.insert(busy.end(), moving.begin(), moving.end());
    s.peer_wait_s = difference_length(waiting, busy);
    s.idle_s = std::max(0.0, r.makespan_s - s.compute_busy_s - s.exposed_comm_s);
  }
  return out;
}

}  // namespace chimera
