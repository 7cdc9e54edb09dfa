/* The time loops of the peephole LSTM (float32, CPU).
 *
 * sklstm/nn/peephole.py documents the equations, the storage (per step
 * [i, f, -2g, h, -2c, o, v]: the cell state kept as -2c, the cell input's
 * weights doubled, tanh(z) = 1 - 2 sigmoid(-2z)) and the backward pass; these
 * loops compute exactly that. What C adds over the PyTorch loop is fusion:
 * a step is one matrix product (the BLAS sgemm PyTorch itself uses, see
 * _loops.h) and one pass over batch x hidden that does all the gate
 * arithmetic, instead of a dozen kernel calls of a microsecond each.
 */
#include "_loops.h"

/* One step's gate arithmetic for one sequence of the batch. z*: the gates'
 * pre-activations without the peepholes (z_g doubled); cp: -2 c_{t-1};
 * w_i, w_f, w_o: the peephole weights times -1/2. Writes i, f, -2g, h, -2c,
 * o and v = sigmoid(-2c) (i, f, -2g, o, v to a throwaway row when only h and
 * c are kept). */
static inline void cell(int H, const float *restrict zi, const float *restrict zf,
                 const float *restrict zg, const float *restrict zo, const float *restrict cp,
                 const float *restrict w_i, const float *restrict w_f, const float *restrict w_o,
                 float *restrict i_out, float *restrict f_out, float *restrict g_out,
                 float *restrict h_out, float *restrict c_out, float *restrict o_out,
                 float *restrict v_out) {
    for (int j = 0; j < H; j++) {
        const float i = sklstm_sigmoid1(zi[j] + w_i[j] * cp[j]);
        const float f = sklstm_sigmoid1(zf[j] + w_f[j] * cp[j]);
        const float g2 = 2.0f - 4.0f * sklstm_sigmoid1(zg[j]);
        const float c2 = f * cp[j] + i * g2;
        const float o = sklstm_sigmoid1(zo[j] + w_o[j] * c2);
        const float v = sklstm_sigmoid1(c2);
        i_out[j] = i;
        f_out[j] = f;
        g_out[j] = g2;
        h_out[j] = o - 2.0f * o * v;
        c_out[j] = c2;
        o_out[j] = o;
        v_out[j] = v;
    }
}

typedef struct {
    int n, B, H, width, training, h_at, chunk;
    const float *w_hh, *w_peep;
    float *history, *z0, *scratch;
    size_t block;
    int t0;
} forward_chunk;

/* The chunk's steps for this thread's slice of the batch: a sequence's
 * steps depend on its own earlier steps only. */
SKLSTM_DISPATCH
static void forward_part(void *data) {
    const forward_chunk *a = (const forward_chunk *)data;
    const int H = a->H, H4 = 4 * H, W7 = 7 * H, width = a->width, h_at = a->h_at;
    int b0, b1, part = sklstm_part_id();
    sklstm_part(a->B, &b0, &b1);
    float *spare = a->training ? NULL : a->scratch + (size_t)a->chunk * a->B * H4 + (size_t)part * W7;
    for (int k = 0; k < a->n && b1 > b0; k++) {
        const float *prev = a->history + (a->t0 + k) * a->block;
        float *row = a->history + (a->t0 + k + 1) * a->block, *z = a->z0 + (size_t)k * a->B * H4;
        sklstm_gemm(0, 1, b1 - b0, H4, H, prev + (size_t)b0 * width + h_at, width, a->w_hh, H,
                    1.0f, z + (size_t)b0 * H4, H4);
        for (int b = b0; b < b1; b++) {
            float *zb = z + (size_t)b * H4, *out = row + (size_t)b * width;
            float *h = out + h_at, *rest = a->training ? out : spare;
            cell(H, zb, zb + H, zb + 2 * H, zb + 3 * H, prev + (size_t)b * width + h_at + H,
                 a->w_peep, a->w_peep + H, a->w_peep + 2 * H, rest, rest + H, rest + 2 * H, h,
                 h + H, rest + 5 * H, rest + 6 * H);
        }
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
SKLSTM_EXPORT void sklstm_peephole_forward(int T, int B, int H, int F, int chunk, const float *x,
                                           const float *w_ih, const float *bias,
                                           const float *w_hh, const float *w_peep,
                                           float *history, int width, float *scratch,
                                           int threads) {
    const int H4 = 4 * H, training = width == 7 * H;
    forward_chunk a = {0, B, H, width, training, training ? 3 * H : 0, chunk, w_hh, w_peep,
                       history, scratch, scratch, (size_t)B * width, 0};
    for (int t0 = 0; t0 < T; t0 += chunk) {
        a.n = T - t0 < chunk ? T - t0 : chunk;
        a.t0 = t0;
        for (size_t r = 0; r < (size_t)a.n * B; r++) memcpy(a.z0 + r * H4, bias, H4 * sizeof(float));
        sklstm_gemm(0, 1, a.n * B, H4, F, x + (size_t)t0 * B * F, F, w_ih, F, 1.0f, a.z0, H4);
        sklstm_parallel(forward_part, &a, threads);
    }
}

/* One step's backward arithmetic for one sequence of the batch: from the
 * step's stored values, -2 c_{t-1} (cp), the carry from the next step and the
 * gradient of h, the gradients (carry_prev, -2 dz_i, -2 dz_f, 4 dz_g, dz_o)
 * and the peephole gradients' terms (accumulated). */
static inline void cell_backward(int H, const float *restrict i_, const float *restrict f_,
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

typedef struct {
    int T, B, H, n, t0;
    const float *history, *grad_out, *grad_c, *grad_h_last, *w_hh, *w_peep;
    float *grads, *dh, *sums;
} backward_chunk;

/* The chunk's steps, last to first, for this thread's slice of the batch. */
SKLSTM_DISPATCH
static void backward_part(void *data) {
    const backward_chunk *a = (const backward_chunk *)data;
    const int T = a->T, B = a->B, H = a->H, H4 = 4 * H, H5 = 5 * H, W = 7 * H;
    const size_t block = (size_t)B * W, grad_block = (size_t)B * H5, state = (size_t)B * H;
    const float *w_ci = a->w_peep, *w_cf = a->w_peep + H, *w_co = a->w_peep + 2 * H;
    float *dh = a->dh;
    int b0, b1, part = sklstm_part_id();
    sklstm_part(B, &b0, &b1);
    const size_t e0 = (size_t)b0 * H, e1 = (size_t)b1 * H;
    float *dp_i = a->sums + (size_t)part * 3 * H, *dp_f = dp_i + H, *dp_o = dp_i + 2 * H;
    for (int k = a->n - 1; k >= 0 && b1 > b0; k--) {
        const int t = a->t0 + k;
        const float *row = a->history + (t + 1) * block, *prev = a->history + t * block;
        float *g_k = a->grads + k * grad_block;
        float *g_next = g_k + grad_block;
        if (a->grad_out) memcpy(dh + e0, a->grad_out + t * state + e0, (e1 - e0) * sizeof(float));
        else memset(dh + e0, 0, (e1 - e0) * sizeof(float));
        if (t == T - 1 && a->grad_h_last) {
            for (size_t e = e0; e < e1; e++) dh[e] += a->grad_h_last[e];
        }
        if (t < T - 1) {
            sklstm_gemm(0, 0, b1 - b0, H, H4, g_next + (size_t)b0 * H5 + H, H5, a->w_hh, H, 1.0f,
                        dh + e0, H);
            if (a->grad_c) { /* enters with the carry from the next step */
                for (int b = b0; b < b1; b++) {
                    float *restrict c_in = g_next + (size_t)b * H5;
                    const float *restrict gc = a->grad_c + t * state + (size_t)b * H;
                    for (int j = 0; j < H; j++) c_in[j] += gc[j];
                }
            }
        }
        for (int b = b0; b < b1; b++) {
            const float *r = row + (size_t)b * W;
            float *out = g_k + (size_t)b * H5;
            cell_backward(H, r, r + H, r + 2 * H, r + 3 * H, r + 4 * H, r + 5 * H, r + 6 * H,
                          prev + (size_t)b * W + 4 * H, g_next + (size_t)b * H5, dh + (size_t)b * H,
                          w_ci, w_cf, w_co, out, out + H, out + 2 * H, out + 3 * H, out + 4 * H,
                          dp_i, dp_f, dp_o);
        }
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
SKLSTM_EXPORT void sklstm_peephole_backward(
    int T, int B, int H, int F, int chunk, const float *x, const float *w_ih_t, const float *w_hh,
    const float *w_peep, const float *history, const float *grad_out, const float *grad_c,
    const float *carry, const float *grad_h_last, float *grads, float *dh, float *d_x,
    float *d_w_ih_t, float *d_bias, float *d_w_hh, double *d_peep, int threads) {
    const int H4 = 4 * H, H5 = 5 * H, W = 7 * H;
    const size_t block = (size_t)B * W, grad_block = (size_t)B * H5;
    float *sums = dh + (size_t)B * H; /* each thread's sums of the chunk's peephole terms */
    const int last_t0 = (T - 1) / chunk * chunk;
    backward_chunk a = {T, B, H, 0, 0, history, grad_out, grad_c, grad_h_last, w_hh, w_peep,
                        grads, dh, sums};
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
        a.n = n;
        a.t0 = t0;
        sklstm_parallel(backward_part, &a, threads);
        /* the chunk's share of the weight gradients */
        const float *dz = grads + H;
        const int rows = n * B;
        sklstm_gemm(1, 0, H4, H, rows, dz, H5, history + t0 * block + 3 * H, W, 1.0f, d_w_hh, H);
        sklstm_gemm(1, 0, F, H4, rows, x + (size_t)t0 * B * F, F, dz, H5, 1.0f, d_w_ih_t, H4);
        for (int r = 0; r < rows; r++) {
            const float *restrict d = dz + (size_t)r * H5;
            for (int j = 0; j < H4; j++) d_bias[j] += d[j];
        }
        if (d_x) sklstm_gemm(0, 1, rows, F, H4, dz, H5, w_ih_t, H4, 0.0f, d_x + (size_t)t0 * B * F, F);
        for (int part = 0; part < threads; part++) {
            for (int j = 0; j < 3 * H; j++) d_peep[j] += sums[(size_t)part * 3 * H + j];
        }
    }
}
