// The cpu device's peaks cache: the first process on a machine measures and writes the file,
// later ones read it; a corrupt, foreign or implausible file is ignored and the figures measured
// again; the folder follows NURI_CPU_CACHE / XDG_CACHE_HOME; peaks_cache=0 measures and writes
// nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "devices/cpu/cpu_device.h"
#include "devices/cpu/host_peaks_cache.h"

namespace nuri::cpu {
namespace {

namespace fs = std::filesystem;

// A fresh folder per test, removed afterwards.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() /
             ("nuri_peaks_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// Sets (or unsets, with nullopt) an environment variable for a scope.
struct EnvGuard {
  std::string name;
  std::optional<std::string> old;
  EnvGuard(const char* n, std::optional<std::string> value) : name(n) {
    if (const char* v = std::getenv(n)) old = v;
    if (value)
      ::setenv(n, value->c_str(), 1);
    else
      ::unsetenv(n);
  }
  ~EnvGuard() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

PeaksCacheOptions in(const TempDir& d) {
  return {.enabled = true, .dir = d.path.string()};
}

void write_file(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f, nullptr, false);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

TEST(HostPeaksCache, FirstUseMeasuresAndWritesLaterUsesRead) {
  const TempDir dir("first");
  const HostPeaks first = load_or_measure_host_peaks(in(dir));
  EXPECT_TRUE(starts_with(first.measured, "measured now")) << first.measured;
  const std::string file = peaks_cache_path(in(dir));
  ASSERT_TRUE(fs::exists(file)) << file;
  EXPECT_EQ(read_json(file)["key"], peaks_cache_key(host_topology_facts()));

  const HostPeaks second = load_or_measure_host_peaks(in(dir));
  EXPECT_FALSE(starts_with(second.measured, "measured now")) << second.measured;
  EXPECT_NE(second.measured.find("cached in " + file), std::string::npos) << second.measured;
  // The same figures, bit for bit (JSON keeps a double's 17 digits).
  EXPECT_EQ(second.f32_flops_per_s, first.f32_flops_per_s);
  EXPECT_EQ(second.bandwidth_bytes_per_s, first.bandwidth_bytes_per_s);
  EXPECT_EQ(second.cores, first.cores);
  EXPECT_EQ(second.memory_bytes, first.memory_bytes);
}

TEST(HostPeaksCache, ReadsTheFiguresOfAValidEntry) {
  const TempDir dir("valid");
  const HostPeaks topo = host_topology_facts();
  const std::string file = peaks_cache_path(in(dir));
  const double flops = topo.cores * 40e9, bw = 12.5e9;
  write_file(file, nlohmann::json{{"format", 1},
                                  {"key", peaks_cache_key(topo)},
                                  {"measured", "2026-01-02 03:04 UTC"},
                                  {"f32_flops_per_s", flops},
                                  {"bandwidth_bytes_per_s", bw}}
                       .dump());
  const HostPeaks p = load_or_measure_host_peaks(in(dir));
  EXPECT_EQ(p.f32_flops_per_s, flops);
  EXPECT_EQ(p.bandwidth_bytes_per_s, bw);
  EXPECT_EQ(p.measured, "measured 2026-01-02 03:04 UTC, cached in " + file);
}

// Each of these files is ignored: the figures are measured again and the file rewritten with
// this machine's key and plausible figures.
TEST(HostPeaksCache, CorruptForeignOrImplausibleFilesAreRemeasured) {
  const HostPeaks topo = host_topology_facts();
  const std::string key = peaks_cache_key(topo);
  const auto entry = [&](const std::string& k, double flops, double bw, int format = 1) {
    return nlohmann::json{
        {"format", format}, {"key", k}, {"f32_flops_per_s", flops}, {"bandwidth_bytes_per_s", bw}}
        .dump();
  };
  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"not JSON", "{\"format\": 1, \"key\": "},
      {"binary", std::string("\x00\xff\x13garbage", 10)},
      {"an array", "[1, 2, 3]"},
      {"another machine", entry("Other CPU; 64 cores", topo.cores * 40e9, 12.5e9)},
      {"another format", entry(key, topo.cores * 40e9, 12.5e9, 99)},
      {"bandwidth 1e20", entry(key, topo.cores * 40e9, 1e20)},
      {"negative flops", entry(key, -1, 12.5e9)},
      {"figures as text", nlohmann::json{{"format", 1},
                                         {"key", key},
                                         {"f32_flops_per_s", "fast"},
                                         {"bandwidth_bytes_per_s", "12.5e9"}}
                              .dump()},
  };
  for (const auto& [what, text] : cases) {
    const TempDir dir("bad");
    const std::string file = peaks_cache_path(in(dir));
    write_file(file, text);
    const HostPeaks p = load_or_measure_host_peaks(in(dir));
    EXPECT_TRUE(starts_with(p.measured, "measured now")) << what << ": " << p.measured;
    EXPECT_GT(p.bandwidth_bytes_per_s, 1e8) << what;
    EXPECT_NE(p.bandwidth_bytes_per_s, 12.5e9) << what;
    const nlohmann::json j = read_json(file);
    ASSERT_TRUE(j.is_object()) << what;
    EXPECT_EQ(j["key"], key) << what;
    EXPECT_EQ(j["bandwidth_bytes_per_s"].get<double>(), p.bandwidth_bytes_per_s) << what;
  }
}

TEST(HostPeaksCache, FolderFromTheEnvironment) {
  const EnvGuard xdg("XDG_CACHE_HOME", "/tmp/nuri_xdg");
  {
    const EnvGuard own("NURI_CPU_CACHE", "/tmp/nuri_cpu_cache");
    EXPECT_EQ(peaks_cache_path({}), "/tmp/nuri_cpu_cache/host_peaks.json");
    // An explicit folder wins over the environment.
    EXPECT_EQ(peaks_cache_path({.enabled = true, .dir = "/x"}), "/x/host_peaks.json");
  }
  const EnvGuard own("NURI_CPU_CACHE", std::nullopt);
  EXPECT_EQ(peaks_cache_path({}), "/tmp/nuri_xdg/nuri/cpu/host_peaks.json");
  const EnvGuard no_xdg("XDG_CACHE_HOME", std::nullopt);
  const EnvGuard home("HOME", "/home/someone");
  EXPECT_EQ(peaks_cache_path({}), "/home/someone/.cache/nuri/cpu/host_peaks.json");
}

TEST(HostPeaksCache, OffMeasuresAndWritesNothing) {
  const TempDir dir("off");
  EXPECT_EQ(peaks_cache_path({.enabled = false, .dir = dir.path.string()}), "");
  const HostPeaks p = load_or_measure_host_peaks({.enabled = false, .dir = dir.path.string()});
  EXPECT_EQ(p.measured, "measured now");
  EXPECT_GT(p.bandwidth_bytes_per_s, 1e8);
  EXPECT_FALSE(fs::exists(dir.path));
}

// The device says where its peaks come from; peaks_cache=0 measures them in this process. Bad
// values of its options are refused naming the option.
TEST(HostPeaksCache, DeviceOptions) {
  const nuri_device_api* api = cpu_device_api();
  nuri_error err{};
  err.struct_size = sizeof(err);
  nuri_device_impl* dev = nullptr;
  ASSERT_EQ(api->device_create("peaks_cache=0", &dev, &err), NURI_OK) << err.message;
  nuri_device_properties p{};
  p.struct_size = sizeof(p);
  ASSERT_EQ(api->device_get_properties(dev, &p, &err), NURI_OK) << err.message;
  EXPECT_NE(std::string(p.description).find("; peaks measured now"), std::string::npos)
      << p.description;
  EXPECT_EQ(p.memory_bandwidth_bytes_per_s, measured_host_peaks().bandwidth_bytes_per_s);
  api->device_release(dev);
  EXPECT_EQ(api->device_create("peaks_cache=sometimes", &dev, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("peaks_cache"), std::string::npos) << err.message;
  EXPECT_EQ(api->device_create("pack_threads=-1", &dev, &err), NURI_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(err.message).find("'pack_threads' must be 0"), std::string::npos)
      << err.message;
}

}  // namespace
}  // namespace nuri::cpu
