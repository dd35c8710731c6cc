/* Shared by the fuzz targets: fail loudly, whichever harness (libFuzzer, replay) runs them. */
#ifndef AD_FUZZ_COMMON_H
#define AD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                   \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__,      \
                    #cond);                                                                 \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

#endif
