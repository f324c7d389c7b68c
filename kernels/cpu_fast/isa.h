// Which instruction-set variant of the fast kernels runs: detected once, overridable so tests
// can exercise every variant the host supports.
#pragma once

namespace nuri::cpu::fast {

enum class Isa { Generic, Avx2, Avx512 };

const char* isa_name(Isa isa);
// The best variant this CPU supports.
Isa detected_isa();
// The variant in use: detected_isa() unless overridden.
Isa active_isa();
// Selects a variant; returns false (and changes nothing) if the CPU lacks it. Not thread-safe
// with kernels running concurrently: call it between runs.
bool set_isa(Isa isa);

}  // namespace nuri::cpu::fast
