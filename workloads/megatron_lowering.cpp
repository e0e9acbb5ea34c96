#include "workloads/megatron_lowering.hpp"

#include <map>
#include <stdexcept>

#include "workloads/transformer_kernels.hpp"

namespace chimera {
namespace {

struct BlockCosts {
  KernelList kernels[2][3];  // [block][pass]
  double seconds[2][3] = {};
};

BlockCosts cost_blocks(const ModelSpec& m, int tp, bool sequence_parallel, LoweringMode mode,
                       const ComputeCostModel& model) {
  BlockCosts c;
  const LayerSharding shard{tp, 1, mode, sequence_parallel};
  for (int b = 0; b < 2; ++b)
    for (int p = 0; p < 3; ++p) {
      auto ks = transformer_block_kernels(m, shard, static_cast<LayerBlock>(b), static_cast<LayerPass>(p));
      c.seconds[b][p] = cost_kernels(ks, model, m.bytes_per_element, device_share(shard));
      c.kernels[b][p] = std::make_shared<const std::vector<Kernel>>(std::move(ks));
    }
  return c;
}

}  // namespace

double activation_bytes(const ModelSpec& m) {
  return double(m.micro_batch) * m.sequence * m.hidden * m.bytes_per_element;
}

std::vector<Program> lower_megatron(const LoweringInput& in) {
  const ModelSpec& m = in.model;
  const ParallelPlan& plan = in.plan;
  if (plan.pp != 1) throw std::invalid_argument("lower_megatron handles pp == 1; pipelines use a schedule");
  const int world = plan.world_size();
  const double act = activation_bytes(m);
  const double layer_grad_bytes = m.parameters_per_layer() / plan.tp * m.bytes_per_element;

  std::map<const ComputeCostModel*, BlockCosts> costs;  // identical hardware is costed once
  const char* names[2][3] = {{intern("attn.fwd"), intern("attn.bwd.ig"), intern("attn.bwd.wg")},
                             {intern("mlp.fwd"), intern("mlp.bwd.ig"), intern("mlp.bwd.wg")}};
  const char* tp_ar = intern("tp.allreduce");
  const char* tp_rs = intern("tp.reducescatter");
  const char* tp_ag = intern("tp.allgather");
  const bool sp = plan.sequence_parallel && plan.tp > 1;
  const char* dp_ar = intern("dp.allreduce");
  const char* optimizer = intern("optimizer");

  std::map<std::vector<int>, GroupPtr> groups;  // members of a group share one Group
  auto group = [&](std::vector<int> ranks) {
    auto it = groups.find(ranks);
    if (it != groups.end()) return it->second;
    return groups.emplace(ranks, make_group(ranks)).first->second;
  };

  std::vector<Program> programs(world);
  for (int rank = 0; rank < world; ++rank) {
    const ComputeCostModel& model = in.cost_model_of(rank);
    auto it = costs.find(&model);
    if (it == costs.end()) it = costs.emplace(&model, cost_blocks(m, plan.tp, plan.sequence_parallel && plan.tp > 1, in.compute_lowering, model)).first;
    const BlockCosts& c = it->second;
    GroupPtr tp_group = group(tensor_parallel_group(plan, rank));
    GroupPtr dp_group = group(data_parallel_group(plan, rank));

    Program& p = programs[rank];
    p.rank = rank;
    auto compute = [&](int block, int pass, int layer, int mb, std::vector<OpIndex> deps) {
      Op op = compute_op(names[block][pass], layer, mb, c.seconds[block][pass], std::move(deps));
      op.kernels = c.kernels[block][pass];
      return p.add(std::move(op));
    };
    auto collective = [&](CollectiveKind kind, const char* name, std::uint16_t stream, GroupPtr g, double bytes,
                          CollectiveAlgorithm algo, int layer, int mb, std::vector<OpIndex> deps) {
      Op op = collective_op(name, kind, p.bind(std::move(g)), bytes, stream, layer, mb, std::move(deps));
      op.algorithm = algo;
      return p.add(std::move(op));
    };
    auto allreduce = [&](const char* name, std::uint16_t stream, GroupPtr g, double bytes, CollectiveAlgorithm algo,
                         int layer, int mb, std::vector<OpIndex> deps) {
      return collective(CollectiveKind::all_reduce, name, stream, std::move(g), bytes, algo, layer, mb, std::move(deps));
    };
    // After a block's output (forward) or input gradient (backward): its tensor-parallel
    // reduction, an all-reduce or (sequence parallel) a reduce-scatter.
    auto reduce = [&](int layer, int mb, OpIndex after) {
      return sp ? collective(CollectiveKind::reduce_scatter, tp_rs, kCollectiveStream, tp_group, act, in.tp_algorithm,
                             layer, mb, {after})
                : allreduce(tp_ar, kCollectiveStream, tp_group, act, in.tp_algorithm, layer, mb, {after});
    };
    // Sequence parallel: a block's input arrives as this rank's 1/tp of the sequence (the
    // embedding's output, the previous block's reduce-scatter, the loss gradient) and is
    // gathered first; the all-gather waits only for the data it gathers.
    auto gathered = [&](int layer, int mb, std::vector<OpIndex> data, std::vector<OpIndex> after) {
      if (sp) data = {collective(CollectiveKind::all_gather, tp_ag, kCollectiveStream, tp_group, act, in.tp_algorithm,
                                 layer, mb, std::move(data))};
      data.insert(data.end(), after.begin(), after.end());
      return data;
    };
    // `ready` is what the next compute must wait for besides the compute stream's order.
    auto block_forward = [&](int block, int layer, int mb, std::vector<OpIndex> ready) {
      OpIndex f = compute(block, 0, layer, mb, gathered(layer, mb, std::move(ready), {}));
      if (plan.tp == 1) return std::vector<OpIndex>{f};
      return std::vector<OpIndex>{reduce(layer, mb, f)};
    };
    // `data`: the output gradient's producer; `after`: the previous weight gradient (compute order).
    auto block_backward = [&](int block, int layer, int mb, std::vector<OpIndex> data, std::vector<OpIndex> after,
                              OpIndex& wg) {
      OpIndex ig = compute(block, 1, layer, mb, gathered(layer, mb, std::move(data), std::move(after)));
      std::vector<OpIndex> next;
      if (plan.tp > 1) next.push_back(reduce(layer, mb, ig));
      else next.push_back(ig);
      wg = compute(block, 2, layer, mb, {ig});
      return next;
    };

    std::vector<OpIndex> ready;
    std::vector<OpIndex> gradient_syncs;
    for (int mb = 0; mb < plan.micro_batches; ++mb) {
      for (int l = 0; l < m.layers; ++l) {
        ready = block_forward(0, l, mb, ready);
        ready = block_forward(1, l, mb, ready);
      }
      std::vector<OpIndex> after;  // the last weight gradient
      for (int l = m.layers - 1; l >= 0; --l) {
        OpIndex wg = 0;
        ready = block_backward(1, l, mb, ready, after, wg);
        after = {wg};
        ready = block_backward(0, l, mb, ready, after, wg);
        after = {wg};
        if (plan.dp > 1 && mb == plan.micro_batches - 1)
          gradient_syncs.push_back(
              allreduce(dp_ar, kDataParallelStream, dp_group, layer_grad_bytes, in.dp_algorithm, l, -1, {wg}));
      }
      ready.insert(ready.end(), after.begin(), after.end());
    }
    // Mixed-precision Adam touches about 16 bytes of state per parameter (fp32 master weights,
    // two moments, the gradient) and writes the model-precision weights back.
    Op step;
    step.kind = OpKind::compute;
    step.stream = kComputeStream;
    step.name = optimizer;
    double params = m.parameters_per_layer() * m.layers / plan.tp;
    Kernel adam;
    adam.kind = Kernel::Kind::elementwise;
    adam.name = "adam";
    adam.bytes = params * (16.0 * 2 + m.bytes_per_element);
    adam.seconds = model.elementwise_seconds(adam.bytes);
    step.duration_s = adam.seconds;
    step.kernels = std::make_shared<const std::vector<Kernel>>(std::vector<Kernel>{adam});
    step.deps = gradient_syncs;
    step.deps.insert(step.deps.end(), ready.begin(), ready.end());
    p.add(std::move(step));
  }
  return programs;
}

}  // namespace chimera
