/*
 * Structural equality of parsed POX documents: used by the round-trip tests and the fuzz
 * targets, and usable by anyone who needs to know whether two answers say the same thing.
 * Strings compare byte for byte; NULL equals only NULL.
 */
#ifndef AD_LIB_POX_COMPARE_H
#define AD_LIB_POX_COMPARE_H

#include <stdbool.h>

#include "pox.h"

bool pox_request_equal(const struct pox_request *a, const struct pox_request *b);
bool pox_response_equal(const struct pox_response *a, const struct pox_response *b);

#endif
