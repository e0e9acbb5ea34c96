#pragma once
// A program is the whole truth about what one rank does in a simulated iteration: compute
// ops (with their kernels and duration), collectives (kind, group, bytes, algorithm),
// point-to-point sends and receives. Each op runs on a stream (in program order within the
// stream) and waits for the ops listed in `deps`. Programs are plain data: printable,
// comparable in tests, and independent of the simulation engine.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace chimera {

using OpIndex = std::uint32_t;

enum class OpKind : std::uint8_t { compute, collective, send, recv };

enum class CollectiveKind : std::uint8_t {
  all_reduce,
  reduce_scatter,
  all_gather,
  all_to_all,
  broadcast,
  reduce,
  multicast,  // pairwise point-to-point: source i -> target i (group -> targets)
  m2ms,       // many-to-many send: every source to every target (group -> targets)
};

// Algorithm requested for a collective; `automatic` is resolved per platform at run time.
enum class CollectiveAlgorithm : std::uint8_t {
  automatic,
  ring,                     // unidirectional ring over group positions
  ring_bidirectional,       // half the data each way round the ring
  hierarchical_ring,        // rings along each dimension of the group's shape (mesh/torus)
  halving_doubling,         // recursive halving / doubling, pairs exchange concurrently
  halving_doubling_serial,  // the research's switch variant: the two directions one after the other
  direct,                   // every pair at once
  double_binary_tree,       // two mirrored binary trees, pipelined in chunks (all-reduce)
  binomial_tree,            // broadcast / reduce in log2(n) rounds
  hierarchical,             // intra-node, then inter-node, then intra-node (multi-node)
  nvls,                     // NVLink SHARP: the switch reduces and multicasts (all-reduce)
};

const char* to_string(OpKind k);
const char* to_string(CollectiveKind k);
const char* to_string(CollectiveAlgorithm a);
bool parse_collective_kind(const std::string& s, CollectiveKind& out);
bool parse_collective_algorithm(const std::string& s, CollectiveAlgorithm& out);
extern const char* const kCollectiveKindChoices;
extern const char* const kCollectiveAlgorithmChoices;

// A communication group: an ordered list of ranks (order = position in the algorithm). A
// group laid out on a mesh or torus also has a shape {X, Y[, Z]}: position p sits at
// x = p % X, y = (p / X) % Y, z = p / (X Y); dimension-ordered algorithms ring along x, then
// y, then z. An empty shape means one dimension of size().
struct Group {
  std::vector<int> ranks;
  std::vector<int> shape;
  // Position of `rank` in the group, or -1.
  int index_of(int rank) const;
  int size() const { return static_cast<int>(ranks.size()); }
  std::vector<int> dims() const { return shape.empty() ? std::vector<int>{size()} : shape; }
};
using GroupPtr = std::shared_ptr<const Group>;
GroupPtr make_group(std::vector<int> ranks, std::vector<int> shape = {});

// One piece of work of a compute op: a GEMM (batch x [m x k] * [k x n]), a memory-bound
// element-wise kernel that moves `bytes` through DRAM, or a fused attention core
// (FlashAttention: `batch` heads of m queries against n keys of dimension k).
struct Kernel {
  enum class Kind : std::uint8_t { gemm, elementwise, attention };
  Kind kind = Kind::gemm;
  std::string name;
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
  double bytes = 0;       // elementwise: DRAM traffic
  double seconds = 0;     // cost on this rank's hardware
  bool causal = false;    // attention: the upper triangle is skipped
  bool backward = false;  // attention: the backward (scores recomputed, dQ, dK, dV)
  // 2*m*n*k*batch for GEMMs; attention: 4 m n k batch forward (two GEMMs), 10 backward (five),
  // halved when causal.
  double flops() const;
};
using KernelList = std::shared_ptr<const std::vector<Kernel>>;

// Well-known streams. Programs may add more (stream_names).
enum Stream : std::uint16_t { kComputeStream = 0, kCollectiveStream = 1, kDataParallelStream = 2, kPipelineStream = 3 };

// Ops name their groups and peers by slot: each rank binds a slot to its own group or peer rank
// (Program::groups, Program::peers), so ranks with the same role share one list of ops.
using Slot = std::uint16_t;
inline constexpr Slot kNoSlot = 0xffff;

struct Op {
  OpKind kind = OpKind::compute;
  std::uint16_t stream = kComputeStream;
  const char* name = "";     // interned label: "attn.fwd", "mlp.bwd.ig", "tp.allreduce"
  std::int32_t layer = -1;   // model layer, -1 when not tied to one
  std::int32_t micro_batch = -1;
  std::vector<OpIndex> deps;  // ops of the same program that must finish first

  // compute
  double duration_s = 0;
  KernelList kernels;

  // communication
  CollectiveKind collective = CollectiveKind::all_reduce;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::automatic;
  Slot group = kNoSlot;    // collective members; for multicast/m2ms the sources
  Slot targets = kNoSlot;  // multicast/m2ms targets
  Slot peer = kNoSlot;     // send/recv: the other rank
  double bytes = 0;  // collective: size argument (see collectives/); send/recv: message size
  // m2ms in rounds (algorithm ring): rotated, source s starts with target s (the default), or
  // not, every source addressing target 0, then target 1, ... (the real-machine PP+EP script).
  bool rotated = true;
  // Messages match on (source rank, destination rank, channel) in FIFO order. A send and its
  // receive may sit on different streams (a send stream and a receive stream) but must name
  // the same channel. -1: the op's stream.
  std::int32_t channel = -1;
  int effective_channel() const { return channel >= 0 ? channel : stream; }
};

// The ops and streams of a program. Ranks with the same role share one body.
struct ProgramBody {
  std::vector<std::string> stream_names = {"compute", "tp", "dp", "pp"};
  std::vector<Op> ops;
};

// What one rank executes: a (possibly shared) body of ops, and this rank's bindings of the
// body's group and peer slots.
struct Program {
  int rank = 0;
  std::shared_ptr<ProgramBody> body = std::make_shared<ProgramBody>();
  std::vector<GroupPtr> groups;  // [slot]
  std::vector<int> peers;        // [slot]

  const std::vector<Op>& ops() const { return body->ops; }
  const std::vector<std::string>& stream_names() const { return body->stream_names; }
  const Group& group(const Op& op) const { return *groups.at(op.group); }
  // Multicast / m2ms targets, or null.
  const Group* targets(const Op& op) const { return op.targets == kNoSlot ? nullptr : groups.at(op.targets).get(); }
  int peer(const Op& op) const { return peers.at(op.peer); }

  // Building a program of its own (not shared): appends an op; binds a group or peer to a slot
  // (the same group or peer keeps its slot); adds a stream.
  OpIndex add(Op op);
  Slot bind(GroupPtr group);
  Slot bind_peer(int rank);
  std::uint16_t add_stream(std::string name);

  std::size_t count(OpKind k) const;
  std::size_t count(CollectiveKind k) const;
};

// Interns a label so that ops can point to it for the whole run.
const char* intern(const std::string& label);

// The ops every lowering builds; callers set what else they need (kernels, algorithm, targets).
// `name` must be interned already (lowerings intern each label once, not once per op).
Op compute_op(const char* name, int layer, int micro_batch, double seconds, std::vector<OpIndex> deps);
Op collective_op(const char* name, CollectiveKind kind, Slot group, double bytes, std::uint16_t stream, int layer,
                 int micro_batch, std::vector<OpIndex> deps);

// Human-readable label: "L3 attn.fwd mb0", "tp.allreduce 2 MiB [0-7]".
std::string describe(const Program& p, const Op& op);
std::string describe_group(const Group& g);

// Text dump and JSON for `chimera-sim program`.
std::string format_program(const Program& p);
nlohmann::json program_to_json(const Program& p);

// Checks that deps point backwards within the program and name existing ops. Returns an
// empty string when valid, otherwise what is wrong.
std::string check_program(const Program& p);

}  // namespace chimera
