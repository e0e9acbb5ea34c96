// The Metis load balancers on hand-worked cases: batch shares of mixed-type replicas and the
// sub-layer layer partitioner, including the reference's layer-losing rounding.
#include <doctest/doctest.h>

#include "planner/metis_balance.hpp"

using namespace chimera::metis;

TEST_CASE("split_batch: floor by speed, remainder to the largest fractions") {
  // Reference 2.7 worked example: 16 A100 + 16 V100 replicas (V100 3.5x slower), B = 128.
  // w_A = 1/(16 + 16/3.5); 128 w_A = 6.22 -> 6, 128 w_V = 1.78 -> 1; 16 left go to the V100s.
  std::vector<double> secs(32, 1.0);
  for (int i = 16; i < 32; ++i) secs[i] = 3.5;
  std::vector<int> h(32);
  split_batch(128, secs.data(), 32, h.data());
  for (int i = 0; i < 16; ++i) CHECK(h[i] == 6);
  for (int i = 16; i < 32; ++i) CHECK(h[i] == 2);
  // B = 2 over one A100 and one V100 replica: 1.56 -> 1, 0.44 -> 0; the spare goes to the A100.
  split_batch(2, secs.data() + 15, 2, h.data());
  CHECK(h[0] == 2);
  CHECK(h[1] == 0);
  // Equal fractions keep replica order (stable sort): 1.5, 1.5 -> 2, 1.
  split_batch(3, secs.data(), 2, h.data());
  CHECK(h[0] == 2);
  CHECK(h[1] == 1);
}

TEST_CASE("balance_layers: two equal stages split two equal layers") {
  // d = [1/2, 1/2], 14 sub-layers of 1/14. Stage 0 fills j = 0..5 (the scan stops at
  // n - 7 - 2 = 5); stage 1 takes 13..7 unconditionally, then j = 6 does not fit its ~0 left;
  // j = 6 goes to stage 0 (1/14 left). Layers [0 | 1].
  LayerBalancer b({0.5, 0.5}, true);
  double c[] = {0.5, 0.5};
  int part[3];
  b.balance(c, 2, part);
  CHECK(part[0] == 0);
  CHECK(part[1] == 1);
  CHECK(part[2] == 2);
}

TEST_CASE("balance_layers: one stage takes every layer") {
  LayerBalancer b({0.2, 0.3, 0.5}, true);
  double c[] = {1.0};
  int part[2];
  b.balance(c, 1, part);
  CHECK(part[1] == 3);
}

TEST_CASE("balance_layers: a thin middle stage loses a layer (reference) or gets one (clean)") {
  // d = [1/3] x 3, 21 sub-layers of 1/21, shares [0.45, 0.1, 0.45].
  // Forward: stage 0 takes j = 0..8 (9/21 = 0.4286, 0.0214 left), skips 9; stage 1 takes 10, 11
  // (0.0048 left), skips 12. Backward: stage 2 takes 20..14, then 13 and 12 (0.0214 left),
  // skips 9 (not adjacent). Leftover 9 lies between stages 0 and 1: stage 0 has more left.
  // Layer 1 (j = 7..13) is then held 3 / 2 / 2: nobody has 4 of 7, so the reference drops it
  // and stage 1 is empty; local adjust cannot move a layer out of a 1-layer stage.
  double c[] = {0.45, 0.1, 0.45};
  int part[4];
  LayerBalancer reference({1.0 / 3, 1.0 / 3, 1.0 / 3}, true);
  reference.balance(c, 3, part);
  CHECK(std::vector<int>(part, part + 4) == std::vector<int>{0, 1, 1, 2});
  // Clean: layer 1 goes to the stage holding most of it (stage 0), then stage 1, empty, takes
  // one layer from its nearest neighbour with two.
  LayerBalancer clean({1.0 / 3, 1.0 / 3, 1.0 / 3}, false);
  clean.balance(c, 3, part);
  CHECK(std::vector<int>(part, part + 4) == std::vector<int>{0, 1, 2, 3});
}
