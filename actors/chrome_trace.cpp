#include "actors/chrome_trace.hpp"

namespace chimera {

nlohmann::json chrome_trace(const std::vector<Program>& programs, const SimulationResult& r) {
  nlohmann::json events = nlohmann::json::array();
  for (std::size_t rank = 0; rank < programs.size(); ++rank) {
    const Program& p = programs[rank];
    std::string host = rank < r.rank_hosts.size() ? r.rank_hosts[rank] : "";
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", rank}, {"tid", 0},
                      {"args", {{"name", "rank " + std::to_string(rank) + (host.empty() ? "" : " (" + host + ")")}}}});
    events.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", rank}, {"tid", 0},
                      {"args", {{"sort_index", rank}}}});
    for (std::size_t s = 0; s < p.stream_names().size(); ++s)
      events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", rank}, {"tid", s},
                        {"args", {{"name", p.stream_names()[s]}}}});
    for (std::size_t i = 0; i < p.ops().size(); ++i) {
      const Op& op = p.ops()[i];
      const OpTiming& t = r.timings[rank][i];
      nlohmann::json args = {{"op", i}, {"kind", op.kind == OpKind::collective ? to_string(op.collective) : to_string(op.kind)}};
      if (op.layer >= 0) args["layer"] = op.layer;
      if (op.micro_batch >= 0) args["micro_batch"] = op.micro_batch;
      if (op.kind != OpKind::compute) args["bytes"] = op.bytes;
      if (op.kind == OpKind::send || op.kind == OpKind::recv) args["peer"] = p.peer(op);
      if (op.kind == OpKind::collective) args["algorithm"] = to_string(op.algorithm);
      events.push_back({{"ph", "X"}, {"name", describe(p, op)}, {"cat", to_string(op.kind)}, {"pid", rank},
                        {"tid", op.stream}, {"ts", t.start_s * 1e6}, {"dur", (t.end_s - t.start_s) * 1e6},
                        {"args", std::move(args)}});
    }
  }
  return {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ns"}};
}

}  // namespace chimera
