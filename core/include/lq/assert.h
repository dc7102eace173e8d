/* SPDX-License-Identifier: MIT */
#ifndef LQ_ASSERT_H
#define LQ_ASSERT_H

/*
 * LQ_ASSERT stays on in release builds: it guards invariants whose violation would mean
 * a wrong money movement, which is worse than a stop. LQ_DASSERT is for per-message hot
 * paths and is compiled out when NDEBUG is defined.
 */
_Noreturn void lq_assert_fail(const char *expr, const char *file, int line);

#define LQ_ASSERT(expr)                                                                            \
	do {                                                                                       \
		if (__builtin_expect(!(expr), 0))                                                  \
			lq_assert_fail(#expr, __FILE__, __LINE__);                                 \
	} while (0)

#ifdef NDEBUG
#define LQ_DASSERT(expr) ((void)sizeof(expr))
#else
#define LQ_DASSERT(expr) LQ_ASSERT(expr)
#endif

#define LQ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
