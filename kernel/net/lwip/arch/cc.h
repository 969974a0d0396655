/* SPDX-License-Identifier: MIT */
/* arch/cc.h: lwIP's compiler and platform glue for the husk kernel (types, diagnostics, randomness). */
#ifndef HUSK_LWIP_ARCH_CC_H
#define HUSK_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_LIMITS_H 0
#define BYTE_ORDER LITTLE_ENDIAN
/* Byte swaps inline (one instruction) instead of lwIP's out-of-line functions, called for every header field. */
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* printf formats for lwIP's types (no <inttypes.h> in the kernel). */
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void random_bytes(void *buf, size_t n);

#define LWIP_PLATFORM_DIAG(x) do { printk x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) panic("lwIP assertion \"%s\" failed at %s:%d", x, __FILE__, __LINE__)

static inline uint32_t husk_lwip_rand(void)
{
	uint32_t r;

	random_bytes(&r, sizeof(r));
	return r;
}
#define LWIP_RAND() husk_lwip_rand()

#endif
