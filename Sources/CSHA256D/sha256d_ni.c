// SHA-256 compression with the x86 SHA extensions, two independent messages interleaved, for
// the proof-of-work hashing core. See include/csha256d.h. The message schedule and round
// structure are the standard SHA-NI formulation (Intel, "Intel SHA Extensions", 2013): the state
// is held as ABEF/CDGH, `sha256rnds2` does two rounds, `sha256msg1`/`sha256msg2` extend the
// schedule four words at a time.
#include "csha256d.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int ratify_sha256d_ni_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

#define TARGET __attribute__((target("sha,ssse3,sse4.1"), always_inline)) static inline

static const uint32_t K[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

// State words h0..h7 (lane 0 = h0) <-> the ABEF/CDGH pair the round instruction works on.
TARGET void to_abef(__m128i h0123, __m128i h4567, __m128i *abef, __m128i *cdgh) {
    __m128i badc = _mm_shuffle_epi32(h0123, 0xB1);  // lanes: B A D C  -> as dwords CDAB
    __m128i efgh = _mm_shuffle_epi32(h4567, 0x1B);
    *abef = _mm_alignr_epi8(badc, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, badc, 0xF0);
}

TARGET void from_abef(__m128i abef, __m128i cdgh, __m128i *h0123, __m128i *h4567) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    *h0123 = _mm_blend_epi16(feba, dchg, 0xF0);
    *h4567 = _mm_alignr_epi8(dchg, feba, 8);
}

// Four rounds on each of the two states, with schedule words w (lanes = W[t..t+3]).
#define ROUNDS4(g, wa, wb)                                                        \
    do {                                                                          \
        __m128i k = _mm_load_si128((const __m128i *)(K + 4 * (g)));              \
        __m128i ma = _mm_add_epi32((wa), k), mb = _mm_add_epi32((wb), k);         \
        cdghA = _mm_sha256rnds2_epu32(cdghA, abefA, ma);                          \
        cdghB = _mm_sha256rnds2_epu32(cdghB, abefB, mb);                          \
        ma = _mm_shuffle_epi32(ma, 0x0E);                                         \
        mb = _mm_shuffle_epi32(mb, 0x0E);                                         \
        abefA = _mm_sha256rnds2_epu32(abefA, cdghA, ma);                          \
        abefB = _mm_sha256rnds2_epu32(abefB, cdghB, mb);                          \
    } while (0)

// W[t..t+3] from the previous sixteen words, held as four vectors w0 (oldest) .. w3.
#define SCHEDULE(w0, w1, w2, w3) \
    _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)), _mm_alignr_epi8((w3), (w2), 4)), (w3))

// One compression of each state with message words a0..a3 / b0..b3 (lanes = W[0..15]).
TARGET void compress_x2(__m128i *stateA, __m128i *stateB, __m128i a0, __m128i a1, __m128i a2, __m128i a3,
                        __m128i b0, __m128i b1, __m128i b2, __m128i b3) {
    __m128i abefA, cdghA, abefB, cdghB;
    to_abef(stateA[0], stateA[1], &abefA, &cdghA);
    to_abef(stateB[0], stateB[1], &abefB, &cdghB);
    const __m128i abefA0 = abefA, cdghA0 = cdghA, abefB0 = abefB, cdghB0 = cdghB;

    ROUNDS4(0, a0, b0);
    ROUNDS4(1, a1, b1);
    ROUNDS4(2, a2, b2);
    ROUNDS4(3, a3, b3);
    for (int g = 4; g < 16; g += 4) {
        a0 = SCHEDULE(a0, a1, a2, a3); b0 = SCHEDULE(b0, b1, b2, b3); ROUNDS4(g, a0, b0);
        a1 = SCHEDULE(a1, a2, a3, a0); b1 = SCHEDULE(b1, b2, b3, b0); ROUNDS4(g + 1, a1, b1);
        a2 = SCHEDULE(a2, a3, a0, a1); b2 = SCHEDULE(b2, b3, b0, b1); ROUNDS4(g + 2, a2, b2);
        a3 = SCHEDULE(a3, a0, a1, a2); b3 = SCHEDULE(b3, b0, b1, b2); ROUNDS4(g + 3, a3, b3);
    }

    abefA = _mm_add_epi32(abefA, abefA0); cdghA = _mm_add_epi32(cdghA, cdghA0);
    abefB = _mm_add_epi32(abefB, abefB0); cdghB = _mm_add_epi32(cdghB, cdghB0);
    from_abef(abefA, cdghA, &stateA[0], &stateA[1]);
    from_abef(abefB, cdghB, &stateB[0], &stateB[1]);
}

__attribute__((target("sha,ssse3,sse4.1")))
void ratify_sha256d_ni_x2(const uint32_t midstate[8], const uint32_t block2[16], uint32_t nonce0,
                          uint32_t nonce1, uint32_t out0[8], uint32_t out1[8]) {
    const __m128i *words = (const __m128i *)block2;
    __m128i w0 = _mm_loadu_si128(words), w1 = _mm_loadu_si128(words + 1);
    __m128i w2 = _mm_loadu_si128(words + 2), w3 = _mm_loadu_si128(words + 3);
    // The nonce's little-endian bytes, read big-endian as message word 3.
    __m128i a0 = _mm_insert_epi32(w0, (int)__builtin_bswap32(nonce0), 3);
    __m128i b0 = _mm_insert_epi32(w0, (int)__builtin_bswap32(nonce1), 3);

    __m128i mid[2] = {_mm_loadu_si128((const __m128i *)midstate), _mm_loadu_si128((const __m128i *)midstate + 1)};
    __m128i stateA[2] = {mid[0], mid[1]}, stateB[2] = {mid[0], mid[1]};
    compress_x2(stateA, stateB, a0, w1, w2, w3, b0, w1, w2, w3);

    // Block 3: the digest is the state words (read big-endian they are themselves), then
    // 0x80 and the 256-bit length.
    const __m128i pad0 = _mm_set_epi32(0, 0, 0, (int)0x80000000u), pad1 = _mm_set_epi32(256, 0, 0, 0);
    __m128i iv[2] = {_mm_loadu_si128((const __m128i *)IV), _mm_loadu_si128((const __m128i *)IV + 1)};
    __m128i finalA[2] = {iv[0], iv[1]}, finalB[2] = {iv[0], iv[1]};
    compress_x2(finalA, finalB, stateA[0], stateA[1], pad0, pad1, stateB[0], stateB[1], pad0, pad1);

    _mm_storeu_si128((__m128i *)out0, finalA[0]);
    _mm_storeu_si128((__m128i *)out0 + 1, finalA[1]);
    _mm_storeu_si128((__m128i *)out1, finalB[0]);
    _mm_storeu_si128((__m128i *)out1 + 1, finalB[1]);
}

#else
int ratify_sha256d_ni_available(void) { return 0; }
void ratify_sha256d_ni_x2(const uint32_t midstate[8], const uint32_t block2[16], uint32_t nonce0,
                          uint32_t nonce1, uint32_t out0[8], uint32_t out1[8]) {
    (void)midstate; (void)block2; (void)nonce0; (void)nonce1; (void)out0; (void)out1;
}
#endif
