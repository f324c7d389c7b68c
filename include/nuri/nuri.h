/* Nuri C API: load or build a model, place it on devices, compile once, run many times.
 * Every call that can fail returns nuri_status and fills a nuri_error (nuri/device.h). */
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

/* A tensor the caller owns: data holds numel * dtype size bytes, row-major. */
typedef struct nuri_tensor {
  nuri_dtype dtype;
  int32_t rank;
  const int64_t* dims;
  void* data;
} nuri_tensor;

/* Devices registered in this process (built-ins and NURI_PLUGIN_PATH plugins). */
size_t nuri_device_count(void);
const char* nuri_device_name(size_t index);
/* Loads a device plugin (.so) by path. */
nuri_status nuri_plugin_load(const char* path, nuri_error* err);

/* The built-in GPT-2-style model with seeded random weights (input ids i64[1, seq]). */
nuri_status nuri_model_create_gpt2(int64_t layers, int64_t d_model, int64_t heads, int64_t vocab,
                                   int64_t seq, uint64_t seed, nuri_model** out, nuri_error* err);
void nuri_model_destroy(nuri_model* model);

/* devices: comma-separated priority list ("npu,cpu"); NULL = "cpu". strict: no fallback. */
nuri_status nuri_session_create(const nuri_model* model, const char* devices, int32_t strict,
                                nuri_session** out, nuri_error* err);
void nuri_session_destroy(nuri_session* session);
size_t nuri_session_num_inputs(const nuri_session* session);
size_t nuri_session_num_outputs(const nuri_session* session);
/* Describes input/output `index` (dims points into the session; valid while it lives). */
nuri_status nuri_session_input(const nuri_session* session, size_t index, const char** name,
                               nuri_tensor* desc, nuri_error* err);
nuri_status nuri_session_output(const nuri_session* session, size_t index, const char** name,
                                nuri_tensor* desc, nuri_error* err);
/* Runs once: inputs in order; outputs' data must point at caller memory of the right size. */
nuri_status nuri_session_run(nuri_session* session, const nuri_tensor* inputs, size_t num_inputs,
                             nuri_tensor* outputs, size_t num_outputs, nuri_error* err);
/* The placement report (which node ran where, and why); NUL-terminated, truncated to cap. */
size_t nuri_session_placement(const nuri_session* session, char* buffer, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* NURI_NURI_H */
