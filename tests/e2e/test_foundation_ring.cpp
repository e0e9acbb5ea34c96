// Issue 2 acceptance: a ring all-reduce of S bytes over n GPUs on links of bandwidth B and
// latency a (each GPU with its own port, no contention) takes 2(n-1)/n * S/B + 2(n-1) * a.
// Platform tests/data/star8-50GBps-1us.xml: split-duplex ports of 50 GB/s and 0.5 us per
// direction, so a GPU-to-GPU route has B = 50e9 B/s and a = 1e-6 s.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::approx;

namespace {

double ring_allreduce_closed_form(int n, double S, double B, double a) {
  return 2.0 * (n - 1) / n * S / B + 2.0 * (n - 1) * a;
}

}  // namespace

TEST_CASE("ring all-reduce through the binary matches 2(n-1)/n S/B + 2(n-1)a within 0.5%") {
  const double B = 50e9, a = 1e-6;
  for (int n : {2, 4, 8}) {
    auto r = run_cli("collective --op allreduce --algo ring --ranks 0-" + std::to_string(n - 1) +
                     " --platform tests/data/star8-50GBps-1us.xml --sizes 1MiB,1GiB --json");
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    auto j = nlohmann::json::parse(r.out);
    REQUIRE(j["rows"].size() == 2);
    for (const auto& row : j["rows"]) {
      double S = row["bytes"].get<double>();
      double expected = ring_allreduce_closed_form(n, S, B, a);
      double got = row["time_s"].get<double>();
      CAPTURE(n);
      CAPTURE(S);
      CHECK(got == approx(expected).epsilon(0.005));
      // nccl-tests' definitions on the closed-form time: algbw = S / t, busbw = algbw 2(n-1)/n;
      // for large S busbw tends to the link bandwidth B
      CHECK(row["algbw_Bps"].get<double>() == approx(S / expected).epsilon(0.005));
      CHECK(row["busbw_Bps"].get<double>() == approx(S / expected * 2.0 * (n - 1) / n).epsilon(0.005));
      if (S >= 1 << 30) CHECK(row["busbw_Bps"].get<double>() == approx(B).epsilon(0.005));
    }
  }
}
