#include "runtime/deployment_model.h"

namespace nuri::rt {

ir::BuiltinModel prefill_model(const Deployment& d) {
  ir::ModelSizes s = d.sizes;
  s.seq = d.prompt;
  s.past = 0;  // with a KV cache: the prefill writes each layer's keys and values
  return ir::build_builtin_model(d.model, s, d.seed, /*with_weights=*/false);
}

ir::BuiltinModel decode_step_model(const Deployment& d, int64_t context) {
  ir::ModelSizes s = d.sizes;
  s.seq = 1;
  s.past = context;
  return ir::build_builtin_model(d.model, s, d.seed, /*with_weights=*/false);
}

std::set<std::string> kv_cache_values(const ir::BuiltinModel& m) {
  std::set<std::string> names;
  const auto add_cache = [&](ir::ValueId id) {
    const std::string& name = m.graph.value(id).name;
    for (const char* prefix : {"past_key.", "past_value.", "present_key.", "present_value."})
      if (name.rfind(prefix, 0) == 0) names.insert(name);
  };
  for (ir::ValueId id : m.graph.inputs()) add_cache(id);
  for (ir::ValueId id : m.graph.outputs()) add_cache(id);
  return names;
}

}  // namespace nuri::rt
