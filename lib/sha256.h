/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for signing outgoing requests. */
#ifndef FG_SHA256_H
#define FG_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32

struct sha256 {
	uint32_t	h[8];
	uint64_t	len;		/* bytes hashed so far */
	uint8_t		buf[64];
	size_t		nbuf;
};

void	sha256_init(struct sha256 *);
void	sha256_update(struct sha256 *, const void *, size_t);
void	sha256_final(struct sha256 *, uint8_t out[SHA256_LEN]);
/* HMAC-SHA256 of msg under key; key-derived state is wiped afterwards. */
void	hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
	    uint8_t out[SHA256_LEN]);
/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void	hex_encode(const uint8_t *in, size_t n, char *out);

#endif
