// Moving a value's bytes from one device's buffer to another's by the shortest path the two
// devices offer, so no cross-device move goes through a host vector when it need not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/device.h"

namespace nuri::rt {

enum class TransferPath {
  SameDevice,       // buffer_copy on the one device
  Peer,             // buffer_copy_peer: two instances of one plugin, no host in between
  FromHostPointer,  // the source lies in host memory: one buffer_write from it
  IntoHostPointer,  // the destination lies in host memory: one buffer_read into it
  Staged,           // read into a host staging vector, then write (two copies)
};

const char* transfer_path_name(TransferPath path);

// Copies `bytes` from src (on src_device) to dst (on dst_device); `staging` is reused across
// calls for the staged path. Returns the path taken.
TransferPath transfer(Device& src_device, DeviceBuffer& src, Device& dst_device, DeviceBuffer& dst,
                      uint64_t bytes, std::vector<std::byte>& staging);

}  // namespace nuri::rt
