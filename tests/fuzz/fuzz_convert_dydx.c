/* SPDX-License-Identifier: MIT */
/* libFuzzer: the DYDX recording converter's line parser (see fuzz_convert.h). */
#include "fuzz_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_convert(LQ_CONVERT_DYDX, data, size);
}
