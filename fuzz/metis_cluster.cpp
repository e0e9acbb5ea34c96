// Metis cluster file (planner/metis_cluster.cpp, JSON): parse_cluster_file, then the cluster it
// makes with the committed 16-GPU hostfile.
#include "fuzz/fuzz_util.hpp"
#include "planner/metis_cluster.hpp"

namespace {
const std::string kHostfile = CHIMERA_SOURCE_DIR "/tests/data/metis/hostfiles/hostfile-16";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chimera;
  static const std::vector<metis::HostfileNode> hosts = metis::read_hostfile(kHostfile, false);
  for (bool compat : {false, true})
    fuzz::expect_clean([&] {
      auto specs = metis::parse_cluster_file(fuzz::text(data, size), "clusterfile.json");
      (void)metis::make_cluster(hosts, kHostfile, specs, "clusterfile.json", {}, compat);
    });
  return 0;
}
