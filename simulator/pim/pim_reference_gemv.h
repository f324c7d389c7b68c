// Samsung PIMSimulator's GEMV kernel (github.com/SAITPublic/PIMSimulator, src/tests/PIMKernel.cpp,
// executeGemv / computeGemv) replayed on one channel as its memory controller times it: every
// command goes to bank 0 (even) or bank 1 (odd) of bank group 0 (in all-bank mode the device
// applies it to every bank of that parity; the controller tracks only the addressed bank), and
// MACs are column reads. Barriers keep the order: a command after a barrier issues only after
// every command before it; a bank whose open row no command of the current group needs may be
// precharged early (DRAMSim2's CommandQueue::process_precharge). Times are tCK.
#pragma once

#include <cstdint>

#include "simulator/pim/pim_config.h"
#include "simulator/pim/pim_engine.h"

namespace nuri::sim::pim {

// The kernel's loop bounds. An output tile is units_total x acc_rows rows and an input tile
// vector_elems elements; every channel runs every tile (a channel's units idle on rows past M).
struct ReferenceGemvWork {
  int64_t output_tiles = 0, input_tiles = 0, batch = 1;
};
ReferenceGemvWork reference_gemv_work(const PimConfig& cfg, int64_t rows, int64_t cols,
                                      int64_t batch);

// DRAM rows per bank the kernel's weights and stored results take (the layout's footprint).
int64_t reference_gemv_rows_per_bank(const PimConfig& cfg, const ReferenceGemvWork& w);

// Per channel: park in (a read to every bank), single-bank -> all-bank mode (4 writes), one CRF
// burst (the 5-instruction MAC/JUMP/NOP program), then per output tile and x vector: enter
// PIM mode (1 write); even x tiles, then odd ones, each vector_elems / lanes GRF_A writes
// (barrier) and vector_elems / lanes groups of acc_rows MACs (a barrier after each group; a
// tile's acc_rows x vector_elems / lanes columns continue across DRAM rows); acc_rows GRF_B ->
// bank writes (barrier); leave PIM mode (1 write). Then all-bank -> single-bank (2 writes) and
// park out (a read to every bank). Result reads over the bus are not part of the kernel (y stays
// in the banks). Refresh interrupts as in the other kernels.
ChannelRun run_reference_gemv_channel(const PimConfig& cfg, const ReferenceGemvWork& work,
                                      size_t max_spans);

}  // namespace nuri::sim::pim
