#include "planner/metis_evaluate.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/input_error.hpp"

namespace chimera::metis {
namespace {

int highest_bit(int x) {
  int b = 1;
  while (b <= x / 2) b *= 2;
  return b;
}

constexpr double kMiB = 1024.0 * 1024.0;  // the reference's GB/s -> bytes per ms factor

}  // namespace

SearchContext::SearchContext(const Cluster& c, const ProfileSet& p, const ModelConstants& k, const SearchOptions& o)
    : cluster(c), profiles(p), constants(k), options(o), quirks(o.quirks), G(o.global_batch), L(o.layers) {
  for (const auto& t : c.types) profile_type.push_back(p.type_index(t));
}

const Profile& SearchContext::need(int type, int tp, int bs) const {
  const Profile* p = find(type, tp, bs);
  if (!p)
    throw InputError({profiles.origin}, profile_name(cluster.types[type], tp, bs),
                     "missing, but the search needs it (memory check or stage performance)",
                     "a profile for every GPU type, TP degree and batch size the plans use");
  return *p;
}

void StageGroup::set(const Layout& l, const std::vector<int>& sizes, int costed_stages, const Cluster& cluster) {
  layout = &l;
  S = static_cast<int>(sizes.size());
  costed = costed_stages;
  size = sizes;
  first.assign(S, 0);
  capacity_mb.assign(S, 0);
  int r = 0;
  for (int s = 0; s < S; ++s) {
    first[s] = r;
    double cap = 0;
    for (int k = 0; k < sizes[s]; ++k, ++r) cap += cluster.memory_mb[l.rank_type[r]];
    capacity_mb[s] = cap;
  }
}

PlanEvaluator::PlanEvaluator(const SearchContext& ctx)
    : ctx_(ctx), balancer_(ctx.constants.layer_demand, ctx.quirks.balancer_loses_layers) {}

int PlanEvaluator::chunk_type(const Layout& l, int first, int size, int tp) const {
  int t = l.rank_type[first];
  if (ctx_.quirks.chunk_type_first_gpu) return t;
  // Clean: a replica spanning GPU types runs at the pace of its slowest GPU.
  for (int p = l.rank_pos[first] + 1; p <= l.rank_pos[first + size - 1]; ++p) {
    int u = l.sequence[p];
    if (ctx_.need(u, tp, 1).layer_compute_total_ms > ctx_.need(t, tp, 1).layer_compute_total_ms) t = u;
  }
  return t;
}

void PlanEvaluator::chunk_shares(const Layout& l, int first, int count, int dp, int tp, int batch) {
  chunk_types_.resize(dp);
  seconds_.resize(dp);
  shares_.resize(dp);
  int chunk = count / dp;
  for (int i = 0; i < dp; ++i) {
    chunk_types_[i] = chunk_type(l, first + i * chunk, chunk, tp);
    seconds_[i] = ctx_.need(chunk_types_[i], tp, 1).layer_compute_total_ms;
  }
  split_batch(batch, seconds_.data(), dp, shares_.data());
}

void PlanEvaluator::stage_shares(const StageGroup& g, const int* dp, const int* tp, double* share) {
  const Layout& l = *g.layout;
  const int B = ctx_.G / g.M;
  double total = 0;
  for (int s = 0; s < g.S; ++s) {
    double perf;
    if (l.homogeneous(g.first[s], g.size[s])) {
      perf = 1 / ctx_.need(l.rank_type[g.first[s]], tp[s], B / dp[s]).layer_compute_total_ms;
    } else {
      chunk_shares(l, g.first[s], g.size[s], dp[s], tp[s], B);
      double slowest = 0;
      for (int i = 0; i < dp[s]; ++i) {
        double t = 0;
        for (int b = shares_[i] > 0 ? highest_bit(shares_[i]) : 0; b >= 1; b /= 2)
          if (shares_[i] & b) t += ctx_.need(chunk_types_[i], tp[s], b).layer_compute_total_ms;
        slowest = std::max(slowest, t);
      }
      perf = slowest == 0 ? 0 : 1 / slowest;
    }
    share[s] = perf;
    total += perf;
  }
  for (int s = 0; s < g.S; ++s) share[s] = share[s] / total;
}

double PlanEvaluator::memory_demand(const StageGroup& g, int s, int a, int b, int dp, int tp) {
  const Layout& l = *g.layout;
  const Quirks& q = ctx_.quirks;
  const int B = ctx_.G / g.M;
  const int seq0 = l.sequence.front();
  double total = 0;
  if (l.homogeneous(g.first[s], g.size[s])) {
    int type = q.memory_type_of_sequence ? seq0 : l.rank_type[g.first[s]];
    const Profile& p = ctx_.need(type, tp, B / dp);
    for (int k = a; k < b; ++k) total += p.layer_memory_mb[k];
    if (!q.homogeneous_memory_once) total *= dp;  // every replica holds its layers
  } else {
    if (q.memory_shares_cluster)
      chunk_shares(l, 0, l.num_ranks, dp, tp, B);
    else
      chunk_shares(l, g.first[s], g.size[s], dp, tp, B);
    // Per-(type, slice) layer sums, cached: a stage has many replicas of few kinds.
    const int ntypes = static_cast<int>(ctx_.cluster.types.size());
    mem_cache_.assign(ntypes * 32, -1);
    for (int i = 0; i < dp; ++i) {
      int type = q.memory_type_of_sequence ? seq0 : chunk_types_[i];
      for (int bit = 0, v = 1; v <= shares_[i]; ++bit, v *= 2) {
        if (!(shares_[i] & v)) continue;
        double& cached = mem_cache_[type * 32 + bit];
        if (cached < 0) {
          const Profile& p = ctx_.need(type, tp, v);
          cached = 0;
          for (int k = a; k < b; ++k) cached += p.layer_memory_mb[k];
        }
        total += cached;
      }
    }
  }
  return 0.001 + 5 * total;
}

void PlanEvaluator::partition(const StageGroup& g, const int* dp, const int* tp, const double* share,
                              MemoryOutcome& out) {
  const int S = g.S;
  out.ok = false;
  out.attempt = 0;
  out.failed_attempts = 0;
  out.first_headroom.clear();
  out.partition.resize(S + 1);
  out.headroom.resize(S);
  c_.assign(share, share + S);
  extra_.resize(S);
  demand_.resize(S);
  // Share still to be handed to stages with spare memory. Set once per call, as in the
  // reference: what an attempt leaves undistributed (the loop stops below 0.01) is handed out
  // by the next attempt, together with the share its own out-of-memory stages give up.
  double required = 0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    balancer_.balance(c_.data(), S, out.partition.data());
    double min_headroom = 0;
    for (int s = 0; s < S; ++s) {
      demand_[s] = memory_demand(g, s, out.partition[s], out.partition[s + 1], dp[s], tp[s]);
      out.headroom[s] = g.capacity_mb[s] - demand_[s];
      min_headroom = s == 0 ? out.headroom[s] : std::min(min_headroom, out.headroom[s]);
    }
    if (min_headroom >= 0) {
      out.ok = true;
      out.attempt = attempt;
      return;
    }
    if (attempt == 1) out.first_headroom = out.headroom;
    ++out.failed_attempts;
    if (attempt == 3) break;
    // Shrink the out-of-memory stages' shares by 10% beyond their memory ratio and give the
    // difference to stages with spare memory, in proportion to their shares.
    for (int s = 0; s < S; ++s) {
      double cap = g.capacity_mb[s], dem = demand_[s];
      if (cap > dem) {
        extra_[s] = c_[s] * cap / dem - c_[s];
      } else {
        double reduced = c_[s] * (cap / dem) * 0.9;
        required += c_[s] - reduced;
        c_[s] = reduced;
        extra_[s] = 0;
      }
    }
    double total_extra = 0;
    for (int s = 0; s < S; ++s) total_extra += extra_[s];
    if (total_extra < required) break;
    // The reference loops until done; the guard only stops a loop that could not end.
    for (int round = 0; required > 0.01; ++round) {
      double total = 0;
      for (int s = 0; s < S; ++s)
        if (extra_[s] > 0.001) total += c_[s];
      if (total == 0 || round == 10000) return;
      for (int s = 0; s < S; ++s) {
        double alloc = extra_[s] > 0.001 ? std::min(extra_[s], required * c_[s] / total) : 0;
        c_[s] += alloc;
        extra_[s] -= alloc;
        required -= alloc;
      }
    }
  }
}

bool PlanEvaluator::cost(const StageGroup& g, const int* dp, const int* tp, const int* part, CostBreakdown& out) {
  const Layout& l = *g.layout;
  const Quirks& q = ctx_.quirks;
  const SearchOptions& o = ctx_.options;
  const ModelConstants& k = ctx_.constants;
  const int K = g.costed, M = g.M, L = ctx_.L, B = ctx_.G / M;
  double max_e = 0, sum_e = 0;
  for (int s = 0; s < K; ++s) {
    const int a = part[s], b = part[s + 1], mbs = ctx_.G / dp[s] / M;
    double e = 0;
    if (l.homogeneous(g.first[s], g.size[s])) {
      const Profile* p = ctx_.find(l.rank_type[g.first[s]], tp[s], mbs);
      if (!p) return false;
      for (int i = a; i < b; ++i) e += p->layer_compute_ms[i];
    } else {
      int chunk = g.size[s] / dp[s];
      chunk_types_.resize(dp[s]);
      seconds_.resize(dp[s]);
      shares_.resize(dp[s]);
      for (int i = 0; i < dp[s]; ++i) {
        chunk_types_[i] = chunk_type(l, g.first[s] + i * chunk, chunk, tp[s]);
        const Profile* p = ctx_.find(chunk_types_[i], tp[s], 1);
        if (!p) return false;
        seconds_[i] = p->layer_compute_total_ms;
      }
      split_batch(B, seconds_.data(), dp[s], shares_.data());
      bool any = false;
      for (int i = 0; i < dp[s]; ++i) {
        if (shares_[i] <= 0) continue;
        double t = 0;
        for (int v = highest_bit(shares_[i]); v >= 1; v /= 2) {
          if (!(shares_[i] & v)) continue;
          const Profile* p = v <= o.max_profiled_batch ? ctx_.find(chunk_types_[i], tp[s], v) : nullptr;
          if (!p) return false;
          double slice = 0;
          for (int j = a; j < b; ++j) slice += p->layer_compute_ms[j];
          t += slice;
        }
        e = any ? std::max(e, t) : t;
        any = true;
      }
    }
    max_e = s == 0 ? e : std::max(max_e, e);
    sum_e += e;
  }
  out.execution = (M - 1) * max_e + sum_e;

  const int last = K - 1, last_mbs = ctx_.G / dp[last] / M;
  double fb = 0;
  for (int pos = l.rank_pos[g.first[last]]; pos <= l.rank_pos[g.first[last] + g.size[last] - 1]; ++pos) {
    const Profile* p = ctx_.find(l.sequence[pos], tp[last], last_mbs);
    if (!p || p->fb_sync_ms == 0) return false;
    fb = pos == l.rank_pos[g.first[last]] ? p->fb_sync_ms : std::max(fb, p->fb_sync_ms);
  }
  out.fb_sync = fb * M;

  double pp = 0;
  for (int s = 0; s + 1 < K; ++s) {
    const int mbs = ctx_.G / dp[s] / M;
    double bw = rank_range_bandwidth(l, ctx_.cluster, g.first[s], g.size[s] + g.size[s + 1], q.inter_bw_is_intra) * kMiB;
    double act;
    if (q.p2p_elements_once)
      act = part[s + 1] == L - 1 ? static_cast<double>(mbs) * o.sequence_length * o.vocab_size / tp[s]
                                 : static_cast<double>(mbs) * o.sequence_length * o.hidden_size;
    else  // bytes (fp16) of one micro-batch's activations, forward and backward, for all M
      act = 2.0 * M * (static_cast<double>(mbs) * o.sequence_length * o.hidden_size * 2);
    pp += act / bw;
  }
  out.p2p = pp;

  double max_update = 0, max_dp = 0;
  std::vector<int>& ranks = shares_;  // scratch
  for (int s = 0; s < K; ++s) {
    const int a = part[s], b = part[s + 1], n = b - a;
    double bw_dp = 0;
    ranks.resize(tp[s]);
    for (int j = 0; j < dp[s]; ++j) {
      for (int m = 0; m < tp[s]; ++m) ranks[m] = g.first[s] + j + m * dp[s];
      double bw = rank_set_bandwidth(l, ctx_.cluster, ranks.data(), tp[s], q.inter_bw_is_intra);
      bw_dp = j == 0 ? bw : std::min(bw_dp, bw);
    }
    double params = 0;
    if (a == 0) params += k.params_input / tp[s];
    if (b == L) params += k.params_output / tp[s];
    params += k.params_transformer / tp[s] * (n - (a == 0) - (b == L));
    double dp_cost = 2.0 * (dp[s] - 1) / (dp[s] * (bw_dp * kMiB)) * params;
    double update = k.optimizer_time_ms / tp[s] * (static_cast<double>(n) / L);
    max_update = s == 0 ? update : std::max(max_update, update);
    max_dp = s == 0 ? dp_cost : std::max(max_dp, dp_cost);
  }
  out.update = max_update;
  out.dp_allreduce = max_dp;
  out.batch_gen = k.batch_generator_time_ms * M;
  out.total = out.execution + out.fb_sync + out.update + out.dp_allreduce + out.p2p + out.batch_gen;
  return true;
}

}  // namespace chimera::metis
