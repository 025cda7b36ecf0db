#ifndef CSTRATA_SUPPORT_H
#define CSTRATA_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// 1 if this CPU has the SSE4.2 CRC32 instruction, else 0.
int strata_crc32c_hardware_available(void);

/// Continues a CRC-32C over `count` bytes. `crc` is the running register value (already
/// inverted by the caller: pass ~previous and invert the result). Only call when
/// strata_crc32c_hardware_available() returned 1.
uint32_t strata_crc32c_hardware_update(uint32_t crc, const void *data, size_t count);

/// Sets the C allocator's mmap threshold and trim threshold (glibc's mallopt M_MMAP_THRESHOLD and
/// M_TRIM_THRESHOLD), in bytes; 1 when both were taken, 0 otherwise (and on a C library without
/// them). Fixing them stops glibc's dynamic adjustment: blocks below the mmap threshold come from
/// the heap and stay there when freed (up to the trim threshold), instead of being mapped and
/// unmapped (and faulted in afresh) each time.
int strata_set_allocator_thresholds(size_t mmap_threshold, size_t trim_threshold);

#endif
