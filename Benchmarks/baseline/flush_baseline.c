/*
 * flush_baseline.c: what one durable signature costs on this disk when several validators
 * write theirs at the same moment.
 *
 * A validator makes each signature durable before it leaves the process. Ratify does it with
 * one LMDB write transaction (the double-sign guard's state and the WAL records that ride with
 * it): liblmdb writes the dirty pages, fdatasync's them, then writes the meta page through an
 * O_DSYNC descriptor, so two device flushes. A log of its own would need one: the same bytes
 * appended with one O_DSYNC write to a file whose blocks were written before (so the write
 * changes no file-system metadata). This program measures both, in PROCS processes that each
 * own a directory (as each validator owns its data directory) and start every sample together
 * at a process-shared barrier (as the validators of a height sign their prevotes together),
 * then rest 2 ms:
 *
 *   - lmdb:      one liblmdb write transaction, opened as RatifyStore opens it (MDB_NOTLS,
 *                default sync flags): a 110-byte signer state under a fixed key and a 300-byte
 *                WAL record under a new key; every 16th transaction also deletes the records
 *                written before, as the WAL is trimmed when a height is stored.
 *   - append:    the same 410 bytes appended with one pwrite(2) through an O_DSYNC descriptor.
 *   - fdatasync: the same bytes appended with pwrite(2), then fdatasync(2).
 *
 * Each sample is timed with CLOCK_MONOTONIC from the barrier to the write's return; a warm-up of
 * 50 samples first. Printed per mode: the p50, p90 and p99 (nearest rank) of every process's
 * samples pooled.
 *
 * Build and run: Tools/bench-store-baseline.sh [DIR] [SCALE] (after lmdb_baseline; 4 writers,
 *   1,000 x SCALE samples), or flush_baseline DIR [PROCS] [SAMPLES]
 *   (gcc -O2 flush_baseline.c $(pkg-config --cflags --libs lmdb) -lpthread)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIGNER_STATE_BYTES 110
#define WAL_RECORD_BYTES 300
#define RECORD_BYTES (SIGNER_STATE_BYTES + WAL_RECORD_BYTES)
#define WARMUP_SAMPLES 50
#define TRIM_EVERY 16
#define LOG_FILE_BYTES (64u << 20)
#define REST_MICROS 2000

enum mode { MODE_LMDB, MODE_APPEND, MODE_FDATASYNC };
static const char *mode_names[] = { "lmdb commit (data fdatasync + O_DSYNC meta page)",
                                    "one O_DSYNC append to a pre-written file",
                                    "pwrite + fdatasync to a pre-written file" };

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "flush_baseline: %s: %s\n", what, detail);
    exit(1);
}

static void check_lmdb(int status, const char *what) {
    if (status != 0) fail(what, mdb_strerror(status));
}

/* The file system of DIR, so a tmpfs (no device flush) is not mistaken for a disk. */
static const char *file_system(const char *directory) {
    struct statfs fs;
    if (statfs(directory, &fs) != 0) return "unknown";
    switch ((unsigned long)fs.f_type) {
    case 0xEF53: return "ext2/3/4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (NOT durable storage: figures meaningless)";
    default: return "other";
    }
}

/* A file of LOG_FILE_BYTES whose blocks are all written and flushed, so that later writes inside
 * it allocate nothing and leave the file's size alone: fdatasync then flushes data only. */
static int prewritten_log(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) fail(path, strerror(errno));
    static char zeros[1 << 20];
    for (size_t offset = 0; offset < LOG_FILE_BYTES; offset += sizeof zeros) {
        if (pwrite(fd, zeros, sizeof zeros, (off_t)offset) != (ssize_t)sizeof zeros) fail(path, strerror(errno));
    }
    if (fsync(fd) != 0) fail(path, strerror(errno));
    return fd;
}

struct lmdb_store { MDB_env *env; MDB_dbi dbi; uint64_t next_key; uint64_t trimmed_below; };

static void lmdb_open(struct lmdb_store *store, const char *directory) {
    check_lmdb(mdb_env_create(&store->env), "mdb_env_create");
    check_lmdb(mdb_env_set_mapsize(store->env, (size_t)1 << 30), "mdb_env_set_mapsize");
    check_lmdb(mdb_env_open(store->env, directory, MDB_NOTLS, 0600), "mdb_env_open");
    MDB_txn *txn;
    check_lmdb(mdb_txn_begin(store->env, NULL, 0, &txn), "mdb_txn_begin");
    check_lmdb(mdb_dbi_open(txn, NULL, 0, &store->dbi), "mdb_dbi_open");
    check_lmdb(mdb_txn_commit(txn), "mdb_txn_commit");
    store->next_key = 1;
    store->trimmed_below = 1;
}

/* One signature's transaction: the signer state, one WAL record, sometimes a trim. */
static void lmdb_sign(struct lmdb_store *store, const unsigned char *bytes) {
    MDB_txn *txn;
    check_lmdb(mdb_txn_begin(store->env, NULL, 0, &txn), "mdb_txn_begin");
    uint64_t state_key = 0;
    MDB_val key = { sizeof state_key, &state_key };
    MDB_val value = { SIGNER_STATE_BYTES, (void *)bytes };
    check_lmdb(mdb_put(txn, store->dbi, &key, &value, 0), "mdb_put state");
    uint64_t record_key = __builtin_bswap64(store->next_key++); /* big-endian: appends in key order */
    key = (MDB_val){ sizeof record_key, &record_key };
    value = (MDB_val){ WAL_RECORD_BYTES, (void *)(bytes + SIGNER_STATE_BYTES) };
    check_lmdb(mdb_put(txn, store->dbi, &key, &value, MDB_APPEND), "mdb_put record");
    if (store->next_key % TRIM_EVERY == 0) {
        for (uint64_t old = store->trimmed_below; old + 1 < store->next_key; old++) {
            uint64_t old_key = __builtin_bswap64(old);
            key = (MDB_val){ sizeof old_key, &old_key };
            int status = mdb_del(txn, store->dbi, &key, NULL);
            if (status != 0 && status != MDB_NOTFOUND) check_lmdb(status, "mdb_del");
        }
        store->trimmed_below = store->next_key - 1;
    }
    check_lmdb(mdb_txn_commit(txn), "mdb_txn_commit");
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* One process's run of one mode: samples (after the warm-up) written to `out`. */
static void run_process(enum mode mode, const char *directory, int samples, pthread_barrier_t *barrier, uint64_t *out) {
    unsigned char bytes[RECORD_BYTES];
    for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (unsigned char)(i * 131 + (size_t)getpid());
    struct lmdb_store store;
    int fd = -1, dsync_fd = -1;
    char path[4200];
    if (mode == MODE_LMDB) {
        lmdb_open(&store, directory);
    } else {
        snprintf(path, sizeof path, "%s/signer.log", directory);
        fd = prewritten_log(path);
        dsync_fd = open(path, O_RDWR | O_DSYNC);
        if (dsync_fd < 0) fail(path, strerror(errno));
    }
    off_t offset = 0;
    for (int sample = -WARMUP_SAMPLES; sample < samples; sample++) {
        pthread_barrier_wait(barrier);
        uint64_t start = now_ns();
        switch (mode) {
        case MODE_LMDB:
            lmdb_sign(&store, bytes);
            break;
        case MODE_APPEND:
            if (pwrite(dsync_fd, bytes, sizeof bytes, offset) != (ssize_t)sizeof bytes) fail("pwrite", strerror(errno));
            break;
        case MODE_FDATASYNC:
            if (pwrite(fd, bytes, sizeof bytes, offset) != (ssize_t)sizeof bytes) fail("pwrite", strerror(errno));
            if (fdatasync(fd) != 0) fail("fdatasync", strerror(errno));
            break;
        }
        uint64_t elapsed = now_ns() - start;
        if (sample >= 0) out[sample] = elapsed;
        offset = (offset + (off_t)sizeof bytes) % (off_t)(LOG_FILE_BYTES - sizeof bytes);
        usleep(REST_MICROS);
    }
    if (mode == MODE_LMDB) mdb_env_close(store.env);
    if (fd >= 0) close(fd);
    if (dsync_fd >= 0) close(dsync_fd);
}

static void run_mode(enum mode mode, const char *parent, int processes, int samples) {
    pthread_barrier_t *barrier = mmap(NULL, sizeof *barrier, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    size_t total = (size_t)processes * (size_t)samples;
    uint64_t *all = mmap(NULL, total * sizeof *all, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (barrier == MAP_FAILED || all == MAP_FAILED) fail("mmap", strerror(errno));
    pthread_barrierattr_t attributes;
    pthread_barrierattr_init(&attributes);
    pthread_barrierattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(barrier, &attributes, (unsigned)processes);
    for (int p = 0; p < processes; p++) {
        pid_t child = fork();
        if (child < 0) fail("fork", strerror(errno));
        if (child == 0) {
            char directory[4096];
            snprintf(directory, sizeof directory, "%s/%s-%dof%d", parent, mode == MODE_LMDB ? "lmdb" : "log", p, processes);
            if (mkdir(directory, 0700) != 0 && errno != EEXIST) fail(directory, strerror(errno));
            run_process(mode, directory, samples, barrier, all + (size_t)p * (size_t)samples);
            _exit(0);
        }
    }
    int failed = 0;
    for (int p = 0; p < processes; p++) {
        int status;
        wait(&status);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
    }
    if (failed) fail("a writer process", "failed");
    qsort(all, total, sizeof *all, compare_u64);
    printf("%-52s %d at once: p50 %4.0f us  p90 %4.0f us  p99 %4.0f us\n", mode_names[mode], processes,
           all[total / 2] / 1e3, all[(total * 9) / 10] / 1e3, all[(total * 99) / 100] / 1e3);
    munmap(all, total * sizeof *all);
    munmap(barrier, sizeof *barrier);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: flush_baseline DIR [PROCS] [SAMPLES]\n");
        return 2;
    }
    const char *parent = argv[1];
    int processes = argc > 2 ? atoi(argv[2]) : 4;
    int samples = argc > 3 ? atoi(argv[3]) : 1000;
    if (processes < 1 || processes > 64 || samples < 10) fail("arguments", "PROCS 1-64, SAMPLES at least 10");
    printf("directory: %s (%s); %d samples per process, %d-sample warm-up, %d us rest between samples\n",
           parent, file_system(parent), samples, WARMUP_SAMPLES, REST_MICROS);
    int counts[] = { 1, processes };
    for (int c = 0; c < (processes > 1 ? 2 : 1); c++) {
        for (int mode = MODE_LMDB; mode <= MODE_FDATASYNC; mode++) run_mode((enum mode)mode, parent, counts[c], samples);
    }
    return 0;
}
