/* Uses Nuri's C API from an installed tree: builds the demo model, runs it on the cpu. */
#include <nuri/nuri.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  nuri_error err = {sizeof(nuri_error), NURI_OK, {0}};
  nuri_model* model = NULL;
  nuri_session* session = NULL;
  if (nuri_model_create_gpt2(1, 64, 2, 128, 8, 7, &model, &err) != NURI_OK ||
      nuri_session_create(model, "cpu", 0, &session, &err) != NURI_OK) {
    fprintf(stderr, "error: %s\n", err.message);
    return 1;
  }
  int64_t ids[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  int64_t in_dims[2] = {1, 8};
  nuri_tensor in = {NURI_DTYPE_I64, 2, in_dims, ids};
  nuri_tensor out;
  nuri_session_output(session, 0, NULL, &out, &err);
  float* logits = calloc(8 * 128, sizeof(float));
  out.data = logits;
  if (nuri_session_run(session, &in, 1, &out, 1, &err) != NURI_OK) {
    fprintf(stderr, "error: %s\n", err.message);
    return 1;
  }
  double sum = 0;
  for (int i = 0; i < 8 * 128; ++i) sum += logits[i];
  printf("c: %zu devices, logits sum %.6f\n", nuri_device_count(), sum);
  /* A bad input is an error, not a crash. */
  in.dtype = NURI_DTYPE_F32;
  if (nuri_session_run(session, &in, 1, &out, 1, &err) == NURI_OK) return 1;
  printf("c: bad input rejected: %s\n", err.message);
  free(logits);
  nuri_session_destroy(session);
  nuri_model_destroy(model);
  return 0;
}
