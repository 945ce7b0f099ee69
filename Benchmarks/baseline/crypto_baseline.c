/*
 * crypto_baseline.c: the C floor under RatifyCore's crypto wrappers.
 *
 * Times the operations of Benchmarks/Benchmarks/RatifyCrypto with libsodium and OpenSSL called
 * directly, on the same inputs and the same shared libraries, and samples them the way
 * ordo-one/benchmark does: one sample per operation (per batch of 1,000 for SHA-256 of 80 B),
 * a warm-up first, and the median (p50) of the samples reported in ns/op.
 *
 * Build and run: Tools/bench-crypto-baseline.sh
 *   (gcc -O2 crypto_baseline.c $(pkg-config --cflags --libs libsodium libcrypto))
 */
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 but present; RatifyCore's COpenSSL shim
 * uses them (and SHA256_Transform) the same way. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <inttypes.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keep equal to CryptoFixtures.voteMessageBytes in RatifyCrypto.swift. */
#define VOTE_MESSAGE_BYTES 80

/* Every result is folded into a volatile byte so that no call can be optimised away. */
static volatile uint8_t sink;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One operation under test, run `batch` times per sample. */
typedef void (*operation)(void);

static void measure(const char *name, operation op, size_t batch, size_t warmup_samples, size_t samples) {
    double *ns_per_op = malloc(samples * sizeof *ns_per_op);
    if (ns_per_op == NULL) { fprintf(stderr, "crypto_baseline: out of memory\n"); exit(1); }
    for (size_t s = 0; s < warmup_samples; s++)
        for (size_t i = 0; i < batch; i++) op();
    for (size_t s = 0; s < samples; s++) {
        uint64_t start = now_ns();
        for (size_t i = 0; i < batch; i++) op();
        ns_per_op[s] = (double)(now_ns() - start) / (double)batch;
    }
    qsort(ns_per_op, samples, sizeof *ns_per_op, compare_double);
    printf("%-40s p50 %10.1f ns/op   p25 %10.1f   p75 %10.1f   min %10.1f   (%zu samples x %zu)\n",
           name, ns_per_op[samples / 2], ns_per_op[samples / 4], ns_per_op[samples * 3 / 4],
           ns_per_op[0], samples, batch);
    free(ns_per_op);
}

static unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
static unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
static unsigned char message64[64];
static unsigned char vote_message[VOTE_MESSAGE_BYTES];
static unsigned char signature64[crypto_sign_BYTES];
static unsigned char signature_vote[crypto_sign_BYTES];
static unsigned char bytes80[80];
static unsigned char *bytes1mib;
static const size_t bytes1mib_count = 1u << 20;

static void sign64(void) {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, message64, sizeof message64, secret_key);
    sink ^= sig[0];
}

static void sign_vote(void) {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, vote_message, sizeof vote_message, secret_key);
    sink ^= sig[0];
}

static void verify64(void) {
    sink ^= (uint8_t)crypto_sign_verify_detached(signature64, message64, sizeof message64, public_key);
}

static void verify_vote(void) {
    sink ^= (uint8_t)crypto_sign_verify_detached(signature_vote, vote_message, sizeof vote_message, public_key);
}

/* SHA-256 as RatifyCore's Hash.sha256 computes it: a context on the stack, no allocation. */
static void sha256_stack(const unsigned char *data, size_t count) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, count);
    SHA256_Final(digest, &context);
    sink ^= digest[0];
}

/* OpenSSL 3's one-shot SHA256() goes through EVP_Q_digest: it fetches the algorithm from the
 * provider and allocates a context on every call. Kept for reference. */
static void sha256_oneshot(const unsigned char *data, size_t count) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(data, count, digest);
    sink ^= digest[0];
}

static void sha256_80(void) { sha256_stack(bytes80, sizeof bytes80); }
static void sha256_1mib(void) { sha256_stack(bytes1mib, bytes1mib_count); }
static void sha256_80_oneshot(void) { sha256_oneshot(bytes80, sizeof bytes80); }
static void sha256_1mib_oneshot(void) { sha256_oneshot(bytes1mib, bytes1mib_count); }

static size_t put_u32be(unsigned char *out, uint32_t v) {
    out[0] = (unsigned char)(v >> 24); out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);  out[3] = (unsigned char)v;
    return 4;
}

/* The bytes RatifyCore's Vote.signBytes gives for a prevote on chain "ratify-bench" at height
 * 1,000,000, round 0, for block id SHA-256([0x01]): length-prefixed domain tag and chain id,
 * type, height and round big-endian, a presence byte and the 32-byte block hash. */
static void make_vote_message(void) {
    static const char domain[] = "ratify/vote/v1", chain[] = "ratify-bench";
    unsigned char one = 1, *p = vote_message;
    p += put_u32be(p, (uint32_t)strlen(domain)); memcpy(p, domain, strlen(domain)); p += strlen(domain);
    p += put_u32be(p, (uint32_t)strlen(chain));  memcpy(p, chain, strlen(chain));   p += strlen(chain);
    *p++ = 1;                                             /* prevote */
    p += put_u32be(p, 0); p += put_u32be(p, 1000000);     /* height, UInt64 big-endian */
    p += put_u32be(p, 0);                                 /* round */
    *p++ = 1;                                             /* block id present */
    SHA256(&one, 1, p); p += SHA256_DIGEST_LENGTH;
    if (p - vote_message != VOTE_MESSAGE_BYTES) {
        fprintf(stderr, "crypto_baseline: vote message is %td bytes, expected %d\n", p - vote_message, VOTE_MESSAGE_BYTES);
        exit(1);
    }
}

int main(int argc, char **argv) {
    /* An optional argument scales every sample count (e.g. 0.1 for a quick check). */
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    if (!(scale > 0)) { fprintf(stderr, "usage: %s [sample-scale > 0]\n", argv[0]); return 2; }
#define SAMPLES(n) ((size_t)((n) * scale) > 10 ? (size_t)((n) * scale) : 10)

    if (sodium_init() < 0) { fprintf(stderr, "crypto_baseline: sodium_init failed\n"); return 1; }
    unsigned char seed[crypto_sign_SEEDBYTES];
    memset(seed, 1, sizeof seed);
    crypto_sign_seed_keypair(public_key, secret_key, seed);

    for (size_t i = 0; i < sizeof message64; i++) message64[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof bytes80; i++) bytes80[i] = (unsigned char)i;
    bytes1mib = malloc(bytes1mib_count);
    if (bytes1mib == NULL) { fprintf(stderr, "crypto_baseline: out of memory\n"); return 1; }
    for (size_t i = 0; i < bytes1mib_count; i++) bytes1mib[i] = (unsigned char)i;
    make_vote_message();

    crypto_sign_detached(signature64, NULL, message64, sizeof message64, secret_key);
    crypto_sign_detached(signature_vote, NULL, vote_message, sizeof vote_message, secret_key);
    if (crypto_sign_verify_detached(signature64, message64, sizeof message64, public_key) != 0 ||
        crypto_sign_verify_detached(signature_vote, vote_message, sizeof vote_message, public_key) != 0) {
        fprintf(stderr, "crypto_baseline: fixture signature does not verify\n");
        return 1;
    }

    printf("libsodium %s, %s\n", sodium_version_string(), OPENSSL_VERSION_TEXT);
    measure("Ed25519 sign, 64 B", sign64, 1, SAMPLES(2000), SAMPLES(50000));
    measure("Ed25519 sign, vote sign bytes (80 B)", sign_vote, 1, SAMPLES(2000), SAMPLES(50000));
    measure("Ed25519 verify, 64 B", verify64, 1, SAMPLES(1000), SAMPLES(25000));
    measure("Ed25519 verify, vote sign bytes (80 B)", verify_vote, 1, SAMPLES(1000), SAMPLES(25000));
    measure("SHA-256, 80 B", sha256_80, 1000, SAMPLES(100), SAMPLES(3000));
    measure("SHA-256, 1 MiB", sha256_1mib, 1, SAMPLES(50), SAMPLES(3000));
    measure("SHA-256, 80 B, one-shot SHA256()", sha256_80_oneshot, 1000, SAMPLES(100), SAMPLES(3000));
    measure("SHA-256, 1 MiB, one-shot SHA256()", sha256_1mib_oneshot, 1, SAMPLES(50), SAMPLES(3000));
    free(bytes1mib);
    return 0;
}
