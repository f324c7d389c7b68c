// The standard pass pipelines the ONNX frontend (and anyone else) runs after import.
#pragma once

#include "compiler/passes/pass_manager.h"

namespace nuri::ir {

// Constant folding and dead-code removal only.
PassManager cleanup_pipeline();
// Cleanup, then every fusion (LayerNorm, RMSNorm, Gelu/Silu, RotaryEmbedding, Attention,
// Gemm), then cleanup again.
PassManager fusion_pipeline();

}  // namespace nuri::ir
