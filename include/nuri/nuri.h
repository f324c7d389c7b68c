/* Nuri C API: load or build a model, place it on devices, compile once, run many times.
 * Every call that can fail returns nuri_status and fills a nuri_error (nuri/device.h) when one is
 * given (err may be NULL). Misuse (NULL handles or out-pointers, an index out of range, a wrong
 * dtype, shape or count) is an error, never a crash; nothing throws across this API.
 *
 * Thread safety: a nuri_session may be run from several threads at once (nuri_session_run and
 * the report calls on one session are serialized by a lock inside it; distinct sessions run in
 * parallel). Session-owned outputs (data = NULL on input to nuri_session_run) belong to the
 * calling thread and stay valid until that thread's next run of the session. The report calls
 * describe the session's last run, from whichever thread. A nuri_model may be shared by sessions
 * on several threads. Destroy a handle only once no other thread uses it. */
#ifndef NURI_NURI_H
#define NURI_NURI_H

#include <stddef.h>
#include <stdint.h>

#include "nuri/device.h"
#include "nuri/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NURI_VERSION_MAJOR 0
#define NURI_VERSION_MINOR 1
#define NURI_VERSION_STRING "0.1.0" /* matches project(Nuri VERSION) in CMakeLists.txt */

typedef struct nuri_model nuri_model;
typedef struct nuri_session nuri_session;

/* A tensor: data holds numel * dtype size bytes, row-major. In descriptions a dim of -1 is
 * dynamic (its size comes from the input given at run time). */
typedef struct nuri_tensor {
  nuri_dtype dtype;
  int32_t rank;
  const int64_t* dims;
  void* data;
} nuri_tensor;

/* Devices registered in this process (built-ins and NURI_PLUGIN_PATH plugins). */
size_t nuri_device_count(void);
/* NULL when index is out of range. */
const char* nuri_device_name(size_t index);
/* Loads a device plugin (.so) by path. */
nuri_status nuri_plugin_load(const char* path, nuri_error* err);

/* ---- Models ------------------------------------------------------------------------------- */

/* Options for loading an ONNX model. Zero it, then set struct_size = sizeof(nuri_load_options);
 * a NULL options pointer means the defaults. */
typedef struct nuri_load_options {
  size_t struct_size;
  /* "name=size" entries fixing symbolic dims ("batch=1"); the rest stay dynamic. */
  const char* const* dims;
  size_t num_dims;
  /* 1: import without the fusion passes (the graph as exported, folded). */
  int32_t no_fuse;
  /* nuri_model_load_onnx_bytes only: the folder external data is read from (NULL: refused). */
  const char* base_dir;
} nuri_load_options;

/* Loads an .onnx file; external data is found beside it. */
nuri_status nuri_model_load_onnx(const char* path, nuri_model** out, nuri_error* err);
/* The same from bytes in memory, with options (options may be NULL). */
nuri_status nuri_model_load_onnx_bytes(const void* data, size_t size,
                                       const nuri_load_options* options, nuri_model** out,
                                       nuri_error* err);
/* The built-in GPT-2-style model with seeded random weights (input ids i64[1, seq]). */
nuri_status nuri_model_create_gpt2(int64_t layers, int64_t d_model, int64_t heads, int64_t vocab,
                                   int64_t seq, uint64_t seed, nuri_model** out, nuri_error* err);
void nuri_model_destroy(nuri_model* model);

/* What the model declares about an input or output. Pointers stay valid while the model lives;
 * dims of -1 are dynamic, and dim_names[i] names a symbolic dim ("" when it has none). */
typedef struct nuri_value_info {
  size_t struct_size;
  const char* name;
  nuri_dtype dtype;
  int32_t rank; /* -1 for an output whose shape the model does not declare */
  const int64_t* dims;
  const char* const* dim_names;
} nuri_value_info;

nuri_status nuri_model_num_inputs(const nuri_model* model, size_t* count, nuri_error* err);
nuri_status nuri_model_num_outputs(const nuri_model* model, size_t* count, nuri_error* err);
nuri_status nuri_model_input_info(const nuri_model* model, size_t index, nuri_value_info* info,
                                  nuri_error* err);
nuri_status nuri_model_output_info(const nuri_model* model, size_t index, nuri_value_info* info,
                                   nuri_error* err);

/* ---- Sessions ----------------------------------------------------------------------------- */

/* Zero it, then set struct_size = sizeof(nuri_session_options). */
typedef struct nuri_session_options {
  size_t struct_size;
  /* Comma-separated priority list ("npu,cpu"); NULL or "" = "cpu". */
  const char* devices;
  /* 1: fail when a node none of the devices supports would fall back to the cpu. */
  int32_t strict;
  /* cpu device threads; 0 = its default. */
  int32_t threads;
  /* "DEVICE:key=value" entries ("npu:config=atom-like", "npu:timing_only=1"). */
  const char* const* device_options;
  size_t num_device_options;
} nuri_session_options;

/* devices: comma-separated priority list ("npu,cpu"); NULL = "cpu". strict: no fallback. */
nuri_status nuri_session_create(const nuri_model* model, const char* devices, int32_t strict,
                                nuri_session** out, nuri_error* err);
/* options may be NULL (the defaults). Models with dynamic dims compile on the first run with
 * each new set of input shapes, and keep one compiled session per shape set. */
nuri_status nuri_session_create_with_options(const nuri_model* model,
                                             const nuri_session_options* options,
                                             nuri_session** out, nuri_error* err);
void nuri_session_destroy(nuri_session* session);
/* 0 for a NULL session. */
size_t nuri_session_num_inputs(const nuri_session* session);
size_t nuri_session_num_outputs(const nuri_session* session);
/* Describes input/output `index` (dims point into the session, valid while it lives; -1 dims
 * are dynamic). name and desc may be NULL. */
nuri_status nuri_session_input(const nuri_session* session, size_t index, const char** name,
                               nuri_tensor* desc, nuri_error* err);
nuri_status nuri_session_output(const nuri_session* session, size_t index, const char** name,
                                nuri_tensor* desc, nuri_error* err);
/* Runs once, inputs and outputs in the model's order. Inputs are read where they lie. For each
 * output, either data points at caller memory and dtype/rank/dims say what it holds (they must
 * match the output), or data is NULL and the session fills dtype, rank, dims and data with
 * memory it owns (valid until this thread's next run of this session, or its destruction). */
nuri_status nuri_session_run(nuri_session* session, const nuri_tensor* inputs, size_t num_inputs,
                             nuri_tensor* outputs, size_t num_outputs, nuri_error* err);

/* ---- IO binding --------------------------------------------------------------------------- */

/* Binds input/output `index` to caller memory once; nuri_session_run_bound then reads the inputs
 * and writes the outputs where they lie, run after run, with no per-run copies on devices that
 * import host memory (the cpu and the other built-ins; elsewhere one copy). dtype, rank and dims
 * must match the value (a mismatch is an error naming it; an output whose shape depends on
 * dynamic dims is checked at the run). The memory must stay valid while bound; its contents may
 * change between runs (that is the point). Binding again replaces a binding; data = NULL
 * unbinds. nuri_session_run ignores bindings. Models with dynamic dims: the bound inputs' dims
 * pick the compiled session. An input and an output may share memory where the model updates
 * that value in place (a KV cache bound as past and present). */
nuri_status nuri_session_bind_input(nuri_session* session, size_t index, const nuri_tensor* tensor,
                                    nuri_error* err);
nuri_status nuri_session_bind_output(nuri_session* session, size_t index, const nuri_tensor* tensor,
                                     nuri_error* err);
/* Runs on the bound memory: every input and output must be bound. */
nuri_status nuri_session_run_bound(nuri_session* session, nuri_error* err);

/* The placement report (which node ran where, and why) as text; NUL-terminated, truncated to
 * cap; returns the size it needs (with the NUL), 0 for a NULL session or before the first run of
 * a model with dynamic dims. */
size_t nuri_session_placement(const nuri_session* session, char* buffer, size_t cap);

/* JSON text of the last run's placement or report. Writes up to cap bytes (NUL-terminated) and
 * sets *size to the bytes needed with the NUL; buffer may be NULL to ask the size. The placement:
 * {"graph", "partitions": [{"device", "nodes": [{"name", "op", "reason"}]}], "transfers",
 * "transfer_bytes"}. The report: {"partitions": [{"device", "nodes", "time_ns", "cycles",
 * "clock_hz", "bytes_moved", "energy_joules", "simulated"}], "total": {"time_ns",
 * "simulated_time_ns", "cycles", "bytes_moved", "energy_joules"}, "transfer_bytes",
 * "wall_time_ns"}. An error before the first run. */
nuri_status nuri_session_placement_json(nuri_session* session, char* buffer, size_t cap,
                                        size_t* size, nuri_error* err);
nuri_status nuri_session_report_json(nuri_session* session, char* buffer, size_t cap, size_t* size,
                                     nuri_error* err);

#ifdef __cplusplus
}
#endif

#endif /* NURI_NURI_H */
