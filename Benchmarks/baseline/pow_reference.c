// The plain C reference loop for `ratify pow bench` (docs/PERFORMANCE.md, "Proof of work"):
// the same work per nonce as RatifyPoW's NonceScanner — copy the midstate, store the nonce,
// SHA256_Transform on block 2, byte-swap the digest into block 3, reset to SHA-256's initial
// state, SHA256_Transform on block 3, compare with the target — on N pthreads over disjoint
// nonce ranges, each checking a stop flag every 4096 nonces. Built and run by
// Tools/bench-pow.sh with gcc -O2.
//
// With CORE = sha-ni-x2 the loop calls RatifyPoW's other core instead, the same C function
// Swift calls (Sources/CSHA256D, compiled in), two nonces per call: the reference for the
// Swift loop around that core.
//
//   pow_reference THREADS SECONDS [openssl|sha-ni-x2]
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csha256d.h"

enum { BATCH = 4096, THREADS_MAX = 256 };

static const uint32_t initial_state[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

// Bitcoin block 100000, the header `ratify pow bench` hashes.
static const char header_hex[] =
    "0100000050120119172a610421a6c3011dd330d9df07b63616c2cc1f1cd00200000000006657a9252aacd5c0b2"
    "940996ecff952228c3067cc38d4885efb5a4ac4247e9f337221b4d4c86041b0f2b5710";

static uint8_t header[80];
static atomic_bool stop;
static bool use_pairs;
// The target's top 32 bits. Zero, as in the Swift bench (nothing meets it); a global so the
// compiler cannot fold the comparison away.
uint32_t target_top = 0;

struct worker {
    pthread_t thread;
    uint32_t first_nonce;
    uint64_t hashes;
    uint32_t found;  // nonces meeting the target (none: the target is zero)
};

static void decode_header(void) {
    for (int i = 0; i < 80; i++) {
        unsigned value;
        sscanf(header_hex + 2 * i, "%2x", &value);
        header[i] = (uint8_t)value;
    }
}

static void *work(void *argument) {
    struct worker *worker = argument;
    SHA256_CTX context;
    uint32_t midstate[8];
    _Alignas(16) uint8_t second[64] = {0};
    _Alignas(16) uint8_t third[64] = {0};

    SHA256_Init(&context);
    SHA256_Transform(&context, header);
    memcpy(midstate, context.h, sizeof midstate);
    memcpy(second, header + 64, 16);
    second[16] = 0x80;
    second[62] = 0x02;  // 640 bits, big-endian
    second[63] = 0x80;
    third[32] = 0x80;
    third[62] = 0x01;  // 256 bits, big-endian
    third[63] = 0x00;

    uint32_t nonce = worker->first_nonce;
    uint64_t hashes = 0;
    if (use_pairs) {
        uint32_t words[16], out0[8], out1[8];
        for (int w = 0; w < 16; w++) {
            uint32_t value;
            memcpy(&value, second + 4 * w, 4);
            words[w] = __builtin_bswap32(value);
        }
        while (!atomic_load_explicit(&stop, memory_order_acquire)) {
            for (int i = 0; i < BATCH; i += 2, nonce += 2) {
                ratify_sha256d_ni_x2(midstate, words, nonce, nonce + 1, out0, out1);
                if (__builtin_bswap32(out0[7]) <= target_top) worker->found++;
                if (__builtin_bswap32(out1[7]) <= target_top) worker->found++;
            }
            hashes += BATCH;
        }
        worker->hashes = hashes;
        return NULL;
    }
    while (!atomic_load_explicit(&stop, memory_order_acquire)) {
        for (int i = 0; i < BATCH; i++, nonce++) {
            memcpy(second + 12, &nonce, 4);  // little-endian host
            memcpy(context.h, midstate, sizeof midstate);
            SHA256_Transform(&context, second);
            uint32_t *digest = (uint32_t *)third;
            for (int w = 0; w < 8; w++) digest[w] = __builtin_bswap32(context.h[w]);
            memcpy(context.h, initial_state, sizeof initial_state);
            SHA256_Transform(&context, third);
            uint32_t top = __builtin_bswap32(context.h[7]);
            if (top <= target_top) worker->found++;  // Swift then compares all 256 bits
        }
        hashes += BATCH;
    }
    worker->hashes = hashes;
    return NULL;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: pow_reference THREADS SECONDS [openssl|sha-ni-x2]\n");
        return 2;
    }
    if (argc == 4) {
        if (strcmp(argv[3], "sha-ni-x2") == 0) {
            if (!ratify_sha256d_ni_available()) {
                fprintf(stderr, "pow_reference: this CPU has no SHA extensions\n");
                return 2;
            }
            use_pairs = true;
        } else if (strcmp(argv[3], "openssl") != 0) {
            fprintf(stderr, "pow_reference: CORE is openssl or sha-ni-x2\n");
            return 2;
        }
    }
    int threads = atoi(argv[1]);
    double seconds = atof(argv[2]);
    if (threads < 1 || threads > THREADS_MAX || seconds <= 0) {
        fprintf(stderr, "pow_reference: THREADS must be 1...%d and SECONDS positive\n", THREADS_MAX);
        return 2;
    }
    decode_header();

    // Check the loop against the real header once: block 100000's own nonce must give its hash.
    {
        uint8_t once[32], twice[32];
        SHA256(header, 80, once);
        SHA256(once, 32, twice);
        if (twice[31] != 0 || twice[30] != 0 || twice[29] != 0) {
            fprintf(stderr, "pow_reference: block 100000 does not hash as expected\n");
            return 1;
        }
    }

    static struct worker workers[THREADS_MAX];
    double started = now_seconds();
    for (int i = 0; i < threads; i++) {
        workers[i].first_nonce = (uint32_t)((UINT64_C(1) << 32) / threads * i);
        pthread_create(&workers[i].thread, NULL, work, &workers[i]);
    }
    struct timespec pause = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&pause, NULL);
    atomic_store_explicit(&stop, true, memory_order_release);
    uint64_t total = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(workers[i].thread, NULL);
        total += workers[i].hashes;
    }
    double elapsed = now_seconds() - started;
    printf("core         %s\n", use_pairs ? "sha-ni-x2" : "openssl");
    printf("threads      %d\n", threads);
    printf("seconds      %.2f\n", elapsed);
    for (int i = 0; i < threads; i++) printf("thread %-4d  %.2f MH/s\n", i, workers[i].hashes / elapsed / 1e6);
    printf("per-thread   %.2f MH/s (mean)\n", total / elapsed / threads / 1e6);
    printf("total        %.2f MH/s\n", total / elapsed / 1e6);
    return 0;
}
