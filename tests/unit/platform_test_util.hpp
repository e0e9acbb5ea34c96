#pragma once
// Helpers for platform tests that need the engine: one engine per test case (each TEST_CASE is
// its own ctest process), a platform loaded through chimera's loader, and host-to-host
// transfers timed in batches (the transfers of a batch start together; batches run one after
// the other).
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>

#include <memory>
#include <string>
#include <vector>

#include "platforms/network_settings.hpp"
#include "platforms/platform_loader.hpp"

namespace chimera::test {

struct Transfer {
  std::string src, dst;
  double bytes = 0;
};

class PlatformRun {
 public:
  PlatformRun(const std::string& xml_or_file, bool is_file, NetworkSettings network = {}) {
    args_ = {"test"};
    for (const auto& c : simgrid_config(network)) args_.push_back("--cfg=" + c);
    args_.push_back("--log=root.thresh:critical");
    for (auto& a : args_) argv_.push_back(a.data());
    argv_.push_back(nullptr);
    int argc = static_cast<int>(args_.size());
    engine_ = std::make_unique<simgrid::s4u::Engine>(&argc, argv_.data());
    PlatformSpec spec;
    if (is_file) spec.xml_file = xml_or_file;
    else spec.generated_xml = xml_or_file;
    spec.description = "test platform";
    loaded = load_platform(*engine_, spec, 0, network);
  }

  simgrid::s4u::Engine& engine() { return *engine_; }
  simgrid::s4u::Host* host(const std::string& name) { return engine_->host_by_name(name); }

  // Durations of every transfer, batch by batch.
  std::vector<std::vector<double>> time(const std::vector<std::vector<Transfer>>& batches) {
    std::vector<std::vector<double>> out(batches.size());
    simgrid::s4u::Actor::create("driver", loaded.hosts_in_order.front(), [&] {
      for (std::size_t b = 0; b < batches.size(); ++b) {
        const double start = simgrid::s4u::Engine::get_clock();
        std::vector<simgrid::s4u::CommPtr> comms;
        for (const Transfer& t : batches[b])
          comms.push_back(simgrid::s4u::Comm::sendto_async(host(t.src), host(t.dst), static_cast<std::uint64_t>(t.bytes)));
        for (auto& c : comms) {
          c->wait();
          out[b].push_back(c->get_finish_time() - start);
        }
      }
    });
    engine_->run();
    return out;
  }

  LoadedPlatform loaded;

 private:
  std::vector<std::string> args_;
  std::vector<char*> argv_;
  std::unique_ptr<simgrid::s4u::Engine> engine_;
};

}  // namespace chimera::test
