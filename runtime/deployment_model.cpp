#include "runtime/deployment_model.h"

namespace nuri::rt {

ir::BuiltinModel prefill_model(const Deployment& d) {
  ir::ModelSizes s = d.sizes;
  s.seq = d.prompt;
  return ir::build_builtin_model(d.model, s, d.seed, /*with_weights=*/false);
}

// The built-in families have no KV-cache variant yet (branch `decode` adds one with a past
// length field): the step is the seq=1 graph. Switching is this one call, e.g.
// `s.past = context;` before it, and decode_step_depends_on_context() returning true.
ir::BuiltinModel decode_step_model(const Deployment& d, int64_t /*context*/) {
  ir::ModelSizes s = d.sizes;
  s.seq = 1;
  return ir::build_builtin_model(d.model, s, d.seed, /*with_weights=*/false);
}

bool decode_step_depends_on_context() {
  return false;
}

}  // namespace nuri::rt
