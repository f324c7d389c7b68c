#include "compiler/passes/pipeline.h"

#include "compiler/passes/passes.h"

namespace nuri::ir {

PassManager cleanup_pipeline() {
  PassManager pm;
  pm.add("fold_constants", fold_constants).add("remove_dead_code", remove_dead_code);
  return pm;
}

PassManager fusion_pipeline() {
  PassManager pm;
  pm.add("fold_constants", fold_constants)
      .add("remove_dead_code", remove_dead_code)
      .add("fuse_layer_norm", fuse_layer_norm)
      .add("fuse_rms_norm", fuse_rms_norm)
      .add("fuse_activations", fuse_activations)
      .add("fuse_rotary", fuse_rotary)
      .add("fuse_attention", fuse_attention)
      .add("fuse_kv_cache", fuse_kv_cache)
      .add("fuse_matmul_bias", fuse_matmul_bias)
      .add("remove_dead_code", remove_dead_code);
  return pm;
}

PassManager session_pipeline() {
  PassManager pm;
  pm.add("fuse_layer_norm", fuse_layer_norm)
      .add("fuse_rms_norm", fuse_rms_norm)
      .add("fuse_activations", fuse_activations)
      .add("fuse_rotary", fuse_rotary)
      .add("fuse_attention", fuse_attention)
      .add("fuse_kv_cache", fuse_kv_cache)
      .add("fuse_matmul_bias", fuse_matmul_bias)
      .add("remove_dead_code", remove_dead_code);
  return pm;
}

}  // namespace nuri::ir
