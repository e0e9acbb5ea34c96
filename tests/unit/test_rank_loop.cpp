// A sleep inside a rank's loop (an exec on a private 1 flop/s host, collectives/rank_loop.hpp)
// must end exactly when simgrid::s4u::this_actor::sleep_for would, including SimGrid's 1 ns
// completion tolerance: both run in one engine here, on the same random durations, and every
// end date must be equal bit for bit.
#include <doctest/doctest.h>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/NetZone.hpp>
#include <xbt/config.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "collectives/rank_loop.hpp"

namespace s4u = simgrid::s4u;
using chimera::RankLoop;
using chimera::SleepHosts;
using chimera::Task;

namespace {

Task<> sleeps(RankLoop& loop, const std::vector<double>& durations, std::vector<double>& ends) {
  for (double d : durations) {
    co_await loop.sleep_for(d);
    ends.push_back(s4u::Engine::get_clock());
  }
}

}  // namespace

TEST_CASE("rank loop: concurrent sleeps end at the dates of sleep_for, bit for bit") {
  int argc = 2;
  char name[] = "test", log[] = "--log=root.thresh:critical";
  char* argv[] = {name, log, nullptr};
  s4u::Engine engine(&argc, argv);
  auto* zone = s4u::create_full_zone("z");
  auto* host = zone->create_host("h", 1e9);
  constexpr int kStreams = 4, kSleeps = 20000;
  SleepHosts sleep_hosts;
  sleep_hosts.create(zone, kStreams);
  zone->seal();

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-9.5, -2);  // 0.3 ns (below the precision) .. 10 ms
  std::vector<std::vector<double>> durations(kStreams);
  for (auto& v : durations)
    for (int i = 0; i < kSleeps; ++i) v.push_back(std::pow(10.0, exponent(rng)));

  std::vector<std::vector<double>> by_actor(kStreams), by_loop(kStreams);
  for (int s = 0; s < kStreams; ++s)
    s4u::Actor::create("sleeper", host, [&, s] {
      for (double d : durations[s]) {
        s4u::this_actor::sleep_for(d);
        by_actor[s].push_back(s4u::Engine::get_clock());
      }
    });
  RankLoop loop(sleep_hosts, simgrid::config::get_value<double>("surf/precision"));
  s4u::Actor::create("loop", host, [&] {
    for (int s = 0; s < kStreams; ++s) loop.spawn(sleeps(loop, durations[s], by_loop[s]));
    loop.run();
  });
  engine.run();
  for (int s = 0; s < kStreams; ++s) {
    REQUIRE(by_loop[s].size() == by_actor[s].size());
    for (std::size_t i = 0; i < by_actor[s].size(); ++i) REQUIRE(by_loop[s][i] == by_actor[s][i]);
  }
}
