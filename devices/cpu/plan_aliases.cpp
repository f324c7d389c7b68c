// Ops that move no bytes when their operands sit in the right place: a Gather of one constant
// index along an axis with nothing but size-1 dims before it is a contiguous slice of its data
// (a view), and a Concat along such an axis is its inputs laid end to end, so each producer
// can write straight into its part of the output. KV-cache exports are full of both (the cache
// tensor split per layer, the present K/V stacked back), and on a decode step those copies
// cost as much as the weights.
#include "compiler/ir/op_params.h"
#include "devices/cpu/plan_context.h"

namespace nuri::cpu {
namespace {

int64_t outer_elements(const Shape& s, int64_t axis) {
  int64_t n = 1;
  for (int64_t i = 0; i < axis; ++i) n *= s[i];
  return n;
}

}  // namespace

Alias resolve_alias(const ProgramPlan& plan, ir::ValueId v) {
  Alias a{v, 0};
  while (plan.root[a.root] != a.root) {
    a.offset += plan.offset[a.root];
    a.root = plan.root[a.root];
  }
  return a;
}

bool plan_gather_view(const PlanContext& ctx, ir::NodeId id, ProgramPlan& plan) {
  const ir::Node& n = ctx.graph.node(id);
  if (n.op != ir::OpKind::Gather) return false;
  const Tensor* idx = ctx.constant(n.inputs[1]);
  if (!idx || idx->rank() != 0) return false;
  const Shape& data = ctx.type(n.inputs[0]).shape;
  const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", 0), data.size(), "axis");
  if (outer_elements(data, axis) != 1) return false;
  int64_t i = idx->dtype() == DType::I64   ? *idx->data_as<int64_t>()
              : idx->dtype() == DType::I32 ? *idx->data_as<int32_t>()
                                           : -1 - data[axis];  // not an index type: refuse
  if (i < 0) i += data[axis];
  if (i < 0 || i >= data[axis]) return false;  // out of range: the reference kernel reports it
  if (ctx.is_virtual[resolve_alias(plan, n.inputs[0]).root]) return false;
  plan.root[n.outputs[0]] = n.inputs[0];
  plan.offset[n.outputs[0]] = static_cast<size_t>(i) * ctx.type(n.outputs[0]).nbytes();
  return true;
}

bool plan_concat_in_place(const PlanContext& ctx, ir::NodeId id, ProgramPlan& plan) {
  const ir::Node& n = ctx.graph.node(id);
  if (n.op != ir::OpKind::Concat) return false;
  const ir::ValueId out = n.outputs[0];
  const Shape& os = ctx.type(out).shape;
  const int64_t axis = ir::normalize_axis(n.attrs.get_int("axis", 0), os.size(), "axis");
  if (outer_elements(os, axis) != 1) return false;
  // Each input must be the whole of a buffer a step of this program writes, used nowhere as a
  // graph output (its bytes now live inside the concat's) and not placed by another concat.
  std::vector<ir::ValueId> roots;
  for (ir::ValueId in : n.inputs) {
    const Alias a = resolve_alias(plan, in);
    if (a.offset != 0 || ctx.type(in).nbytes() != ctx.type(a.root).nbytes()) return false;
    if (ctx.producer[a.root] < 0 || ctx.is_virtual[a.root]) return false;
    for (ir::ValueId r : roots)
      if (r == a.root) return false;
    roots.push_back(a.root);
  }
  for (ir::ValueId o : ctx.graph.outputs())
    for (ir::ValueId r : roots)
      if (resolve_alias(plan, o).root == r) return false;
  size_t offset = 0;
  for (size_t i = 0; i < roots.size(); ++i) {
    plan.root[roots[i]] = out;
    plan.offset[roots[i]] = offset;
    offset += ctx.type(n.inputs[i]).nbytes();
  }
  return true;
}

}  // namespace nuri::cpu
