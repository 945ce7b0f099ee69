#ifndef RATIFY_COPENSSL_SHIM_H
#define RATIFY_COPENSSL_SHIM_H
// SHA256_Transform (the raw compression function the PoW core needs for midstates) is
// deprecated in OpenSSL 3 but present, and uses the CPU's SHA extensions.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <openssl/crypto.h>
// PKCS5_PBKDF2_HMAC and EVP_sha512, for BIP-39 recovery phrases (RatifyCore/Crypto/Mnemonic).
#include <openssl/evp.h>
#endif
