// Metis hostfile (planner/metis_cluster.cpp): parse_hostfile with and without the reference's
// one-digit slot reading, then the cluster it makes with the committed cluster file.
#include "fuzz/fuzz_util.hpp"
#include "planner/metis_cluster.hpp"

namespace {
const std::string kClusterFile = CHIMERA_SOURCE_DIR "/tests/data/metis/clusterfile.json";
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)chimera::metis::read_cluster_file(kClusterFile);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chimera;
  static const std::vector<metis::NodeSpec> specs = metis::read_cluster_file(kClusterFile);
  for (bool compat : {false, true})
    fuzz::expect_clean([&] {
      auto hosts = metis::parse_hostfile(fuzz::text(data, size), "hostfile", compat);
      (void)metis::make_cluster(hosts, "hostfile", specs, kClusterFile, {}, compat);
    });
  return 0;
}
