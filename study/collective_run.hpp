#pragma once
// One collective over a list of sizes, each size in its own simulation (so sizes never queue
// behind each other): nccl-tests-style rows. Shared by `chimera-sim collective` and sweeps.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace chimera {

struct CollectiveRequest {
  std::string op = "allreduce";
  std::string algo = "auto";
  std::string ranks = "0-7";
  std::string targets;  // multicast / m2ms
  std::string shape;    // "4x2" for dimension-ordered algorithms
  std::string platform;
  std::vector<double> sizes = {1 << 20};
  std::string network = "CM02";
  std::string granularity = "step";
  double reduction_seconds_per_byte = 0;
  int tree_chunks = 0;
  double payload_efficiency = 1.0;
  std::string protocol = "auto";  // NCCL protocol under the platform's NCCL model (NCCL_PROTO)
  bool rotated = true;  // m2ms rounds: rotated target order (false: every source addresses target 0 first)
};

// {"op", "algorithm", "ranks", ..., "rows": [{"bytes", "time_s", "algbw_Bps", "busbw_Bps",
// "messages", "bytes_sent_by_rank"}]}. InputError (naming the option) for a bad request.
nlohmann::json run_collective_request(const CollectiveRequest& request);
void validate_collective_request(const CollectiveRequest& request);
std::string collective_text(const nlohmann::json& result);

// The alpha-beta closed form of the request's first size on its platform (route bandwidth and
// latency between the first two members), or null when the algorithm has none. Starts an
// engine: call it in a child process (run_isolated).
nlohmann::json collective_closed_form(const CollectiveRequest& request);

}  // namespace chimera
