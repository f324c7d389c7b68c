/* Loads an ONNX model, runs it on the NPU simulator with the cpu as fallback (inputs zero,
 * dynamic dims 1), and prints where each node ran and the simulated time.
 * Usage: nuri_example_c MODEL.onnx */
#include <nuri/nuri.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t dtype_size(nuri_dtype t) {
  switch (t) {
    case NURI_DTYPE_I64:
      return 8;
    case NURI_DTYPE_F32:
    case NURI_DTYPE_I32:
      return 4;
    case NURI_DTYPE_F16:
    case NURI_DTYPE_BF16:
      return 2;
    default:
      return 1;
  }
}

int main(int argc, char** argv) {
  nuri_error err = {sizeof(nuri_error), NURI_OK, {0}};
  nuri_model* model = NULL;
  nuri_session* session = NULL;
  nuri_session_options options;
  const char* npu_options[] = {"npu:config=atom-like"};
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL.onnx\n", argv[0]);
    return 2;
  }
  memset(&options, 0, sizeof options);
  options.struct_size = sizeof options;
  options.devices = "npu,cpu";
  options.device_options = npu_options;
  options.num_device_options = 1;
  if (nuri_model_load_onnx(argv[1], &model, &err) != NURI_OK ||
      nuri_session_create_with_options(model, &options, &session, &err) != NURI_OK) {
    fprintf(stderr, "error: %s\n", err.message);
    return 1;
  }
  size_t n_in = nuri_session_num_inputs(session), n_out = nuri_session_num_outputs(session);
  nuri_tensor* in = calloc(n_in, sizeof *in);
  nuri_tensor* out = calloc(n_out, sizeof *out); /* data NULL: session-owned outputs */
  int64_t* dims = calloc(n_in * 8, sizeof *dims);
  for (size_t i = 0; i < n_in; ++i) {
    nuri_tensor d;
    size_t numel = 1;
    nuri_session_input(session, i, NULL, &d, &err);
    in[i] = d;
    in[i].dims = dims + 8 * i;
    for (int32_t k = 0; k < d.rank && k < 8; ++k) {
      dims[8 * i + k] = d.dims[k] < 0 ? 1 : d.dims[k]; /* dynamic dims: 1 */
      numel *= (size_t)dims[8 * i + k];
    }
    in[i].data = calloc(numel ? numel : 1, dtype_size(d.dtype));
  }
  if (nuri_session_run(session, in, n_in, out, n_out, &err) != NURI_OK) {
    fprintf(stderr, "error: %s\n", err.message);
    return 1;
  }
  for (size_t i = 0; i < n_out; ++i) {
    const char* name = NULL;
    nuri_session_output(session, i, &name, NULL, &err);
    printf("output %s: rank %d, dims[0] %lld\n", name, (int)out[i].rank,
           out[i].rank ? (long long)out[i].dims[0] : 0LL);
  }
  size_t size = nuri_session_placement(session, NULL, 0);
  char* text = malloc(size);
  nuri_session_placement(session, text, size);
  printf("%s", text);
  free(text);
  if (nuri_session_report_json(session, NULL, 0, &size, &err) != NURI_OK) return 1;
  text = malloc(size);
  nuri_session_report_json(session, text, size, &size, &err);
  const char* sim = strstr(text, "\"simulated_time_ns\":");
  printf("simulated time: %.3f us\n", sim ? strtod(sim + 20, NULL) / 1e3 : 0.0);
  free(text);
  for (size_t i = 0; i < n_in; ++i) free(in[i].data);
  free(dims);
  free(out);
  free(in);
  nuri_session_destroy(session);
  nuri_model_destroy(model);
  return sim ? 0 : 1;
}
