/*
 * The physical ceiling of this CPU for the kernels' work: the core clock, multiply-adds per cycle of the
 * instructions a matrix product can be built from, and memory read bandwidth. Each instruction runs in
 * independent chains, enough to cover its latency, so the loop measures throughput. Built and run by
 * benchmarks/ceiling/run.sh; see docs/benchmarks.md.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* One-cycle dependent adds: iterations per second is the clock. */
static double clock_hz(void) {
    const long n = 400000000;
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        uint64_t x = 0;
        double t0 = now();
        for (long i = 0; i < n; i += 8) {
            __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                             "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
        }
        double hz = n / (now() - t0);
        if (hz > best) best = hz;
    }
    return best;
}

#define ITERS 20000000L
#define ALL(S) S(a0) S(a1) S(a2) S(a3) S(a4) S(a5) S(a6) S(a7) S(a8) S(a9) S(a10) S(a11)

/*
 * Twelve independent chains of one operation per iteration; returns operations per second. Each operation
 * reads its chain's previous result, so none can be hoisted or shared between chains; the empty asm keeps the
 * operand opaque to the compiler and the accumulators live.
 */
#define THROUGHPUT(name, type, init, STEP)                                                       \
    static double name(void) {                                                                   \
        type b = init;                                                                           \
        type a0 = b, a1 = b, a2 = b, a3 = b, a4 = b, a5 = b, a6 = b, a7 = b, a8 = b, a9 = b, a10 = b, a11 = b; \
        ALL(OPAQUE)                                                                              \
        double t0 = now();                                                                       \
        for (long i = 0; i < ITERS; i++) {                                                       \
            ALL(STEP)                                                                            \
            __asm__ volatile("" : "+v"(b));                                                      \
        }                                                                                        \
        double dt = now() - t0;                                                                  \
        __asm__ volatile("" ::"v"(a0), "v"(a1), "v"(a2), "v"(a3), "v"(a4), "v"(a5), "v"(a6), "v"(a7), \
                         "v"(a8), "v"(a9), "v"(a10), "v"(a11));                                  \
        return 12.0 * ITERS / dt;                                                                \
    }

#define OPAQUE(x) __asm__ volatile("" : "+v"(x));
#define FMA512(x) x = _mm512_fmadd_ps(x, b, b);
#define FMA256(x) x = _mm256_fmadd_ps(x, b, b);
#define MULLW_ADDW512(x) x = _mm512_add_epi16(_mm512_mullo_epi16(x, b), b);
#define MULLW_ADDW256(x) x = _mm256_add_epi16(_mm256_mullo_epi16(x, b), b);
#define MADDWD512(x) x = _mm512_add_epi32(_mm512_madd_epi16(x, b), b);
#define MADDWD256(x) x = _mm256_add_epi32(_mm256_madd_epi16(x, b), b);
#define DPWSSD512(x) x = _mm512_dpwssd_epi32(x, b, b);
#define DPBUSD512(x) x = _mm512_dpbusd_epi32(x, b, b);

THROUGHPUT(fma256, __m256, _mm256_set1_ps(1.0f), FMA256)
THROUGHPUT(mullw256, __m256i, _mm256_set1_epi16(1), MULLW_ADDW256)
THROUGHPUT(maddwd256, __m256i, _mm256_set1_epi16(1), MADDWD256)
#ifdef __AVX512BW__
THROUGHPUT(fma512, __m512, _mm512_set1_ps(1.0f), FMA512)
THROUGHPUT(mullw512, __m512i, _mm512_set1_epi16(1), MULLW_ADDW512)
THROUGHPUT(maddwd512, __m512i, _mm512_set1_epi16(1), MADDWD512)
#endif
#ifdef __AVX512VNNI__
THROUGHPUT(dpwssd512, __m512i, _mm512_set1_epi16(1), DPWSSD512)
THROUGHPUT(dpbusd512, __m512i, _mm512_set1_epi8(1), DPBUSD512)
#endif

#ifdef __AVX512BW__
/*
 * The instruction mix of one chunk of our eight-token Q4_0 kernel (InterleavedQ4_0Kernel.dot8), written in C: 32
 * bytes of 16 rows' nibbles widened to 16-bit lanes and split into low and high nibbles, then for each of 8 tokens
 * two activation pairs broadcast from memory, multiplied and added into the token's 16-bit accumulator. 512
 * multiply-adds per chunk, weights and activations in the first-level cache, the block's scaling left out: what
 * this design of kernel can do on this core at most. Returns chunks per second.
 */
static uint8_t chunk_weights[4096] __attribute__((aligned(64)));
static int32_t chunk_pairs[2048] __attribute__((aligned(64)));

static double q4_0_chunk512(void) {
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    const __m512i m15 = _mm512_set1_epi16(15);
    const long rounds = ITERS / 128;
    double t0 = now();
    for (long r = 0; r < rounds; r++) {
        const uint8_t *w = chunk_weights;
        const int32_t *x = chunk_pairs;
        for (int c = 0; c < 128; c++, w += 32, x += 16) {
            __m512i q = _mm512_cvtepi8_epi16(_mm256_load_si256((const __m256i *) w));
            __m512i lo = _mm512_and_si512(q, m15), hi = _mm512_and_si512(_mm512_srai_epi16(q, 4), m15);
#define TOKEN(k) s##k = _mm512_add_epi16(s##k, _mm512_mullo_epi16(lo, _mm512_set1_epi32(x[k]))); \
                 s##k = _mm512_add_epi16(s##k, _mm512_mullo_epi16(hi, _mm512_set1_epi32(x[k + 8])));
            TOKEN(0) TOKEN(1) TOKEN(2) TOKEN(3) TOKEN(4) TOKEN(5) TOKEN(6) TOKEN(7)
#undef TOKEN
            __asm__ volatile("" ::"r"(x));
        }
    }
    double dt = now() - t0;
    __asm__ volatile("" ::"v"(s0), "v"(s1), "v"(s2), "v"(s3), "v"(s4), "v"(s5), "v"(s6), "v"(s7));
    return 128.0 * rounds / dt;
}
#endif

static double best(double (*f)(void)) {
    double m = 0;
    for (int r = 0; r < 3; r++) {
        double v = f();
        if (v > m) m = v;
    }
    return m;
}

struct reader { const __m256i *p; size_t n; __m256i sum; };

static void *read_all(void *arg) {
    struct reader *r = arg;
    __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < r->n; i += 4) {
        s0 = _mm256_add_epi64(s0, _mm256_load_si256(r->p + i));
        s1 = _mm256_add_epi64(s1, _mm256_load_si256(r->p + i + 1));
        s2 = _mm256_add_epi64(s2, _mm256_load_si256(r->p + i + 2));
        s3 = _mm256_add_epi64(s3, _mm256_load_si256(r->p + i + 3));
    }
    r->sum = _mm256_add_epi64(_mm256_add_epi64(s0, s1), _mm256_add_epi64(s2, s3));
    return NULL;
}

/* Bytes per second read by `threads` threads, each from its own part of a 2 GiB buffer. */
static double bandwidth(char *buf, size_t bytes, int threads) {
    pthread_t t[64];
    struct reader r[64];
    double bestbw = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (int i = 0; i < threads; i++) {
            r[i].p = (const __m256i *) (buf + bytes / threads * i);
            r[i].n = bytes / threads / 32;
            pthread_create(&t[i], NULL, read_all, &r[i]);
        }
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        double bw = bytes / (now() - t0);
        if (bw > bestbw) bestbw = bw;
    }
    return bestbw;
}

#ifdef __AVX512BW__
static void *fma512_thread(void *arg) {
    *(double *) arg = fma512();
    return NULL;
}

/*
 * The 512-bit FMA loop on every core at once, summed: the multi-core f32 peak, which is what a parallel kernel
 * is measured against (a core's clock may drop when the others run vector code too). Best of three.
 */
static double fma512_all(int threads) {
    pthread_t t[64];
    double r[64], bestsum = 0;
    for (int rep = 0; rep < 3; rep++) {
        for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fma512_thread, &r[i]);
        double sum = 0;
        for (int i = 0; i < threads; i++) {
            pthread_join(t[i], NULL);
            sum += r[i];
        }
        if (sum > bestsum) bestsum = sum;
    }
    return bestsum;
}
#endif

int main(void) {
    double hz = clock_hz();
    printf("core clock: %.2f GHz (one-cycle dependent adds)\n", hz / 1e9);
    struct { const char *name; double (*f)(void); int macs; } ops[] = {
#ifdef __AVX512BW__
        {"f32 FMA, 512-bit (vfmadd231ps zmm)", fma512, 16},
        {"16-bit multiply, add (vpmullw + vpaddw zmm: our integer kernels)", mullw512, 32},
        {"16-bit multiply-add pairs (vpmaddwd + vpaddd zmm)", maddwd512, 32},
        {"one chunk of our Q4_0 eight-token kernel (16 rows x 4 columns x 8 tokens)", q4_0_chunk512, 512},
#endif
#ifdef __AVX512VNNI__
        {"16-bit dot product (vpdpwssd zmm, AVX-512 VNNI)", dpwssd512, 32},
        {"8-bit dot product (vpdpbusd zmm, AVX-512 VNNI: llama.cpp's Q4_0 x Q8_0)", dpbusd512, 64},
#endif
        {"f32 FMA, 256-bit (vfmadd231ps ymm)", fma256, 8},
        {"16-bit multiply, add (vpmullw + vpaddw ymm: our 256-bit kernels)", mullw256, 16},
        {"16-bit multiply-add pairs (vpmaddwd + vpaddd ymm)", maddwd256, 16},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        double ips = best(ops[i].f);
        printf("%-76s %5.2f per cycle %6.1f multiply-adds/cycle %6.1f G/s per core\n", ops[i].name, ips / hz,
               ips / hz * ops[i].macs, ips * ops[i].macs / 1e9);
    }
#ifdef __AVX512BW__
    double all = fma512_all(2);
    printf("f32 FMA, 512-bit, 2 threads at once: %.1f G multiply-adds/s = %.0f GFLOP/s\n", all * 16 / 1e9, all * 32 / 1e9);
#endif
    size_t bytes = (size_t) 2 << 30;
    char *buf = aligned_alloc(64, bytes);
    memset(buf, 1, bytes);
    for (int threads = 1; threads <= 2; threads++) {
        printf("memory read, %d thread%s: %.1f GB/s\n", threads, threads > 1 ? "s" : "", bandwidth(buf, bytes, threads) / 1e9);
    }
    free(buf);
    return 0;
}
