#include "planner/metis_synth.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "planner/float_text.hpp"

namespace chimera::metis {
namespace {

// profile_data_samples/ of the fork: A100, 10-layer GPT. lc = [first, mid x 8, last].
struct Seed {
  int tp, bs;
  double forward_backward, batch_generator, optimizer, lc_first, lc_mid, lc_last, layernorm_ar, embedding_ar;
};
constexpr Seed kSeeds[] = {
    {1, 1, 292.7964687347412, 0.9145021438598633, 39.308977127075195, 0.2892017364501953, 29.507994651794434,
     0.4100799560546875, 0.020313262939453125, 0.04248619079589844},
    {1, 2, 580.2594184875488, 1.1479616165161133, 39.59686756134033, 0.6282329559326172, 58.86340141296387,
     0.6556510925292969, 0.022220611572265625, 0.048804283142089844},
    {1, 4, 1143.9790725708008, 1.0437250137329102, 39.47432041168213, 1.0962486267089844, 116.56570434570312,
     1.066446304321289, 0.02143383026123047, 0.04825592041015625},
    {2, 1, 167.60022640228271, 0.9002208709716797, 20.2700138092041, 1.1625289916992188, 16.83783531188965,
     0.3528594970703125, 0.5506515502929688, 0.03962516784667969},
    {2, 2, 313.36352825164795, 1.025700569152832, 20.301532745361328, 1.7201900482177734, 32.2415828704834,
     0.469207763671875, 0.5963563919067383, 0.043272972106933594},
    {2, 4, 611.6964817047119, 0.9355545043945312, 20.454931259155273, 2.507448196411133, 63.25173377990723,
     0.6699562072753906, 0.6118535995483398, 0.038433074951171875},
    {4, 1, 99.9199390411377, 0.9341955184936523, 10.814285278320312, 1.0263919830322266, 10.216951370239258,
     0.3376007080078125, 0.4595518112182617, 0.037360191345214844},
    {4, 2, 179.92208003997803, 0.9298801422119141, 10.793113708496094, 1.8298625946044922, 19.173383712768555,
     0.4038810729980469, 0.5153894424438477, 0.03802776336669922},
    {4, 4, 335.2949619293213, 0.9746074676513672, 10.96353530883789, 2.949237823486328, 35.823822021484375,
     0.67901611328125, 0.6551504135131836, 0.04265308380126953},
};
constexpr int kSeedLayers = 10;
constexpr long long kParamsFirst = 393216000, kParamsMid = 202383360, kParamsLast = 393220096;
constexpr long long kMemFirst = 7820, kMemMid = 4146, kMemLast = 12132;

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

template <class T>
std::vector<T> stretch(T first, T mid, T last, int layers) {  // [x0] + [x1] * (L-2) + [x-1]
  std::vector<T> v{first};
  v.insert(v.end(), layers - 2, mid);
  v.push_back(last);
  return v;
}

void recompute_total(SynthProfile& p) {
  p.total_time_ms = p.forward_backward_time_ms + p.batch_generator_time_ms + p.layernorm_all_reduce_ms +
                    p.embedding_all_reduce_ms + p.optimizer_time_ms;
}

SynthProfile from_seed(const Seed& s, int layers) {
  SynthProfile p;
  p.type = "A100";
  p.tp = s.tp;
  p.bs = s.bs;
  // Step 2: between = forward_backward - sum of the sample's 10 layer times.
  std::vector<double> seed_lc = stretch(s.lc_first, s.lc_mid, s.lc_last, kSeedLayers);
  p.between_forward_backward_time_ms = s.forward_backward - sum(seed_lc);
  // Step 3: stretch to L layers.
  p.num_layers = layers;
  p.num_mha_layers = layers - 2;
  p.parameters_per_layer_bytes = stretch(kParamsFirst, kParamsMid, kParamsLast, layers);
  for (long long x : p.parameters_per_layer_bytes) p.total_parameters_bytes += x;
  p.layer_memory_total_mb = stretch(kMemFirst, kMemMid, kMemLast, layers);
  for (long long x : p.layer_memory_total_mb) p.total_memory += x;
  p.layer_compute_total_ms = stretch(s.lc_first, s.lc_mid, s.lc_last, layers);
  p.forward_backward_time_ms = p.between_forward_backward_time_ms + sum(p.layer_compute_total_ms);
  p.batch_generator_time_ms = s.batch_generator;
  p.layernorm_all_reduce_ms = s.layernorm_ar / kSeedLayers * layers;
  p.embedding_all_reduce_ms = s.embedding_ar;
  p.optimizer_time_ms = s.optimizer / kSeedLayers * layers;
  recompute_total(p);
  return p;
}

SynthProfile scaled_time(SynthProfile p, double factor, bool divide) {
  for (double& x : p.layer_compute_total_ms) x = divide ? x / factor : x * factor;
  p.forward_backward_time_ms = divide ? p.forward_backward_time_ms / factor : p.forward_backward_time_ms * factor;
  p.between_forward_backward_time_ms =
      divide ? p.between_forward_backward_time_ms / factor : p.between_forward_backward_time_ms * factor;
  recompute_total(p);
  return p;
}

}  // namespace

std::vector<SynthProfile> synthesize_profiles(int layers, int max_batch) {
  if (layers < 2) throw option_error("--layers", fmt::format("{} layers", layers), "at least 2 (input and output layer)");
  if (max_batch < 4 || (max_batch & (max_batch - 1)) != 0)
    throw option_error("--gbs", fmt::format("{} is not a power of two >= 4", max_batch), "4, 8, 16, ..., e.g. 128");
  std::map<std::tuple<int, int>, SynthProfile> a100;  // (tp, bs)
  for (const Seed& s : kSeeds) a100[{s.tp, s.bs}] = from_seed(s, layers);
  // Step 4: batch doubling from bs = 4.
  for (int tp : {1, 2, 4})
    for (int bs = 4; bs < max_batch; bs *= 2) {
      SynthProfile p = scaled_time(a100.at({tp, bs}), 2, false);
      p.bs = 2 * bs;
      a100[{tp, 2 * bs}] = p;
    }
  // Step 5: TP doubling from tp = 4.
  for (int bs = 1; bs <= max_batch; bs *= 2)
    for (int tp = 4; tp < max_batch; tp *= 2) {
      SynthProfile p = scaled_time(a100.at({tp, bs}), 2, true);
      p.tp = 2 * tp;
      a100[{2 * tp, bs}] = p;
    }
  std::vector<SynthProfile> out;
  for (const auto& [key, p] : a100) out.push_back(p);
  // Step 6: V100 = A100 x 3.5 on every time (totals scaled, not recomputed).
  std::size_t n = out.size();
  for (std::size_t i = 0; i < n; ++i) {
    SynthProfile v = out[i];
    v.type = "V100";
    for (double* x : {&v.total_time_ms, &v.forward_backward_time_ms, &v.batch_generator_time_ms,
                      &v.layernorm_all_reduce_ms, &v.embedding_all_reduce_ms, &v.optimizer_time_ms,
                      &v.between_forward_backward_time_ms})
      *x *= 3.5;
    for (double& x : v.layer_compute_total_ms) x *= 3.5;
    out.push_back(v);
  }
  return out;
}

std::string profile_json(const SynthProfile& p) {
  auto ints = [](const std::vector<long long>& v, const char* indent) {
    std::string s = "[\n";
    for (std::size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}{}\n", indent, v[i], i + 1 < v.size() ? "," : "");
    return s;
  };
  auto floats = [](const std::vector<double>& v, const char* indent) {
    std::string s = "[\n";
    for (std::size_t i = 0; i < v.size(); ++i)
      s += fmt::format("{}{}{}\n", indent, python_repr(v[i]), i + 1 < v.size() ? "," : "");
    return s;
  };
  std::string s = "{\n  \"model\": {\n    \"model_name\": \"GPT3\",\n";
  s += fmt::format("    \"num_layers\": {},\n    \"parameters\": {{\n", p.num_layers);
  s += fmt::format("      \"total_parameters_bytes\": {},\n", p.total_parameters_bytes);
  s += "      \"parameters_per_layer_bytes\": " + ints(p.parameters_per_layer_bytes, "        ") + "      ]\n    },\n";
  s += fmt::format("    \"num_MHA_layers\": {}\n  }},\n  \"execution_time\": {{\n", p.num_mha_layers);
  s += "    \"total_time_ms\": " + python_repr(p.total_time_ms) + ",\n";
  s += "    \"forward_backward_time_ms\": " + python_repr(p.forward_backward_time_ms) + ",\n";
  s += "    \"batch_generator_time_ms\": " + python_repr(p.batch_generator_time_ms) + ",\n";
  s += "    \"layernorm_grads_all_reduce_time_ms\": " + python_repr(p.layernorm_all_reduce_ms) + ",\n";
  s += "    \"embedding_grads_all_reduce_time_ms\": " + python_repr(p.embedding_all_reduce_ms) + ",\n";
  s += "    \"optimizer_time_ms\": " + python_repr(p.optimizer_time_ms) + ",\n";
  s += "    \"layer_compute_total_ms\": " + floats(p.layer_compute_total_ms, "      ") + "    ],\n";
  s += "    \"between_forward_backward_time_ms\": " + python_repr(p.between_forward_backward_time_ms) + "\n  },\n";
  s += fmt::format("  \"execution_memory\": {{\n    \"total_memory\": {},\n", p.total_memory);
  s += "    \"layer_memory_total_mb\": " + ints(p.layer_memory_total_mb, "      ") + "    ]\n  }\n}";
  return s;
}

Profile to_profile(const SynthProfile& p) {
  std::vector<double> mem(p.layer_memory_total_mb.begin(), p.layer_memory_total_mb.end());
  std::vector<double> params(p.parameters_per_layer_bytes.begin(), p.parameters_per_layer_bytes.end());
  return make_profile(p.file_name(), p.type, p.tp, p.bs, p.layer_compute_total_ms, p.forward_backward_time_ms,
                      std::move(mem), p.optimizer_time_ms, p.batch_generator_time_ms, std::move(params));
}

ProfileSet synthetic_profile_set(int layers, int max_batch) {
  ProfileSet set;
  set.origin = fmt::format("synthetic profiles ({} layers, max batch {})", layers, max_batch);
  for (const auto& p : synthesize_profiles(layers, max_batch)) set.add(to_profile(p));
  return set;
}

void write_profiles(const std::string& dir, const std::vector<SynthProfile>& profiles) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) throw option_error("-o", fmt::format("cannot create directory {}", dir));
  std::set<std::string> names;
  for (const auto& p : profiles) {
    names.insert(p.file_name());
    write_file_atomically((fs::path(dir) / p.file_name()).string(), profile_json(p), "profile");
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    std::string type;
    int tp, bs;
    if (parse_profile_name(name, type, tp, bs) && !names.count(name)) fs::remove(entry.path(), ec);
  }
}

}  // namespace chimera::metis
