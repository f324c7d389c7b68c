/* FROZEN COPY of nuri/desc.h at device ABI 2.0 (version-skew tests). Never edit it. */
/* Reading a partition desc (nuri/device.h) without indexing mistakes: bounds-checked lookups of
 * values, a node's operands by position, and attributes by name with the op contract's defaults
 * (nuri/ops.h). Plain C, header-only; built-in devices and plugins read descs the same way. */
#ifndef NURI_DESC_H
#define NURI_DESC_H

#include <string.h>

#include "nuri/device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Node `index`, or NULL when out of range. */
static inline const nuri_node_desc* nuri_desc_node(const nuri_graph_desc* g, size_t index) {
  return g && index < g->num_nodes ? g->nodes[index] : NULL;
}

/* Value `index`, or NULL when out of range (or -1, an absent optional input). */
static inline const nuri_value_desc* nuri_desc_value(const nuri_graph_desc* g, int32_t index) {
  return g && index >= 0 && (size_t)index < g->num_values ? g->values[index] : NULL;
}

/* The value at input position `pos` of node `n`, or NULL when absent. */
static inline const nuri_value_desc* nuri_desc_input(const nuri_graph_desc* g,
                                                     const nuri_node_desc* n, size_t pos) {
  return n && pos < n->num_inputs ? nuri_desc_value(g, n->inputs[pos]) : NULL;
}

/* The value at output position `pos` of node `n`, or NULL when absent. */
static inline const nuri_value_desc* nuri_desc_output(const nuri_graph_desc* g,
                                                      const nuri_node_desc* n, size_t pos) {
  return n && pos < n->num_outputs ? nuri_desc_value(g, n->outputs[pos]) : NULL;
}

/* Attribute `name` of node `n`, or NULL when not given (the op's default applies). */
static inline const nuri_attr* nuri_desc_attr(const nuri_node_desc* n, const char* name) {
  if (!n || !name) return NULL;
  for (size_t i = 0; i < n->num_attrs; ++i)
    if (n->attrs[i]->name && strcmp(n->attrs[i]->name, name) == 0) return n->attrs[i];
  return NULL;
}

static inline int64_t nuri_desc_attr_int(const nuri_node_desc* n, const char* name,
                                         int64_t fallback) {
  const nuri_attr* a = nuri_desc_attr(n, name);
  return a && a->type == NURI_ATTR_INT ? a->i : fallback;
}

static inline double nuri_desc_attr_float(const nuri_node_desc* n, const char* name,
                                          double fallback) {
  const nuri_attr* a = nuri_desc_attr(n, name);
  if (a && a->type == NURI_ATTR_FLOAT) return a->f;
  return a && a->type == NURI_ATTR_INT ? (double)a->i : fallback;
}

/* Elements in a value (1 for a scalar). */
static inline uint64_t nuri_desc_numel(const nuri_value_desc* v) {
  uint64_t n = 1;
  for (int32_t i = 0; v && i < v->rank; ++i) n *= (uint64_t)v->dims[i];
  return n;
}

#ifdef __cplusplus
}
#endif

#endif /* NURI_DESC_H */
