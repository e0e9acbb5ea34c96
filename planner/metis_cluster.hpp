#pragma once
// The cluster a plan search runs on, from the two inputs of the Metis planner:
//  - a hostfile: one line per node, "ADDRESS slots=K" (K GPUs on that node);
//  - a cluster file (JSON): per address, the GPU type, intra/inter-node bandwidth (GB/s) and
//    GPU memory (GB).
// Malformed input is an InputError naming the file, line or key.
#include <string>
#include <string_view>
#include <vector>

namespace chimera::metis {

struct HostfileNode {
  std::string address;
  int slots = 0;
  int line = 0;  // 1-based line in the hostfile
};

// `one_digit_slots`: the reference reads the slot count as one character, so it misreads
// counts above 9; with this set such counts are an error instead of a silent misread.
std::vector<HostfileNode> parse_hostfile(std::string_view text, const std::string& path, bool one_digit_slots);
std::vector<HostfileNode> read_hostfile(const std::string& path, bool one_digit_slots);

// What the fork's gen_hostfile.py writes for `n`: n/4 V100 nodes (0.0.0.1) then n/4 A100
// nodes (0.0.0.4), 4 GPUs each.
std::string generate_hostfile(int n);

struct NodeSpec {
  std::string address;
  std::string type;  // upper-cased instance_type
  double inter_bandwidth = 0, intra_bandwidth = 0, memory_gb = 0;
};

// Entries in file order (the order decides which address describes a type).
std::vector<NodeSpec> parse_cluster_file(std::string_view text, const std::string& path);
std::vector<NodeSpec> read_cluster_file(const std::string& path);

struct Cluster {
  // GPU types present in the hostfile, in the order of the first node sequence.
  std::vector<std::string> types;
  // Per type, from the first cluster-file address with that type.
  std::vector<double> memory_mb, intra_bandwidth, inter_bandwidth;
  struct Node {
    int type = 0;  // index into `types`
    int slots = 0;
    int line = 0;
    std::string address;
  };
  std::vector<Node> nodes;  // hostfile order
  std::string hostfile_path, cluster_path;

  int type_index(std::string_view name) const;  // -1 if absent
};

// Default node-type order: A100, V100, P100, T4, then other types alphabetically.
std::vector<std::string> default_type_order(const std::vector<std::string>& present);

// `type_order` empty -> default_type_order; otherwise it must list exactly the hostfile's types.
// `uniform_slots`: the reference assumes every node has nodes[0]'s GPU count; with this set a
// hostfile that breaks the assumption is an error.
Cluster make_cluster(const std::vector<HostfileNode>& hosts, const std::string& hostfile_path,
                     const std::vector<NodeSpec>& specs, const std::string& cluster_path,
                     const std::vector<std::string>& type_order, bool uniform_slots);

}  // namespace chimera::metis
