#include "runtime/transfer.h"

namespace nuri::rt {

const char* transfer_path_name(TransferPath path) {
  switch (path) {
    case TransferPath::SameDevice:
      return "same-device";
    case TransferPath::Peer:
      return "peer";
    case TransferPath::FromHostPointer:
      return "from-host-pointer";
    case TransferPath::IntoHostPointer:
      return "into-host-pointer";
    case TransferPath::Staged:
      return "staged";
  }
  return "?";
}

TransferPath transfer(Device& src_device, DeviceBuffer& src, Device& dst_device, DeviceBuffer& dst,
                      uint64_t bytes, std::vector<std::byte>& staging) {
  if (&src_device == &dst_device) {
    dst_device.copy(src, dst, bytes);
    return TransferPath::SameDevice;
  }
  if (dst_device.copy_from_peer(src_device, src, dst, bytes)) return TransferPath::Peer;
  if (const void* from = src_device.host_pointer(src)) {
    dst_device.write(dst, from, bytes);
    return TransferPath::FromHostPointer;
  }
  if (void* into = dst_device.host_pointer(dst)) {
    src_device.read(src, into, bytes);
    return TransferPath::IntoHostPointer;
  }
  staging.resize(bytes);
  src_device.read(src, staging.data(), bytes);
  dst_device.write(dst, staging.data(), bytes);
  return TransferPath::Staged;
}

}  // namespace nuri::rt
