// `chimera-sim gemm`, `kernel` and `layer` through the real binary: figures derived by hand from
// ScaleSim-v2's closed forms, the research's GEMM files and the gpu model's closed forms with the
// h200 preset's values, and one error per class of bad input.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::run_cli;
using chimera::test::temp_dir;
using nlohmann::json;
using chimera::test::approx;

namespace {

json run_json(const std::string& args) {
  auto r = run_cli(args + " --json");
  CAPTURE(args);
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

void expect_input_error(const std::string& args, std::initializer_list<const char*> fragments) {
  auto r = run_cli(args);
  CAPTURE(args);
  CAPTURE(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  for (const char* f : fragments) CHECK(r.err.find(f) != std::string::npos);
}

struct CsvGemm {
  std::string name;
  std::int64_t m, n, k;
};

std::vector<CsvGemm> research_gemms(const std::string& file) {
  std::ifstream in(chimera::test::source_path("tests/data/isca25-layer-gemms/" + file + ".csv"));
  REQUIRE(in.good());
  std::vector<CsvGemm> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string a, m, n, k;
    std::getline(ss, a, ','), std::getline(ss, m, ','), std::getline(ss, n, ','), std::getline(ss, k, ',');
    rows.push_back({a, std::stoll(m), std::stoll(n), std::stoll(k)});
  }
  return rows;
}

// The study's closed form on its 256 x 256 OS array (isca25-fusion.md section 4).
std::int64_t isca25_cycles(const CsvGemm& g) { return ((g.m + 255) / 256) * ((g.n + 255) / 256) * (g.k + 510) - 1; }

const char* kTinyPreset = R"(name = "tiny"
[array]
rows = 4
cols = 4
count = 1
dataflow = "os"
clock_mhz = 1000
[sram]
ifmap = "64B"
filter = "128B"
ofmap = "32B"
[memory]
bytes_per_element = 1
words_per_cycle = 1
bandwidth_mode = "user"
)";

}  // namespace

TEST_CASE("compute e2e: gemm reproduces the reference worked example") {
  json j = run_json("gemm --preset isca25 --rows 32 --cols 32 --m 128 --n 128 --k 128");
  // 16 folds of 128 + 32 + 32 - 2 = 190 cycles, minus one; 1 GHz.
  CHECK(j["total_cycles"] == 3039);
  CHECK(j["stall_cycles"] == 0);
  CHECK(j["seconds"].get<double>() == approx(3039e-9));
  CHECK(j["overall_util_percent"].get<double>() == approx(100.0 * 2097152 / 3111936));
  CHECK(j["mapping_efficiency_percent"].get<double>() == approx(100.0));
  CHECK(j["compute_util_percent"].get<double>() == approx(100.0 * 128 / 190));
  CHECK(j["preset"] == "isca25");
  CHECK(j["compute_model"] == "systolic");  // isca25 has no [gpu] table: auto is systolic
  CHECK(j["version"].get<std::string>().find("chimera-sim") == 0);
  auto text = run_cli("gemm --preset isca25 --rows 32 --cols 32 --m 128 --n 128 --k 128");
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("3039") != std::string::npos);
  CHECK(text.out.find("67.39 %") != std::string::npos);
}

TEST_CASE("compute e2e: gemm dataflow and array overrides") {
  // WS on 32x32, M=100 N=70 K=50: 2 x 3 folds of 100 + 64 + 32 - 2 = 194 cycles, minus one.
  CHECK(run_json("gemm --preset isca25 --rows 32 --cols 32 --dataflow ws --m 100 --n 70 --k 50")["total_cycles"] == 1163);
  // IS: 2 x 4 folds of 70 + 64 + 32 - 2 = 164.
  CHECK(run_json("gemm --preset isca25 --rows 32 --cols 32 --dataflow is --m 100 --n 70 --k 50")["total_cycles"] ==
        8 * 164 - 1);
  // A100: 432 arrays of 16 x 16; a 256 x 256 output is one wave of K + 30 cycles, minus one, at 1.41 GHz
  // (0.747 us). The DRAM traffic floor, (256*1024 + 1024*256 + 256*256) * 2 B / 2039 GB/s = 0.58 us,
  // is below it: compute-bound.
  json a = run_json("gemm --preset a100 --model systolic --m 256 --n 256 --k 1024");
  CHECK(a["total_cycles"] == 1053);
  CHECK(a["seconds"].get<double>() == approx(1053 / 1.41e9));
  json one = run_json("gemm --preset a100 --m 256 --n 256 --k 1024 --arrays 1");  // overrides select systolic
  CHECK(one["compute_model"] == "systolic");
  CHECK(one["total_cycles"] == 256 * 1054 - 1);
}

// The h200 preset's [gpu] values (compute/presets/h200.toml).
constexpr double kH200Peak = 2.0 * 16 * 32 * 528 * 1.83e9;  // derived peak, 989.4 TFLOP/s
constexpr double kH200Efficiency = 804.6e12 / kH200Peak * 0.843;
constexpr double kH200Overhead = 2.96e-6;

TEST_CASE("compute e2e: gemm runs the calibrated gpu model on GPU presets, its terms in text and JSON") {
  json j = run_json("gemm --preset h200 --m 8192 --n 8192 --k 8192");
  CHECK(j["compute_model"] == "gpu");
  CHECK(j["compute"].get<std::string>().find("gpu on h200") == 0);
  // 256x128 tiles: 32 x 64 = 2048 tiles x 128 slices of 64 = 262144 units over 132 SMs: 1986 waves
  // of 2 x 256 x 128 x 64 FLOPs at the per-SM peak x 0.685, plus the 2.96 us kernel overhead.
  const json& g = j["gpu"];
  CHECK(g["tile"] == "256x128");
  CHECK(g["tiles"] == 2048);
  CHECK(g["k_slices"] == 128);
  CHECK(g["work_units"] == 262144);
  CHECK(g["waves"] == 1986);
  CHECK(g["wave_efficiency_percent"].get<double>() == approx(100.0 * 262144 / (1986 * 132)));
  CHECK(g["alignment_bytes"] == 16);
  CHECK(g["bound"] == "compute");
  const double main_s = 1986 * 2.0 * 256 * 128 * 64 / (kH200Peak / 132) / kH200Efficiency;
  CHECK(g["main_seconds"].get<double>() == approx(main_s));
  CHECK(j["seconds"].get<double>() == approx(kH200Overhead + main_s));
  // Measured 1561.6 us (704 TFLOP/s, results/realism/h200/gemm.csv); the model is within 5 %.
  CHECK(j["seconds"].get<double>() == approx(1561.6e-6).epsilon(0.05));
  CHECK(j["achieved_flops"].get<double>() == approx(2.0 * 8192 * 8192 * 8192 / j["seconds"].get<double>()));
  // The systolic arrays' keys are still there, and its own seconds (99 % of the peak).
  CHECK(j["total_cycles"].get<std::int64_t>() > 0);
  CHECK(j["systolic_seconds"].get<double>() < 0.75 * j["seconds"].get<double>());
  CHECK(run_json("gemm --preset h200 --model systolic --m 8192 --n 8192 --k 8192")["compute_model"] == "systolic");
  // A row of 4095 bf16 elements is 2-byte aligned: cuBLAS's slow kernels (x 0.176).
  CHECK(run_json("gemm --preset h200 --m 4096 --n 4095 --k 4096")["gpu"]["alignment_efficiency"].get<double>() ==
        approx(0.176));
  auto text = run_cli("gemm --preset h200 --m 8192 --n 8192 --k 8192");
  CHECK(text.exit_code == 0);
  for (const char* s : {"compute model gpu", "256x128", "1986 over the SMs", "compute-bound", "TFLOP/s"})
    CHECK(text.out.find(s) != std::string::npos);
}

TEST_CASE("compute e2e: kernel costs element-wise and fused attention kernels") {
  // 1 GiB read + 1 GiB written at the achievable 4353 GB/s, plus the overhead.
  json e = run_json("kernel --preset h200 --kind elementwise --bytes 2GiB");
  CHECK(e["compute_model"] == "gpu");
  CHECK(e["seconds"].get<double>() == approx(kH200Overhead + 2147483648.0 / 4353e9));
  CHECK(e["gpu"]["bound"] == "memory");
  CHECK(run_json("kernel --preset h200 --kind elementwise --bytes 1KiB")["gpu"]["bound"] == "launch");
  // 32 heads x 4096 causal forward, blocks of 128: 32 x (1 + ... + 32) = 16896 block pairs, 1024
  // thread blocks of 3 overhead pairs each: (16896 + 3072) / 132 pairs per SM, each 4 x 128^2 x 128
  // FLOPs at 0.772 x 0.859 of the peak. Measured 254.8 us.
  json a = run_json("kernel --preset h200 --kind attention --batch-heads 32 --seq 4096 --head-dim 128 --causal");
  CHECK(a["gpu"]["block_pairs"] == 16896);
  CHECK(a["gpu"]["jobs"] == 1024);
  const double main_s = (16896 + 3 * 1024) / 132.0 * 4 * 128 * 128 * 128 / (kH200Peak / 132 * 0.772 * 0.859);
  CHECK(a["seconds"].get<double>() == approx(kH200Overhead + main_s));
  CHECK(a["seconds"].get<double>() == approx(254.8e-6).epsilon(0.05));
  CHECK(a["pass"] == "forward");
  json b = run_json("kernel --preset h200 --kind attention --batch-heads 32 --seq 4096 --head-dim 128 --pass backward");
  CHECK(b["seconds"].get<double>() > 2 * run_json("kernel --preset h200 --kind attention --batch-heads 32 --seq 4096 "
                                                  "--head-dim 128")["seconds"].get<double>());
  // Other models cost attention as its GEMMs: isca25, 128^3 twice, 637 ns each.
  json s = run_json("kernel --preset isca25 --kind attention --batch-heads 1 --seq 128 --head-dim 128");
  CHECK(s["compute_model"] == "systolic");
  CHECK(s["seconds"].get<double>() == approx(2 * 637e-9));
  auto text = run_cli("kernel --preset h200 --kind attention --batch-heads 32 --seq 4096 --head-dim 128 --causal");
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("16896") != std::string::npos);
}

TEST_CASE("compute e2e: layer runs the preset's own model") {
  json j = run_json("layer --model gpt2-medium --preset h200 --seq 1024 --batch 4");
  CHECK(j["compute_model"] == "gpu");
  CHECK(j["compute"].get<std::string>().find("gpu on h200") == 0);
  CHECK(run_json("layer --model gpt2-medium --preset isca25 --seq 256")["compute_model"] == "systolic");
}

TEST_CASE("compute e2e: USER bandwidth mode stalls and CALC does not") {
  std::string dir = temp_dir();
  std::string preset = dir + "/tiny.toml";
  { std::ofstream(preset) << kTinyPreset; }
  // OS 4x4, M=8 N=4 K=16: 2 folds of 22 cycles. The ifmap (128 words) overflows its 32-word
  // active half: 96 words at 1 word/cycle, plus the last quarter of the compute (11 cycles),
  // against 44 stall-free cycles: 63 stall cycles; at 2 words/cycle 48 + 11 - 44 = 15.
  json u1 = run_json("gemm --preset '" + preset + "' --m 8 --n 4 --k 16");
  CHECK(u1["stall_cycles"] == 63);
  CHECK(u1["total_cycles"] == 43 + 63);
  CHECK(run_json("gemm --preset '" + preset + "' --m 8 --n 4 --k 16 --bandwidth 2")["stall_cycles"] == 15);
  json c = run_json("gemm --preset '" + preset + "' --m 8 --n 4 --k 16 --bandwidth-mode calc");
  CHECK(c["stall_cycles"] == 0);
  CHECK(c["total_cycles"] == 43);
  CHECK(c["dram_words_per_cycle"]["ifmap"].get<double>() == approx(128.0 / 43));
  std::filesystem::remove_all(dir);
}

TEST_CASE("compute e2e: layer --lowering isca25 reproduces the research's GEMM lists and cycle totals") {
  json j = run_json("layer --model gpt2-medium --preset isca25 --seq 256 --batch 1 --lowering isca25");
  const std::pair<const char*, const char*> files[] = {
      {"attention", "medium_gpt_attention"}, {"mlp", "medium_gpt_mlp"}};
  const std::pair<const char*, const char*> passes[] = {
      {"forward", ""}, {"backward_input", "_input_backward"}, {"backward_weight", "_weight_backward"}};
  std::map<std::string, std::int64_t> per_pass;
  for (auto [pass, suffix] : passes)
    for (auto [block, file] : files) {
      std::vector<CsvGemm> expected = research_gemms(std::string(file) + suffix);
      std::vector<json> got;
      for (const auto& k : j["kernels"])
        if (k["block"] == block && k["pass"] == pass) got.push_back(k);
      CAPTURE(block);
      CAPTURE(pass);
      REQUIRE(got.size() == expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i]["name"] == expected[i].name);
        CHECK(got[i]["m"] == expected[i].m);
        CHECK(got[i]["n"] == expected[i].n);
        CHECK(got[i]["k"] == expected[i].k);
        CHECK(got[i]["cycles"] == isca25_cycles(expected[i]));
        per_pass[pass] += isca25_cycles(expected[i]);
      }
    }
  const json& dense = j["layers"]["dense"];
  for (auto [pass, suffix] : passes) CHECK(dense[pass]["cycles"] == per_pass[pass]);
  CHECK(dense["total"]["cycles"] == per_pass["forward"] + per_pass["backward_input"] + per_pass["backward_weight"]);
  CHECK(dense["forward"]["seconds"].get<double>() == approx(per_pass["forward"] * 1e-9));
  // Repeated shapes (xqkv/x, cproj/cfc pairs, ...) are costed once.
  CHECK(j["gemm_evaluations"].get<int>() < j["gemm_kernels"].get<int>());

  // Two devices share a layer: the study charges ceil(cycles / 2) each.
  json tp2 = run_json("layer --model gpt2-medium --preset isca25 --seq 256 --batch 1 --lowering isca25 --tp 2");
  CHECK(tp2["layers"]["dense"]["forward"]["device_cycles"] == (per_pass["forward"] + 1) / 2);

  auto text = run_cli("layer --model gpt2-medium --preset isca25 --seq 256 --batch 1 --lowering isca25");
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("xqkv") != std::string::npos);
  CHECK(text.out.find(std::to_string(per_pass["forward"])) != std::string::npos);
}

TEST_CASE("compute e2e: layer on an MoE model lists the MoE block") {
  json j = run_json("layer --model deepspeed-moe-1.3b --preset isca25 --seq 256 --lowering isca25");
  std::int64_t moe_forward = 0;
  for (const CsvGemm& g : research_gemms("moe_1point3_256_moe")) moe_forward += isca25_cycles(g);
  std::int64_t attention_forward = 0;
  for (const CsvGemm& g : research_gemms("moe_1point3_256_attention")) attention_forward += isca25_cycles(g);
  CHECK(j["layers"]["moe"]["forward"]["cycles"] == attention_forward + moe_forward);
  json std_run = run_json("layer --model deepspeed-moe-1.3b --preset a100 --seq 256 --tp 2 --ep 4 --embedding");
  double sum = 0;
  for (const auto& k : std_run["kernels"])
    if (k["block"] == "attention" || k["block"] == "moe") sum += k["seconds"].get<double>();
  CHECK(std_run["layers"]["moe"]["total"]["seconds"].get<double>() == approx(sum));
}

TEST_CASE("compute e2e: output is deterministic") {
  const std::string args = "layer --model gpt2-medium --preset a100 --seq 1024 --batch 4 --tp 2 --json";
  auto a = run_cli(args), b = run_cli(args);
  CHECK(a.exit_code == 0);
  CHECK(a.out == b.out);
}

TEST_CASE("compute e2e: bad input is a clear error with exit code 2") {
  expect_input_error("gemm --preset isca25 --m 0 --n 4 --k 4", {"--m", "must be >= 1"});
  expect_input_error("gemm --preset isca25 --m=-3 --n 4 --k 4", {"--m", "must be >= 1"});
  expect_input_error("gemm --preset isca25 --m 4 --n 4 --k 4 --rows 0", {"--rows"});
  expect_input_error("gemm --preset isca25 --m 4 --n 4 --k 4 --batch 0", {"--batch"});
  expect_input_error("gemm --preset z80 --m 4 --n 4 --k 4", {"--preset", "unknown hardware preset 'z80'", "isca25"});
  expect_input_error("gemm --preset isca25 --m 4 --n 4 --k 4 --dataflow rs", {"--dataflow", "os, ws or is"});
  expect_input_error("gemm --preset isca25 --m 4 --n 4 --k 4 --bandwidth-mode auto", {"--bandwidth-mode", "calc or user"});
  expect_input_error("gemm --preset isca25 --m 4 --n 4 --k 4 --bandwidth-mode user --bandwidth 0", {"--bandwidth"});
  expect_input_error("gemm --preset isca25 --m four --n 4 --k 4", {"--m"});
  expect_input_error("gemm --preset isca25 --m 99999999999999999999 --n 4 --k 4", {"--m"});
  expect_input_error("gemm --preset isca25 --m 4 --n 4 --k 4 --rows 70000", {"--rows", "too large"});
  expect_input_error("gemm --preset isca25 --m 1099511627776 --n 1099511627776 --k 1099511627776 --rows 1 --cols 1",
                     {"--m/--n/--k", "2^62"});
  std::string dir = temp_dir();
  std::string bad = dir + "/bad.toml";
  { std::ofstream(bad) << std::string(kTinyPreset).replace(std::string(kTinyPreset).find("rows = 4"), 8, "rows = -4"); }
  expect_input_error("gemm --preset '" + bad + "' --m 4 --n 4 --k 4", {"bad.toml:3", "array.rows"});
  expect_input_error("layer --model gpt9 --preset isca25", {"--model", "unknown model 'gpt9'", "gpt2-medium"});
  expect_input_error("layer --model gpt2-medium --preset '" + bad + "'", {"bad.toml:3", "array.rows"});
  expect_input_error("layer --model gpt2-medium --preset isca25 --tp 5", {"--tp", "does not divide"});
  expect_input_error("layer --model gpt2-medium --preset isca25 --seq 0", {"--seq"});
  expect_input_error("layer --model gpt2-medium --preset isca25 --seq 2000000", {"--seq", "out of range"});
  expect_input_error("layer --model gpt2-medium --preset isca25 --lowering fast", {"--lowering", "standard or isca25"});
  expect_input_error("layer --model gpt2-medium --preset isca25 --ep 2", {"--ep", "no experts"});
  expect_input_error("layer --model deepspeed-moe-1.3b --preset isca25 --ep 3", {"--ep", "does not divide"});
  expect_input_error("layer --model gpt2-medium --preset isca25 --compute-model magic", {"--compute-model", "systolic"});
  expect_input_error("layer --model gpt2-medium --preset tpuv4 --compute-model gpu",
                     {"--compute-model", "no [gpu] calibration table"});
  expect_input_error("gemm --preset tpuv4 --model gpu --m 4 --n 4 --k 4", {"--model", "no [gpu] calibration table"});
  expect_input_error("gemm --preset h100 --model magic --m 4 --n 4 --k 4", {"--model", "auto, gpu, systolic, roofline"});
  expect_input_error("gemm --preset h100 --model gpu --rows 8 --m 4 --n 4 --k 4", {"--model", "systolic model"});
  expect_input_error("kernel --preset h200 --kind fft", {"--kind", "elementwise or attention"});
  expect_input_error("kernel --preset h200 --kind elementwise", {"--bytes", "missing"});
  expect_input_error("kernel --preset h200 --kind elementwise --bytes lots", {"--bytes"});
  expect_input_error("kernel --preset h200 --kind attention --seq 128 --head-dim 64", {"--batch-heads", "missing"});
  expect_input_error("kernel --preset h200 --kind attention --batch-heads 1 --seq 0 --head-dim 64", {"--seq", "out of range"});
  expect_input_error("kernel --preset h200 --kind attention --batch-heads 1 --seq 8 --head-dim 8 --pass sideways",
                     {"--pass", "forward or backward"});
  expect_input_error("kernel --preset tpuv4 --model gpu --kind elementwise --bytes 1", {"--model", "no [gpu]"});
  std::string gpu_bad = dir + "/gpu_bad.toml";
  {
    std::ofstream(gpu_bad) << std::string(kTinyPreset) << "[gpu]\nsms = 3\n";  // 1 array: 3 SMs do not divide it
  }
  expect_input_error("gemm --preset '" + gpu_bad + "' --m 4 --n 4 --k 4", {"gpu_bad.toml:17", "gpu.sms", "divide"});
  std::filesystem::remove_all(dir);
}

TEST_CASE("compute e2e: a scenario can charge the isca25 GEMM lists") {
  const std::string base = R"(schema = 1
[model]
name = "gpt2-medium"
layers = 1
sequence = 256
micro_batch = 1
[parallel]
tp = 2
[platform.generator]
kind = "star"
gpus = 2
[compute]
preset = "isca25"
)";
  std::string dir = temp_dir();
  std::string path = dir + "/isca25.toml";
  { std::ofstream(path) << base << "lowering = \"isca25\"\n"; }
  auto r = run_cli("run '" + path + "' --json");
  CAPTURE(r.err);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["inputs"]["compute"]["lowering"] == "isca25");
  // One layer, one micro-batch: forward 72104 + input-gradient 76700 + weight-gradient 63428
  // cycles (the research's GEMM files, see the layer test), half per rank, at 1 GHz; plus the
  // optimizer's element-wise pass: (4h^2 + 4h + 2hf + f + h + 4h) / tp parameters with h = 1024,
  // f = 4096 -> 6298112, times 34 bytes (fp32 Adam state and the fp16 copy) at 50 GB/s.
  const double layer_s = 212232e-9 / 2;
  const double adam_s = 6298112.0 * 34 / 50e9;
  CHECK(j["ranks"][0]["compute_busy_s"].get<double>() == approx(layer_s + adam_s));

  { std::ofstream(path) << base << "lowering = \"fast\"\n"; }
  auto bad = run_cli("run '" + path + "'");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("compute.lowering") != std::string::npos);
  CHECK(bad.err.find("standard or isca25") != std::string::npos);
  // The gpu model needs a preset calibrated for it.
  { std::ofstream(path) << base << "model = \"gpu\"\n"; }
  auto no_gpu = run_cli("run '" + path + "'");
  CHECK(no_gpu.exit_code == 2);
  CHECK(no_gpu.err.find("isca25.toml:14") != std::string::npos);
  CHECK(no_gpu.err.find("compute.model") != std::string::npos);
  CHECK(no_gpu.err.find("no [gpu] calibration table") != std::string::npos);
  std::filesystem::remove_all(dir);
}
