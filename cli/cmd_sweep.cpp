// chimera-sim sweep FILE [-j N] [--shard i/n]: run a sweep's points in parallel processes,
// appending one CSV row per finished point (a restarted sweep skips finished points and never
// duplicates a row); chimera-sim sweep merge -o OUT IN... [--sweep FILE]: union of shard CSVs,
// checked to be complete and of one sweep. A point past --timeout gets a row whose result
// columns say `timeout`; a rerun runs it again.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "cli/commands.hpp"
#include "study/csv.hpp"
#include "study/isolated_run.hpp"
#include "cli/output.hpp"
#include "study/process_pool.hpp"
#include "study/progress.hpp"
#include "study/sweep.hpp"
#include "common/atomic_file.hpp"
#include "common/input_error.hpp"
#include "common/text_file.hpp"

namespace chimera {
namespace {

namespace fs = std::filesystem;

struct CsvTable {
  std::vector<std::string> header;
  std::map<std::size_t, std::string> rows;  // point index -> full line (with newline)
};

constexpr const char* kTimeoutMark = "timeout";

// A row whose results say the point ran past --timeout.
bool is_timeout_row(const std::string& line) {
  auto fields = csv_split(line.substr(0, line.find('\n')));
  return fields.size() > 1 && fields.back() == kTimeoutMark;
}

// Reads a sweep CSV. A last line without its newline is an interrupted write: ignored here and
// cut off by the caller before appending.
CsvTable read_csv(const std::string& path, std::size_t* complete_bytes = nullptr) {
  std::string text = read_text_file(path, "sweep CSV");
  CsvTable t;
  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string line = text.substr(pos, nl - pos);
    ++line_no;
    if (line_no == 1) {
      t.header = csv_split(line);
    } else if (!line.empty()) {
      auto fields = csv_split(line);
      std::size_t index = 0;
      auto [p, ec] = std::from_chars(fields[0].data(), fields[0].data() + fields[0].size(), index);
      if (ec != std::errc() || fields.size() != t.header.size())
        throw InputError({path, int(line_no)}, "", "not a row of this sweep's CSV", "point,<axes>,<results>");
      auto known = t.rows.find(index);
      if (known != t.rows.end() && known->second != line + "\n") {
        // A point that timed out and was run again later: the finished row wins.
        if (is_timeout_row(line)) continue;
        if (!is_timeout_row(known->second))
          throw InputError({path, int(line_no)}, "", fmt::format("point {} appears twice with different results", index));
      }
      t.rows[index] = line + "\n";
    }
    pos = nl + 1;
  }
  if (complete_bytes) *complete_bytes = pos;
  return t;
}

std::string table_text(const CsvTable& t) {
  std::string out = csv_line(t.header);
  for (const auto& [i, line] : t.rows) out += line;
  return out;
}

std::vector<std::string> expected_header(const SweepSpec& s) {
  std::vector<std::string> h = {"point"};
  for (const Axis& a : s.axes) h.push_back(a.name);
  for (const auto& c : result_columns(s.kind)) h.push_back(c);
  return h;
}

std::string row_for(const SweepSpec& s, const SweepPoint& p, const nlohmann::json& result) {
  std::vector<std::string> fields = {std::to_string(p.index)};
  fields.insert(fields.end(), p.labels.begin(), p.labels.end());
  for (const auto& c : result_columns(s.kind)) {
    if (result.is_null()) {  // timed out
      fields.push_back(kTimeoutMark);
      continue;
    }
    const auto& v = result.at(c);
    fields.push_back(v.is_number_float() ? csv_number(v.get<double>()) : v.dump());
  }
  return csv_line(fields);
}

void append_durably(int fd, const std::string& line) {
  std::size_t off = 0;
  while (off < line.size()) {
    ssize_t n = write(fd, line.data() + off, line.size() - off);
    if (n <= 0) throw std::runtime_error("cannot append to the sweep CSV");
    off += static_cast<std::size_t>(n);
  }
  fsync(fd);
}

std::pair<int, int> parse_shard(const std::string& text) {
  int i = 0, n = 0;
  auto slash = text.find('/');
  bool ok = slash != std::string::npos;
  if (ok) {
    auto a = std::from_chars(text.data(), text.data() + slash, i);
    auto b = std::from_chars(text.data() + slash + 1, text.data() + text.size(), n);
    ok = a.ec == std::errc() && b.ec == std::errc() && a.ptr == text.data() + slash && b.ptr == text.data() + text.size() &&
         n >= 1 && i >= 0 && i < n;
  }
  if (!ok) throw option_error("--shard", fmt::format("'{}' is not a shard", text), "i/n with 0 <= i < n, e.g. 0/4");
  return {i, n};
}

void run_sweep(const std::string& file, int jobs, const std::string& shard_text, const std::string& output_override,
               bool json) {
  if (jobs < 1) throw option_error("-j", "must be at least 1", "1, 2, ...");
  auto [shard, shards] = shard_text.empty() ? std::pair<int, int>{0, 1} : parse_shard(shard_text);
  SweepSpec s = load_sweep(file);
  std::string output = output_override.empty() ? s.output : output_override;
  const std::size_t total = s.point_count();
  std::vector<std::string> header = expected_header(s);

  CsvTable done;
  std::error_code ec;
  if (fs::exists(output, ec)) {
    std::size_t complete = 0;
    done = read_csv(output, &complete);
    if (!done.header.empty() && done.header != header)
      throw InputError({output}, "output", "the existing CSV has other columns than this sweep",
                       "remove it, or write to another file with --output");
    for (const auto& [i, line] : done.rows)
      if (i >= total) throw InputError({output}, "output", fmt::format("row of point {} but the sweep has {} points", i, total));
    fs::resize_file(output, complete, ec);  // drop a row cut by a kill
  }
  int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) throw InputError({output}, "output", "cannot open for writing");
  if (done.header.empty()) append_durably(fd, csv_line(header));

  std::vector<std::size_t> todo;
  std::size_t mine = 0;
  for (std::size_t i = 0; i < total; ++i) {
    if (int(i % shards) != shard) continue;
    ++mine;
    if (!done.rows.count(i) || is_timeout_row(done.rows.at(i))) todo.push_back(i);
  }
  if (progress_settings().enabled) {
    flush_stdout();
    fmt::print(stderr, "sweep {}: {} points, shard {}/{} has {}, {} already done, {} to run with -j {}\n", file, total,
               shard, shards, mine, mine - todo.size(), todo.size(), jobs);
  }
  Progress progress("sweep: points", static_cast<double>(todo.size()));

  std::size_t finished = 0, timed_out = 0;
  std::string failure;
  bool input_failure = false;
  WallClock clock("sweep");
  run_jobs(todo, jobs, [&](std::size_t i) { return evaluate_point(s, sweep_point(s, i)); },
           [&](std::size_t i, const JobOutcome& o) {
             SweepPoint p = sweep_point(s, i);
             std::string labels;
             for (std::size_t a = 0; a < p.labels.size(); ++a) labels += fmt::format(" {}={}", s.axes[a].name, p.labels[a]);
             if (o.timed_out) {  // recorded, and the sweep goes on
               std::string line = row_for(s, p, nullptr);
               append_durably(fd, line);
               done.rows[i] = line;
               ++finished, ++timed_out;
               fmt::print(stderr, "[{}/{}] point {}{}: timed out after {:.2f} s (--timeout {:g} s)\n", finished, todo.size(), i,
                          labels, o.wall_s, run_timeout());
               return true;
             }
             if (!o.ok) {
               failure = fmt::format("point {}{}: {}", i, labels, o.error);
               input_failure = o.input_error;
               return false;
             }
             std::string line = row_for(s, p, o.result);
             append_durably(fd, line);
             done.rows[i] = line;
             ++finished;
             progress.update(static_cast<double>(finished), fmt::format("last point {}{} ({:.2f} s)", i, labels, o.wall_s));
             return true;
           });
  close(fd);
  if (!failure.empty()) {
    if (input_failure) throw InputError({file}, "", failure);
    throw std::runtime_error(failure);
  }
  // Complete: the final file is sorted by point, so it does not depend on -j or on restarts.
  done.header = header;
  write_file_atomically(output, table_text(done), "output");
  if (json) print_json({{"output", output}, {"points", total}, {"shard", fmt::format("{}/{}", shard, shards)},
                        {"shard_points", mine}, {"ran", finished}, {"skipped", mine - todo.size()}, {"timed_out", timed_out}});
  else fmt::print("{}: {} rows ({} points run now, {} already done{})\n", output, done.rows.size(), finished, mine - todo.size(),
                  timed_out ? fmt::format(", {} timed out", timed_out) : "");
}

// "3, 7, 11-13, ..." for at most `shown` runs of consecutive points.
std::string point_ranges(const std::vector<std::size_t>& points, std::size_t shown = 8) {
  std::string out;
  std::size_t runs = 0;
  for (std::size_t k = 0; k < points.size();) {
    std::size_t e = k;
    while (e + 1 < points.size() && points[e + 1] == points[e] + 1) ++e;
    if (runs == shown) return out + ", ...";
    out += (out.empty() ? "" : ", ") + (e == k ? std::to_string(points[k]) : fmt::format("{}-{}", points[k], points[e]));
    ++runs;
    k = e + 1;
  }
  return out;
}

// Shards must add up to the sweep: every point exactly once, all with the same columns, and
// (with the sweep file) the sweep's own points and labels. Without the sweep file the number of
// points is taken from the highest point present.
void merge(const std::vector<std::string>& inputs, const std::string& output, const std::string& sweep_file, bool json) {
  if (inputs.empty()) throw option_error("inputs", "no CSV files to merge", "one or more shard CSVs");
  std::optional<SweepSpec> spec;
  if (!sweep_file.empty()) spec = load_sweep(sweep_file);
  CsvTable all;
  std::map<std::size_t, std::string> source;  // point -> the file it came from
  for (const auto& in : inputs) {
    CsvTable t = read_csv(in);
    if (t.header.empty()) throw InputError({in}, "", "empty file: no header, no rows", "a shard CSV written by chimera-sim sweep");
    if (spec && t.header != expected_header(*spec))
      throw InputError({in}, "", fmt::format("its columns are not those of the sweep {}", sweep_file),
                       "CSVs written by chimera-sim sweep " + sweep_file);
    if (all.header.empty()) all.header = t.header;
    else if (t.header != all.header)
      throw InputError({in}, "", fmt::format("its columns differ from those of {}", inputs.front()), "CSVs of the same sweep");
    for (const auto& [i, line] : t.rows) {
      if (spec) {
        if (i >= spec->point_count())
          throw InputError({in}, "", fmt::format("point {}, but the sweep {} has {} points", i, sweep_file, spec->point_count()),
                           "CSVs of the shards of that sweep");
        const auto fields = csv_split(line.substr(0, line.size() - 1));
        const SweepPoint p = sweep_point(*spec, i);
        for (std::size_t a = 0; a < p.labels.size(); ++a)
          if (fields[a + 1] != p.labels[a])
            throw InputError({in}, spec->axes[a].name,
                             fmt::format("point {} has {} = '{}' but in the sweep {} it is '{}'", i, spec->axes[a].name,
                                         fields[a + 1], sweep_file, p.labels[a]),
                             "CSVs of the shards of that sweep");
      }
      auto [it, fresh] = source.emplace(i, in);
      if (!fresh)
        throw InputError({in}, "", fmt::format("point {} is also in {}: each point must come from one shard", i, it->second),
                         "each shard's CSV once");
      all.rows.emplace(i, line);
    }
  }
  const std::size_t total = spec ? spec->point_count() : (all.rows.empty() ? 0 : all.rows.rbegin()->first + 1);
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < total; ++i)
    if (!all.rows.count(i)) missing.push_back(i);
  if (total == 0 || !missing.empty())
    throw InputError({}, "sweep merge",
                     total == 0 ? "the files hold no points"
                                : fmt::format("{} of {} points are missing: {}", missing.size(), total, point_ranges(missing)),
                     "the CSVs of every shard (run the missing shards with chimera-sim sweep FILE --shard i/n)");
  std::size_t timed_out = 0;
  for (const auto& [i, line] : all.rows) timed_out += is_timeout_row(line);
  write_file_atomically(output, table_text(all), "-o");
  if (json)
    print_json({{"output", output}, {"rows", all.rows.size()}, {"inputs", inputs}, {"points", total}, {"timed_out", timed_out}});
  else fmt::print("{}: {} rows from {} files{}\n", output, all.rows.size(), inputs.size(),
                  timed_out ? fmt::format(" ({} timed out)", timed_out) : "");
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  struct Options {
    std::string file, shard, output, merge_output, merge_sweep;
    double timeout_s = 0;
    std::vector<std::string> merge_inputs;
    int jobs = 1;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("sweep", "Run a sweep file's points in parallel processes into a CSV");
  cmd->add_option("file", o->file, "Sweep file (TOML)");
  cmd->add_option("-j,--jobs", o->jobs, "Points run at once (processes)")->capture_default_str();
  cmd->add_option("--shard", o->shard, "Run only points with index % n == i, e.g. 0/4 (SLURM job arrays)");
  cmd->add_option("--output", o->output, "CSV to write instead of the sweep file's `output`");
  cmd->add_flag("--json", o->json, "Print a JSON summary");
  cmd->add_option("--timeout", o->timeout_s,
                  "Wall-clock limit of each point in seconds: a point past it gets a row saying `timeout` and the "
                  "sweep goes on (0: none)")
      ->check(CLI::NonNegativeNumber);
  CLI::App* m = cmd->add_subcommand("merge", "Merge shard CSVs of one sweep into one, sorted by point");
  m->add_option("inputs", o->merge_inputs, "Shard CSV files")->required();
  m->add_option("-o,--output", o->merge_output, "Merged CSV")->required();
  m->add_option("--sweep", o->merge_sweep,
                "The sweep file: also checks that the rows are its points, with its labels, and all of them");
  m->add_flag("--json", o->json, "Print a JSON summary");
  m->callback([o] { merge(o->merge_inputs, o->merge_output, o->merge_sweep, o->json); });
  cmd->callback([o, m] {
    if (m->parsed()) return;
    if (o->file.empty()) throw option_error("file", "missing sweep file", "chimera-sim sweep FILE.toml");
    set_run_timeout(o->timeout_s);
    run_sweep(o->file, o->jobs, o->shard, o->output, o->json);
  });
}

}  // namespace chimera
