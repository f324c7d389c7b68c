// The roofline plot of a `nuri bench` run as SVG: achieved FLOP/s against arithmetic intensity
// (FLOP per compulsory byte), log-log, one labelled point per case and device that ran and
// computes (layout-only ops have no FLOPs and no place on it), and per device its ceilings
// min(peak compute, bandwidth x intensity) from the declared peaks; the measured STREAM
// bandwidth is drawn as a ceiling of its own.
#pragma once

#include <string>
#include <vector>

#include "tools/nuri/bench_result.h"

namespace nuri::cli {

// Points carry class="point", ceilings class="ceiling" (tests and stylesheets find them).
std::string roofline_svg(const std::vector<BenchResult>& results, const BenchContext& ctx);

}  // namespace nuri::cli
