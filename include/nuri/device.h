/* Nuri device ABI: how the runtime talks to a device, built in or shipped as a plugin `.so`.
 *
 * Plain C and versioned. A plugin exports one function, NURI_DEVICE_ENTRY ("nuri_device_get_api"),
 * returning a table of function pointers with its ABI version and struct size. Built-in devices
 * register through the very same table. Rules (as PJRT's C API):
 *   - every struct begins with `struct_size`; fields are only ever appended;
 *   - a major version change breaks compatibility: the runtime refuses a plugin of another major;
 *   - a minor version adds optional entries at the end of the table (NULL = not provided);
 *   - nothing throws across this boundary: calls return nuri_status and fill a nuri_error.
 * A device compiles a partition (a small graph in nuri_graph_desc form) into an executable once,
 * then executes it many times on device buffers; execution returns an event.
 */
#ifndef NURI_DEVICE_H
#define NURI_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "nuri/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NURI_DEVICE_ABI_MAJOR 1
#define NURI_DEVICE_ABI_MINOR 0
#define NURI_DEVICE_ENTRY nuri_device_get_api
#define NURI_DEVICE_ENTRY_SYMBOL "nuri_device_get_api"

/* Error detail filled by a failing call (message is always NUL-terminated). */
typedef struct nuri_error {
  size_t struct_size;
  nuri_status status;
  char message[1024];
} nuri_error;

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

/* peak_ops_per_s has one entry per dtype of ABI 1.0 (F32..BOOL). Its size is frozen, so the
 * struct's layout does not move when a dtype is appended (U8 has no peak entry). */
#define NURI_DEVICE_PEAK_DTYPES 7

typedef struct nuri_device_properties {
  size_t struct_size;
  const char* name;        /* short, unique: "cpu", "npu", "acme-x1" (owned by the device) */
  const char* description; /* one line */
  nuri_device_kind kind;
  uint64_t memory_bytes;                          /* capacity of device memory */
  double peak_ops_per_s[NURI_DEVICE_PEAK_DTYPES]; /* per dtype; 0 = unsupported */
  double memory_bandwidth_bytes_per_s;
  uint32_t dtype_mask; /* bit (1u << nuri_dtype) per supported dtype */
  int32_t simulated;   /* 1: times reported are simulated, not measured */
  /* The dtype the device computes f32 ops in: NURI_DTYPE_F32, or BF16/F16 for devices that run
   * f32 graphs at reduced precision (an NPU's bf16 datapath). Tolerances follow it. */
  nuri_dtype f32_compute_dtype;
} nuri_device_properties;

/* ---- A partition, as the device sees it: a flat, self-contained graph ---------------------- */

typedef enum nuri_attr_type {
  NURI_ATTR_INT = 0,
  NURI_ATTR_FLOAT = 1,
  NURI_ATTR_STRING = 2,
  NURI_ATTR_INTS = 3,
  NURI_ATTR_FLOATS = 4
} nuri_attr_type;

typedef struct nuri_attr {
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
  const char* name;
  nuri_dtype dtype;
  int32_t rank;
  const int64_t* dims;
  nuri_value_kind kind;
  const void* data; /* constants only; valid during compile (copy what you keep) */
} nuri_value_desc;

typedef struct nuri_node_desc {
  const char* name;
  const char* op;        /* IR op name: "MatMul", "Attention", ... */
  const int32_t* inputs; /* value indices; -1 = absent optional input */
  size_t num_inputs;
  const int32_t* outputs;
  size_t num_outputs;
  const nuri_attr* attrs;
  size_t num_attrs;
} nuri_node_desc;

typedef struct nuri_graph_desc {
  size_t struct_size;
  const char* name;
  const nuri_value_desc* values;
  size_t num_values;
  const nuri_node_desc* nodes; /* in a valid execution order */
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

/* ---- The table ---------------------------------------------------------------------------- */

typedef struct nuri_device_api {
  size_t struct_size; /* sizeof(nuri_device_api) the plugin was built with */
  uint32_t abi_major;
  uint32_t abi_minor;
  const char* plugin_name;

  /* Required. `options` is "key=value;key=value" (may be NULL or empty). */
  nuri_status (*device_create)(const char* options, nuri_device_impl** out, nuri_error* err);
  void (*device_destroy)(nuri_device_impl* dev);
  nuri_status (*device_get_properties)(nuri_device_impl* dev, nuri_device_properties* out,
                                       nuri_error* err);
  /* 1 if the device can run node `node_index` of `graph` (types included), else 0. */
  int32_t (*device_supports_op)(nuri_device_impl* dev, const nuri_graph_desc* graph,
                                size_t node_index);

  nuri_status (*buffer_alloc)(nuri_device_impl* dev, uint64_t bytes, nuri_buffer_impl** out,
                              nuri_error* err);
  void (*buffer_free)(nuri_device_impl* dev, nuri_buffer_impl* buf);
  nuri_status (*buffer_write)(nuri_device_impl* dev, nuri_buffer_impl* buf, uint64_t offset,
                              const void* src, uint64_t bytes, nuri_error* err);
  nuri_status (*buffer_read)(nuri_device_impl* dev, nuri_buffer_impl* buf, uint64_t offset,
                             void* dst, uint64_t bytes, nuri_error* err);
  /* Device-to-device copy within this device. */
  nuri_status (*buffer_copy)(nuri_device_impl* dev, nuri_buffer_impl* src, nuri_buffer_impl* dst,
                             uint64_t bytes, nuri_error* err);

  nuri_status (*compile)(nuri_device_impl* dev, const nuri_graph_desc* partition,
                         nuri_executable_impl** out, nuri_error* err);
  void (*executable_release)(nuri_device_impl* dev, nuri_executable_impl* exe);
  /* Buffers follow partition->inputs / ->outputs; each holds its value's bytes, row-major. */
  nuri_status (*execute)(nuri_device_impl* dev, nuri_executable_impl* exe,
                         nuri_buffer_impl* const* inputs, size_t num_inputs,
                         nuri_buffer_impl* const* outputs, size_t num_outputs,
                         nuri_event_impl** event, nuri_error* err);
  nuri_status (*event_wait)(nuri_device_impl* dev, nuri_event_impl* event, nuri_error* err);
  /* 1 when complete, 0 while running. */
  int32_t (*event_query)(nuri_device_impl* dev, nuri_event_impl* event);
  void (*event_release)(nuri_device_impl* dev, nuri_event_impl* event);
  nuri_status (*executable_get_stats)(nuri_device_impl* dev, nuri_executable_impl* exe,
                                      nuri_exec_stats* out, nuri_error* err);

  /* Optional (NULL = not provided). */
  /* Estimated seconds for node `node_index`; the partitioner prefers the cheapest device. */
  nuri_status (*estimate_cost)(nuri_device_impl* dev, const nuri_graph_desc* graph,
                               size_t node_index, double* seconds, nuri_error* err);
  /* Writes the last execution's report (JSON) and Chrome trace; either path may be NULL. */
  nuri_status (*executable_write_report)(nuri_device_impl* dev, nuri_executable_impl* exe,
                                         const char* report_path, const char* trace_path,
                                         nuri_error* err);
} nuri_device_api;

/* Size of the table up to and including its last required entry: a plugin's struct_size must
 * be at least this. */
#define NURI_DEVICE_API_REQUIRED_SIZE \
  (offsetof(nuri_device_api, executable_get_stats) + sizeof(void*))

typedef const nuri_device_api* (*nuri_device_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* NURI_DEVICE_H */
