// Hardware CRC-32C (Castagnoli) with the SSE4.2 crc32 instruction: three independent streams
// over 3 x 1 KiB blocks to hide the instruction's 3-cycle latency, combined with a shift by
// carry-less-free table folding (below), then single-stream for the tail.
#include "CStrataSupport.h"
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>

int strata_crc32c_hardware_available(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

// Multiplies a CRC register by x^(8*1024*8) mod P, i.e. advances it past 1 KiB of zero bytes,
// using a table of the 32 single-bit images built once.
static uint32_t shift_table[32];
static int shift_table_ready = 0;

__attribute__((target("sse4.2"))) static uint32_t zeros_1k(uint32_t crc) {
    // Feeding 1 KiB of zero bytes through the instruction: the reference definition.
    uint64_t c = crc;
    for (int i = 0; i < 128; i++) c = _mm_crc32_u64(c, 0);
    return (uint32_t)c;
}

__attribute__((target("sse4.2"))) static void build_shift_table(void) {
    for (int bit = 0; bit < 32; bit++) shift_table[bit] = zeros_1k((uint32_t)1 << bit);
    __atomic_store_n(&shift_table_ready, 1, __ATOMIC_RELEASE);
}

static inline uint32_t shift_1k(uint32_t crc) {
    // CRC over zeros is linear in the register: combine the images of its set bits.
    uint32_t out = 0;
    while (crc) {
        int bit = __builtin_ctz(crc);
        out ^= shift_table[bit];
        crc &= crc - 1;
    }
    return out;
}

__attribute__((target("sse4.2")))
uint32_t strata_crc32c_hardware_update(uint32_t crc, const void *data, size_t count) {
    const unsigned char *p = (const unsigned char *)data;
    if (!__atomic_load_n(&shift_table_ready, __ATOMIC_ACQUIRE)) build_shift_table();
    uint64_t c0 = crc;
    // Three interleaved streams over 3 KiB at a time.
    while (count >= 3 * 1024) {
        uint64_t c1 = 0, c2 = 0;
        const unsigned char *p1 = p + 1024, *p2 = p + 2048;
        for (int i = 0; i < 128; i++) {
            uint64_t v0, v1, v2;
            memcpy(&v0, p + 8 * i, 8);
            memcpy(&v1, p1 + 8 * i, 8);
            memcpy(&v2, p2 + 8 * i, 8);
            c0 = _mm_crc32_u64(c0, v0);
            c1 = _mm_crc32_u64(c1, v1);
            c2 = _mm_crc32_u64(c2, v2);
        }
        // crc(A B C) = shift(shift(crcA) ^ crcB) ^ crcC, with streams B and C started at zero.
        c0 = shift_1k((uint32_t)c0) ^ (uint32_t)c1;
        c0 = shift_1k((uint32_t)c0) ^ (uint32_t)c2;
        p += 3 * 1024;
        count -= 3 * 1024;
    }
    while (count >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c0 = _mm_crc32_u64(c0, v);
        p += 8;
        count -= 8;
    }
    uint32_t c = (uint32_t)c0;
    while (count--) c = _mm_crc32_u8(c, *p++);
    return c;
}

#else
int strata_crc32c_hardware_available(void) { return 0; }
uint32_t strata_crc32c_hardware_update(uint32_t crc, const void *data, size_t count) {
    (void)data; (void)count;
    return crc;
}
#endif
