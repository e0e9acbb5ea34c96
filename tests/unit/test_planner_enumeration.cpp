// Inter-stage enumeration of the Metis search: stage sizes, multisets, the prefix-shift order
// of multiset permutations, node sequences and micro-batch counts (reference section 2.3).
#include <doctest/doctest.h>

#include "planner/metis_groups.hpp"
#include "planner/metis_layout.hpp"

using namespace chimera::metis;
using Groups = std::vector<std::vector<int>>;

TEST_CASE("row 1 device groups: 32 GPUs, up to 10 stages") {
  // Sizes >= max(N div S, S div N): S=1 [32]; S=2 [16,16]; S=4 [8,8,8,8]; S=7 the 7 orderings
  // of {8, 4 x 6}; S=8 [4 x 8]; S = 3, 5, 6, 9, 10 have none (reference section 2.3).
  CHECK(device_groups(32, 1, 1) == Groups{{32}});
  CHECK(device_groups(32, 2, 1) == Groups{{16, 16}});
  CHECK(device_groups(32, 4, 1) == Groups{{8, 8, 8, 8}});
  CHECK(device_groups(32, 8, 1) == Groups{std::vector<int>(8, 4)});
  for (int S : {3, 5, 6, 9, 10}) CHECK(device_groups(32, S, 1).empty());
  Groups seven = device_groups(32, 7, 1);
  REQUIRE(seven.size() == 7);
  for (int i = 0; i < 7; ++i) {  // the 8 moves one place right each time
    std::vector<int> g(7, 4);
    g[i] = 8;
    CHECK(seven[i] == g);
  }
  CHECK(allowed_stage_sizes(32, 7, 1) == std::vector<int>{4, 8, 16, 32});
  CHECK(allowed_stage_sizes(32, 2, 2) == std::vector<int>{32});  // variance doubles the floor
}

TEST_CASE("64 GPUs, up to 20 stages: the device groups of 20 layers on hostfile-32") {
  // Sizes are powers of two >= 64 div S. S = 1, 2, 4, 8: one group of equal stages. S = 3, 5,
  // 6, 7: sizes >= 21, 12, 10, 9 leave 32 + 32 + 32, 5 x 16, 6 x 16, 7 x 16 > 64. S = 9 .. 12:
  // sizes >= 7 or 5, i.e. >= 8: 9 x 8 > 64. S = 17 .. 20: sizes >= 3, i.e. >= 4: 17 x 4 > 64.
  // S = 13 .. 16 (sizes >= 4): a fours and b eights and c sixteens with a + b + c = S and
  // 4a + 8b + 16c = 64 give b + 3c = 16 - S: S = 13 {4 x 12, 16} (13 orderings) and
  // {4 x 10, 8 x 3} (13! / 10! / 3! = 286); S = 14 {4 x 12, 8 x 2} (91); S = 15 {4 x 14, 8} (15);
  // S = 16 {4 x 16} (1).
  CHECK(device_groups(64, 1, 1) == Groups{{64}});
  CHECK(device_groups(64, 2, 1) == Groups{{32, 32}});
  CHECK(device_groups(64, 4, 1) == Groups{std::vector<int>(4, 16)});
  CHECK(device_groups(64, 8, 1) == Groups{std::vector<int>(8, 8)});
  for (int S : {3, 5, 6, 7, 9, 10, 11, 12, 17, 18, 19, 20}) CHECK(device_groups(64, S, 1).empty());
  std::vector<int> twelve_fours_16(12, 4), ten_fours_three_eights(10, 4);
  twelve_fours_16.push_back(16);
  ten_fours_three_eights.insert(ten_fours_three_eights.end(), {8, 8, 8});
  // Lexicographic: at position 10 the first multiset has 4, the second 8.
  CHECK(size_multisets(64, 13, 1) == Groups{twelve_fours_16, ten_fours_three_eights});
  CHECK(device_groups(64, 13, 1).size() == 13 + 286);
  CHECK(device_groups(64, 14, 1).size() == 91);
  CHECK(device_groups(64, 15, 1).size() == 15);
  CHECK(device_groups(64, 16, 1).size() == 1);
}

TEST_CASE("multisets come in lexicographic order") {
  // N = 16, S = 3, sizes >= 5 -> {8, 16}: none sum to 16 with three; S = 2, sizes >= 8: [8, 8].
  CHECK(size_multisets(16, 3, 1).empty());
  // N = 32, S = 3 with variance 0 (no floor): the only powers-of-two triple is 8 + 8 + 16.
  CHECK(size_multisets(32, 3, 0) == Groups{{8, 8, 16}});
  // N = 64, S = 4: 8 + 8 + 16 + 32 and 4 x 16, lexicographic.
  CHECK(size_multisets(64, 4, 0) == Groups{{8, 8, 16, 32}, {16, 16, 16, 16}});
}

TEST_CASE("multiset permutations: Williams' prefix-shift order") {
  // ekg/multipermute on [1, 2, 2, 3]: 4!/2! = 12 orderings, starting non-increasing.
  Groups out;
  for_each_multiset_permutation({1, 2, 2, 3}, [&](const std::vector<int>& p) { out.push_back(p); });
  CHECK(out == Groups{{3, 2, 2, 1}, {1, 3, 2, 2}, {3, 1, 2, 2}, {2, 3, 1, 2}, {1, 2, 3, 2}, {2, 1, 3, 2},
                      {3, 2, 1, 2}, {2, 3, 2, 1}, {2, 2, 3, 1}, {1, 2, 2, 3}, {2, 1, 2, 3}, {2, 2, 1, 3}});
  Groups single;
  for_each_multiset_permutation({5}, [&](const std::vector<int>& p) { single.push_back(p); });
  CHECK(single == Groups{{5}});
  long long n = 0;  // 6 distinct values: 6! orderings
  for_each_multiset_permutation({1, 2, 3, 4, 5, 6}, [&](const std::vector<int>&) { ++n; });
  CHECK(n == 720);
}

TEST_CASE("node sequences follow itertools.permutations order") {
  CHECK(node_sequences(2) == Groups{{0, 1}, {1, 0}});
  CHECK(node_sequences(3) == Groups{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}});
}

TEST_CASE("micro-batch counts: divisors of G, largest first") {
  CHECK(micro_batch_counts(128) == std::vector<int>{128, 64, 32, 16, 8, 4, 2, 1});
  CHECK(micro_batch_counts(12) == std::vector<int>{12, 6, 4, 3, 2, 1});
}
