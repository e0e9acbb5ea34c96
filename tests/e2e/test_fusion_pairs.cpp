// Issue 4: baseline vs fused volumes of the six pairs per the reference table
// (isca25-fusion.md §3.2), on four sources and four targets with M = 4 MiB, S = T = N = 4,
// G = 2 sub-groups of 2, k = 2. With halving-doubling (the research's switch algorithms) every
// group collective moves what the table says: AllReduce(M) 2M(n-1)/n, ReduceScatter and
// AllGather M(n-1)/n, AllToAll (Bruck, per-rank buffer D) (D/2) log2 n.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;

namespace {

nlohmann::json fusion(const std::string& pair, const std::string& extra = "") {
  auto r = run_cli("fusion --json --pair " + pair +
                   " --bytes 4MiB --algo halving-doubling --groups linear --platform tests/data/star8-50GBps-1us.xml " + extra);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return nlohmann::json::parse(r.out);
}

constexpr double M = 4.0 * 1024 * 1024;

struct Volumes {
  double base_source, base_target, fused_source, fused_target;  // bytes sent per rank
};

void check(const std::string& pair, Volumes v, const std::string& extra = "") {
  CAPTURE(pair);
  auto j = fusion(pair, extra);
  CHECK(j["baseline"]["source_bytes_sent"].get<double>() == doctest::Approx(4 * v.base_source));
  CHECK(j["baseline"]["target_bytes_sent"].get<double>() == doctest::Approx(4 * v.base_target));
  CHECK(j["fused"]["source_bytes_sent"].get<double>() == doctest::Approx(4 * v.fused_source));
  CHECK(j["fused"]["target_bytes_sent"].get<double>() == doctest::Approx(4 * v.fused_target));
  CHECK(j["speedup"].get<double>() == doctest::Approx(j["baseline_s"].get<double>() / j["fused_s"].get<double>()));
}

}  // namespace

TEST_CASE("TP+PP: source 1.5M + M/4 vs 0.75M + M/4, target 0.75M") {
  check("tp+pp", {1.5 * M + M / 4, 0.75 * M, 0.75 * M + M / 4, 0.75 * M});
}

TEST_CASE("TP+SP: 1.5M vs 0.75M") { check("tp+sp", {1.5 * M, 0, 0.75 * M, 0}); }

TEST_CASE("TP+EP: M + M/4 vs 0.5M + M/4") {
  // all-reduce in sub-groups of t = 2: 2M/2 = M; all-to-all buffer D = M k G / N^2 = M/4, (D/2) log2 4 = D
  check("tp+ep", {M + M / 4, 0, 0.5 * M + M / 4, 0});
}

TEST_CASE("PP+EP: source M, medium M vs source M, medium 0") {
  // baseline: P2P of M, then all-to-all with D = M k G / |T| = M; fused: one M2MS of M k G = 4M
  check("pp+ep", {M, M, M, 0});
}

TEST_CASE("PP+SP: source M, target 0.75M vs source M/4 (research volume) or M (replicated)") {
  check("pp+sp", {M, 0.75 * M, M / 4, 0}, "--ppsp-volume sharded");
  check("pp+sp", {M, 0.75 * M, M, 0}, "--ppsp-volume replicated");
}

TEST_CASE("SP+EP: 0.5M + M vs M") { check("sp+ep", {0.5 * M + M, 0, M, 0}); }

TEST_CASE("fusion --case realmachine uses the scripts' sizes and groups") {
  auto r = run_cli("fusion --json --pair tp+sp --case realmachine --platform tests/data/star8-50GBps-1us.xml");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["bytes"].get<double>() == 8.0 * 1024 * 1024 * 1024);  // 128*8192 x 2048 fp32
  // ring all-reduce over 8 vs ring reduce-scatter over 8 on the same links: exactly 2x the rounds
  CHECK(j["speedup"].get<double>() == doctest::Approx(2.0).epsilon(0.001));
  auto bad = run_cli("fusion --pair tp+sp --case realmachine --bytes 4MiB --platform tests/data/star8-50GBps-1us.xml");
  CHECK(bad.exit_code == 2);
}

TEST_CASE("fusion input errors exit with code 2") {
  const std::string p = " --platform tests/data/star8-50GBps-1us.xml";
  CHECK(run_cli("fusion --pair tp+xx --bytes 4MiB" + p).exit_code == 2);
  CHECK(run_cli("fusion --pair tp+pp" + p).exit_code == 2);  // no --bytes
  CHECK(run_cli("fusion --pair tp+pp --bytes 4MiB --groups nowhere" + p).exit_code == 2);
  CHECK(run_cli("fusion --pair tp+pp --bytes 4MiB --groups 'source=0-3;target=4-7;subgroups=0,1'" + p).exit_code == 2);
  CHECK(run_cli("fusion --pair pp+sp --bytes 4MiB --ppsp-volume half" + p).exit_code == 2);
}
