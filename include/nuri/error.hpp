// Nuri's one exception type: carries a status code and a message that names its context
// (file, node, device). Thrown inside C++ only; C boundaries turn it into nuri_status.
#pragma once

#include <stdexcept>
#include <string>

#include "nuri/types.h"

namespace nuri {

class Error : public std::runtime_error {
 public:
  explicit Error(std::string message, nuri_status status = NURI_ERROR_INVALID_ARGUMENT)
      : std::runtime_error(std::move(message)), status_(status) {}
  nuri_status status() const noexcept { return status_; }

 private:
  nuri_status status_;
};

}  // namespace nuri
