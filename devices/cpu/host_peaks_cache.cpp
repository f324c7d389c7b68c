#include "devices/cpu/host_peaks_cache.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace nuri::cpu {
namespace {

namespace fs = std::filesystem;

constexpr int kFormat = 1;  // bump when the measurements change meaning

// What any current machine can do (as the device tests check): a figure outside is a corrupt
// or hand-edited file, not a measurement.
bool plausible(const HostPeaks& p) {
  const double per_core = p.f32_flops_per_s / std::max(1, p.cores);
  return std::isfinite(per_core) && per_core > 1e8 && per_core < 2 * 16 * 2 * 6e9 &&
         std::isfinite(p.bandwidth_bytes_per_s) && p.bandwidth_bytes_per_s > 1e8 &&
         p.bandwidth_bytes_per_s < 1e13;
}

std::string utc_now() {
  return fmt::format(
      "{:%Y-%m-%d %H:%M} UTC",
      fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

}  // namespace

std::string peaks_cache_path(const PeaksCacheOptions& o) {
  if (!o.enabled) return {};
  fs::path dir = o.dir;
  if (dir.empty()) {
    if (const char* d = std::getenv("NURI_CPU_CACHE"); d && *d)
      dir = d;
    else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
      dir = fs::path(x) / "nuri/cpu";
    else if (const char* h = std::getenv("HOME"); h && *h)
      dir = fs::path(h) / ".cache/nuri/cpu";
    else
      return {};
  }
  return (dir / "host_peaks.json").string();
}

std::string peaks_cache_key(const HostPeaks& t) {
  return fmt::format("{}; {} cores, {} threads, {} NUMA nodes; memory {} B; LLC {} B",
                     t.cpu_model.empty() ? "unknown cpu" : t.cpu_model, t.cores, t.logical_cpus,
                     t.numa_nodes, t.memory_bytes, t.llc_bytes);
}

bool read_cached_peaks(const std::string& path, const std::string& key, HostPeaks& into) {
  std::ifstream in(path);
  if (!in) return false;
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("format", 0) != kFormat || j.value("key", "") != key) return false;
  const auto flops = j.find("f32_flops_per_s"), bw = j.find("bandwidth_bytes_per_s");
  if (flops == j.end() || bw == j.end() || !flops->is_number() || !bw->is_number()) return false;
  HostPeaks p = into;
  p.f32_flops_per_s = flops->get<double>();
  p.bandwidth_bytes_per_s = bw->get<double>();
  if (!plausible(p)) return false;
  p.measured = fmt::format("measured {}, cached in {}", j.value("measured", "earlier"), path);
  into = p;
  return true;
}

void write_cached_peaks(const std::string& path, const std::string& key, const HostPeaks& p) {
  const nlohmann::json j = {{"format", kFormat},
                            {"key", key},
                            {"measured", utc_now()},
                            {"f32_flops_per_s", p.f32_flops_per_s},
                            {"bandwidth_bytes_per_s", p.bandwidth_bytes_per_s}};
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp);
    if (!(f << j.dump(1) << "\n")) {
      f.close();
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

HostPeaks load_or_measure_host_peaks(const PeaksCacheOptions& options) {
  HostPeaks p = host_topology_facts();
  const std::string path = peaks_cache_path(options);
  const std::string key = peaks_cache_key(p);
  if (!path.empty() && read_cached_peaks(path, key, p)) return p;
  measure_host_peaks(p);
  // A figure measured while something else held the memory bus would be cached too low; the
  // cache keeps the first plausible measurement (delete the file, or peaks_cache=0, to redo).
  if (!path.empty() && plausible(p)) {
    write_cached_peaks(path, key, p);
    p.measured += ", cached in " + path;
  }
  return p;
}

}  // namespace nuri::cpu
