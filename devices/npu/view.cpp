#include "devices/npu/view.h"

namespace nuri::npu {

std::vector<int64_t> dense_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

bool View::dense() const {
  const auto d = dense_strides(shape);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && strides[i] != d[i]) return false;
  return true;
}

std::optional<std::vector<int64_t>> reshape_strides(const Shape& old,
                                                    const std::vector<int64_t>& os,
                                                    const Shape& nw) {
  if (old.empty() || num_elements(old) == 0) return dense_strides(nw);
  std::vector<int64_t> ns(nw.size(), 1);
  int64_t view_d = static_cast<int64_t>(nw.size()) - 1;
  int64_t base = os.back(), tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old.size()) - 1; d >= 0; --d) {
    tensor_numel *= old[d];
    if (d == 0 || (old[d - 1] != 1 && os[d - 1] != tensor_numel * base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || nw[view_d] == 1)) {
        ns[view_d] = view_numel * base;
        view_numel *= nw[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        base = os[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return ns;
}

}  // namespace nuri::npu
