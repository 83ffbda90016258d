/* SPDX-License-Identifier: ISC */
/*
 * floor_bench.c: the in-memory crypto floor of an encrypted PUT and GET,
 * measured on this machine in the same run as the daemon (bench/run.sh).
 *
 * A PUT must, per byte, at least: seal it with XChaCha20-Poly1305 in
 * 64 KiB chunks (libsodium; a fresh 24-byte nonce and a 25-byte AD per
 * chunk, as the store's format has), and hash it with MD5 (OpenSSL, for
 * the ETag) and CRC-64/ECMA (ISA-L crc64_ecma_refl, x-oss-hash-crc64ecma).
 * A GET must at least open every chunk. Everything runs on one thread,
 * from a source buffer of min(object, 64 MiB) cycled until the object
 * size is reached, into a 16-chunk output ring like the store writer's,
 * so the figure has no I/O, no HTTP and no copy the daemon could avoid.
 * The three parts are also timed alone (1 MiB, cache-warm) so a report
 * can say what share of the PUT floor each one is.
 *
 * Usage: floor_bench SAMPLES MIN_SECONDS SIZE_BYTES LABEL [parts]
 * Prints TSV lines "id unit median min max n" (MB/s, 1 MB = 10^6 B of
 * plaintext per second); "parts" adds the per-primitive rows.
 */
#include <errno.h>
#include <isa-l/crc64.h>
#include <openssl/md5.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* MD5_CTX is deprecated in OpenSSL 3 but is what the daemon's hash module
 * uses (allocation-free), so the floor uses it too. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define CHUNK		((size_t)65536)
#define NONCE		crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG		crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SEALED		(CHUNK + NONCE + TAG)
#define RING		16
#define AD_BYTES	(16 + 8 + 1)
#define MAX_SRC		((size_t)64 << 20)
#define MAX_SAMPLES	64

struct floor {
	uint8_t		*src;		/* plaintext, src_len bytes */
	size_t		 src_len;
	uint8_t		*sealed;	/* src sealed chunk by chunk */
	uint8_t		*ring;		/* RING sealed chunks (PUT output) */
	uint8_t		*plain;		/* one chunk (GET output) */
	uint64_t	 obj_len;	/* bytes per "object" */
	uint8_t		 key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t		 ad[AD_BYTES];
	volatile uint64_t sink;
};

typedef void (*op_fn)(struct floor *);

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
die(const char *what)
{
	fprintf(stderr, "floor_bench: %s\n", what);
	exit(1);
}

static void
set_ad(struct floor *f, uint64_t index, int last)
{
	memcpy(f->ad + 16, &index, 8);
	f->ad[24] = (uint8_t)last;
}

static void
seal_chunk(struct floor *f, uint8_t *out, const uint8_t *in, size_t n)
{
	randombytes_buf(out, NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + NONCE, NULL, in, n,
	    f->ad, AD_BYTES, NULL, out, f->key);
}

/* One encrypted PUT's CPU work: MD5 + CRC-64 + seal of every chunk. */
static void
op_put(struct floor *f)
{
	MD5_CTX md5;
	uint8_t digest[16];
	uint64_t crc = 0, done = 0, index = 0;

	MD5_Init(&md5);
	while (done < f->obj_len) {
		size_t off = (size_t)(done % f->src_len);
		size_t n = f->obj_len - done < CHUNK ?
		    (size_t)(f->obj_len - done) : CHUNK;
		const uint8_t *in = f->src + off;

		MD5_Update(&md5, in, n);
		crc = crc64_ecma_refl(crc, in, n);
		set_ad(f, index, done + n == f->obj_len);
		seal_chunk(f, f->ring + (index % RING) * SEALED, in, n);
		done += n;
		index++;
	}
	MD5_Final(digest, &md5);
	f->sink += crc ^ digest[0];
}

/* One GET's CPU work: open (verify + decrypt) every chunk. */
static void
op_get(struct floor *f)
{
	uint64_t done = 0;

	while (done < f->obj_len) {
		size_t off = (size_t)(done % f->src_len);
		size_t n = f->obj_len - done < CHUNK ?
		    (size_t)(f->obj_len - done) : CHUNK;
		const uint8_t *c = f->sealed + (off / CHUNK) * SEALED;

		/* The AD the chunk was sealed with in main(): its index in
		 * the source, "last" only when the object is the source. */
		set_ad(f, off / CHUNK, f->obj_len <= MAX_SRC &&
		    done + n == f->obj_len);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(f->plain, NULL,
		    NULL, c + NONCE, n + TAG, f->ad, AD_BYTES, c, f->key) != 0)
			die("decrypt failed");
		done += n;
	}
	f->sink += f->plain[0];
}

/* The parts alone, over the same chunking. */
static void
op_seal_only(struct floor *f)
{
	uint64_t done = 0, index = 0;

	while (done < f->obj_len) {
		size_t off = (size_t)(done % f->src_len);
		size_t n = f->obj_len - done < CHUNK ?
		    (size_t)(f->obj_len - done) : CHUNK;

		set_ad(f, index, done + n == f->obj_len);
		seal_chunk(f, f->ring + (index % RING) * SEALED, f->src + off,
		    n);
		done += n;
		index++;
	}
	f->sink += f->ring[NONCE];
}

static void
op_md5_only(struct floor *f)
{
	MD5_CTX md5;
	uint8_t digest[16];
	uint64_t done = 0;

	MD5_Init(&md5);
	while (done < f->obj_len) {
		size_t off = (size_t)(done % f->src_len);
		size_t n = f->obj_len - done < CHUNK ?
		    (size_t)(f->obj_len - done) : CHUNK;

		MD5_Update(&md5, f->src + off, n);
		done += n;
	}
	MD5_Final(digest, &md5);
	f->sink += digest[0];
}

static void
op_crc_only(struct floor *f)
{
	uint64_t crc = 0, done = 0;

	while (done < f->obj_len) {
		size_t off = (size_t)(done % f->src_len);
		size_t n = f->obj_len - done < CHUNK ?
		    (size_t)(f->obj_len - done) : CHUNK;

		crc = crc64_ecma_refl(crc, f->src + off, n);
		done += n;
	}
	f->sink += crc;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* SAMPLES samples of at least MIN_S seconds each; prints MB/s. */
static void
measure(const char *id, op_fn fn, struct floor *f, int samples, double min_s)
{
	double v[MAX_SAMPLES], med;

	fn(f);		/* page in and warm up */
	for (int i = 0; i < samples; i++) {
		uint64_t calls = 0;
		double t0 = now(), t;

		do {
			fn(f);
			calls++;
			t = now();
		} while (t - t0 < min_s);
		v[i] = (double)f->obj_len * (double)calls / (t - t0) / 1e6;
	}
	qsort(v, (size_t)samples, sizeof(v[0]), cmp_double);
	med = samples % 2 ? v[samples / 2] :
	    (v[samples / 2 - 1] + v[samples / 2]) / 2;
	printf("%s\tMB/s\t%.6g\t%.6g\t%.6g\t%d\n", id, med, v[0],
	    v[samples - 1], samples);
	fflush(stdout);
}

static uint64_t
parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		die("bad number");
	return (uint64_t)v;
}

int
main(int argc, char **argv)
{
	struct floor f;
	char id[128];
	int samples;
	double min_s;

	if (argc < 5) {
		fprintf(stderr, "usage: floor_bench SAMPLES MIN_SECONDS "
		    "SIZE_BYTES LABEL [parts]\n");
		return 2;
	}
	samples = (int)parse_u64(argv[1]);
	min_s = strtod(argv[2], NULL);
	if (samples < 1 || samples > MAX_SAMPLES)
		die("SAMPLES must be 1..64");
	if (sodium_init() < 0)
		die("sodium_init");
	memset(&f, 0, sizeof(f));
	f.obj_len = parse_u64(argv[3]);
	if (f.obj_len == 0)
		die("SIZE_BYTES must be > 0");
	f.src_len = f.obj_len < MAX_SRC ? (size_t)f.obj_len : MAX_SRC;
	/* Whole chunks so a cycled source stays chunk-aligned. */
	if (f.src_len % CHUNK != 0 && f.obj_len > MAX_SRC)
		die("SIZE_BYTES above 64 MiB must be a multiple of 64 KiB");
	f.src = malloc(f.src_len);
	f.sealed = malloc((f.src_len + CHUNK - 1) / CHUNK * SEALED);
	f.ring = malloc(RING * SEALED);
	f.plain = malloc(CHUNK);
	if (f.src == NULL || f.sealed == NULL || f.ring == NULL ||
	    f.plain == NULL)
		die("out of memory");
	randombytes_buf(f.src, f.src_len);
	randombytes_buf(f.key, sizeof(f.key));
	randombytes_buf(f.ad, 16);

	/* Ciphertext for op_get: the source sealed chunk by chunk under its
	 * index; the final chunk is "last" only when the object is the
	 * source (above 64 MiB the source is cycled). */
	for (size_t off = 0, i = 0; off < f.src_len; off += CHUNK, i++) {
		size_t n = f.src_len - off < CHUNK ? f.src_len - off : CHUNK;

		set_ad(&f, i, 0);
		seal_chunk(&f, f.sealed + i * SEALED, f.src + off, n);
	}
	if (f.obj_len <= MAX_SRC) {
		size_t last = (f.src_len - 1) / CHUNK;
		size_t n = f.src_len - last * CHUNK;

		set_ad(&f, last, 1);
		seal_chunk(&f, f.sealed + last * SEALED, f.src + last * CHUNK,
		    n);
	}

	snprintf(id, sizeof(id), "floor.put.%s", argv[4]);
	measure(id, op_put, &f, samples, min_s);
	snprintf(id, sizeof(id), "floor.get.%s", argv[4]);
	measure(id, op_get, &f, samples, min_s);
	if (argc > 5 && strcmp(argv[5], "parts") == 0) {
		snprintf(id, sizeof(id), "part.xchacha_seal.%s", argv[4]);
		measure(id, op_seal_only, &f, samples, min_s);
		snprintf(id, sizeof(id), "part.md5.%s", argv[4]);
		measure(id, op_md5_only, &f, samples, min_s);
		snprintf(id, sizeof(id), "part.crc64_isal.%s", argv[4]);
		measure(id, op_crc_only, &f, samples, min_s);
	}
	printf("#sink\t%llu\n", (unsigned long long)f.sink);
	free(f.src);
	free(f.sealed);
	free(f.ring);
	free(f.plain);
	return 0;
}
