/*
 * Search for SM2 signatures whose r or s is below 2^256 - n, so that r + n or
 * s + n still fits in 32 bytes (out-of-range encodings a verifier must reject).
 *
 * With nonce k fixed, r = (e + x1) mod n, and s = u(k + r) - r with
 * u = (1+d)^-1.  Choosing the private key d = (m+1)^-1 - 1 for a small m makes
 * u - 1 = m, so s = (m e + c) mod n with c = (m+1)k + m x1: both r and s are a
 * cheap function of e = SM3(Z_A || M), which varies with the message M.  The
 * search hashes messages M = prefix(8) || counter(8): one SM3 block each.
 * Candidates are printed; gen_sm2.py re-derives and checks them exactly.
 *
 * usage: small_rs ZA_HEX X1_HEX C_HEX PREFIX_HEX START COUNT [M]   (M = 1 or 2)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static const uint64_t N[4] = {  /* most significant limb first */
    0xFFFFFFFEFFFFFFFFULL, 0xFFFFFFFFFFFFFFFFULL, 0x7203DF6B21C6052BULL, 0x53BBF40939D54123ULL};
/* W = 2^256 - n: the exclusive bound below which r + n (or s + n) fits in 32 bytes. */
static const uint64_t W[4] = {
    0x0000000100000000ULL, 0x0000000000000000ULL, 0x8DFC2094DE39FAD4ULL, 0xAC440BF6C62ABEDDULL};

#define ROTL(x, n) (((x) << ((n) & 31)) | ((x) >> ((32 - ((n) & 31)) & 31)))
#define P0(x) ((x) ^ ROTL((x), 9) ^ ROTL((x), 17))
#define P1(x) ((x) ^ ROTL((x), 15) ^ ROTL((x), 23))

static void sm3_block(uint32_t v[8], const uint8_t block[64]) {
    uint32_t w[68], w1[64];
    for (int j = 0; j < 16; j++)
        w[j] = (uint32_t)block[4 * j] << 24 | (uint32_t)block[4 * j + 1] << 16 |
               (uint32_t)block[4 * j + 2] << 8 | block[4 * j + 3];
    for (int j = 16; j < 68; j++)
        w[j] = P1(w[j - 16] ^ w[j - 9] ^ ROTL(w[j - 3], 15)) ^ ROTL(w[j - 13], 7) ^ w[j - 6];
    for (int j = 0; j < 64; j++) w1[j] = w[j] ^ w[j + 4];
    uint32_t a = v[0], b = v[1], c = v[2], d = v[3], e = v[4], f = v[5], g = v[6], h = v[7];
    for (int j = 0; j < 64; j++) {
        uint32_t t = j < 16 ? 0x79CC4519u : 0x7A879D8Au;
        uint32_t ss1 = ROTL(ROTL(a, 12) + e + ROTL(t, j % 32), 7);
        uint32_t ss2 = ss1 ^ ROTL(a, 12);
        uint32_t ff = j < 16 ? (a ^ b ^ c) : ((a & b) | (a & c) | (b & c));
        uint32_t gg = j < 16 ? (e ^ f ^ g) : ((e & f) | (~e & g));
        uint32_t tt1 = ff + d + ss2 + w1[j];
        uint32_t tt2 = gg + h + ss1 + w[j];
        d = c; c = ROTL(b, 9); b = a; a = tt1;
        h = g; g = ROTL(f, 19); f = e; e = P0(tt2);
    }
    v[0] ^= a; v[1] ^= b; v[2] ^= c; v[3] ^= d; v[4] ^= e; v[5] ^= f; v[6] ^= g; v[7] ^= h;
}

static int geq(const uint64_t a[4], const uint64_t b[4]) {
    for (int i = 0; i < 4; i++)
        if (a[i] != b[i]) return a[i] > b[i];
    return 1;
}

/* out = (e + k) mod n for e < 2^256, k < n. */
static void add_mod_n(uint64_t out[4], const uint64_t e[4], const uint64_t k[4]) {
    u128 carry = 0;
    for (int i = 3; i >= 0; i--) {
        u128 s = (u128)e[i] + k[i] + carry;
        out[i] = (uint64_t)s;
        carry = s >> 64;
    }
    /* At most 2^257 - 2: subtract n at most twice (carry means >= 2^256 > n). */
    for (int round = 0; round < 2 && (carry || geq(out, N)); round++) {
        u128 borrow = 0;
        for (int i = 3; i >= 0; i--) {
            u128 d = (u128)out[i] - N[i] - borrow;
            out[i] = (uint64_t)d;
            borrow = (d >> 64) & 1;
        }
        carry -= borrow;
    }
}

static void parse256(uint64_t out[4], const char *hex) {
    char part[17] = {0};
    for (int i = 0; i < 4; i++) {
        memcpy(part, hex + 16 * i, 16);
        out[i] = strtoull(part, NULL, 16);
    }
}

int main(int argc, char **argv) {
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: %s ZA_HEX X1_HEX C_HEX PREFIX_HEX START COUNT [M]\n", argv[0]);
        return 2;
    }
    uint8_t block[64] = {0};
    for (int i = 0; i < 32; i++) sscanf(argv[1] + 2 * i, "%2hhx", &block[i]);
    for (int i = 0; i < 8; i++) sscanf(argv[4] + 2 * i, "%2hhx", &block[32 + i]);
    block[48] = 0x80;                       /* Z_A (32) || prefix (8) || counter (8) */
    block[62] = 0x01; block[63] = 0x80;     /* message length 48 bytes = 384 bits */
    uint64_t x1[4], c[4];
    parse256(x1, argv[2]);
    parse256(c, argv[3]);
    uint64_t start = strtoull(argv[5], NULL, 10), count = strtoull(argv[6], NULL, 10);
    int doubled = argc == 8 && strcmp(argv[7], "2") == 0;
    static const uint64_t ZERO[4] = {0, 0, 0, 0};
    static const uint32_t IV[8] = {0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600,
                                   0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E};
    for (uint64_t counter = start; counter < start + count; counter++) {
        for (int i = 0; i < 8; i++) block[40 + i] = (uint8_t)(counter >> (56 - 8 * i));
        uint32_t v[8];
        memcpy(v, IV, sizeof v);
        sm3_block(v, block);
        uint64_t e[4] = {(uint64_t)v[0] << 32 | v[1], (uint64_t)v[2] << 32 | v[3],
                         (uint64_t)v[4] << 32 | v[5], (uint64_t)v[6] << 32 | v[7]};
        uint64_t r[4], s[4];
        add_mod_n(r, e, x1);
        if (doubled) {
            uint64_t reduced[4], twice[4];
            add_mod_n(reduced, e, ZERO);        /* e mod n */
            add_mod_n(twice, reduced, reduced); /* 2e mod n */
            add_mod_n(s, twice, c);
        } else {
            add_mod_n(s, e, c);
        }
        if (!geq(r, W)) printf("r %llu\n", (unsigned long long)counter), fflush(stdout);
        if (!geq(s, W)) printf("s %llu\n", (unsigned long long)counter), fflush(stdout);
        if (counter == start && getenv("SMALL_RS_SELFTEST")) {
            for (int i = 0; i < 8; i++) printf("%08x", v[i]);
            printf("\n");
            return 0;
        }
    }
    return 0;
}
