/* The library's entry points that are not loops: the handles _native.py
 * hands in, the checks it runs before trusting the library, and the module
 * init that makes the file an importable extension module (it is loaded
 * with ctypes; the module itself is empty). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_loops.h"

sklstm_sgemm_fn sklstm_sgemm;
sklstm_parallel_fn sklstm_gomp_parallel;
sklstm_thread_num_fn sklstm_thread_num, sklstm_num_threads;

/* The ABI these sources define (see _loops.h). */
SKLSTM_EXPORT int sklstm_abi(void) { return SKLSTM_LOOPS_ABI; }

/* PyTorch's Fortran sgemm (LP64) and, where its OpenMP runtime has them,
 * GOMP_parallel, omp_get_thread_num and omp_get_num_threads (NULL: serial
 * loops). */
SKLSTM_EXPORT void sklstm_set_runtime(void *sgemm, void *parallel, void *thread_num,
                                      void *num_threads) {
    const int team = parallel && thread_num && num_threads;
    sklstm_sgemm = (sklstm_sgemm_fn)sgemm;
    sklstm_gomp_parallel = team ? (sklstm_parallel_fn)parallel : NULL;
    sklstm_thread_num = team ? (sklstm_thread_num_fn)thread_num : NULL;
    sklstm_num_threads = team ? (sklstm_thread_num_fn)num_threads : NULL;
}

void sklstm_parallel(void (*fn)(void *), void *data, int threads) {
    if (threads > 1 && sklstm_gomp_parallel) sklstm_gomp_parallel(fn, data, (unsigned)threads, 0);
    else fn(data);
}

/* Elementwise sigmoid (the self-check, and tested against torch.sigmoid). */
SKLSTM_DISPATCH
SKLSTM_EXPORT void sklstm_sigmoid(int64_t count, const float *restrict x, float *restrict y) {
    for (int64_t k = 0; k < count; k++) y[k] = sklstm_sigmoid1(x[k]);
}

/* c (m, n) = a (m, k) b^T (b: n, k), all contiguous (a check of the sgemm handed in). */
SKLSTM_EXPORT void sklstm_matmul_t(int m, int n, int k, const float *a, const float *b, float *c) {
    sklstm_gemm(0, 1, m, n, k, a, k, b, k, 0.0f, c, n);
}

typedef struct {
    int *seen;
    int n;
} team_check;

static void mark_items(void *data) {
    team_check *check = (team_check *)data;
    int lo, hi;
    sklstm_part(check->n, &lo, &hi);
    for (int k = lo; k < hi; k++) check->seen[k] += 1;
}

/* Shares n items among up to `threads` threads; seen[k] counts how often
 * item k was taken (each exactly once: a check of the runtime handed in). */
SKLSTM_EXPORT void sklstm_team_check(int threads, int n, int *seen) {
    team_check check = {seen, n};
    sklstm_parallel(mark_items, &check, threads);
}

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_loops",
    "sklstm's compiled time loops, loaded with ctypes by sklstm.nn._native.", -1, NULL,
};

PyMODINIT_FUNC PyInit__loops(void) { return PyModule_Create(&module); }
