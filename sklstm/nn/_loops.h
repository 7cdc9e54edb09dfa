/* What every C loop of sklstm shares (float32, CPU): the BLAS product, the
 * parallel region, the sigmoid, and the per-row dispatch for x86-64 vector
 * extensions.
 *
 * The library is built with the package (setup.py) for a baseline processor
 * and loaded by sklstm/nn/_native.py with ctypes. It links no BLAS and no
 * OpenMP runtime: _native.py hands in PyTorch's own sgemm and its OpenMP
 * runtime's GOMP_parallel and omp_get_thread_num, so a product here is the
 * product torch.mm computes and a parallel region here runs on the thread
 * team PyTorch itself uses (one OpenMP runtime in the process, not two).
 * Without GOMP_parallel (Windows, other runtimes) the loops run serially.
 *
 * Row-major throughout. No allocation: the caller passes every buffer.
 */
#ifndef SKLSTM_LOOPS_H
#define SKLSTM_LOOPS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef _MSC_VER
#define restrict __restrict
#endif

/* Bumped whenever an exported signature changes: _native.py refuses a
 * library built from other sources (a stale build in a checkout). */
#define SKLSTM_LOOPS_ABI 3

/* The per-thread time loops (with the gate arithmetic inlined into them) are
 * compiled for the baseline and for x86-64-v3 (AVX2, FMA) and x86-64-v4
 * (AVX-512), and the loader picks the best the processor has (GCC/Clang
 * function multiversioning, ELF x86-64 only; elsewhere the baseline). */
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__) && !defined(SKLSTM_NO_CLONES)
#define SKLSTM_DISPATCH __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SKLSTM_DISPATCH
#endif

#ifdef _WIN32
#define SKLSTM_EXPORT __declspec(dllexport)
#else
#define SKLSTM_EXPORT __attribute__((visibility("default")))
#endif

typedef void (*sklstm_sgemm_fn)(const char *, const char *, const int *, const int *,
                                const int *, const float *, const float *, const int *,
                                const float *, const int *, const float *, float *,
                                const int *);
typedef void (*sklstm_parallel_fn)(void (*)(void *), void *, unsigned, unsigned);
typedef int (*sklstm_thread_num_fn)(void);

extern sklstm_sgemm_fn sklstm_sgemm;
extern sklstm_parallel_fn sklstm_gomp_parallel;
extern sklstm_thread_num_fn sklstm_thread_num, sklstm_num_threads;

/* C (m x n, ldc) = op(A) (m x k) op(B) (k x n) + beta C, row-major; op(M) is
 * M or, with trans, the transpose of the stored M. */
static inline void sklstm_gemm(int trans_a, int trans_b, int m, int n, int k, const float *a,
                               int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    /* column-major view: C^T = op(B)^T op(A)^T */
    const char ta = trans_b ? 'T' : 'N', tb = trans_a ? 'T' : 'N';
    const float one = 1.0f;
    if (m == 0 || n == 0) return;
    if (k == 0) { /* C = beta C: BLAS does not promise to touch C */
        for (int r = 0; r < m; r++)
            for (int j = 0; j < n; j++) c[(size_t)r * ldc + j] *= beta;
        return;
    }
    sklstm_sgemm(&ta, &tb, &n, &m, &k, &one, b, &ldb, a, &lda, &beta, c, &ldc);
}

/* Run fn(data) on up to `threads` threads of PyTorch's OpenMP team (once,
 * in the calling thread, without one); each call takes its share of the work
 * with sklstm_part. */
void sklstm_parallel(void (*fn)(void *), void *data, int threads);

/* Inside fn: the calling thread's number in the team (0 without one). */
static inline int sklstm_part_id(void) { return sklstm_gomp_parallel ? sklstm_thread_num() : 0; }

/* Inside fn: the calling thread's slice [*lo, *hi) of n items (the team
 * may have fewer threads than asked for; all of it without a team). */
static inline void sklstm_part(int n, int *lo, int *hi) {
    int part = 0, parts = 1;
    if (sklstm_gomp_parallel) {
        part = sklstm_thread_num();
        parts = sklstm_num_threads();
    }
    *lo = (int)((int64_t)n * part / parts);
    *hi = (int)((int64_t)n * (part + 1) / parts);
}

/* 1 / (1 + exp(-x)): Cephes' expf (range reduction by ln 2, degree-6
 * polynomial, about 1 ulp), written so that the compiler vectorises it;
 * |error| of the sigmoid below 1.2e-7. NaN stays NaN. */
static inline float sklstm_sigmoid1(float x) {
    float y = -x;
    y = y > 88.0f ? 88.0f : y;
    y = y < -88.0f ? -88.0f : y;
    const float n = (y * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round(y / ln 2) */
    const float r = y - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23; /* 2^n */
    float two_n;
    memcpy(&two_n, &bits, sizeof two_n);
    return 1.0f / (1.0f + p * two_n);
}

#endif
