#include "workloads/step/layout.hpp"

#include <algorithm>
#include <stdexcept>

namespace chimera {

StepLayout::StepLayout(std::vector<WorkerLayout> workers, int ep) : workers_(std::move(workers)), ep_(ep) {
  if (workers_.empty()) throw std::invalid_argument("a training step needs at least one worker");
  for (std::size_t w = 0; w < workers_.size(); ++w) {
    const WorkerLayout& l = workers_[w];
    if (l.tp < 1 || l.cp < 1 || l.dp < 1) throw std::invalid_argument("parallel degrees must be >= 1");
    if (static_cast<int>(l.samples.size()) != l.dp) throw std::invalid_argument("one sample count per replica");
    if (l.first_rank != world_) throw std::invalid_argument("workers hold consecutive ranks");
    if ((l.cp * l.dp) % ep_ != 0) throw std::invalid_argument("ep must divide dp x cp");
    worker_of_rank_.insert(worker_of_rank_.end(), l.ranks(), static_cast<int>(w));
    world_ += l.ranks();
    const WorkerLayout& f = workers_.front();
    if (l.tp != f.tp || l.cp != f.cp || l.dp != f.dp || l.samples != f.samples) uniform_ = false;
  }
}

StepLayout StepLayout::uniform(const ParallelPlan& plan, int micro_batch) {
  std::vector<WorkerLayout> workers;
  for (int p = 0; p < plan.pp; ++p) {
    WorkerLayout l;
    l.first_rank = p * plan.tp * plan.sp * plan.dp;
    l.tp = plan.tp, l.cp = plan.sp, l.dp = plan.dp;
    l.samples.assign(plan.dp, micro_batch);
    workers.push_back(std::move(l));
  }
  return StepLayout(std::move(workers), plan.ep);
}

RankPlace StepLayout::place(int rank) const {
  RankPlace p;
  p.worker = worker_of_rank_.at(rank);
  const WorkerLayout& l = workers_[p.worker];
  const int local = rank - l.first_rank;
  p.tp_index = local % l.tp;
  p.cp_index = (local / l.tp) % l.cp;
  p.dp_index = local / (l.tp * l.cp);
  return p;
}

int StepLayout::rank_of(int worker, int t, int c, int d) const {
  const WorkerLayout& l = workers_.at(worker);
  return l.first_rank + t + l.tp * (c + l.cp * d);
}

int StepLayout::samples_of(int rank) const {
  const RankPlace p = place(rank);
  return workers_[p.worker].samples[p.dp_index];
}

std::vector<int> StepLayout::tp_group(int rank) const {
  const RankPlace p = place(rank);
  std::vector<int> g;
  for (int t = 0; t < workers_[p.worker].tp; ++t) g.push_back(rank_of(p.worker, t, p.cp_index, p.dp_index));
  return g;
}

std::vector<int> StepLayout::cp_group(int rank) const {
  const RankPlace p = place(rank);
  std::vector<int> g;
  for (int c = 0; c < workers_[p.worker].cp; ++c) g.push_back(rank_of(p.worker, p.tp_index, c, p.dp_index));
  return g;
}

namespace {
// Ranks of a worker with tp index t whose expert index e = c + cp d satisfies `keep(e)`.
template <typename Keep>
std::vector<int> over_experts(const StepLayout& s, const WorkerLayout& l, int worker, int t, Keep keep) {
  std::vector<int> g;
  for (int e = 0; e < l.cp * l.dp; ++e)
    if (keep(e)) g.push_back(s.rank_of(worker, t, e % l.cp, e / l.cp));
  return g;
}
}  // namespace

std::vector<int> StepLayout::ep_group(int rank) const {
  const RankPlace p = place(rank);
  const WorkerLayout& l = workers_[p.worker];
  const int block = p.expert_index(l.cp) / ep_;
  return over_experts(*this, l, p.worker, p.tp_index, [&](int e) { return e / ep_ == block; });
}

std::vector<int> StepLayout::dense_replica_group(int rank) const {
  const RankPlace p = place(rank);
  return over_experts(*this, workers_[p.worker], p.worker, p.tp_index, [](int) { return true; });
}

std::vector<int> StepLayout::expert_replica_group(int rank) const {
  const RankPlace p = place(rank);
  const WorkerLayout& l = workers_[p.worker];
  const int slot = p.expert_index(l.cp) % ep_;
  return over_experts(*this, l, p.worker, p.tp_index, [&](int e) { return e % ep_ == slot; });
}

int StepLayout::peer_on(int rank, int w) const {
  const RankPlace p = place(rank);
  return rank_of(w, p.tp_index, p.cp_index, p.dp_index);
}

std::vector<ReshardPiece> reshard_pieces(const WorkerLayout& from, const WorkerLayout& to) {
  std::vector<ReshardPiece> out;
  for (int j = 0, q = 0; j < to.dp; q += to.samples[j], ++j)
    for (int tj = 0; tj < to.tp; ++tj) {
      const int dst = to.first_rank + j * to.tp + tj;
      for (int i = 0, p = 0; i < from.dp; p += from.samples[i], ++i) {
        const int overlap = std::min(p + from.samples[i], q + to.samples[j]) - std::max(p, q);
        if (overlap <= 0) continue;
        for (int ti = 0; ti < from.tp; ++ti)
          out.push_back({from.first_rank + i * from.tp + ti, dst, double(overlap) / from.tp});
      }
    }
  return out;
}

}  // namespace chimera
