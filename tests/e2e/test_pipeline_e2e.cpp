// Pipeline schedules end to end: the schedule command on the reference vector, pipeline
// scenarios through the engine against independently derived iteration times, the report's
// pipeline section, tune (feasible and infeasible), and input errors.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/approx.hpp"
#include "tests/e2e/cli_runner.hpp"

using chimera::test::read_file;
using chimera::test::run_cli;
using chimera::test::temp_dir;
using nlohmann::json;
using chimera::test::approx;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> compute_labels(const json& worker) {
  std::vector<std::string> out;
  for (const auto& a : worker["actions"])
    if (a["type"] == "F" || a["type"] == "B" || a["type"] == "W") out.push_back(a["label"]);
  return out;
}

// A small dense model on a star of `gpus` ports.
std::string pipeline_scenario(const std::string& schedule_table, int pp, int dp, int micro_batches, int gpus,
                              const std::string& bandwidth, const std::string& latency) {
  return fmt::format(R"(schema = 1
title = "pipeline e2e"
[model]
layers = 8
hidden = 512
heads = 8
vocab = 1000
sequence = 128
micro_batch = 2
[parallel]
pp = {}
dp = {}
micro_batches = {}
{}
[platform.generator]
kind = "star"
gpus = {}
port_bandwidth = "{}"
port_latency = "{}"
[network]
model = "CM02"
[compute]
preset = "a100"
)",
                     pp, dp, micro_batches, schedule_table, gpus, bandwidth, latency);
}

std::string write_scenario(const std::string& text) {
  std::string path = temp_dir() + "/s.toml";
  std::ofstream(path) << text;
  return path;
}

// Durations of a rank's compute ops in program order, by name.
std::vector<std::pair<std::string, double>> compute_ops(const std::string& scenario, int rank) {
  auto r = run_cli(fmt::format("program '{}' --rank {} --json", scenario, rank));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::vector<std::pair<std::string, double>> out;
  const json program = json::parse(r.out);
  for (const auto& op : program["ops"])
    if (op["kind"] == "compute") out.emplace_back(op["name"].get<std::string>(), op["duration_s"].get<double>());
  return out;
}

}  // namespace

TEST_CASE("schedule: chimera D=4 N=4 takes 16 units with the reference's per-worker order and 1f1b and gpipe 21") {
  auto r = run_cli("schedule --kind chimera --stages 4 --microbatches 4 --fwd 1 --bwd 2 --json");
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  CHECK(j["iteration_time"] == 16);
  CHECK(j["bubble_ratio"].get<double>() == approx(0.25));
  // shared/reference/pipeline-schedules.md §2.5
  CHECK(compute_labels(j["workers"][0]) ==
        std::vector<std::string>{"F0d0", "F1d0", "F2u3", "B2u3", "F3u3", "B3u3", "B0d0", "B1d0"});
  CHECK(compute_labels(j["workers"][1]) ==
        std::vector<std::string>{"F0d1", "F2u2", "F1d1", "F3u2", "B2u2", "B0d1", "B3u2", "B1d1"});
  CHECK(compute_labels(j["workers"][2]) ==
        std::vector<std::string>{"F2u1", "F0d2", "F3u1", "F1d2", "B0d2", "B2u1", "B1d2", "B3u1"});
  CHECK(compute_labels(j["workers"][3]) ==
        std::vector<std::string>{"F2u0", "F3u0", "F0d3", "B0d3", "F1d3", "B1d3", "B2u0", "B3u0"});
  CHECK(j["peak_activations"] == 4);
  for (const char* kind : {"1f1b", "gpipe"}) {
    auto b = run_cli(fmt::format("schedule --kind {} --stages 4 --microbatches 4 --fwd 1 --bwd 2 --json", kind));
    REQUIRE_MESSAGE(b.exit_code == 0, b.err);
    CHECK(json::parse(b.out)["iteration_time"] == 21);  // (N + D - 1)(T_F + T_B)
  }
  // Text: the reference's timeline row of P0, and the bubble with its formula.
  auto t = run_cli("schedule --kind chimera --stages 4 --microbatches 4");
  REQUIRE(t.exit_code == 0);
  CHECK(contains(t.out, "P0   F0d0 F1d0 .    F2u3 B2u3 ==   F3u3 B3u3 ==   .    B0d0 ==   .    .    B1d0 =="));
  CHECK(contains(t.out, "iteration time  16"));
  CHECK(contains(t.out, "(D-2)/(2N+D-2)"));
}

TEST_CASE("schedule: --svg draws the timeline and output is deterministic and errors name the flag") {
  std::string dir = temp_dir();
  auto a = run_cli(fmt::format("schedule --kind interleaved --stages 4 --microbatches 8 --chunks 2 --svg '{}/t.svg'", dir));
  REQUIRE_MESSAGE(a.exit_code == 0, a.err);
  std::string svg = read_file(dir + "/t.svg");
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(contains(svg, "F0s0"));
  auto b = run_cli("schedule --kind interleaved --stages 4 --microbatches 8 --chunks 2");
  CHECK(a.out == b.out);
  std::filesystem::remove_all(dir);

  const std::pair<std::string, std::string> errors[] = {
      {"schedule --kind hanayo",
       "error: --kind: unknown schedule 'hanayo' (valid: gpipe, 1f1b, interleaved, chimera, zb-h1, gems, pipedream, "
       "pipedream-2bw)"},
      {"schedule --kind chimera --stages 3 --microbatches 3",
       "error: --pp: chimera needs an even number of stages (got 3) (valid: an even number >= 2)"},
      {"schedule --kind chimera --stages 4 --microbatches 6",
       "error: --micro-batches: chimera needs micro-batches per worker to be a multiple of the 4 stages (N = K*D; got 6) "
       "(valid: a multiple of 4)"},
      {"schedule --kind chimera --stages 4 --microbatches 4 --extend doubling",
       "error: --micro-batches: forward doubling needs an even number of basic units (N = K*D, K even); got N = 4 with "
       "D = 4 (valid: a multiple of 8)"},
      {"schedule --kind 1f1b --wgrad 1", "error: --wgrad: only zb-h1 splits the backward (valid: drop --wgrad, or --kind zb-h1)"},
      {"schedule --kind 1f1b --fwd 0", "error: --fwd: 0 is not a positive time (valid: a number > 0)"},
  };
  for (const auto& [args, message] : errors) {
    CAPTURE(args);
    auto r = run_cli(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == message + "\n");
  }
}

TEST_CASE("run: a GPipe scenario's iteration time follows GPipe's recurrence with the program's stage times") {
  // Star of 4 GPUs, 100 GB/s ports with 1 us latency: an activation or gradient message of
  // S = 2 x 128 x 512 x 2 B = 262,144 B crosses the sender's up port and the receiver's down
  // port, c = 2 x 1 us + S / 100 GB/s. GPipe with stage times f_s, b_s (from the programs):
  //   F[s][m] = max(F[s][m-1], F[s-1][m] + c) + f_s
  //   B[s][m] = max(B[s][m-1] (F[s][N-1] for m = 0), B[s+1][m] + c) + b_s (last stage: no c term)
  // and each rank ends with its optimizer step; no data parallelism, so no all-reduce.
  const int D = 4, N = 3;
  std::string path = write_scenario(pipeline_scenario("[schedule]\nkind = \"gpipe\"", D, 1, N, 4, "100GBps", "1us"));
  std::vector<double> f(D), b(D), opt(D);
  for (int s = 0; s < D; ++s) {
    for (const auto& [name, d] : compute_ops(path, s)) {
      if (name == "fwd") f[s] = d;
      if (name == "bwd") b[s] = d;
      if (name == "optimizer") opt[s] = d;
    }
    REQUIRE(f[s] > 0);
    REQUIRE(b[s] > 0);
  }
  const double c = 2e-6 + 262144.0 / 100e9;
  std::vector<std::vector<double>> F(D, std::vector<double>(N)), B(D, std::vector<double>(N));
  for (int s = 0; s < D; ++s)
    for (int m = 0; m < N; ++m)
      F[s][m] = std::max(m > 0 ? F[s][m - 1] : 0.0, s > 0 ? F[s - 1][m] + c : 0.0) + f[s];
  for (int s = D - 1; s >= 0; --s)
    for (int m = 0; m < N; ++m)
      B[s][m] = std::max(m > 0 ? B[s][m - 1] : F[s][N - 1], s < D - 1 ? B[s + 1][m] + c : 0.0) + b[s];
  double expected = 0;
  for (int s = 0; s < D; ++s) expected = std::max(expected, B[s][N - 1] + opt[s]);

  auto r = run_cli(fmt::format("run '{}' --json", path));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  CHECK(j["iteration_time_s"].get<double>() == approx(expected).epsilon(1e-9));
  // The report names the schedule; bubble and peak memory per rank.
  CHECK(j["inputs"]["schedule"] == "gpipe D=4 N=3");
  REQUIRE(j["pipeline"]["ranks"].size() == 4);
  // Bubble of stage s: idle until the last backward anywhere (the recurrence's B[0][N-1]) over
  // that time; stage s is busy N(f_s + b_s).
  double pipeline_end = 0;
  for (int s = 0; s < D; ++s) pipeline_end = std::max(pipeline_end, B[s][N - 1]);
  CHECK(j["pipeline"]["pipeline_time_s"].get<double>() == approx(pipeline_end).epsilon(1e-9));
  for (int s = 0; s < D; ++s) {
    const auto& rank = j["pipeline"]["ranks"][s];
    CHECK(rank["bubble_ratio"].get<double>() == approx(1 - N * (f[s] + b[s]) / pipeline_end).epsilon(1e-9));
    CHECK(rank["peak_memory_bytes"].get<double>() > rank["peak_activation_bytes"].get<double>());
  }
  // GPipe keeps all N micro-batches of a stage in flight at its peak.
  const auto& stages = j["pipeline"]["stages"];
  CHECK(j["pipeline"]["ranks"][1]["peak_activation_bytes"].get<double>() ==
        approx(N * stages[1]["activation_bytes_per_micro_batch"].get<double>()));
  auto text = run_cli(fmt::format("run '{}'", path));
  CHECK(contains(text.out, "schedule   gpipe D=4 N=3"));
  CHECK(contains(text.out, "peak memory"));
}

TEST_CASE("run: chimera through the engine with free communication follows the reference's execution rule") {
  // Ports of 1 PB/s and no latency make messages and the all-reduces of the two-rank stage
  // groups nearly free. Rule (§2.4): every worker runs its actions in order, each as soon as
  // the worker is free and its input is there; F(m, s) needs F(m, s-1), B(m, s) needs
  // B(m, s+1) (the last stage its own F). A sync waits for both members' last backward of the
  // stage, in issue order; the optimizer for both syncs. Stage times from the programs.
  const int D = 4, N = 4;
  std::string path = write_scenario(pipeline_scenario("[schedule]\nkind = \"chimera\"", D, 1, N, 4, "1000000GBps", "0s"));
  auto sched = run_cli("schedule --kind chimera --stages 4 --microbatches 4 --json");
  REQUIRE(sched.exit_code == 0);
  json workers = json::parse(sched.out)["workers"];
  struct Act {
    std::string type;
    int pipe, stage, mb;
    double dur;
  };
  std::vector<std::vector<Act>> acts(D);
  std::vector<std::vector<int>> sync_stages(D);
  std::vector<double> opt(D);
  for (int w = 0; w < D; ++w) {
    auto ops = compute_ops(path, w);
    std::size_t k = 0;
    for (const auto& a : workers[w]["actions"]) {
      if (a["type"] == "sync") sync_stages[w].push_back(a["stage"]);
      if (a["type"] != "F" && a["type"] != "B") continue;
      REQUIRE(k < ops.size());
      acts[w].push_back({a["type"], a["pipe"], a["stage"], a["micro_batch"], ops[k++].second});
    }
    REQUIRE(ops.back().first == "optimizer");
    opt[w] = ops.back().second;
  }
  std::map<std::tuple<std::string, int, int, int>, double> end;
  std::vector<std::size_t> next(D, 0);
  std::vector<double> free(D, 0.0);
  for (bool progress = true; progress;) {
    progress = false;
    for (int w = 0; w < D; ++w)
      while (next[w] < acts[w].size()) {
        const Act& a = acts[w][next[w]];
        std::tuple<std::string, int, int, int> dep =
            a.type == "F" ? std::tuple{std::string("F"), a.pipe, a.stage - 1, a.mb}
                          : (a.stage == D - 1 ? std::tuple{std::string("F"), a.pipe, a.stage, a.mb}
                                              : std::tuple{std::string("B"), a.pipe, a.stage + 1, a.mb});
        double ready = 0;
        if (!(a.type == "F" && a.stage == 0)) {
          auto it = end.find(dep);
          if (it == end.end()) break;
          ready = it->second;
        }
        free[w] = std::max(free[w], ready) + a.dur;
        end[{a.type, a.pipe, a.stage, a.mb}] = free[w];
        ++next[w], progress = true;
      }
  }
  for (int w = 0; w < D; ++w) REQUIRE(next[w] == acts[w].size());
  // Stage s's gradients are ready on a worker after its last B of that stage; the group is
  // {worker holding down s, worker holding up s}.
  auto ready_on = [&](int w, int stage) {
    double t = 0;
    for (const Act& a : acts[w])
      if (a.type == "B" && a.stage == stage) t = std::max(t, end[{a.type, a.pipe, a.stage, a.mb}]);
    return t;
  };
  auto r = run_cli(fmt::format("run '{}' --json", path));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  // A sync all-reduces the stage's gradients G over its two ranks: two rounds of G/2 at 1 PB/s,
  // G / 1e15 (tens of ns), on the data-parallel stream beside the compute (an eager sync
  // overlaps the tail); a worker's syncs run one after the other, its optimizer after all.
  double expected = 0;
  for (int w = 0; w < D; ++w) {
    double dp = 0;
    for (int st : sync_stages[w])
      dp = std::max({dp, ready_on(st, st), ready_on(D - 1 - st, st)}) +
           j["pipeline"]["stages"][st]["gradients_bytes"].get<double>() / 1e15;
    expected = std::max(expected, std::max(free[w], dp) + opt[w]);
  }
  // Left out: the activation and gradient messages (256 KiB at 1 PB/s, 0.26 ns each), a few ns
  // along the critical path of 577 us.
  CHECK(j["iteration_time_s"].get<double>() == approx(expected).epsilon(1e-5));
  CHECK(j["inputs"]["schedule"] == "chimera D=4 N=4 (f=1, concat)");
  // Every worker holds two stages.
  for (const auto& rank : j["pipeline"]["ranks"]) CHECK(rank["stages"].size() == 2);
}

TEST_CASE("scenario schedule-table errors name file and line and key and pp > 1 needs a schedule") {
  auto err_of = [](const std::string& text) {
    auto r = run_cli(fmt::format("run '{}'", write_scenario(text)));
    CHECK(r.exit_code == 2);
    return r.err;
  };
  std::string e = err_of(pipeline_scenario("[schedule]\nkind = \"hanayo\"", 2, 1, 4, 4, "100GBps", "1us"));
  CHECK(contains(e, "schedule.kind"));
  CHECK(contains(e, "s.toml:15"));
  CHECK(contains(e, "unknown schedule 'hanayo'"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"chimera\"", 3, 1, 3, 4, "100GBps", "1us"));
  CHECK(contains(e, "parallel.pp"));
  CHECK(contains(e, "even number"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"chimera\"", 4, 1, 6, 4, "100GBps", "1us"));
  CHECK(contains(e, "parallel.micro_batches"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"1f1b\"\nchunks = 2", 2, 1, 4, 4, "100GBps", "1us"));
  CHECK(contains(e, "schedule.chunks"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"1f1b\"\nrecompte = true", 2, 1, 4, 4, "100GBps", "1us"));
  CHECK(contains(e, "recompte"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"interleaved\"\nchunks = 4", 4, 1, 4, 4, "100GBps", "1us"));
  CHECK(contains(e, "schedule.chunks"));  // 16 stages for 8 layers
  e = err_of(pipeline_scenario("", 2, 1, 4, 4, "100GBps", "1us"));
  CHECK(contains(e, "parallel.pp"));
  CHECK(contains(e, "[schedule]"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"chimera\"\nextend = \"halving\"", 4, 1, 8, 4, "100GBps", "1us"));
  CHECK(contains(e, "schedule.extend"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"chimera\"\npipes_per_direction = 4", 4, 1, 8, 4, "100GBps", "1us"));
  CHECK(contains(e, "schedule.pipes_per_direction"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"1f1b\"\noptimizer = \"lamb\"", 2, 1, 4, 4, "100GBps", "1us"));
  CHECK(contains(e, "schedule.optimizer"));
  e = err_of(pipeline_scenario("[schedule]\nkind = \"1f1b\"\nrecompute = \"yes\"", 2, 1, 4, 4, "100GBps", "1us"));
  CHECK(contains(e, "schedule.recompute"));
}

TEST_CASE("schedule and tune option errors name the option") {
  const std::pair<std::string, std::string> errors[] = {
      {"schedule --kind chimera --extend halving", "error: --extend: unknown extension 'halving' (valid: concat or doubling)"},
      {"schedule --kind chimera --stages 8 --microbatches 8 --pipes-per-direction 3",
       "error: --pipes-per-direction: 3 pipes per direction with 8 stages (valid: a power of two dividing D/2 = 4)"},
      {"schedule --kind interleaved --stages 4 --microbatches 8 --chunks 1",
       "error: --chunks: interleaved needs at least 2 chunks per worker (got 1) (valid: chunks >= 2 (chunks = 1 is plain "
       "1f1b))"},
      {"schedule --kind zb-h1 --bwd 2 --wgrad 2",
       "error: --wgrad: 2 is not inside the backward time 2 (valid: a number between 0 and --bwd (exclusive))"},
  };
  for (const auto& [args, message] : errors) {
    CAPTURE(args);
    auto r = run_cli(args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == message + "\n");
  }
  std::string path = write_scenario(pipeline_scenario("", 1, 8, 1, 8, "100GBps", "1us"));
  for (auto [args, option] : {std::pair{"--gpus 0", "--gpus"},
                              {"--gpus 8 --tp 3", "--tp"},
                              {"--gpus 8 --kinds 1f1b,hanayo", "--kinds"},
                              {"--gpus 8 --memory lots", "--memory"},
                              {"--gpus 8 --mini-batch -3", "--global-batch"}}) {
    auto r = run_cli(fmt::format("tune '{}' {}", path, args));
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, option));
  }
}

TEST_CASE("tune: a feasible configuration simulated equals running it and an impossible memory limit is an error") {
  std::string path = write_scenario(pipeline_scenario("", 1, 8, 1, 8, "100GBps", "1us"));
  auto r = run_cli(fmt::format("tune '{}' --gpus 8 --mini-batch 32 --memory 80GiB --top 1 --json", path));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json j = json::parse(r.out);
  const json& best = j["best"];
  CHECK(best["simulated_iteration_s"].get<double>() > 0);
  CHECK(best["model_peak_memory_bytes"].get<double>() <= 80.0 * 1024 * 1024 * 1024);
  CHECK(best["simulated_fits_memory"] == true);
  CHECK(best["dp"].get<int>() * best["stages"].get<int>() * best["tp"].get<int>() == 8);
  CHECK(best["dp"].get<int>() * best["micro_batches"].get<int>() * best["micro_batch"].get<int>() == 32);
  CHECK(j["feasible"].get<int>() > 0);
  // Running the chosen configuration as a scenario gives the tuner's simulated time.
  std::string table = fmt::format("[schedule]\nkind = \"{}\"\n", best["kind"].get<std::string>());
  if (best["kind"] == "interleaved") table += fmt::format("chunks = {}\n", best["chunks"].get<int>());
  if (best["kind"] == "chimera")
    table += fmt::format("pipes_per_direction = {}\nextend = \"{}\"\n", best["pipes_per_direction"].get<int>(),
                         best["extend"].get<std::string>());
  table += fmt::format("recompute = {}\n", best["recompute"].get<bool>() ? "true" : "false");
  std::string text = pipeline_scenario(table, best["stages"], best["dp"], best["micro_batches"], 8, "100GBps", "1us");
  text.replace(text.find("micro_batch = 2"), 15, fmt::format("micro_batch = {}", best["micro_batch"].get<int>()));
  auto run = run_cli(fmt::format("run '{}' --json", write_scenario(text)));
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(json::parse(run.out)["iteration_time_s"].get<double>() ==
        approx(best["simulated_iteration_s"].get<double>()).epsilon(1e-12));

  auto tight = run_cli(fmt::format("tune '{}' --gpus 8 --mini-batch 32 --memory 1MiB", path));
  CHECK(tight.exit_code == 2);
  CHECK(contains(tight.err, "--memory"));
  CHECK(contains(tight.err, "no configuration of 8 GPUs fits"));
  auto big = run_cli(fmt::format("tune '{}' --gpus 16 --mini-batch 32", path));
  CHECK(big.exit_code == 2);
  CHECK(contains(big.err, "--gpus"));
}

// Every schedule kind on the engine against its closed form (workloads/schedules/README.md,
// shared/reference/pipeline-schedules.md §3), on a case whose stages are equal: 8 layers over
// D = 4 stages (2 each), communication free (1 PB/s ports, no latency: a 256 KiB activation
// takes 0.26 ns), and a roofline device of exactly 1 TFLOP/s (one 1 x 1 array x 500 at 1 GHz)
// with 1e18 B/s of memory, so every GEMM costs FLOPs / 1e12 and every memory-bound kernel
// (layer norms, softmax, dropouts, the embedding gather) nothing measurable. The LM head of
// vocab = 1 adds 2 t h = 262,144 FLOPs per pass to the last stage (0.26 us against its
// 3.36 ms forward): the tolerance below allows for it.
//
// FLOPs per layer, t = 256 tokens (micro-batch 2 x sequence 128), h = 512, 8 heads of 64,
// f = 2048 (transformer_kernels.cpp's kernels, 2 m n k each):
//   forward: qkv 2 t h 3h + scores 2 (2 x 8) 128 128 64 + attn*v (the same) + out-proj 2 t h h
//            + fc1 2 t h f + fc2 2 t f h                                = 1,677,721,600
//   input gradient: every forward GEMM once more, the two score GEMMs twice = 1,744,830,464
//   weight gradient: qkv, out-proj, fc1, fc2                            = 1,610,612,736
// so a stage has T_F = 3.3554432 ms, T_B = 6.7108864 ms (input 3.489660928 + weight
// 3.221225472 ms). The report's pipeline_time_s is the end of the last F/B/W and its
// bubble_ratio the mean over ranks of idle / pipeline time; every worker is busy N(T_F+T_B).
TEST_CASE("run: every schedule kind on equal stages takes its closed-form time and bubble") {
  const int D = 4, N = 8;
  const double F = 2 * 1677721600.0 / 1e12, Bi = 2 * 1744830464.0 / 1e12, W = 2 * 1610612736.0 / 1e12, B = Bi + W;
  struct Kind {
    const char* table;
    double time;
  };
  const Kind kinds[] = {
      {"kind = \"gpipe\"", (N + D - 1) * (F + B)},
      {"kind = \"1f1b\"", (N + D - 1) * (F + B)},
      // recomputation re-runs the stage's forward inside each backward
      {"kind = \"1f1b\"\nrecompute = true", (N + D - 1) * (F + F + B)},
      // v = 2 chunks of one layer each: idle (D-1)(T_F+T_B)/v
      {"kind = \"interleaved\"\nchunks = 2", N * (F + B) + (D - 1) * (F + B) / 2},
      // forward doubling (K = N/D = 2): N(T_F+T_B) + (D-2)/2 (T_F+T_B)
      {"kind = \"chimera\"\nextend = \"doubling\"", (N + (D - 2) / 2.0) * (F + B)},
      // idle (D-1)(T_F + T_B - T_W), T_B the input gradient (T_W <= T_F, T_B holds)
      {"kind = \"zb-h1\"", N * (F + Bi + W) + (D - 1) * (F + Bi - W)},
      // (D+1)T_F + 2D T_B + (N-2)(D T_B + T_F) for T_F <= T_B
      {"kind = \"gems\"", (D + 1) * F + 2 * D * B + (N - 2) * (D * B + F)},
      // one steady-state period: N(T_F+T_B) + (D-1)T_F
      {"kind = \"pipedream\"", N * (F + B) + (D - 1) * F},
      {"kind = \"pipedream-2bw\"", N * (F + B) + (D - 1) * F},
  };
  const std::string dir = temp_dir();
  std::ofstream(dir + "/tflop.toml") << R"(name = "tflop"
description = "test device: exactly 1 TFLOP/s (2 x 1 x 1 x 500 x 1 GHz), memory 1e18 B/s"
source = "tests/e2e/test_pipeline_e2e.cpp"
[array]
rows = 1
cols = 1
count = 500
dataflow = "os"
clock_mhz = 1000
[sram]
ifmap = "1KiB"
filter = "1KiB"
ofmap = "1KiB"
[memory]
bytes_per_element = 2
bandwidth = "1000000000GBps"
capacity = "80GB"
)";
  for (const Kind& k : kinds) {
    CAPTURE(k.table);
    std::string text = pipeline_scenario(std::string("[schedule]\n") + k.table, D, 1, N, D, "1000000GBps", "0s");
    text.replace(text.find("heads = 8\n"), 10, "heads = 8\nffn_hidden = 2048\n");
    text.replace(text.find("vocab = 1000\n"), 13, "vocab = 1\n");
    text.replace(text.find("preset = \"a100\""), 15, "preset = \"" + dir + "/tflop.toml\"\nmodel = \"roofline\"");
    std::ofstream(dir + "/s.toml") << text;
    auto r = run_cli(fmt::format("run '{}/s.toml' --json", dir));
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const json p = json::parse(r.out)["pipeline"];
    const bool recompute = std::string(k.table).find("recompute") != std::string::npos;
    const double busy = N * (F + B + (recompute ? F : 0.0));
    CHECK(p["pipeline_time_s"].get<double>() == approx(k.time).epsilon(2e-4));
    CHECK(p["bubble_ratio"].get<double>() == approx(1 - busy / k.time).epsilon(2e-4).scale(1));
    for (const auto& rank : p["ranks"])
      CHECK(rank["bubble_ratio"].get<double>() == approx(1 - busy / k.time).epsilon(2e-4).scale(1));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("playground: a scripted session with a wrong answer asked again") {
  // model (a wrong one first), micro-batch, GPUs, preset, bandwidth, latency, schedule, D, N,
  // extension, recompute, simulate, autotune.
  const std::string answers = "gpt5\nbert-48\n4\n8\nv100\n25GBps\n1us\nchimera\n4\n8\nconcat\nn\ny\ny\n";
  auto r = run_cli("playground", answers);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(contains(r.out, "! 'gpt5': unknown model"));
  CHECK(contains(r.out, "bert-48: 48 layers"));
  CHECK(contains(r.out, "data-parallel width W = 8 / 4 = 2"));
  CHECK(contains(r.out, "== 3. The schedule =="));
  CHECK(contains(r.out, "F0d0"));
  CHECK(contains(r.out, "== 4. Partition and memory =="));
  CHECK(contains(r.out, "+emb"));
  CHECK(contains(r.out, "the plan fits"));
  CHECK(contains(r.out, "== 5. Performance estimate"));
  CHECK(contains(r.out, "simulated iteration"));
  CHECK(contains(r.out, "== 6. Autotuner =="));
  CHECK(contains(r.out, "choice: "));
  // The same answers give the same transcript.
  CHECK(run_cli("playground", answers).out == r.out);
  // Running out of input takes the defaults; an impossible answer five times is an input error.
  auto defaults = run_cli("playground", "bert-48\n1\n8\nv100\n25GBps\n1us\n1f1b\n8\n8\nn\nn\nn\n");
  REQUIRE_MESSAGE(defaults.exit_code == 0, defaults.err);
  CHECK(contains(defaults.out, "1f1b D=8 N=8"));
  auto stubborn = run_cli("playground", "x\nx\nx\nx\nx\n");
  CHECK(stubborn.exit_code == 2);
}

TEST_CASE("run: a plan that does not fit the GPU memory is reported as infeasible") {
  // GPT-2 (64 layers) over two V100-class GPUs with GPipe and 12 micro-batches: each rank keeps
  // all 12 micro-batches' activations of its 32 or so layers. Rank 1 (stage 1, with the tied LM
  // head, 50257 x 1280 parameters) needs 16 B per parameter of mixed-precision Adam state plus
  // 12 micro-batches of activations. The stage split balances compute time: the systolic model
  // is pinned so that the split (and with it the memory of stage 1) stays the one this test is
  // about.
  std::string text = R"(schema = 1
[model]
name = "gpt2-64"
micro_batch = 1
[parallel]
pp = 2
micro_batches = 12
[schedule]
kind = "gpipe"
[platform.generator]
kind = "star"
gpus = 2
port_bandwidth = "25GBps"
port_latency = "1us"
[compute]
preset = "v100"
model = "systolic"
)";
  std::string path = write_scenario(text);
  auto r = run_cli(fmt::format("run '{}' --json", path));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  json p = json::parse(r.out)["pipeline"];
  CHECK(p["fits_memory"] == false);
  const json& stage1 = p["stages"][1];
  const double params = stage1["layers"].get<int>() * 19677440.0 + 50257.0 * 1280;
  CHECK(stage1["parameters"].get<double>() == params);
  CHECK(p["ranks"][1]["peak_memory_bytes"].get<double>() ==
        approx(16 * params + 12 * stage1["activation_bytes_per_micro_batch"].get<double>()));
  CHECK(p["ranks"][1]["fits"] == false);
  CHECK(p["ranks"][1]["memory_capacity_bytes"].get<double>() < p["ranks"][1]["peak_memory_bytes"].get<double>());
  auto t = run_cli(fmt::format("run '{}'", path));
  CHECK(contains(t.out, "EXCEEDS"));
  CHECK(contains(t.out, "this plan is infeasible"));
}
