#pragma once
// Options of the heterogeneous plan search (Metis, USENIX ATC'24, and the memory-headroom
// variant of the livingshade fork). Each quirk of the reference implementation is one flag:
// `--compat` turns all of them on (exact reproduction); the default "clean" mode turns all off.
// planner/README.md describes every quirk, what clean mode does instead, and what it changes.
#include <string>
#include <vector>

namespace chimera::metis {

// Which stage's data-parallel degree is halved next in the DP -> TP walk.
enum class Strategy {
  metis,     // smallest memory headroom of the last successful partition, else largest DP
  headroom,  // the fork's USE_STRAT: first-attempt headroom of the last partition (OOM stage first)
};

struct Quirks {
  bool mislabelled_sequences = true;   // 1: later node sequences skip S=1, repeat the first S>=2 as "1 stage"
  bool inter_bw_is_intra = true;       // 2: the inter-node bandwidth getter returns the intra value
  bool memory_type_of_sequence = true; // 3: memory demand read from the node sequence's first type
  bool homogeneous_memory_once = true; // 4: a homogeneous stage's demand is not multiplied by its replicas
  bool memory_shares_cluster = true;   // 5: heterogeneous memory shares computed over the whole cluster
  bool chunk_type_first_gpu = true;    // 6: a replica mixing types is timed as its first GPU's type
  bool balancer_loses_layers = true;   // 7: rounding can drop layers and leave stages empty
  bool count_skips_last_call = true;   // 8: steps of the final, non-yielding walk call are not counted
  bool optimizer_doubled = true;       // 9: the profile loader doubles optimizer_time_ms
  bool hostfile_one_digit = true;      // 10: one-character slot counts, nodes[0]'s count for all, N = 2^k
  bool p2p_elements_once = true;       // 11: p2p volume in elements, once, vocab-sized at layer L-1

  static Quirks all() { return Quirks{}; }
  static Quirks none();
  // Turns on quirk `number` (1..11); false if there is no such quirk.
  bool enable(int number);
  std::vector<int> enabled() const;
};

struct SearchOptions {
  int layers = 0;        // L (--layers)
  int global_batch = 0;  // G (--gbs)
  double hidden_size = 4096;
  double sequence_length = 1024;
  double vocab_size = 51200;
  int max_profiled_tp = 128;
  int max_profiled_batch = 128;
  int min_group_scale_variance = 1;
  int max_permute_len = 128;
  Strategy strategy = Strategy::metis;
  Quirks quirks = Quirks::none();
  // Node types in the order of the first node sequence (e.g. {"A100", "V100"}).
  std::vector<std::string> type_order;
  int top_plans = 5;  // how many of the cheapest plans the result keeps
};

const char* to_string(Strategy s);

}  // namespace chimera::metis
