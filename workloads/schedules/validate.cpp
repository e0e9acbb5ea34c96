#include "workloads/schedules/validate.hpp"

#include <fmt/format.h>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <algorithm>
#include <iterator>
#include <map>
#include <unordered_map>

namespace chimera {
namespace {

// Compressed sparse rows: built once from the edge list, cheap to traverse.
using Graph = boost::compressed_sparse_row_graph<boost::directedS>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;
using Edge = boost::graph_traits<Graph>::edge_descriptor;

std::uint64_t key(ActionType t, int pipe, int stage, int mb) {
  return (std::uint64_t(t) << 60) | (std::uint64_t(pipe & 0xfff) << 48) | (std::uint64_t(stage & 0xffff) << 32) |
         std::uint64_t(std::uint32_t(mb));
}

// One depth-first search: stops at the first back edge, which closes a cycle; otherwise the
// reverse of the finishing order is a topological order.
struct CycleFound {
  Vertex from, to;
};
struct OrderVisitor : boost::default_dfs_visitor {
  std::vector<Vertex>* parent;
  std::vector<Vertex>* finished;
  void tree_edge(Edge e, const Graph& g) const { (*parent)[boost::target(e, g)] = boost::source(e, g); }
  void back_edge(Edge e, const Graph& g) const { throw CycleFound{boost::source(e, g), boost::target(e, g)}; }
  void finish_vertex(Vertex v, const Graph&) const { finished->push_back(v); }
};

class Builder {
 public:
  explicit Builder(const PipelineSchedule& s) : s_(s) {}

  ScheduleGraph build() {
    index_nodes();
    check_completeness();
    check_fifo_channels();
    add_dependencies();
    order();
    return std::move(g_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InvalidSchedule(fmt::format("invalid schedule {}: {}", describe(s_.options), what));
  }
  const Action& action(std::uint32_t n) const { return s_.actions[g_.worker_of[n]][g_.index_in_worker(n)]; }
  std::string name(std::uint32_t n) const {
    return fmt::format("{} {}", worker_name(g_.worker_of[n]), action_label(s_, action(n)));
  }

  void index_nodes() {
    std::uint32_t n = 0;
    for (int w = 0; w < s_.workers; ++w) {
      g_.offset.push_back(n);
      for (std::size_t i = 0; i < s_.actions[w].size(); ++i, ++n) g_.worker_of.push_back(w);
    }
    g_.deps.resize(n);
    compute_.reserve(n);
    transfers_.reserve(n);
    for (std::uint32_t v = 0; v < n; ++v) {
      const Action& a = action(v);
      const int w = g_.worker_of[v];
      if (a.pipe >= s_.pipes.size() || a.stage < 0 || a.stage >= s_.stage_count)
        fail(fmt::format("{} names pipe {} stage {}, which do not exist", name(v), a.pipe, a.stage));
      const auto& map = s_.pipes[a.pipe].worker_of_stage;
      if (is_compute(a.type) && map[a.stage] != w)
        fail(fmt::format("{} runs on {}, but its pipe places stage {} on {}", name(v), worker_name(w), a.stage,
                         worker_name(map[a.stage])));
      if (is_transfer(a.type)) {
        // Activations flow from stage s to s+1, gradients from s to s-1.
        const bool act = a.type == ActionType::send_activation || a.type == ActionType::recv_activation;
        const bool send = a.type == ActionType::send_activation || a.type == ActionType::send_gradient;
        const int to_stage = act ? a.stage + 1 : a.stage - 1;
        if (to_stage < 0 || to_stage >= s_.stage_count)
          fail(fmt::format("{} moves data past the end of the pipeline", name(v)));
        const int src = map[a.stage], dst = map[to_stage];
        if (w != (send ? src : dst) || a.peer != (send ? dst : src))
          fail(fmt::format("{} should be a transfer from {} to {}", name(v), worker_name(src), worker_name(dst)));
      }
      if (a.type == ActionType::weight && !s_.split_backward)
        fail(fmt::format("{} is a weight-gradient pass in a schedule without split backward", name(v)));
      if (a.type == ActionType::gradient_sync) {
        if (s_.sync_every_backward) {  // one per backward: counted, not unique
          synced_.emplace(std::pair{w, a.stage}, v);
          continue;
        }
        if (!synced_.emplace(std::pair{w, a.stage}, v).second)
          fail(fmt::format("{} syncs stage {} twice", worker_name(w), a.stage));
        continue;
      }
      auto& table = is_compute(a.type) ? compute_ : transfers_;
      auto [it, fresh] = table.emplace(key(a.type, a.pipe, a.stage, a.micro_batch), v);
      if (!fresh) fail(fmt::format("{} appears twice (also as {})", name(v), name(it->second)));
    }
  }

  std::uint32_t find_compute(ActionType t, int pipe, int stage, int mb, std::uint32_t needed_by) const {
    auto it = compute_.find(key(t, pipe, stage, mb));
    if (it == compute_.end()) {
      Action missing;
      missing.type = t, missing.pipe = static_cast<std::uint16_t>(pipe), missing.stage = stage, missing.micro_batch = mb;
      fail(fmt::format("{} needs {}, which no worker runs", name(needed_by), action_label(s_, missing)));
    }
    return it->second;
  }

  // Steady-state schedules: a backward of this period's micro-batch mb may run as the previous
  // period's (id mb - N); exactly one of the two is present (the duplicate check catches both).
  int period_id(ActionType t, int pipe, int stage, int mb) const {
    if (!s_.steady_state || t == ActionType::forward || compute_.count(key(t, pipe, stage, mb))) return mb;
    return mb - s_.options.micro_batches;
  }
  bool present(ActionType t, int pipe, int stage, int mb) const { return compute_.count(key(t, pipe, stage, mb)) > 0; }

  void check_completeness() const {
    std::size_t expected = 0;
    const int passes = s_.split_backward ? 3 : 2;
    for (std::size_t p = 0; p < s_.pipes.size(); ++p)
      for (int mb : s_.pipes[p].micro_batches)
        for (int st = 0; st < s_.stage_count; ++st)
          for (int k = 0; k < passes; ++k) {
            ActionType t = k == 0 ? ActionType::forward : k == 1 ? ActionType::backward : ActionType::weight;
            if (!compute_.count(key(t, static_cast<int>(p), st, period_id(t, static_cast<int>(p), st, mb)))) {
              Action missing;
              missing.type = t, missing.pipe = static_cast<std::uint16_t>(p), missing.stage = st, missing.micro_batch = mb;
              fail(fmt::format("{} is missing (expected on {})", action_label(s_, missing),
                               worker_name(s_.pipes[p].worker_of_stage[st])));
            }
            ++expected;
          }
    if (compute_.size() != expected)
      fail(fmt::format("{} compute actions where the pipes' micro-batches need {}", compute_.size(), expected));
    for (int w = 0; w < s_.workers; ++w)
      for (int st : s_.stages_of(w))
        if (!synced_.count({w, st})) fail(fmt::format("{} never syncs the gradients of its stage {}", worker_name(w), st));
  }

  // A receive's partner: the send of the same data. Both must name each other's worker.
  std::uint32_t matching_send(std::uint32_t recv) const {
    const Action& a = action(recv);
    const ActionType send_type =
        a.type == ActionType::recv_activation ? ActionType::send_activation : ActionType::send_gradient;
    auto it = transfers_.find(key(send_type, a.pipe, a.stage, a.micro_batch));
    if (it == transfers_.end()) fail(fmt::format("{} has no matching send", name(recv)));
    if (g_.worker_of[it->second] != a.peer || action(it->second).peer != g_.worker_of[recv])
      fail(fmt::format("{} and {} do not name each other as peers", name(recv), name(it->second)));
    return it->second;
  }

  // The engine matches messages FIFO per (source, destination, channel), one channel per
  // (kind, pipe, stage): the k-th send must carry the k-th receive's micro-batch.
  void check_fifo_channels() const {
    using Channel = std::tuple<int, int, int, int, int>;  // kind, pipe, stage, src, dst
    std::map<Channel, std::vector<std::uint32_t>> sends, recvs;
    for (std::uint32_t v = 0; v < g_.worker_of.size(); ++v) {
      const Action& a = action(v);
      const int w = g_.worker_of[v];
      if (a.type == ActionType::send_activation || a.type == ActionType::send_gradient)
        sends[{a.type == ActionType::send_activation, a.pipe, a.stage, w, a.peer}].push_back(v);
      else if (a.type == ActionType::recv_activation || a.type == ActionType::recv_gradient)
        recvs[{a.type == ActionType::recv_activation, a.pipe, a.stage, a.peer, w}].push_back(v);
    }
    for (const auto& [ch, rs] : recvs) {
      auto it = sends.find(ch);
      for (std::size_t k = 0; k < rs.size(); ++k) {
        std::uint32_t send = matching_send(rs[k]);
        if (it == sends.end() || k >= it->second.size() || it->second[k] != send)
          fail(fmt::format("{} is receive #{} of its channel but its data is sent as {} in another position: "
                           "messages would be matched out of order",
                           name(rs[k]), k, name(send)));
      }
    }
    for (const auto& [ch, ss] : sends) {
      auto it = recvs.find(ch);
      std::size_t received = it == recvs.end() ? 0 : it->second.size();
      if (ss.size() > received) fail(fmt::format("{} has no matching receive", name(ss[received])));
    }
  }

  void add_dependencies() {
    const int last = s_.stage_count - 1;
    for (std::uint32_t v = 0; v < g_.worker_of.size(); ++v) {
      const Action& a = action(v);
      const int w = g_.worker_of[v];
      auto& d = g_.deps[v];
      const auto& map = s_.pipes[a.pipe].worker_of_stage;
      // The input of a compute: local, or the receive on this worker.
      auto input = [&](ActionType producer, int from_stage, ActionType recv_type) {
        if (map[from_stage] == w) {
          d.push_back(find_compute(producer, a.pipe, from_stage, a.micro_batch, v));
          return;
        }
        auto it = transfers_.find(key(recv_type, a.pipe, from_stage, a.micro_batch));
        if (it == transfers_.end() || g_.worker_of[it->second] != w)
          fail(fmt::format("{} has no receive of its input from {}", name(v), worker_name(map[from_stage])));
        d.push_back(it->second);
      };
      switch (a.type) {
        case ActionType::forward:
          if (a.stage > 0) input(ActionType::forward, a.stage - 1, ActionType::recv_activation);
          break;
        case ActionType::backward:
          // A previous period's backward (steady state): its forward ran then, and so did the
          // next stage's backward unless it is here too.
          if (!s_.steady_state || a.micro_batch >= 0)
            d.push_back(find_compute(ActionType::forward, a.pipe, a.stage, a.micro_batch, v));
          if (a.stage < last && (!s_.steady_state || present(ActionType::backward, a.pipe, a.stage + 1, a.micro_batch)))
            input(ActionType::backward, a.stage + 1, ActionType::recv_gradient);
          break;
        case ActionType::weight: d.push_back(find_compute(ActionType::backward, a.pipe, a.stage, a.micro_batch, v)); break;
        case ActionType::send_activation:
          d.push_back(find_compute(ActionType::forward, a.pipe, a.stage, a.micro_batch, v));
          break;
        case ActionType::send_gradient:
          d.push_back(find_compute(ActionType::backward, a.pipe, a.stage, a.micro_batch, v));
          break;
        case ActionType::recv_activation:
        case ActionType::recv_gradient: d.push_back(matching_send(v)); break;
        case ActionType::gradient_sync: {
          const ActionType completes = s_.split_backward ? ActionType::weight : ActionType::backward;
          if (s_.sync_every_backward) {  // the one backward it follows
            d.push_back(find_compute(completes, a.pipe, a.stage, a.micro_batch, v));
            break;
          }
          for (std::size_t p = 0; p < s_.pipes.size(); ++p)
            if (s_.pipes[p].worker_of_stage[a.stage] == w)
              for (int mb : s_.pipes[p].micro_batches)
                d.push_back(find_compute(completes, static_cast<int>(p), a.stage,
                                         period_id(completes, static_cast<int>(p), a.stage, mb), v));
          break;
        }
      }
    }
  }

  void order() {
    const std::size_t n = g_.worker_of.size();
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
    edges.reserve(2 * n);
    for (int w = 0; w < s_.workers; ++w)
      for (std::size_t i = 1; i < s_.actions[w].size(); ++i) edges.emplace_back(g_.node(w, i - 1), g_.node(w, i));
    for (std::uint32_t v = 0; v < n; ++v)
      for (std::uint32_t d : g_.deps[v]) edges.emplace_back(d, v);
    Graph graph(boost::edges_are_unsorted_multi_pass, edges.begin(), edges.end(), n);

    std::vector<Vertex> parent(n, boost::graph_traits<Graph>::null_vertex()), finished;
    finished.reserve(n);
    OrderVisitor visitor;
    visitor.parent = &parent;
    visitor.finished = &finished;
    try {
      boost::depth_first_search(graph, boost::visitor(visitor));
    } catch (const CycleFound& c) {
      // The tree path to.from closes the cycle with the back edge from -> to.
      std::vector<Vertex> path{c.from};
      while (path.back() != c.to) path.push_back(parent[path.back()]);
      std::reverse(path.begin(), path.end());
      std::string text;
      const std::size_t shown = std::min<std::size_t>(path.size(), 16);
      for (std::size_t i = 0; i < shown; ++i) text += name(static_cast<std::uint32_t>(path[i])) + " -> ";
      if (shown < path.size()) text += fmt::format("... ({} more) -> ", path.size() - shown);
      text += name(static_cast<std::uint32_t>(c.to));
      fail(fmt::format("dependency cycle (the workers would wait for each other forever): {}", text));
    }
    g_.topological_order.assign(finished.rbegin(), finished.rend());
  }

  const PipelineSchedule& s_;
  ScheduleGraph g_;
  std::unordered_map<std::uint64_t, std::uint32_t> compute_, transfers_;
  std::map<std::pair<int, int>, std::uint32_t> synced_;
};

}  // namespace

ScheduleGraph build_schedule_graph(const PipelineSchedule& s) {
  if (static_cast<int>(s.actions.size()) != s.workers)
    throw InvalidSchedule(fmt::format("invalid schedule {}: {} action lists for {} workers", describe(s.options),
                                      s.actions.size(), s.workers));
  return Builder(s).build();
}

}  // namespace chimera
