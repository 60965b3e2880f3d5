/* sha256: FIPS 180-4 examples and the RFC 4231 HMAC-SHA256 test cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void
check_hash(const void *msg, size_t n, const char *expect)
{
	struct sha256 c;
	uint8_t md[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	sha256_init(&c);
	sha256_update(&c, msg, n);
	sha256_final(&c, md);
	hex_encode(md, sizeof(md), hex);
	assert_string_equal(hex, expect);
}

static void
check_hmac(const void *key, size_t keylen, const void *msg, size_t n, const char *expect)
{
	uint8_t md[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];

	hmac_sha256(key, keylen, msg, n, md);
	hex_encode(md, sizeof(md), hex);
	assert_string_equal(hex, expect);
}

static void
test_sha256_vectors(void **state)
{
	static const char nist[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	check_hash("", 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_hash("abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_hash(nist, sizeof(nist) - 1,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* One million 'a' fed in chunks that straddle block boundaries. */
static void
test_sha256_million(void **state)
{
	static const size_t sizes[] = { 1, 3, 7, 63, 64, 65, 127, 1000, 0 };
	struct sha256 c;
	uint8_t chunk[1000], md[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1];
	size_t left = 1000000, k, i = 0;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&c);
	while (left > 0) {
		k = sizes[i++ % (sizeof(sizes) / sizeof(sizes[0]))];
		if (k > left)
			k = left;
		sha256_update(&c, chunk, k);
		left -= k;
	}
	sha256_final(&c, md);
	hex_encode(md, sizeof(md), hex);
	assert_string_equal(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_hmac_rfc4231(void **state)
{
	static const char tc2[] = "what do ya want for nothing?";
	static const char tc6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char tc7[] = "This is a test using a larger than block-size key and a "
	    "larger than block-size data. The key needs to be hashed before being used by "
	    "the HMAC algorithm.";
	uint8_t key[131], data[50];
	size_t i;

	(void)state;
	memset(key, 0x0b, 20);
	check_hmac(key, 20, "Hi There", 8,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, tc2, sizeof(tc2) - 1,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, sizeof(data));
	check_hmac(key, 20, data, sizeof(data),
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, sizeof(data));
	check_hmac(key, 25, data, sizeof(data),
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	memset(key, 0xaa, sizeof(key));
	check_hmac(key, sizeof(key), tc6, sizeof(tc6) - 1,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	check_hmac(key, sizeof(key), tc7, sizeof(tc7) - 1,
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_million),
		cmocka_unit_test(test_hmac_rfc4231),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
