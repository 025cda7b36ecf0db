// The C allocator's thresholds, for a process whose work allocates and frees megabyte buffers
// (a server's answers): see strata_set_allocator_thresholds in CStrataSupport.h.
#include "CStrataSupport.h"

#if defined(__GLIBC__)
#include <malloc.h>

int strata_set_allocator_thresholds(size_t mmap_threshold, size_t trim_threshold) {
    int mapped = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold);
    int trimmed = mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
    return mapped == 1 && trimmed == 1;
}
#else
int strata_set_allocator_thresholds(size_t mmap_threshold, size_t trim_threshold) {
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
}
#endif
