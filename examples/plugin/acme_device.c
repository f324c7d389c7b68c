/* An out-of-tree Nuri device, built against Nuri's installed headers alone: the "acme" elementwise
 * accelerator. It runs Add, Mul (same shapes, f32), Relu and Sigmoid (f32) from a small on-device
 * memory of 64 MiB and declines everything else, so the runtime falls back for the rest.
 *
 * Build: cc -shared -fPIC -I<nuri>/include acme_device.c -o libnuri_acme.so -lm
 * The ACME_FAULT macro builds deliberately broken variants for Nuri's plugin tests:
 *   1 = built for another ABI major, 2 = required entries missing, 3 = compile fails,
 *   4 = execute fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nuri/desc.h"
#include "nuri/device.h"
#include "nuri/ops.h"

#ifndef ACME_FAULT
#define ACME_FAULT 0
#endif

#define ACME_MEMORY_BYTES (64ull << 20)

enum acme_op { ACME_ADD, ACME_MUL, ACME_RELU, ACME_SIGMOID };

struct nuri_device_impl {
  uint64_t allocated;
};
struct nuri_buffer_impl {
  uint64_t size;
  unsigned char* data;
};
struct acme_step {
  enum acme_op op;
  int32_t in[2];
  int32_t out;
  uint64_t count;
};
struct nuri_executable_impl {
  size_t num_values, num_steps, num_inputs, num_outputs;
  float** slots;   /* per value: where it lives during an execute */
  float** scratch; /* per value: owned memory for intermediates */
  struct acme_step* steps;
  int32_t* inputs;
  int32_t* outputs;
  nuri_exec_stats stats;
};
struct nuri_event_impl {
  int done;
};

static nuri_status fail(nuri_error* err, nuri_status status, const char* message) {
  return nuri_error_set(err, status, message);
}

static uint64_t count_of(const nuri_value_desc* v) {
  return nuri_desc_numel(v);
}

static int same_shape(const nuri_value_desc* a, const nuri_value_desc* b) {
  if (a->rank != b->rank) return 0;
  for (int32_t i = 0; i < a->rank; ++i)
    if (a->dims[i] != b->dims[i]) return 0;
  return 1;
}

static int op_code(const char* op, enum acme_op* out) {
  if (!strcmp(op, NURI_OP_ADD))
    *out = ACME_ADD;
  else if (!strcmp(op, NURI_OP_MUL))
    *out = ACME_MUL;
  else if (!strcmp(op, NURI_OP_RELU))
    *out = ACME_RELU;
  else if (!strcmp(op, NURI_OP_SIGMOID))
    *out = ACME_SIGMOID;
  else
    return 0;
  return 1;
}

static nuri_status acme_create(const char* options, nuri_device_impl** out, nuri_error* err) {
  (void)options;
  *out = calloc(1, sizeof(nuri_device_impl));
  return *out ? NURI_OK : fail(err, NURI_ERROR_OUT_OF_MEMORY, "acme: out of host memory");
}

static void acme_destroy(nuri_device_impl* dev) {
  free(dev);
}

static nuri_status acme_properties(nuri_device_impl* dev, nuri_device_properties* p,
                                   nuri_error* err) {
  (void)dev;
  (void)err;
  /* Filled at this header's size, handed over at the runtime's. */
  nuri_device_properties mine;
  memset(&mine, 0, sizeof mine);
  mine.struct_size = sizeof mine;
  mine.name = "acme";
  mine.description = "example out-of-tree elementwise accelerator (plugin)";
  mine.kind = NURI_DEVICE_KIND_OTHER;
  mine.memory_bytes = ACME_MEMORY_BYTES;
  mine.peak_ops_per_s[NURI_DTYPE_F32] = 1e9;
  mine.memory_bandwidth_bytes_per_s = 10e9;
  mine.dtype_mask = 1u << NURI_DTYPE_F32;
  mine.f32_compute_dtype = NURI_DTYPE_F32;
  nuri_struct_copy_out(p, &mine, sizeof mine);
  return NURI_OK;
}

/* NULL when acme runs node `index`, else why not. */
static const char* acme_decline(const nuri_graph_desc* g, size_t index) {
  const nuri_node_desc* n = nuri_desc_node(g, index);
  enum acme_op op;
  if (!n) return "no such node";
  if (!op_code(n->op, &op)) return "acme runs Add, Mul, Relu and Sigmoid only";
  const size_t arity = (op == ACME_ADD || op == ACME_MUL) ? 2 : 1;
  const nuri_value_desc* out = nuri_desc_output(g, n, 0);
  if (n->num_outputs != 1 || !out) return "needs exactly one output";
  if (n->num_inputs != arity) return "wrong number of inputs";
  for (size_t i = 0; i < arity; ++i) {
    const nuri_value_desc* in = nuri_desc_input(g, n, i);
    if (!in) return "an input is absent";
    if (in->dtype != NURI_DTYPE_F32) return "acme computes f32 only";
    if (!same_shape(in, out)) return "acme does not broadcast";
  }
  return out->dtype == NURI_DTYPE_F32 ? NULL : "acme computes f32 only";
}

static nuri_status acme_query(nuri_device_impl* dev, nuri_op_query_args* args, nuri_error* err) {
  (void)dev;
  (void)err;
  const char* why = acme_decline(args->graph, args->node);
  args->supported = why == NULL;
  if (why && args->reason && args->reason_bytes)
    snprintf(args->reason, args->reason_bytes, "%s", why);
  return NURI_OK;
}

static nuri_status acme_alloc(nuri_device_impl* dev, uint64_t bytes, nuri_buffer_impl** out,
                              nuri_error* err) {
  if (bytes > ACME_MEMORY_BYTES - dev->allocated) {
    char msg[160];
    snprintf(msg, sizeof msg, "acme: out of device memory: %llu bytes requested, %llu free",
             (unsigned long long)bytes, (unsigned long long)(ACME_MEMORY_BYTES - dev->allocated));
    return fail(err, NURI_ERROR_OUT_OF_MEMORY, msg);
  }
  nuri_buffer_impl* b = calloc(1, sizeof *b);
  if (!b) return fail(err, NURI_ERROR_OUT_OF_MEMORY, "acme: out of host memory");
  b->data = malloc(bytes ? bytes : 1);
  if (!b->data) {
    free(b);
    return fail(err, NURI_ERROR_OUT_OF_MEMORY, "acme: out of host memory");
  }
  b->size = bytes;
  dev->allocated += bytes;
  *out = b;
  return NURI_OK;
}

static void acme_free(nuri_device_impl* dev, nuri_buffer_impl* b) {
  if (!b) return;
  dev->allocated -= b->size;
  free(b->data);
  free(b);
}

static nuri_status acme_write(nuri_device_impl* dev, nuri_buffer_impl* b, uint64_t off,
                              const void* src, uint64_t bytes, nuri_error* err) {
  (void)dev;
  if (off > b->size || bytes > b->size - off)
    return fail(err, NURI_ERROR_INVALID_ARGUMENT, "acme: write outside the buffer");
  memcpy(b->data + off, src, bytes);
  return NURI_OK;
}

static nuri_status acme_read(nuri_device_impl* dev, nuri_buffer_impl* b, uint64_t off, void* dst,
                             uint64_t bytes, nuri_error* err) {
  (void)dev;
  if (off > b->size || bytes > b->size - off)
    return fail(err, NURI_ERROR_INVALID_ARGUMENT, "acme: read outside the buffer");
  memcpy(dst, b->data + off, bytes);
  return NURI_OK;
}

static nuri_status acme_copy(nuri_device_impl* dev, nuri_buffer_impl* s, nuri_buffer_impl* d,
                             uint64_t bytes, nuri_error* err) {
  (void)dev;
  if (bytes > s->size || bytes > d->size)
    return fail(err, NURI_ERROR_INVALID_ARGUMENT, "acme: copy larger than a buffer");
  memcpy(d->data, s->data, bytes);
  return NURI_OK;
}

#if NURI_DEVICE_ABI_MINOR >= 2
/* Card to card over the cards' own link (ABI 2.2): the runtime pairs two acme devices only, so
 * the source buffer is an acme buffer too. A build against an older header leaves the entry out
 * and the runtime copies through the host. */
static nuri_status acme_copy_peer(nuri_device_impl* dev, nuri_buffer_copy_peer_args* args,
                                  nuri_error* err) {
  (void)dev;
  const nuri_buffer_impl* s = args->src;
  nuri_buffer_impl* d = args->dst;
  if (args->src_offset > s->size || args->bytes > s->size - args->src_offset ||
      args->dst_offset > d->size || args->bytes > d->size - args->dst_offset)
    return fail(err, NURI_ERROR_INVALID_ARGUMENT, "acme: peer copy outside a buffer");
  memcpy(d->data + args->dst_offset, s->data + args->src_offset, args->bytes);
  return NURI_OK;
}
#endif

static void acme_release(nuri_device_impl* dev, nuri_executable_impl* e) {
  (void)dev;
  if (!e) return;
  for (size_t i = 0; i < e->num_values; ++i) free(e->scratch[i]);
  free(e->scratch);
  free(e->slots);
  free(e->steps);
  free(e->inputs);
  free(e->outputs);
  free(e);
}

static nuri_status acme_compile(nuri_device_impl* dev, nuri_compile_args* args, nuri_error* err) {
  const nuri_graph_desc* g = args->partition;
  if (ACME_FAULT == 3) return fail(err, NURI_ERROR_INTERNAL, "acme: compiler crashed (injected)");
  nuri_executable_impl* e = calloc(1, sizeof *e);
  if (!e) return fail(err, NURI_ERROR_OUT_OF_MEMORY, "acme: out of host memory");
  e->num_values = g->num_values;
  e->num_steps = g->num_nodes;
  e->num_inputs = g->num_inputs;
  e->num_outputs = g->num_outputs;
  e->slots = calloc(g->num_values ? g->num_values : 1, sizeof(float*));
  e->scratch = calloc(g->num_values ? g->num_values : 1, sizeof(float*));
  e->steps = calloc(g->num_nodes ? g->num_nodes : 1, sizeof(struct acme_step));
  e->inputs = calloc(g->num_inputs ? g->num_inputs : 1, sizeof(int32_t));
  e->outputs = calloc(g->num_outputs ? g->num_outputs : 1, sizeof(int32_t));
  if (!e->slots || !e->scratch || !e->steps || !e->inputs || !e->outputs) {
    acme_release(dev, e);
    return fail(err, NURI_ERROR_OUT_OF_MEMORY, "acme: out of host memory");
  }
  memcpy(e->inputs, g->inputs, g->num_inputs * sizeof(int32_t));
  memcpy(e->outputs, g->outputs, g->num_outputs * sizeof(int32_t));
  for (size_t i = 0; i < g->num_nodes; ++i) {
    const nuri_node_desc* n = g->nodes[i];
    const char* why = acme_decline(g, i);
    if (why) {
      char msg[300];
      snprintf(msg, sizeof msg, "acme: cannot run node '%s' (%s): %s", n->name, n->op, why);
      acme_release(dev, e);
      return fail(err, NURI_ERROR_UNSUPPORTED, msg);
    }
    struct acme_step* s = &e->steps[i];
    op_code(n->op, &s->op);
    s->in[0] = n->inputs[0];
    s->in[1] = n->num_inputs > 1 ? n->inputs[1] : -1;
    s->out = n->outputs[0];
    s->count = count_of(g->values[s->out]);
  }
  /* Constants are copied to the device; intermediates get scratch space. */
  for (size_t v = 0; v < g->num_values; ++v) {
    const nuri_value_desc* d = g->values[v];
    if (d->kind == NURI_VALUE_INPUT) continue;
    const uint64_t bytes = count_of(d) * sizeof(float);
    e->scratch[v] = malloc(bytes ? bytes : 1);
    if (!e->scratch[v]) {
      acme_release(dev, e);
      return fail(err, NURI_ERROR_OUT_OF_MEMORY, "acme: out of host memory");
    }
    if (d->kind == NURI_VALUE_CONSTANT) {
      if (!d->data) {
        acme_release(dev, e);
        return fail(err, NURI_ERROR_INVALID_ARGUMENT, "acme: a constant has no data");
      }
      memcpy(e->scratch[v], d->data, bytes);
    }
    e->slots[v] = e->scratch[v];
  }
  e->stats.struct_size = sizeof e->stats;
  args->executable = e;
  return NURI_OK;
}

static nuri_status acme_execute(nuri_device_impl* dev, nuri_execute_args* args, nuri_error* err) {
  (void)dev;
  nuri_executable_impl* e = args->executable;
  nuri_buffer_impl* const* in = args->inputs;
  nuri_buffer_impl* const* out = args->outputs;
  const size_t n_in = args->num_inputs, n_out = args->num_outputs;
  if (ACME_FAULT == 4) return fail(err, NURI_ERROR_INTERNAL, "acme: device hung (injected)");
  if (n_in != e->num_inputs || n_out != e->num_outputs)
    return fail(err, NURI_ERROR_INVALID_ARGUMENT, "acme: wrong number of buffers");
  for (size_t i = 0; i < n_in; ++i) e->slots[e->inputs[i]] = (float*)in[i]->data;
  for (size_t s = 0; s < e->num_steps; ++s) {
    const struct acme_step* st = &e->steps[s];
    const float* a = e->slots[st->in[0]];
    const float* b = st->in[1] >= 0 ? e->slots[st->in[1]] : NULL;
    float* y = e->slots[st->out];
    for (uint64_t i = 0; i < st->count; ++i) {
      switch (st->op) {
        case ACME_ADD:
          y[i] = a[i] + b[i];
          break;
        case ACME_MUL:
          y[i] = a[i] * b[i];
          break;
        case ACME_RELU:
          y[i] = a[i] > 0 ? a[i] : 0;
          break;
        case ACME_SIGMOID:
          y[i] = 1.0f / (1.0f + expf(-a[i]));
          break;
      }
    }
  }
  for (size_t o = 0; o < n_out; ++o) {
    const int32_t v = e->outputs[o];
    const uint64_t bytes = out[o]->size;
    if (e->slots[v] != (float*)out[o]->data) memcpy(out[o]->data, e->slots[v], bytes);
  }
  e->stats.executions++;
  args->event = calloc(1, sizeof(nuri_event_impl));
  if (!args->event) return fail(err, NURI_ERROR_OUT_OF_MEMORY, "acme: out of host memory");
  args->event->done = 1;
  return NURI_OK;
}

static nuri_status acme_wait(nuri_device_impl* d, nuri_event_impl* e, nuri_error* err) {
  (void)d;
  (void)e;
  (void)err;
  return NURI_OK;
}
static int32_t acme_event_query(nuri_device_impl* d, nuri_event_impl* e) {
  (void)d;
  return e->done;
}
static void acme_event_release(nuri_device_impl* d, nuri_event_impl* e) {
  (void)d;
  free(e);
}
static nuri_status acme_stats(nuri_device_impl* d, nuri_executable_impl* e, nuri_exec_stats* s,
                              nuri_error* err) {
  (void)d;
  (void)err;
  nuri_struct_copy_out(s, &e->stats, sizeof e->stats);
  return NURI_OK;
}

const nuri_device_api* NURI_DEVICE_ENTRY(void) {
  static nuri_device_api api;
  memset(&api, 0, sizeof api);
  api.struct_size = sizeof api;
  api.abi_major = ACME_FAULT == 1 ? NURI_DEVICE_ABI_MAJOR + 1 : NURI_DEVICE_ABI_MAJOR;
  api.abi_minor = NURI_DEVICE_ABI_MINOR;
  api.plugin_name = "acme";
  api.device_create = acme_create;
  api.device_release = acme_destroy;
  api.device_get_properties = acme_properties;
  api.device_query_op = acme_query;
  api.buffer_alloc = acme_alloc;
  api.buffer_release = acme_free;
  api.buffer_write = acme_write;
  api.buffer_read = acme_read;
  api.buffer_copy = acme_copy;
  api.executable_compile = ACME_FAULT == 2 ? NULL : acme_compile;
  api.executable_release = acme_release;
  api.executable_execute = ACME_FAULT == 2 ? NULL : acme_execute;
  api.executable_get_stats = acme_stats;
  api.event_wait = acme_wait;
  api.event_release = acme_event_release;
  api.event_query = acme_event_query; /* optional: lets the runtime skip the wait */
#if NURI_DEVICE_ABI_MINOR >= 2
  api.buffer_copy_peer = acme_copy_peer; /* optional: card-to-card copies */
#endif
  return &api;
}
