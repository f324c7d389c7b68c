/* Nuri device ABI: how the runtime talks to a device, built in or shipped as a plugin `.so`.
 *
 * Plain C and versioned. A plugin exports one function, NURI_DEVICE_ENTRY ("nuri_device_get_api"),
 * returning a table of function pointers with its ABI version and struct size. Built-in devices
 * register through the very same table. Rules (as PJRT's C API; history in device_abi.md):
 *   - every struct that crosses the boundary begins with `struct_size`, set by whoever allocates
 *     it to the sizeof it was built with; fields are only ever appended;
 *   - a callee reads and writes a caller's struct only up to the caller's `struct_size`
 *     (nuri_struct_has, nuri_struct_copy_out, nuri_error_set do it); a field past it is absent
 *     and means its documented default;
 *   - descs travel as arrays of pointers, so each element can grow on its own;
 *   - calls that may grow take one args struct (inputs first, then outputs the callee fills);
 *   - a major version change breaks compatibility: the runtime refuses a plugin of another major;
 *   - a minor version appends optional entries to the table (NULL = not provided) and fields to
 *     structs; a plugin built against an older or a newer minor keeps working;
 *   - names are nuri_<object>_<verb>; objects are given back with <object>_release;
 *   - nothing throws across this boundary: calls return nuri_status and fill a nuri_error.
 * A device compiles a partition (a small graph in nuri_graph_desc form) into an executable once,
 * then executes it many times on device buffers; execution returns an event.
 */
#ifndef NURI_DEVICE_H
#define NURI_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nuri/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NURI_DEVICE_ABI_MAJOR 2
#define NURI_DEVICE_ABI_MINOR 4
#define NURI_DEVICE_ENTRY nuri_device_get_api
#define NURI_DEVICE_ENTRY_SYMBOL "nuri_device_get_api"

/* Per-dtype arrays in ABI structs have this fixed capacity, so adding a dtype to types.h never
 * changes a struct's layout. */
#define NURI_DEVICE_MAX_DTYPES 16
/* Entries of nuri_device_properties.peak_ops_per_s (every dtype, U8 included, has one). */
#define NURI_DEVICE_PEAK_DTYPES NURI_DEVICE_MAX_DTYPES

/* 1 if the struct at `ptr` (whose first member is struct_size) is big enough to hold `field`. */
#define nuri_struct_has(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* Copies a callee's filled struct `src` (its own `src_size` bytes) into the caller's `dst`,
 * never past the caller's struct_size; dst->struct_size keeps the caller's value. */
static inline void nuri_struct_copy_out(void* dst, const void* src, size_t src_size) {
  size_t dst_size;
  memcpy(&dst_size, dst, sizeof dst_size);
  const size_t n = dst_size < src_size ? dst_size : src_size;
  if (n > sizeof(size_t))
    memcpy((char*)dst + sizeof(size_t), (const char*)src + sizeof(size_t), n - sizeof(size_t));
}

/* Error detail filled by a failing call (message is always NUL-terminated). */
typedef struct nuri_error {
  size_t struct_size;
  nuri_status status;
  char message[1024];
} nuri_error;

/* Fills `err` (may be NULL) within its struct_size; returns `status`. */
static inline nuri_status nuri_error_set(nuri_error* err, nuri_status status, const char* message) {
  if (!err || err->struct_size < offsetof(nuri_error, message) + 1) return status;
  err->status = status;
  size_t room = err->struct_size - offsetof(nuri_error, message);
  if (room > sizeof err->message) room = sizeof err->message;
  size_t n = message ? strlen(message) : 0;
  if (n > room - 1) n = room - 1;
  if (n) memcpy(err->message, message, n);
  err->message[n] = '\0';
  return status;
}

/* Opaque objects, owned by the device. */
typedef struct nuri_device_impl nuri_device_impl;
typedef struct nuri_buffer_impl nuri_buffer_impl;
typedef struct nuri_executable_impl nuri_executable_impl;
typedef struct nuri_event_impl nuri_event_impl;

typedef enum nuri_device_kind {
  NURI_DEVICE_KIND_CPU = 0,
  NURI_DEVICE_KIND_GPU = 1,
  NURI_DEVICE_KIND_NPU = 2,
  NURI_DEVICE_KIND_PIM = 3,
  NURI_DEVICE_KIND_OTHER = 4
} nuri_device_kind;

typedef struct nuri_device_properties {
  size_t struct_size;
  const char* name;        /* short, unique: "cpu", "npu", "acme-x1" (owned by the device) */
  const char* description; /* one line */
  nuri_device_kind kind;
  uint64_t memory_bytes;                         /* capacity of device memory */
  double peak_ops_per_s[NURI_DEVICE_MAX_DTYPES]; /* by nuri_dtype; 0 = unsupported */
  double memory_bandwidth_bytes_per_s;
  uint32_t dtype_mask; /* bit (1u << nuri_dtype) per supported dtype */
  int32_t simulated;   /* 1: times reported are simulated, not measured */
  /* The dtype the device computes f32 ops in: NURI_DTYPE_F32, or BF16/F16 for devices that run
   * f32 graphs at reduced precision (an NPU's bf16 datapath). Tolerances follow it. */
  nuri_dtype f32_compute_dtype;
  /* ABI 2.3: 1 = the device reads a constant's `data` at any byte address (a weight where an
   * ONNX file's exporter placed it); 0 (the default, and what an older plugin reads as) = the
   * runtime hands it data aligned to the element size, copying for that compile only. */
  int32_t unaligned_constants;
} nuri_device_properties;

/* ---- A partition, as the device sees it: a flat, self-contained graph ----------------------
 * Each op's inputs, attributes and defaults: nuri/ops.h. Reading helpers: nuri/desc.h. */

typedef enum nuri_attr_type {
  NURI_ATTR_INT = 0,
  NURI_ATTR_FLOAT = 1,
  NURI_ATTR_STRING = 2,
  NURI_ATTR_INTS = 3,
  NURI_ATTR_FLOATS = 4
} nuri_attr_type;

typedef struct nuri_attr {
  size_t struct_size;
  const char* name;
  nuri_attr_type type;
  int64_t i;
  double f;
  const char* s;
  const int64_t* ints;
  const double* floats;
  size_t count; /* entries in ints or floats */
} nuri_attr;

typedef enum nuri_value_kind {
  NURI_VALUE_INPUT = 0,    /* a partition input: arrives in a buffer at execute */
  NURI_VALUE_CONSTANT = 1, /* weights: data given at compile (NULL in timing-only graphs) */
  NURI_VALUE_INTERMEDIATE = 2
} nuri_value_kind;

typedef struct nuri_value_desc {
  size_t struct_size;
  const char* name;
  nuri_dtype dtype;
  int32_t rank;
  const int64_t* dims;
  nuri_value_kind kind;
  /* Constants only; valid during compile (copy what you keep). Aligned to the element size,
   * or at any byte address for a device that sets `unaligned_constants` (ABI 2.3). The
   * capability and cost queries may see it unaligned: there it only says the data is there. */
  const void* data;
} nuri_value_desc;

typedef struct nuri_node_desc {
  size_t struct_size;
  const char* name;
  const char* op;        /* IR op name: "MatMul", "Attention", ... (nuri/ops.h) */
  const int32_t* inputs; /* value indices by the op's input position; -1 = absent optional */
  size_t num_inputs;
  const int32_t* outputs;
  size_t num_outputs;
  const nuri_attr* const* attrs;
  size_t num_attrs;
} nuri_node_desc;

typedef struct nuri_graph_desc {
  size_t struct_size;
  const char* name;
  const nuri_value_desc* const* values;
  size_t num_values;
  const nuri_node_desc* const* nodes; /* in a valid execution order */
  size_t num_nodes;
  const int32_t* inputs; /* execute's input buffers, in this order */
  size_t num_inputs;
  const int32_t* outputs; /* execute's output buffers, in this order */
  size_t num_outputs;
} nuri_graph_desc;

/* What one execution cost: measured on real hardware, simulated on simulators. */
typedef struct nuri_exec_stats {
  size_t struct_size;
  double elapsed_ns;    /* last execute: wall time, or simulated time */
  uint64_t cycles;      /* simulated cycles (0 if not a simulator) */
  double clock_hz;      /* clock the cycles count in (0 if none) */
  uint64_t bytes_moved; /* off-chip/bus traffic of the last execute */
  double energy_joules; /* estimate, 0 if unknown */
  uint64_t executions;  /* executes since compile */
} nuri_exec_stats;

/* ---- Args structs: the caller sets struct_size and the inputs; the callee fills the outputs */

/* The capability query: can the device run node `node` of `graph` (types included)? */
typedef struct nuri_op_query_args {
  size_t struct_size;
  const nuri_graph_desc* graph;
  size_t node;
  char* reason;        /* caller's buffer for why not (or how), in the device's words */
  size_t reason_bytes; /* its size; the callee NUL-terminates within it */
  int32_t supported;   /* out: 1 = the device claims the node, 0 = declines */
} nuri_op_query_args;

/* Optional cost estimate for the partitioner's cost policy. */
typedef struct nuri_op_cost_args {
  size_t struct_size;
  const nuri_graph_desc* graph;
  size_t node;
  double seconds; /* out */
} nuri_op_cost_args;

typedef struct nuri_compile_args {
  size_t struct_size;
  const nuri_graph_desc* partition;
  nuri_executable_impl* executable; /* out */
} nuri_compile_args;

/* Buffers follow partition->inputs / ->outputs; each holds its value's bytes, row-major. */
typedef struct nuri_execute_args {
  size_t struct_size;
  nuri_executable_impl* executable;
  nuri_buffer_impl* const* inputs;
  size_t num_inputs;
  nuri_buffer_impl* const* outputs;
  size_t num_outputs;
  nuri_event_impl* event; /* out: released with event_release */
} nuri_execute_args;

/* ABI 2.1: wrap caller-owned host memory as a device buffer, without a copy. */
typedef struct nuri_buffer_import_args {
  size_t struct_size;
  void* host_data; /* stays valid and unmoved until the buffer is released */
  uint64_t bytes;
  nuri_buffer_impl* buffer; /* out: released with buffer_release (the memory stays the caller's) */
} nuri_buffer_import_args;

/* ABI 2.2: where a buffer's bytes lie in host memory, for devices that keep them there. */
typedef struct nuri_buffer_host_pointer_args {
  size_t struct_size;
  nuri_buffer_impl* buffer;
  void* host_data; /* out: valid while the buffer lives; NULL when not host-addressable */
} nuri_buffer_host_pointer_args;

/* ABI 2.2: a copy from a buffer of another instance of the same plugin (a peer: a second NPU
 * card), called on the destination's device. The runtime calls it only when both devices share
 * this entry (the same plugin build), so the callee may read `src_device` and `src` as its own. */
typedef struct nuri_buffer_copy_peer_args {
  size_t struct_size;
  nuri_device_impl* src_device;
  nuri_buffer_impl* src;
  uint64_t src_offset;
  nuri_buffer_impl* dst; /* of the device called */
  uint64_t dst_offset;
  uint64_t bytes;
} nuri_buffer_copy_peer_args;

/* ABI 2.4: a buffer with a size and no storage, for a device whose executables only time their
 * work (a simulator in timing-only mode): it counts against the device's memory as a buffer of
 * `bytes` would, but holds nothing, so a timing-only run of a large model allocates no host
 * memory for its inputs, outputs and KV caches. Execute accepts it and reads and writes nothing
 * in it (an i64 ids input a simulator does read takes a real buffer; a virtual one reads as
 * zeros); buffer_read, buffer_write, buffer_copy and buffer_copy_peer on it fail with
 * NURI_ERROR_INVALID_ARGUMENT saying it is virtual, and buffer_get_host_pointer answers NULL. */
typedef struct nuri_buffer_virtual_args {
  size_t struct_size;
  uint64_t bytes;
  nuri_buffer_impl* buffer; /* out: released with buffer_release */
} nuri_buffer_virtual_args;

/* ---- The table ---------------------------------------------------------------------------- */

typedef struct nuri_device_api {
  size_t struct_size; /* sizeof(nuri_device_api) the plugin was built with */
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* plugin_name;

  /* Required. `options` is "key=value;key=value" (may be NULL or empty). */
  nuri_status (*device_create)(const char* options, nuri_device_impl** out, nuri_error* err);
  void (*device_release)(nuri_device_impl* dev);
  /* Fills `out` up to out->struct_size. Called once per device instance. */
  nuri_status (*device_get_properties)(nuri_device_impl* dev, nuri_device_properties* out,
                                       nuri_error* err);
  /* NURI_OK with args->supported set; an error status only when the query itself failed. */
  nuri_status (*device_query_op)(nuri_device_impl* dev, nuri_op_query_args* args, nuri_error* err);

  nuri_status (*buffer_alloc)(nuri_device_impl* dev, uint64_t bytes, nuri_buffer_impl** out,
                              nuri_error* err);
  void (*buffer_release)(nuri_device_impl* dev, nuri_buffer_impl* buf);
  nuri_status (*buffer_write)(nuri_device_impl* dev, nuri_buffer_impl* buf, uint64_t offset,
                              const void* src, uint64_t bytes, nuri_error* err);
  nuri_status (*buffer_read)(nuri_device_impl* dev, nuri_buffer_impl* buf, uint64_t offset,
                             void* dst, uint64_t bytes, nuri_error* err);
  /* Device-to-device copy between two buffers of this device instance. */
  nuri_status (*buffer_copy)(nuri_device_impl* dev, nuri_buffer_impl* src, nuri_buffer_impl* dst,
                             uint64_t bytes, nuri_error* err);

  nuri_status (*executable_compile)(nuri_device_impl* dev, nuri_compile_args* args,
                                    nuri_error* err);
  void (*executable_release)(nuri_device_impl* dev, nuri_executable_impl* exe);
  nuri_status (*executable_execute)(nuri_device_impl* dev, nuri_execute_args* args,
                                    nuri_error* err);
  /* Fills `out` up to out->struct_size. */
  nuri_status (*executable_get_stats)(nuri_device_impl* dev, nuri_executable_impl* exe,
                                      nuri_exec_stats* out, nuri_error* err);
  nuri_status (*event_wait)(nuri_device_impl* dev, nuri_event_impl* event, nuri_error* err);
  void (*event_release)(nuri_device_impl* dev, nuri_event_impl* event);

  /* Optional (NULL = not provided). */
  /* 1 when complete, 0 while running. Without it the runtime waits. */
  int32_t (*event_query)(nuri_device_impl* dev, nuri_event_impl* event);
  /* Estimated seconds for one node, for `--placement-policy cost`. */
  nuri_status (*device_estimate_op)(nuri_device_impl* dev, nuri_op_cost_args* args,
                                    nuri_error* err);
  /* Writes the last execution's report (JSON) and Chrome trace; either path may be NULL. */
  nuri_status (*executable_write_report)(nuri_device_impl* dev, nuri_executable_impl* exe,
                                         const char* report_path, const char* trace_path,
                                         nuri_error* err);

  /* Optional, ABI 2.1. */
  nuri_status (*buffer_import_host)(nuri_device_impl* dev, nuri_buffer_import_args* args,
                                    nuri_error* err);

  /* Optional, ABI 2.2. NURI_OK with host_data NULL when the buffer is not in host memory. */
  nuri_status (*buffer_get_host_pointer)(nuri_device_impl* dev, nuri_buffer_host_pointer_args* args,
                                         nuri_error* err);
  /* NURI_ERROR_UNSUPPORTED when this pair cannot copy directly; the runtime then stages. */
  nuri_status (*buffer_copy_peer)(nuri_device_impl* dst_dev, nuri_buffer_copy_peer_args* args,
                                  nuri_error* err);

  /* Optional, ABI 2.4. NURI_ERROR_UNSUPPORTED while the device needs its buffers' bytes
   * (computing real outputs); the runtime then allocates real buffers. */
  nuri_status (*buffer_alloc_virtual)(nuri_device_impl* dev, nuri_buffer_virtual_args* args,
                                      nuri_error* err);
} nuri_device_api;

/* Size of the table up to and including its last required entry: a plugin's struct_size must
 * be at least this. */
#define NURI_DEVICE_API_REQUIRED_SIZE (offsetof(nuri_device_api, event_release) + sizeof(void*))

typedef const nuri_device_api* (*nuri_device_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* NURI_DEVICE_H */
