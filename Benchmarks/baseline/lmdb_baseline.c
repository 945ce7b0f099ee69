/*
 * lmdb_baseline.c: the C floor under RatifyStore's durable writes.
 *
 * liblmdb called directly, opened the way RatifyStore opens it (MDB_NOTLS, default sync flags:
 * mdb_txn_commit returns after the data pages are fdatasync'ed and the meta page is written
 * through an O_DSYNC descriptor), on a directory of a real file system. Each sample is one
 * write transaction from mdb_txn_begin to mdb_txn_commit, timed with CLOCK_MONOTONIC; a
 * warm-up first, then p50 and p99 (nearest rank) over the samples: 1,000 for 128 B and 4 KiB
 * values, 500 for 160 KiB values, 300 for block transactions (as the Swift suite).
 *
 * Operations:
 *   - one value of 128 B, 4 KiB, or 160,486 B (a 1,000-transaction block, the size of the
 *     codec benchmark's block) under a new 8-byte key;
 *   - the same 4 KiB commit with MDB_NOMETASYNC (the meta page is not synced: one sync per
 *     commit) and with MDB_NOSYNC (no sync at all), to take a commit apart;
 *   - the file system floor: pwrite of 4 KiB then fdatasync, on a plain file beside data.mdb;
 *   - a Ratify-shaped block: every put RatifyStore's BlockStore.commit makes for a block of
 *     1,000 transfers (block, commit, two hash indexes, app hash, ~1,900 account writes among
 *     10,000 accounts, 1,000 transaction index entries, a validator set, the latest height),
 *     with the same key and value sizes as Benchmarks/Benchmarks/RatifyStorage. The bytes are
 *     pseudo-random, not Ratify's encodings: this is the LMDB cost of that transaction alone.
 *     Built up in steps (the block and its small records; + the account writes; + the
 *     transaction index) to show what each part costs.
 * Beside each: the bytes handed to write(2)/pwrite(2) per commit (/proc/self/io, wchar) and the
 * p50 of the thread's CPU time per commit (CLOCK_THREAD_CPUTIME_ID: user + system, no waiting).
 *
 * Build and run: Tools/bench-store-baseline.sh [DIR] [SCALE]
 *   (gcc -O2 lmdb_baseline.c $(pkg-config --cflags --libs lmdb))
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

/* Keep equal to Benchmarks/Benchmarks/RatifyStorage/BenchChain.swift and RatifyStorage.swift. */
#define BLOCK_VALUE_BYTES 160486
#define COMMIT_VALUE_BYTES 300
#define TRANSACTIONS_PER_BLOCK 1000
#define ACCOUNT_COUNT 10000
#define ACCOUNT_KEY_BYTES 21   /* table tag + 20-byte address */
#define ACCOUNT_VALUE_BYTES 16 /* balance + nonce */
#define LOCATION_VALUE_BYTES 20 /* height, index, code, empty log */
#define VALIDATOR_SET_BYTES 400

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this thread (user + system): what a commit costs the processor, without the time
 * spent waiting for the disk, so less disturbed by other users of the disk than wall time. */
static uint64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The CPU time of the last commit_one_value or commit_block. */
static uint64_t last_cpu_ns;

static void check(int status, const char *what) {
    if (status != 0) {
        fprintf(stderr, "lmdb_baseline: %s failed: %s\n", what, mdb_strerror(status));
        exit(1);
    }
}

/* SplitMix64: the same generator the Swift fixtures use, for keys and filler bytes. */
static uint64_t rng_state = 0x5eed;
static uint64_t next_random(void) {
    rng_state += 0x9E3779B97F4A7C15ull;
    uint64_t z = rng_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void fill_random(unsigned char *bytes, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (i % 8 == 0) {
            uint64_t word = next_random();
            memcpy(bytes + i, &word, count - i < 8 ? count - i : 8);
        }
    }
}

static void big_endian(uint64_t value, unsigned char out[8]) {
    for (int i = 7; i >= 0; i--) { out[i] = (unsigned char)value; value >>= 8; }
}

/* Bytes this process has handed to write system calls so far (/proc/self/io "wchar"): per
 * commit, that is what LMDB wrote (dirty pages and the meta page). 0 when unavailable. */
static uint64_t written_bytes(void) {
    FILE *io = fopen("/proc/self/io", "r");
    if (io == NULL) return 0;
    char line[128];
    unsigned long long value = 0;
    while (fgets(line, sizeof line, io) != NULL)
        if (sscanf(line, "wchar: %llu", &value) == 1) break;
    fclose(io);
    return value;
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted samples: the smallest value with at least p % at or below. */
static uint64_t percentile(const uint64_t *sorted, size_t count, double p) {
    size_t rank = (size_t)((p / 100.0) * (double)count + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > count) rank = count;
    return sorted[rank - 1];
}

static void report(const char *name, uint64_t *samples, uint64_t *cpu, size_t count, uint64_t bytes_written) {
    qsort(samples, count, sizeof *samples, compare_u64);
    qsort(cpu, count, sizeof *cpu, compare_u64);
    double sum = 0;
    for (size_t i = 0; i < count; i++) sum += (double)samples[i];
    printf("%-48s p50 %9.1f us   p99 %9.1f us   min %9.1f   max %9.1f   mean %9.1f   written %8.1f KiB/op   cpu p50 %8.1f us   (%zu samples)\n",
           name, percentile(samples, count, 50) / 1e3, percentile(samples, count, 99) / 1e3,
           samples[0] / 1e3, samples[count - 1] / 1e3, sum / (double)count / 1e3,
           (double)bytes_written / (double)count / 1024.0, percentile(cpu, count, 50) / 1e3, count);
    fflush(stdout);
}

static MDB_env *env;
static MDB_dbi values_db, blocks_db, commits_db, hashes_db, heights_db, app_hashes_db, state_db,
    transactions_db, validator_sets_db, meta_db;
static uint64_t next_key = 1;
static unsigned char account_keys[ACCOUNT_COUNT][ACCOUNT_KEY_BYTES];

static MDB_dbi open_db(const char *name) {
    MDB_txn *txn;
    MDB_dbi dbi;
    check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
    check(mdb_dbi_open(txn, name, MDB_CREATE, &dbi), "mdb_dbi_open");
    check(mdb_txn_commit(txn), "mdb_txn_commit");
    return dbi;
}

static void put(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t key_size, const void *value, size_t value_size) {
    MDB_val k = {key_size, (void *)key}, v = {value_size, (void *)value};
    check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
}

/* One durable transaction holding one value under a new key. */
static uint64_t commit_one_value(const unsigned char *value, size_t size) {
    unsigned char key[8];
    big_endian(next_key++, key);
    uint64_t cpu_start = cpu_ns(), start = now_ns();
    MDB_txn *txn;
    check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
    put(txn, values_db, key, sizeof key, value, size);
    check(mdb_txn_commit(txn), "mdb_txn_commit");
    uint64_t elapsed = now_ns() - start;
    last_cpu_ns = cpu_ns() - cpu_start;
    return elapsed;
}

static void measure_value(const char *name, size_t size, size_t warmup, size_t samples) {
    unsigned char *value = malloc(size);
    uint64_t *ns = malloc(samples * sizeof *ns), *cpu = malloc(samples * sizeof *cpu);
    if (value == NULL || ns == NULL || cpu == NULL) { fprintf(stderr, "lmdb_baseline: out of memory\n"); exit(1); }
    fill_random(value, size);
    for (size_t i = 0; i < warmup; i++) commit_one_value(value, size);
    uint64_t written = written_bytes();
    for (size_t i = 0; i < samples; i++) {
        ns[i] = commit_one_value(value, size);
        cpu[i] = last_cpu_ns;
    }
    report(name, ns, cpu, samples, written_bytes() - written);
    free(cpu);
    free(ns);
    free(value);
}

/* Sorted, distinct account indexes touched by a block of transfers (sender and recipient). */
static size_t touched_accounts(size_t out[2 * TRANSACTIONS_PER_BLOCK]) {
    static unsigned char seen[ACCOUNT_COUNT];
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < 2 * TRANSACTIONS_PER_BLOCK; i++) seen[next_random() % ACCOUNT_COUNT] = 1;
    size_t count = 0;
    for (size_t a = 0; a < ACCOUNT_COUNT; a++) if (seen[a]) out[count++] = a;
    return count;
}

static int compare_account_key(const void *a, const void *b) {
    return memcmp(account_keys[*(const size_t *)a], account_keys[*(const size_t *)b], ACCOUNT_KEY_BYTES);
}

/* What a block transaction includes beyond the block, its commit, the indexes and the meta
 * records: the ledger's state writes and the transaction index. */
enum block_parts { PARTS_BLOCK_ONLY = 0, PARTS_STATE = 1, PARTS_TRANSACTIONS = 2, PARTS_ALL = 3 };

/* Every put of BlockStore.commit for block `height`, in the order RatifyStore makes them. */
static uint64_t commit_block(uint64_t height, enum block_parts parts, const unsigned char *block,
                             const unsigned char *commit, const unsigned char *validator_set, size_t *state_writes) {
    size_t accounts[2 * TRANSACTIONS_PER_BLOCK];
    size_t touched = touched_accounts(accounts);
    qsort(accounts, touched, sizeof accounts[0], compare_account_key); /* the ledger writes in key order */
    *state_writes = touched + 1;
    unsigned char block_hash[32], app_hash[32], meta_value[16], account_value[ACCOUNT_VALUE_BYTES];
    unsigned char tx_hashes[TRANSACTIONS_PER_BLOCK][32], location[LOCATION_VALUE_BYTES];
    fill_random(block_hash, sizeof block_hash);
    fill_random(app_hash, sizeof app_hash);
    fill_random(meta_value, sizeof meta_value);
    fill_random(account_value, sizeof account_value);
    fill_random(&tx_hashes[0][0], sizeof tx_hashes);
    fill_random(location, sizeof location);
    unsigned char key[8], set_key[8];
    big_endian(height, key);
    big_endian(height + 2, set_key);
    static const unsigned char meta_key[1] = {5};
    static const char latest_key[] = "latest_height";

    uint64_t cpu_start = cpu_ns(), start = now_ns();
    MDB_txn *txn;
    check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
    MDB_val latest_k = {sizeof latest_key - 1, (void *)latest_key}, latest_v, hash_k = {32, block_hash}, found;
    int status = mdb_get(txn, meta_db, &latest_k, &latest_v); /* the height check */
    if (status != MDB_NOTFOUND) check(status, "mdb_get(latest)");
    status = mdb_get(txn, heights_db, &hash_k, &found);       /* the duplicate-hash check */
    if (status != MDB_NOTFOUND) check(status, "mdb_get(hash)");
    put(txn, blocks_db, key, 8, block, BLOCK_VALUE_BYTES);
    put(txn, commits_db, key, 8, commit, COMMIT_VALUE_BYTES);
    put(txn, hashes_db, key, 8, block_hash, 32);
    put(txn, heights_db, block_hash, 32, key, 8);
    put(txn, app_hashes_db, key, 8, app_hash, 32);
    if (parts & PARTS_STATE)
        for (size_t i = 0; i < touched; i++)
            put(txn, state_db, account_keys[accounts[i]], ACCOUNT_KEY_BYTES, account_value, ACCOUNT_VALUE_BYTES);
    put(txn, state_db, meta_key, 1, meta_value, sizeof meta_value);
    put(txn, validator_sets_db, set_key, 8, validator_set, VALIDATOR_SET_BYTES);
    if (parts & PARTS_TRANSACTIONS)
        for (size_t i = 0; i < TRANSACTIONS_PER_BLOCK; i++)
            put(txn, transactions_db, tx_hashes[i], 32, location, LOCATION_VALUE_BYTES);
    put(txn, meta_db, latest_key, sizeof latest_key - 1, key, 8);
    check(mdb_txn_commit(txn), "mdb_txn_commit");
    uint64_t elapsed = now_ns() - start;
    last_cpu_ns = cpu_ns() - cpu_start;
    return elapsed;
}

static uint64_t block_height = 1;

static void measure_blocks(const char *name, enum block_parts parts, size_t warmup, size_t samples) {
    unsigned char *block = malloc(BLOCK_VALUE_BYTES);
    unsigned char commit[COMMIT_VALUE_BYTES], validator_set[VALIDATOR_SET_BYTES];
    uint64_t *ns = malloc(samples * sizeof *ns), *cpu = malloc(samples * sizeof *cpu);
    if (block == NULL || ns == NULL || cpu == NULL) { fprintf(stderr, "lmdb_baseline: out of memory\n"); exit(1); }
    fill_random(block, BLOCK_VALUE_BYTES);
    fill_random(commit, sizeof commit);
    fill_random(validator_set, sizeof validator_set);

    size_t writes = 0;
    for (size_t i = 0; i < warmup; i++) commit_block(block_height++, parts, block, commit, validator_set, &writes);
    uint64_t written = written_bytes();
    uint64_t total_start = now_ns();
    for (size_t i = 0; i < samples; i++) {
        ns[i] = commit_block(block_height++, parts, block, commit, validator_set, &writes);
        cpu[i] = last_cpu_ns;
    }
    double seconds = (double)(now_ns() - total_start) / 1e9;
    uint64_t written_total = written_bytes() - written;
    report(name, ns, cpu, samples, written_total);
    if (parts == PARTS_ALL)
        printf("%-48s %9.1f blocks/s back to back (%zu blocks in %.2f s; %zu state writes in the last)\n",
               "Ratify-shaped block, back to back", (double)samples / seconds, samples, seconds, writes);
    free(cpu);
    free(ns);
    free(block);
}

/* The accounts exist before the first block, as after genesis. */
static void create_accounts(void) {
    for (size_t a = 0; a < ACCOUNT_COUNT; a++) {
        account_keys[a][0] = 1;
        fill_random(account_keys[a] + 1, ACCOUNT_KEY_BYTES - 1);
    }
    MDB_txn *txn;
    unsigned char value[ACCOUNT_VALUE_BYTES] = {0};
    check(mdb_txn_begin(env, NULL, 0, &txn), "mdb_txn_begin");
    for (size_t a = 0; a < ACCOUNT_COUNT; a++) put(txn, state_db, account_keys[a], ACCOUNT_KEY_BYTES, value, sizeof value);
    check(mdb_txn_commit(txn), "mdb_txn_commit");
}

static void measure_fdatasync(const char *directory, size_t warmup, size_t samples) {
    char path[4096];
    snprintf(path, sizeof path, "%s/fdatasync.probe", directory);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    if (fd < 0) { fprintf(stderr, "lmdb_baseline: open %s: %s\n", path, strerror(errno)); exit(1); }
    unsigned char page[4096];
    fill_random(page, sizeof page);
    uint64_t *ns = malloc(samples * sizeof *ns), *cpu = malloc(samples * sizeof *cpu);
    if (ns == NULL || cpu == NULL) { fprintf(stderr, "lmdb_baseline: out of memory\n"); exit(1); }
    for (size_t i = 0; i < warmup + samples; i++) {
        uint64_t cpu_start = cpu_ns(), start = now_ns();
        /* A new page at the end each time, as LMDB appends pages to a growing file. */
        if (pwrite(fd, page, sizeof page, (off_t)(i * sizeof page)) != (ssize_t)sizeof page || fdatasync(fd) != 0) {
            fprintf(stderr, "lmdb_baseline: write %s: %s\n", path, strerror(errno));
            exit(1);
        }
        if (i >= warmup) {
            ns[i - warmup] = now_ns() - start;
            cpu[i - warmup] = cpu_ns() - cpu_start;
        }
    }
    report("File system: pwrite 4 KiB + fdatasync", ns, cpu, samples, (uint64_t)samples * sizeof page);
    close(fd);
    unlink(path);
    free(cpu);
    free(ns);
}

static const char *file_system_name(long type) {
    switch ((unsigned long)type) {
    case 0xEF53: return "ext2/3/4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (NOT durable storage: figures meaningless)";
    case 0x794C7630: return "overlayfs";
    default: return "other";
    }
}

int main(int argc, char **argv) {
    const char *directory = argc > 1 ? argv[1] : "lmdb-baseline-data";
    double scale = argc > 2 ? atof(argv[2]) : 1.0;
    if (scale <= 0) { fprintf(stderr, "usage: lmdb_baseline [DIR] [SCALE > 0]\n"); return 2; }
    /* Block transactions: 10 warm-up and 300 samples, as the Swift suite, so that the
     * transaction index has grown to the same size by the end. */
    size_t samples = (size_t)(1000 * scale), large_samples = (size_t)(500 * scale), block_samples = (size_t)(300 * scale);
    size_t warmup = 20, block_warmup = 10;
    if (samples < 10) samples = 10;
    if (large_samples < 10) large_samples = 10;
    if (block_samples < 10) block_samples = 10;

    if (mkdir(directory, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "lmdb_baseline: mkdir %s: %s\n", directory, strerror(errno));
        return 1;
    }
    struct statfs fs;
    if (statfs(directory, &fs) == 0)
        printf("directory %s: file system %s (f_type 0x%lx)\n", directory, file_system_name((long)fs.f_type), (unsigned long)fs.f_type);

    check(mdb_env_create(&env), "mdb_env_create");
    check(mdb_env_set_maxdbs(env, 16), "mdb_env_set_maxdbs");
    check(mdb_env_set_mapsize(env, (size_t)4 << 30), "mdb_env_set_mapsize");
    check(mdb_env_open(env, directory, MDB_NOTLS, 0600), "mdb_env_open");
    values_db = open_db("values");
    blocks_db = open_db("blocks");
    commits_db = open_db("commits");
    hashes_db = open_db("block_hashes");
    heights_db = open_db("block_heights");
    app_hashes_db = open_db("app_hashes");
    state_db = open_db("state");
    transactions_db = open_db("transactions");
    validator_sets_db = open_db("validator_sets");
    meta_db = open_db("meta");

    printf("liblmdb %s, MDB_NOTLS, default sync flags, %zu samples per small value, %zu per large value, %zu blocks\n",
           MDB_VERSION_STRING, samples, large_samples, block_samples);
    measure_fdatasync(directory, warmup, samples);
    measure_value("Durable commit, 128 B value", 128, warmup, samples);
    measure_value("Durable commit, 4 KiB value", 4096, warmup, samples);
    measure_value("Durable commit, 160,486 B value", BLOCK_VALUE_BYTES, warmup, large_samples);
    check(mdb_env_set_flags(env, MDB_NOMETASYNC, 1), "mdb_env_set_flags");
    measure_value("MDB_NOMETASYNC commit, 4 KiB value", 4096, warmup, samples);
    check(mdb_env_set_flags(env, MDB_NOMETASYNC, 0), "mdb_env_set_flags");
    check(mdb_env_set_flags(env, MDB_NOSYNC, 1), "mdb_env_set_flags");
    measure_value("MDB_NOSYNC commit, 4 KiB value", 4096, warmup, samples);
    check(mdb_env_set_flags(env, MDB_NOSYNC, 0), "mdb_env_set_flags");
    create_accounts();
    /* The same transaction built up, to see what each part costs; the full one last, so that the
     * transaction index it grows is not there for the others. */
    measure_blocks("Block txn: block, commit, indexes, meta", PARTS_BLOCK_ONLY, block_warmup, block_samples);
    measure_blocks("Block txn: + ~1,800 account writes", PARTS_STATE, block_warmup, block_samples);
    measure_blocks("Ratify-shaped block, 1,000 tx (full txn)", PARTS_ALL, block_warmup, block_samples);

    mdb_env_close(env);
    return 0;
}
