/* FROZEN COPY of nuri/types.h at device ABI 2.0 (version-skew tests). Never edit it. */
/* Nuri: plain-C types shared by the device ABI, the C API and the kernels. */
#ifndef NURI_TYPES_H
#define NURI_TYPES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types. Values are part of the ABI: only append. */
typedef enum nuri_dtype {
  NURI_DTYPE_F32 = 0,
  NURI_DTYPE_F16 = 1,
  NURI_DTYPE_BF16 = 2,
  NURI_DTYPE_I8 = 3,
  NURI_DTYPE_I32 = 4,
  NURI_DTYPE_I64 = 5,
  NURI_DTYPE_BOOL = 6,
  NURI_DTYPE_COUNT_ = 7
} nuri_dtype;

/* Status codes returned across every C boundary; a message travels beside them. */
typedef enum nuri_status {
  NURI_OK = 0,
  NURI_ERROR_INVALID_ARGUMENT = 1,
  NURI_ERROR_UNSUPPORTED = 2,
  NURI_ERROR_OUT_OF_MEMORY = 3,
  NURI_ERROR_NOT_FOUND = 4,
  NURI_ERROR_VERSION_MISMATCH = 5,
  NURI_ERROR_INTERNAL = 6
} nuri_status;

#ifdef __cplusplus
}
#endif

#endif /* NURI_TYPES_H */
