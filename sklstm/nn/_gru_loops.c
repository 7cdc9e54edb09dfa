/* The time loops of PyTorch's GRU (float32, CPU), one layer and direction.
 *
 * sklstm/nn/gru.py documents the equations, the storage (per step
 * [r, z, n, hn, h], hn = W_hn h_{t-1} + b_hn) and the backward pass; these
 * loops compute exactly that. As in _peephole_loops.c, what C adds is
 * fusion: a step is one matrix product (PyTorch's own sgemm, see _loops.h)
 * and one vectorised pass over batch x hidden for all the gate arithmetic,
 * each thread running the recurrence for its own slice of the batch; per
 * chunk of steps the input projection and the weight gradients are single
 * products.
 */
#include "_loops.h"

/* One step's gate arithmetic for one sequence of the batch. gi: the input
 * projection [r, z, n] with the biases b_ir + b_hr, b_iz + b_hz and b_in;
 * gh: W_hh h_{t-1} [r, z, n] without bias; hp: h_{t-1}; b_hn. Writes r, z, n,
 * hn and h (r, z, n, hn to a throwaway row when only h is kept).
 * tanh(a) = 2 sigmoid(2a) - 1 (absolute error below 2.4e-7). */
static inline void cell(int H, const float *restrict gi, const float *restrict gh,
                 const float *restrict hp, const float *restrict b_hn, float *restrict r_out,
                 float *restrict z_out, float *restrict n_out, float *restrict hn_out,
                 float *restrict h_out) {
    for (int j = 0; j < H; j++) {
        const float r = sklstm_sigmoid1(gi[j] + gh[j]);
        const float z = sklstm_sigmoid1(gi[H + j] + gh[H + j]);
        const float hn = gh[2 * H + j] + b_hn[j];
        const float n = 2.0f * sklstm_sigmoid1(2.0f * (gi[2 * H + j] + r * hn)) - 1.0f;
        r_out[j] = r;
        z_out[j] = z;
        n_out[j] = n;
        hn_out[j] = hn;
        h_out[j] = n + z * (hp[j] - n);
    }
}

typedef struct {
    int n, B, H, width, training, h_at, chunk;
    const float *w_hh, *b_hn;
    float *history, *gi, *gh, *spare;
    size_t block;
    int t0;
} forward_chunk;

/* The chunk's steps for this thread's slice of the batch: a sequence's
 * steps depend on its own earlier steps only. */
SKLSTM_DISPATCH
static void forward_part(void *data) {
    const forward_chunk *a = (const forward_chunk *)data;
    const int H = a->H, H3 = 3 * H, width = a->width, h_at = a->h_at;
    int b0, b1, part = sklstm_part_id();
    sklstm_part(a->B, &b0, &b1);
    float *spare = a->spare + (size_t)part * 4 * H;
    for (int k = 0; k < a->n && b1 > b0; k++) {
        const float *prev = a->history + (a->t0 + k) * a->block;
        float *row = a->history + (a->t0 + k + 1) * a->block;
        const float *gi = a->gi + (size_t)k * a->B * H3;
        sklstm_gemm(0, 1, b1 - b0, H3, H, prev + (size_t)b0 * width + h_at, width, a->w_hh, H,
                    0.0f, a->gh + (size_t)b0 * H3, H3);
        for (int b = b0; b < b1; b++) {
            float *out = row + (size_t)b * width, *rest = a->training ? out : spare;
            cell(H, gi + (size_t)b * H3, a->gh + (size_t)b * H3, prev + (size_t)b * width + h_at,
                 a->b_hn, rest, rest + H, rest + 2 * H, rest + 3 * H, out + h_at);
        }
    }
}

/* Forward pass of one layer and direction.
 *
 * x (T B, F); w_ih (3H, F); bias (3H): b_ir + b_hr, b_iz + b_hz, b_in;
 * w_hh (3H, H); b_hn (H). history ((T + 1) B, width), row block 0 the
 * initial state (its h): width 5H keeps [r, z, n, hn, h] per step
 * (training), width H only h. scratch: the chunk's input projections (chunk
 * B, 3H; one product per chunk), the step's recurrent product (B, 3H), then
 * a throwaway row of 4H per thread for the values width H does not keep. */
SKLSTM_EXPORT void sklstm_gru_forward(int T, int B, int H, int F, int chunk, const float *x,
                                      const float *w_ih, const float *bias, const float *w_hh,
                                      const float *b_hn, float *history, int width,
                                      float *scratch, int threads) {
    const int H3 = 3 * H, training = width == 5 * H;
    float *gh = scratch + (size_t)chunk * B * H3;
    forward_chunk a = {0, B, H, width, training, training ? 4 * H : 0, chunk, w_hh, b_hn,
                       history, scratch, gh, gh + (size_t)B * H3, (size_t)B * width, 0};
    for (int t0 = 0; t0 < T; t0 += chunk) {
        a.n = T - t0 < chunk ? T - t0 : chunk;
        a.t0 = t0;
        for (size_t r = 0; r < (size_t)a.n * B; r++) memcpy(a.gi + r * H3, bias, H3 * sizeof(float));
        sklstm_gemm(0, 1, a.n * B, H3, F, x + (size_t)t0 * B * F, F, w_ih, F, 1.0f, a.gi, H3);
        sklstm_parallel(forward_part, &a, threads);
    }
}

/* One step's backward arithmetic for one sequence of the batch: from the
 * step's stored r, z, n, hn, h_{t-1} (hp), the gradient of h_t from outside
 * and from the next step's gates (dh) and the next step's direct part
 * (carry = dh_{t+1} z_{t+1}), writes [carry, da_r, da_z, da_n r, da_n]
 * (da: gradients of the gates' pre-activations; the middle three are those
 * of W_hh h + b_hh). */
static inline void cell_backward(int H, const float *restrict r_, const float *restrict z_,
                          const float *restrict n_, const float *restrict hn_,
                          const float *restrict hp, const float *restrict dh,
                          const float *restrict carry, float *restrict carry_out,
                          float *restrict da_r, float *restrict da_z, float *restrict da_nr,
                          float *restrict da_n) {
    for (int j = 0; j < H; j++) {
        const float r = r_[j], z = z_[j], n = n_[j];
        const float d = dh[j] + carry[j];
        const float dn = (d - d * z) * (1.0f - n * n);
        carry_out[j] = d * z;
        da_r[j] = dn * hn_[j] * (r - r * r);
        da_z[j] = d * (hp[j] - n) * (z - z * z);
        da_nr[j] = dn * r;
        da_n[j] = dn;
    }
}

typedef struct {
    int T, B, H, n, t0;
    const float *history, *grad_out, *w_hh;
    float *grads, *dh;
} backward_chunk;

/* The chunk's steps, last to first, for this thread's slice of the batch. */
SKLSTM_DISPATCH
static void backward_part(void *data) {
    const backward_chunk *a = (const backward_chunk *)data;
    const int T = a->T, B = a->B, H = a->H, H3 = 3 * H, H5 = 5 * H, W = 5 * H;
    const size_t block = (size_t)B * W, grad_block = (size_t)B * H5, state = (size_t)B * H;
    float *dh = a->dh;
    int b0, b1;
    sklstm_part(B, &b0, &b1);
    const size_t e0 = (size_t)b0 * H, e1 = (size_t)b1 * H;
    for (int k = a->n - 1; k >= 0 && b1 > b0; k--) {
        const int t = a->t0 + k;
        const float *row = a->history + (t + 1) * block, *prev = a->history + t * block;
        float *g_k = a->grads + k * grad_block;
        const float *g_next = g_k + grad_block;
        if (a->grad_out) memcpy(dh + e0, a->grad_out + t * state + e0, (e1 - e0) * sizeof(float));
        else memset(dh + e0, 0, (e1 - e0) * sizeof(float));
        if (t < T - 1) /* through the next step's gates */
            sklstm_gemm(0, 0, b1 - b0, H, H3, g_next + (size_t)b0 * H5 + H, H5, a->w_hh, H, 1.0f,
                        dh + e0, H);
        for (int b = b0; b < b1; b++) {
            const float *r = row + (size_t)b * W;
            float *out = g_k + (size_t)b * H5;
            cell_backward(H, r, r + H, r + 2 * H, r + 3 * H, prev + (size_t)b * W + 4 * H,
                          dh + (size_t)b * H, g_next + (size_t)b * H5, out, out + H, out + 2 * H,
                          out + 3 * H, out + 4 * H);
        }
    }
}

/* Backward pass of one layer and direction (see _GRURecurrence).
 *
 * x (T B, F); w_ih_t (F, 3H), the transposed w_ih; w_hh (3H, H); history as
 * the forward pass left it (width 5H). grad_out (T, B, H): the gradient of
 * each h_t from outside, grad_h_last (B, H): added at the last step; each
 * may be NULL (zero). grads ((chunk + 1) B, 5H) and dh (B, H) are scratch;
 * on return grads' first B rows hold step 0's [carry, da_r, da_z, da_n r,
 * da_n] (the caller's gradient of h_0). Accumulates into d_w_ih_t (F, 3H),
 * d_w_hh (3H, H) and d_bias (4H: sums of da_r, da_z, da_n r, da_n); writes
 * d_x (T B, F) unless NULL. */
SKLSTM_EXPORT void sklstm_gru_backward(int T, int B, int H, int F, int chunk, const float *x,
                                       const float *w_ih_t, const float *w_hh,
                                       const float *history, const float *grad_out,
                                       const float *grad_h_last, float *grads, float *dh,
                                       float *d_x, float *d_w_ih_t, float *d_w_hh, float *d_bias,
                                       int threads) {
    const int H2 = 2 * H, H3 = 3 * H, H4 = 4 * H, H5 = 5 * H, W = 5 * H;
    const size_t block = (size_t)B * W, grad_block = (size_t)B * H5;
    const int last_t0 = (T - 1) / chunk * chunk;
    backward_chunk a = {T, B, H, 0, 0, history, grad_out, w_hh, grads, dh};
    for (int t0 = last_t0; t0 >= 0; t0 -= chunk) {
        const int n = T - t0 < chunk ? T - t0 : chunk;
        float *later = grads + n * grad_block; /* the step after the chunk's last */
        if (t0 == last_t0) { /* only its carry is read at the last step */
            for (size_t e = 0; e < (size_t)B; e++) {
                float *g = later + e * H5;
                if (grad_h_last) memcpy(g, grad_h_last + e * H, H * sizeof(float));
                else memset(g, 0, H * sizeof(float));
            }
        } else {
            memcpy(later, grads, grad_block * sizeof(float));
        }
        a.n = n;
        a.t0 = t0;
        sklstm_parallel(backward_part, &a, threads);
        /* the chunk's share of the weight gradients: W_hh's from
         * [da_r, da_z, da_n r], W_ih's from [da_r, da_z] and da_n */
        const float *dz = grads + H;
        const int rows = n * B;
        const float *xs = x + (size_t)t0 * B * F;
        sklstm_gemm(1, 0, H3, H, rows, dz, H5, history + t0 * block + H4, W, 1.0f, d_w_hh, H);
        sklstm_gemm(1, 0, F, H2, rows, xs, F, dz, H5, 1.0f, d_w_ih_t, H3);
        sklstm_gemm(1, 0, F, H, rows, xs, F, dz + H3, H5, 1.0f, d_w_ih_t + H2, H3);
        for (int r = 0; r < rows; r++) {
            const float *restrict d = dz + (size_t)r * H5;
            for (int j = 0; j < H4; j++) d_bias[j] += d[j];
        }
        if (d_x) {
            float *dx = d_x + (size_t)t0 * B * F;
            sklstm_gemm(0, 1, rows, F, H2, dz, H5, w_ih_t, H3, 0.0f, dx, F);
            sklstm_gemm(0, 1, rows, F, H, dz + H3, H5, w_ih_t + H2, H3, 1.0f, dx, F);
        }
    }
}
