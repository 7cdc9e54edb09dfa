/* The time loops of the peephole LSTM (float32, CPU), compiled at first use.
 *
 * sklstm/nn/peephole.py documents the equations, the storage (per step
 * [i, f, -2g, h, -2c, o, v]: the cell state kept as -2c, the cell input's
 * weights doubled, tanh(z) = 1 - 2 sigmoid(-2z)) and the backward pass; these
 * loops compute exactly that. What C adds over the PyTorch loop is fusion:
 * a step is one matrix product (the BLAS sgemm PyTorch itself uses, handed
 * in by sklstm/nn/_native.py) and one pass over batch x hidden that does all
 * the gate arithmetic, instead of a dozen kernel calls of a microsecond each.
 *
 * Row-major throughout. No allocation: the caller passes every buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <omp.h>

typedef void (*sgemm_fn)(const char *, const char *, const int *, const int *, const int *,
                         const float *, const float *, const int *, const float *, const int *,
                         const float *, float *, const int *);

static sgemm_fn sgemm_;

/* The Fortran sgemm to use (LP64: 32-bit integers). */
void sklstm_set_sgemm(void *fn) { sgemm_ = (sgemm_fn)fn; }

/* C (m x n, ldc) = op(A) (m x k) op(B) (k x n) + beta C, row-major; op(M) is
 * M or, with trans, the transpose of the stored M. */
static void gemm(int trans_a, int trans_b, int m, int n, int k, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
    /* column-major view: C^T = op(B)^T op(A)^T */
    const char ta = trans_b ? 'T' : 'N', tb = trans_a ? 'T' : 'N';
    const float one = 1.0f;
    if (m == 0 || n == 0) return;
    sgemm_(&ta, &tb, &n, &m, &k, &one, b, &ldb, a, &lda, &beta, c, &ldc);
}

/* c (m, n) = a (m, k) b^T (b: n, k), all contiguous (a check of the sgemm handed in). */
void sklstm_matmul_t(int m, int n, int k, const float *a, const float *b, float *c) {
    gemm(0, 1, m, n, k, a, k, b, k, 0.0f, c, n);
}

/* 1 / (1 + exp(-x)): Cephes' expf (range reduction by ln 2, degree-6
 * polynomial, about 1 ulp), written so that the compiler vectorises it;
 * |error| of the sigmoid below 1.2e-7. NaN stays NaN. */
static inline float sigmoid(float x) {
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

/* Elementwise sigmoid (tested against torch.sigmoid). */
void sklstm_sigmoid(int64_t count, const float *restrict x, float *restrict y) {
    for (int64_t k = 0; k < count; k++) y[k] = sigmoid(x[k]);
}

/* One step's gate arithmetic for one sequence of the batch. z*: the gates'
 * pre-activations without the peepholes (z_g doubled); cp: -2 c_{t-1};
 * w_i, w_f, w_o: the peephole weights times -1/2. Writes i, f, -2g, h, -2c,
 * o and v = sigmoid(-2c) (i, f, -2g, o, v to a throwaway row when only h and
 * c are kept). */
static void cell(int H, const float *restrict zi, const float *restrict zf,
                 const float *restrict zg, const float *restrict zo, const float *restrict cp,
                 const float *restrict w_i, const float *restrict w_f, const float *restrict w_o,
                 float *restrict i_out, float *restrict f_out, float *restrict g_out,
                 float *restrict h_out, float *restrict c_out, float *restrict o_out,
                 float *restrict v_out) {
    for (int j = 0; j < H; j++) {
        const float i = sigmoid(zi[j] + w_i[j] * cp[j]);
        const float f = sigmoid(zf[j] + w_f[j] * cp[j]);
        const float g2 = 2.0f - 4.0f * sigmoid(zg[j]);
        const float c2 = f * cp[j] + i * g2;
        const float o = sigmoid(zo[j] + w_o[j] * c2);
        const float v = sigmoid(c2);
        i_out[j] = i;
        f_out[j] = f;
        g_out[j] = g2;
        h_out[j] = o - 2.0f * o * v;
        c_out[j] = c2;
        o_out[j] = o;
        v_out[j] = v;
    }
}

/* Forward pass of one layer and direction.
 *
 * x (T B, F); w_ih (4H, F), bias (4H), w_hh (4H, H): scaled as the module
 * docstring says; w_peep (3, H): w_ci, w_cf, w_co times -1/2.
 * history ((T + 1) B, width), row block 0 the zero state: width 7H keeps
 * [i, f, -2g, h, -2c, o, v] per step (training), width 2H only [h, -2c].
 * scratch: the chunk's gate pre-activations (chunk B, 4H; the input
 * projection is one product per chunk), then a throwaway row of 7H per
 * thread for the values width 2H does not keep. */
void sklstm_peephole_forward(int T, int B, int H, int F, int chunk, const float *x,
                             const float *w_ih, const float *bias, const float *w_hh,
                             const float *w_peep, float *history, int width, float *scratch,
                             int threads) {
    const int H4 = 4 * H, W7 = 7 * H, training = width == W7;
    const int h_at = training ? 3 * H : 0;
    const size_t block = (size_t)B * width;
    for (int t0 = 0; t0 < T; t0 += chunk) {
        const int n = T - t0 < chunk ? T - t0 : chunk;
        float *z0 = scratch;
        for (size_t r = 0; r < (size_t)n * B; r++) memcpy(z0 + r * H4, bias, H4 * sizeof(float));
        gemm(0, 1, n * B, H4, F, x + (size_t)t0 * B * F, F, w_ih, F, 1.0f, z0, H4);
        /* each thread runs the chunk's steps for its own slice of the batch:
         * a sequence's steps depend on its own earlier steps only */
#pragma omp parallel num_threads(threads)
        {
            const int part = omp_get_thread_num(), parts = omp_get_num_threads();
            const int b0 = B * part / parts, b1 = B * (part + 1) / parts;
            float *spare = training ? NULL : scratch + (size_t)chunk * B * H4 + (size_t)part * W7;
            for (int k = 0; k < n && b1 > b0; k++) {
                const float *prev = history + (t0 + k) * block;
                float *row = history + (t0 + k + 1) * block, *z = z0 + (size_t)k * B * H4;
                gemm(0, 1, b1 - b0, H4, H, prev + (size_t)b0 * width + h_at, width, w_hh, H, 1.0f,
                     z + (size_t)b0 * H4, H4);
                for (int b = b0; b < b1; b++) {
                    float *zb = z + (size_t)b * H4, *out = row + (size_t)b * width;
                    float *h = out + h_at, *rest = training ? out : spare;
                    cell(H, zb, zb + H, zb + 2 * H, zb + 3 * H, prev + (size_t)b * width + h_at + H,
                         w_peep, w_peep + H, w_peep + 2 * H, rest, rest + H, rest + 2 * H, h,
                         h + H, rest + 5 * H, rest + 6 * H);
                }
            }
        }
    }
}

/* One step's backward arithmetic for one sequence of the batch: from the
 * step's stored values, -2 c_{t-1} (cp), the carry from the next step and the
 * gradient of h, the gradients (carry_prev, -2 dz_i, -2 dz_f, 4 dz_g, dz_o)
 * and the peephole gradients' terms (accumulated). */
static void cell_backward(int H, const float *restrict i_, const float *restrict f_,
                          const float *restrict g_, const float *restrict h_,
                          const float *restrict c_, const float *restrict o_,
                          const float *restrict v_, const float *restrict cp,
                          const float *restrict carry, const float *restrict dh,
                          const float *restrict w_ci, const float *restrict w_cf,
                          const float *restrict w_co, float *restrict carry_prev,
                          float *restrict dz_i, float *restrict dz_f, float *restrict dz_g,
                          float *restrict dz_o, float *restrict dp_i, float *restrict dp_f,
                          float *restrict dp_o) {
    for (int j = 0; j < H; j++) {
        const float i = i_[j], f = f_[j], g2 = g_[j], h = h_[j], o = o_[j];
        const float a = h - h * o;
        const float bc = o - h + 2.0f * h * v_[j] + a * w_co[j];
        const float m_i = g2 * (i - i * i), m_f = cp[j] * (f - f * f);
        const float m_g = (4.0f - g2 * g2) * i;
        const float dc = carry[j] + dh[j] * bc;
        const float do_ = dh[j] * a;
        carry_prev[j] = dc * (f + m_i * w_ci[j] + m_f * w_cf[j]);
        dz_i[j] = dc * m_i;
        dz_f[j] = dc * m_f;
        dz_g[j] = dc * m_g;
        dz_o[j] = do_;
        dp_i[j] += dc * m_i * cp[j];
        dp_f[j] += dc * m_f * cp[j];
        dp_o[j] += do_ * c_[j];
    }
}

/* Backward pass of one layer and direction (see _PeepholeRecurrence).
 *
 * x (T B, F); w_ih_t (F, 4H), the transposed w_ih, and w_hh (4H, H) times
 * the backward gate scale (-1/2, -1/2, 1/4, 1); w_peep (3, H): w_ci and w_cf times -1/2, w_co as is;
 * history as the forward pass left it (width 7H). grad_out (T, B, H): the
 * gradient of each h_t from outside, grad_c (T, B, H): of each c_t (used
 * before the last step), carry (B, H): of c at the last step, grad_h_last
 * (B, H): added to h's at the last step; each may be NULL (zero).
 * grads ((chunk + 1) B, 5H) and dh (B H + 3H threads) are scratch. Accumulates
 * into d_w_ih_t (F, 4H), d_bias (4H), d_w_hh (4H, H) and d_peep (3, H, float64,
 * sums of -2 dz_i -2c_{t-1}, -2 dz_f -2c_{t-1}, dz_o -2c_t); writes d_x
 * (T B, F) unless NULL. */
void sklstm_peephole_backward(int T, int B, int H, int F, int chunk, const float *x,
                              const float *w_ih_t, const float *w_hh, const float *w_peep,
                              const float *history, const float *grad_out, const float *grad_c,
                              const float *carry, const float *grad_h_last, float *grads,
                              float *dh, float *d_x, float *d_w_ih_t, float *d_bias,
                              float *d_w_hh, double *d_peep, int threads) {
    const int H4 = 4 * H, H5 = 5 * H, W = 7 * H;
    const size_t block = (size_t)B * W, grad_block = (size_t)B * H5, state = (size_t)B * H;
    const float *w_ci = w_peep, *w_cf = w_peep + H, *w_co = w_peep + 2 * H;
    float *sums = dh + state; /* each thread's sums of the chunk's peephole terms */
    const int last_t0 = (T - 1) / chunk * chunk;
    for (int t0 = last_t0; t0 >= 0; t0 -= chunk) {
        const int n = T - t0 < chunk ? T - t0 : chunk;
        float *later = grads + n * grad_block; /* the step after the chunk's last */
        memset(sums, 0, (size_t)threads * 3 * H * sizeof(float));
        if (t0 == last_t0) {
            for (size_t e = 0; e < (size_t)B; e++) {
                float *g = later + e * H5;
                if (carry) memcpy(g, carry + e * H, H * sizeof(float));
                else memset(g, 0, H * sizeof(float));
            }
        } else {
            memcpy(later, grads, grad_block * sizeof(float));
        }
        /* each thread its own slice of the batch, as in the forward pass */
#pragma omp parallel num_threads(threads)
        {
            const int part = omp_get_thread_num(), parts = omp_get_num_threads();
            const int b0 = B * part / parts, b1 = B * (part + 1) / parts;
            const size_t e0 = (size_t)b0 * H, e1 = (size_t)b1 * H;
            float *dp_i = sums + (size_t)part * 3 * H, *dp_f = dp_i + H, *dp_o = dp_i + 2 * H;
            for (int k = n - 1; k >= 0 && b1 > b0; k--) {
                const int t = t0 + k;
                const float *row = history + (t + 1) * block, *prev = history + t * block;
                float *g_k = grads + k * grad_block;
                float *g_next = g_k + grad_block;
                if (grad_out) memcpy(dh + e0, grad_out + t * state + e0, (e1 - e0) * sizeof(float));
                else memset(dh + e0, 0, (e1 - e0) * sizeof(float));
                if (t == T - 1 && grad_h_last) {
                    for (size_t e = e0; e < e1; e++) dh[e] += grad_h_last[e];
                }
                if (t < T - 1) {
                    gemm(0, 0, b1 - b0, H, H4, g_next + (size_t)b0 * H5 + H, H5, w_hh, H, 1.0f,
                         dh + e0, H);
                    if (grad_c) { /* enters with the carry from the next step */
                        for (int b = b0; b < b1; b++) {
                            float *restrict c_in = g_next + (size_t)b * H5;
                            const float *restrict gc = grad_c + t * state + (size_t)b * H;
                            for (int j = 0; j < H; j++) c_in[j] += gc[j];
                        }
                    }
                }
                for (int b = b0; b < b1; b++) {
                    const float *r = row + (size_t)b * W;
                    float *out = g_k + (size_t)b * H5;
                    cell_backward(H, r, r + H, r + 2 * H, r + 3 * H, r + 4 * H, r + 5 * H,
                                  r + 6 * H, prev + (size_t)b * W + 4 * H, g_next + (size_t)b * H5,
                                  dh + (size_t)b * H, w_ci, w_cf, w_co, out, out + H, out + 2 * H,
                                  out + 3 * H, out + 4 * H, dp_i, dp_f, dp_o);
                }
            }
        }
        /* the chunk's share of the weight gradients */
        const float *dz = grads + H;
        const int rows = n * B;
        gemm(1, 0, H4, H, rows, dz, H5, history + t0 * block + 3 * H, W, 1.0f, d_w_hh, H);
        gemm(1, 0, F, H4, rows, x + (size_t)t0 * B * F, F, dz, H5, 1.0f, d_w_ih_t, H4);
        for (int r = 0; r < rows; r++) {
            const float *restrict d = dz + (size_t)r * H5;
            for (int j = 0; j < H4; j++) d_bias[j] += d[j];
        }
        if (d_x) gemm(0, 1, rows, F, H4, dz, H5, w_ih_t, H4, 0.0f, d_x + (size_t)t0 * B * F, F);
        for (int part = 0; part < threads; part++) {
            for (int j = 0; j < 3 * H; j++) d_peep[j] += sums[(size_t)part * 3 * H + j];
        }
    }
}
