// The standard pass pipelines the ONNX frontend (and anyone else) runs after import.
#pragma once

#include "compiler/passes/pass_manager.h"

namespace nuri::ir {

// Constant folding and dead-code removal only.
PassManager cleanup_pipeline();
// Cleanup, then every fusion (LayerNorm, RMSNorm, Gelu/Silu, RotaryEmbedding, Attention,
// Gemm), then cleanup again.
PassManager fusion_pipeline();
// Every fusion and dead-code removal, without constant folding: what a Session runs on any
// graph, however it was built. Built graphs may hold shape-only constants (timing-only models);
// folding only the ones with data would make a model compile differently with and without its
// weights.
PassManager session_pipeline();

}  // namespace nuri::ir
