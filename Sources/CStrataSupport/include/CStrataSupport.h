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

#endif
