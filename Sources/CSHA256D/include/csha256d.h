#ifndef RATIFY_CSHA256D_H
#define RATIFY_CSHA256D_H
// sha256d of an 80-byte header for two nonces at once with the x86 SHA extensions (SHA-NI),
// for RatifyPoW's hashing core (docs/POW.md, "The hashing core"). The two nonces' rounds are
// independent, so the CPU overlaps them: one SHA-NI round instruction has to wait for the
// previous one's result, and a second chain of rounds fills those waits.
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU has the SHA extensions and SSSE3/SSE4.1 (so the function below may run), else 0.
int ratify_sha256d_ni_available(void);

/// For nonces `nonce0` and `nonce1`: compresses block 2 (`block2`: its 16 message words,
/// big-endian-read, word 3 replaced by each nonce) from `midstate` (SHA-256 state words after
/// block 1, as in `SHA256_CTX.h`), then the padded 32-byte digest from SHA-256's initial state.
/// Writes each final state (the hash is these words big-endian) to `out0` and `out1`.
void ratify_sha256d_ni_x2(const uint32_t midstate[8], const uint32_t block2[16], uint32_t nonce0,
                          uint32_t nonce1, uint32_t out0[8], uint32_t out1[8]);

#ifdef __cplusplus
}
#endif
#endif
