#include "tools/nuri/bench_roofline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace nuri::cli {
namespace {

constexpr double kWidth = 960, kHeight = 640, kLeft = 80, kRight = 220, kTop = 30, kBottom = 60;
const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                               "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

struct Ceiling {
  std::string label;
  double peak_flops = 0;  // 0: bandwidth only
  double bytes_per_s = 0;
  std::string color;
  bool dashed = false;
};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

// 2.6e14 -> "262 TFLOP/s": short enough for the legend column.
std::string with_prefix(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P"};
  size_t p = 0;
  while (v >= 1000 && p + 1 < std::size(prefixes)) v /= 1000, ++p;
  return fmt::format("{:.3g} {}{}", v, prefixes[p], unit);
}

}  // namespace

std::string roofline_svg(const std::vector<BenchResult>& results, const BenchContext& ctx) {
  std::vector<const BenchResult*> points;
  std::map<std::string, std::string> device_color;
  std::vector<Ceiling> ceilings;
  for (const BenchResult& r : results) {
    if (!device_color.count(r.device)) {
      const std::string color = kColors[device_color.size() % std::size(kColors)];
      device_color[r.device] = color;
      if (r.peak_bytes_per_s > 0 || r.peak_ops_per_s > 0)
        ceilings.push_back({r.device, r.peak_ops_per_s, r.peak_bytes_per_s, color});
    }
    if (r.ran() && r.flops > 0 && r.bytes > 0 && r.time.median_ns > 0) points.push_back(&r);
  }
  if (ctx.stream) ceilings.push_back({"STREAM", 0, ctx.stream->ceiling(), "#555555", true});

  // Axis ranges: decades around every point and every ridge.
  double x_lo = 1e300, x_hi = 0, y_lo = 1e300, y_hi = 0;
  const auto extend = [&](double x, double y) {
    x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
    y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  };
  for (const BenchResult* r : points) extend(r->flops / r->bytes, r->flops_per_s());
  for (const Ceiling& c : ceilings) {
    if (c.peak_flops > 0 && c.bytes_per_s > 0)
      extend(c.peak_flops / c.bytes_per_s, c.peak_flops);
    else if (c.peak_flops > 0)
      extend(x_lo < 1e300 ? x_lo : 1, c.peak_flops);
  }
  if (x_hi <= 0) x_lo = 0.1, x_hi = 100, y_lo = 1e9, y_hi = 1e12;
  const double lx0 = std::floor(std::log10(x_lo)) - 0.5, lx1 = std::ceil(std::log10(x_hi)) + 0.5;
  const double ly0 = std::floor(std::log10(y_lo)) - 0.5, ly1 = std::ceil(std::log10(y_hi)) + 0.5;
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  const auto px = [&](double x) { return kLeft + (std::log10(x) - lx0) / (lx1 - lx0) * pw; };
  const auto py = [&](double y) { return kTop + ph - (std::log10(y) - ly0) / (ly1 - ly0) * ph; };

  std::ostringstream svg;
  svg << fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n",
      kWidth, kHeight);
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg << fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"black\"/>\n",
      kLeft, kTop, pw, ph);
  // Decade grid lines and labels.
  for (int e = static_cast<int>(std::ceil(lx0)); e <= static_cast<int>(std::floor(lx1)); ++e) {
    const double x = px(std::pow(10.0, e));
    svg << fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#ddd\"/>"
        "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">1e{}</text>\n",
        x, kTop, x, kTop + ph, x, kTop + ph + 16, e);
  }
  for (int e = static_cast<int>(std::ceil(ly0)); e <= static_cast<int>(std::floor(ly1)); ++e) {
    const double y = py(std::pow(10.0, e));
    svg << fmt::format(
        "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">1e{}</text>\n",
        kLeft, y, kLeft + pw, y, kLeft - 6, y + 4, e);
  }
  svg << fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">arithmetic intensity (FLOP per byte)</text>\n"
      "<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" "
      "text-anchor=\"middle\">FLOP/s</text>\n",
      kLeft + pw / 2, kHeight - 20, kTop + ph / 2, kTop + ph / 2);

  // Ceilings: a bandwidth slope up to the ridge, then the compute roof.
  const double xa = std::pow(10.0, lx0), xb = std::pow(10.0, lx1);
  double legend_y = kTop + 10;
  for (const Ceiling& c : ceilings) {
    std::vector<std::pair<double, double>> line;
    if (c.bytes_per_s > 0 && c.peak_flops > 0) {
      const double ridge = c.peak_flops / c.bytes_per_s;
      line = {{xa, c.bytes_per_s * xa}, {ridge, c.peak_flops}, {xb, c.peak_flops}};
    } else if (c.bytes_per_s > 0) {
      line = {{xa, c.bytes_per_s * xa}, {xb, c.bytes_per_s * xb}};
    } else {
      line = {{xa, c.peak_flops}, {xb, c.peak_flops}};
    }
    std::string pts;
    for (const auto& [x, y] : line) pts += fmt::format("{:.1f},{:.1f} ", px(x), py(y));
    svg << fmt::format(
        "<polyline class=\"ceiling\" data-device=\"{}\" points=\"{}\" fill=\"none\" "
        "stroke=\"{}\" stroke-width=\"2\"{} clip-path=\"url(#plot)\"/>\n",
        escape(c.label), pts, c.color, c.dashed ? " stroke-dasharray=\"6,4\"" : "");
    std::string text = c.label;
    if (c.peak_flops > 0) text += ", " + with_prefix(c.peak_flops, "FLOP/s");
    if (c.bytes_per_s > 0) text += ", " + with_prefix(c.bytes_per_s, "B/s");
    svg << fmt::format("<text x=\"{}\" y=\"{:.1f}\" fill=\"{}\">{}</text>\n", kLeft + pw + 8,
                       legend_y, c.color, escape(text));
    legend_y += 16;
  }
  svg << fmt::format(
      "<clipPath id=\"plot\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n",
      kLeft, kTop, pw, ph);
  for (const BenchResult* r : points) {
    const double x = px(r->flops / r->bytes), y = py(r->flops_per_s());
    svg << fmt::format(
        "<g class=\"point\" data-case=\"{}\" data-device=\"{}\"><title>{} on {}: {:.3g} GFLOP/s, "
        "{:.3g} FLOP/B</title><circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"9\">{}</text></g>\n",
        escape(r->case_name), escape(r->device), escape(r->case_name), escape(r->device),
        r->flops_per_s() * 1e-9, r->flops / r->bytes, x, y, device_color[r->device], x + 6, y - 4,
        escape(r->op));
  }
  for (const auto& [device, color] : device_color) {
    svg << fmt::format("<text x=\"{}\" y=\"{:.1f}\" fill=\"{}\">&#9679; {}</text>\n",
                       kLeft + pw + 8, legend_y, color, escape(device));
    legend_y += 16;
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace nuri::cli
