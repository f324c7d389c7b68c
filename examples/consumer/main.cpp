// Uses Nuri's C++ API from an installed tree.
#include <cstdio>
#include <nuri/nuri.hpp>

int main() {
  nuri::Session session(nuri::Model::gpt2(1, 64, 2, 128, 8, 7), "cpu");
  const auto out = session.run(
      {nuri::Tensor::from<int64_t>(nuri::DType::I64, {1, 8}, {1, 2, 3, 4, 5, 6, 7, 8})});
  double sum = 0;
  for (int64_t i = 0; i < out[0].numel(); ++i) sum += out[0].data_as<float>()[i];
  std::printf("c++: logits %s sum %.6f\n", nuri::shape_str(out[0].shape()).c_str(), sum);
  try {
    session.run(std::vector<nuri::Tensor>{});
  } catch (const nuri::Error& e) {
    std::printf("c++: bad call rejected: %s\n", e.what());
    return 0;
  }
  return 1;
}
