// The Gemma 3n text decoder's kernels (OpenCL C 1.2), as the engine's CPU ForwardPass computes it: llama.cpp's
// gemma3n graph (llama.cpp src/models/gemma3n-iswa.cpp), its quantized dot products (ggml-cpu's vec_dot_*_q8_*
// in ggml/src/ggml-cpu/quants.c) and block formats (ggml/src/ggml-common.h).
//
// Batch invariance: every reduction has a fixed order that depends only on its own row's length. Row kernels run
// one work-group of WG lanes per row (or per token and head); lane l handles elements l, l + WG, ... in order,
// and the WG partial results meet in a fixed tree (wg_sum). No atomics. A token's results therefore never depend
// on the other tokens of the batch, on where it sits in it, or on how many there are.

// No a*b+c contracted into fma: the CPU backend rounds every product and sum, and so does this file unless it
// calls fma() by name.
#pragma OPENCL FP_CONTRACT OFF

#define WG 64
// Tokens a matmul work-group carries through one pass over a weight row.
#define TT 4
#define SQRT_HALF 0.70710677f

float wg_sum(float v, local float* s) {
    int l = get_local_id(0);
    s[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = WG / 2; w > 0; w >>= 1) {
        if (l < w) {
            s[l] += s[l + w];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

float wg_max(float v, local float* s) {
    int l = get_local_id(0);
    s[l] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = WG / 2; w > 0; w >>= 1) {
        if (l < w) {
            s[l] = fmax(s[l], s[l + w]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = s[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Sum of squares of x[0..n) over the work-group.
float wg_sumsq(global const float* x, int n, local float* s) {
    float acc = 0.0f;
    for (int i = get_local_id(0); i < n; i += WG) {
        float v = x[i] * x[i];
        acc += v;
    }
    return wg_sum(acc, s);
}

// ggml's RMS-norm scale 1/sqrt(mean(x^2) + eps).
float rms_scale(global const float* x, int n, float eps, local float* s) {
    float mean = wg_sumsq(x, n, s) / (float) n;
    return 1.0f / sqrt(mean + eps);
}

float round_f16(float x) {
    ushort h;
    vstore_half_rte(x, 0, (half*) &h);
    return vload_half(0, (const half*) &h);
}

float f16_at(global const uchar* p) {
    return vload_half(0, (global const half*) p);
}

// ---- block formats: the 32 weights of chunk c (columns 32c..32c+31) of a row ----------------------------------

// Q4_0: 18-byte blocks {half d; uchar qs[16]}, value (q - 8) * d, low nibbles first.
void deq_q4_0(global const uchar* row, int c, float* y) {
    global const uchar* b = row + (ulong) c * 18;
    float d = f16_at(b);
    for (int j = 0; j < 16; j++) {
        int q = b[2 + j];
        y[j] = ((q & 15) - 8) * d;
        y[j + 16] = ((q >> 4) - 8) * d;
    }
}

// Q8_0: 34-byte blocks {half d; char qs[32]}.
void deq_q8_0(global const uchar* row, int c, float* y) {
    global const uchar* b = row + (ulong) c * 34;
    float d = f16_at(b);
    global const char* q = (global const char*) (b + 2);
    for (int j = 0; j < 32; j++) {
        y[j] = q[j] * d;
    }
}

// Q4_K: the 6-bit scale and min of sub-block j from the 12 packed bytes (ggml's get_scale_min_k4).
void scale_min_k4(int j, global const uchar* q, int* sc, int* m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

// Q4_K: 144-byte super-blocks of 256 {half d; half dmin; uchar scales[12]; uchar qs[128]}; sub-block j (32
// values) is the low (even j) or high (odd j) nibbles of qs[32 (j/2) ..], value d*sc*q - dmin*m.
void q4_k_chunk(global const uchar* row, int c, int* q, float* d, float* dmin, int* sc, int* m) {
    global const uchar* b = row + (ulong) (c >> 3) * 144;
    int j = c & 7;
    *d = f16_at(b);
    *dmin = f16_at(b + 2);
    scale_min_k4(j, b + 4, sc, m);
    global const uchar* qs = b + 16 + 32 * (j >> 1);
    int shift = (j & 1) * 4;
    for (int l = 0; l < 32; l++) {
        q[l] = (qs[l] >> shift) & 15;
    }
}

void deq_q4_k(global const uchar* row, int c, float* y) {
    int q[32];
    float d, dmin;
    int sc, m;
    q4_k_chunk(row, c, q, &d, &dmin, &sc, &m);
    float d1 = d * sc;
    float m1 = dmin * m;
    for (int l = 0; l < 32; l++) {
        y[l] = d1 * q[l] - m1;
    }
}

// Q6_K: 210-byte super-blocks of 256 {uchar ql[128]; uchar qh[64]; char scales[16]; half d}; chunk j of 32 is
// group j%4 of half j/4, each 16 values with their own signed scale; value d * scale * (q - 32).
void q6_k_chunk(global const uchar* row, int c, int* q, float* d, int* sc0, int* sc1) {
    global const uchar* b = row + (ulong) (c >> 3) * 210;
    int j = c & 7;
    int hf = j >> 2;
    int k = j & 3;
    global const uchar* ql = b + 64 * hf + (k & 1) * 32;
    global const uchar* qh = b + 128 + 32 * hf;
    global const char* sc = (global const char*) (b + 192 + 8 * hf);
    int lowShift = (k >> 1) * 4;
    for (int l = 0; l < 32; l++) {
        q[l] = (((ql[l] >> lowShift) & 15) | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
    }
    *sc0 = sc[2 * k];
    *sc1 = sc[2 * k + 1];
    *d = f16_at(b + 208);
}

void deq_q6_k(global const uchar* row, int c, float* y) {
    int q[32];
    float d;
    int sc0, sc1;
    q6_k_chunk(row, c, q, &d, &sc0, &sc1);
    for (int l = 0; l < 32; l++) {
        y[l] = d * (l < 16 ? sc0 : sc1) * q[l];
    }
}

void deq_f16(global const uchar* row, int c, float* y) {
    for (int j = 0; j < 32; j++) {
        y[j] = vload_half(32 * c + j, (global const half*) row);
    }
}

void deq_f32(global const uchar* row, int c, float* y) {
    global const float* r = (global const float*) row;
    for (int j = 0; j < 32; j++) {
        y[j] = r[32 * c + j];
    }
}

// ---- embedding rows ----------------------------------------------------------------------------------------

// out[t*cols ..] = row tokens[t] of the table, dequantized exactly (ggml get_rows), times scale. One work-item per
// 32 values.
#define GET_ROWS(T)                                                                                                 \
kernel void get_rows_##T(global const uchar* w, ulong rowBytes, global const int* tokens, int n, int cols,        \
                         float scale, global float* out) {                                                          \
    int id = get_global_id(0);                                                                                      \
    int chunks = cols / 32;                                                                                         \
    if (id >= n * chunks) {                                                                                         \
        return;                                                                                                     \
    }                                                                                                               \
    int t = id / chunks;                                                                                            \
    int c = id % chunks;                                                                                            \
    float y[32];                                                                                                    \
    deq_##T(w + (ulong) tokens[t] * rowBytes, c, y);                                                                \
    global float* o = out + (ulong) t * cols + 32 * c;                                                              \
    for (int j = 0; j < 32; j++) {                                                                                  \
        o[j] = y[j] * scale;                                                                                        \
    }                                                                                                               \
}
GET_ROWS(f32)
GET_ROWS(f16)
GET_ROWS(q4_0)
GET_ROWS(q8_0)
GET_ROWS(q4_k)
GET_ROWS(q6_k)

// ---- activation rounding, as ggml-cpu converts a matmul's input to the weight's vec_dot_type ---------------

// Q8_0 of each block of 32: scale fp16(amax/127), q = round-half-even(x * 127/amax).
kernel void quant_q8_0(global const float* x, int xOff, int blocks, global char* xq, global float* xd) {
    int b = get_global_id(0);
    if (b >= blocks) {
        return;
    }
    global const float* v = x + xOff + 32 * b;
    float amax = 0.0f;
    for (int j = 0; j < 32; j++) {
        amax = fmax(amax, fabs(v[j]));
    }
    float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    for (int j = 0; j < 32; j++) {
        xq[32 * b + j] = (char) rint(v[j] * id);
    }
    xd[b] = round_f16(amax / 127.0f);
}

// Q8_K of each block of 256 (quantize_row_q8_K_ref): scale from the signed value of largest magnitude.
kernel void quant_q8_k(global const float* x, int xOff, int blocks, global char* xq, global float* xd) {
    int b = get_global_id(0);
    if (b >= blocks) {
        return;
    }
    global const float* v = x + xOff + 256 * b;
    float max = 0.0f;
    float amax = 0.0f;
    for (int j = 0; j < 256; j++) {
        float ax = fabs(v[j]);
        if (ax > amax) {
            amax = ax;
            max = v[j];
        }
    }
    if (amax == 0.0f) {
        for (int j = 0; j < 256; j++) {
            xq[256 * b + j] = 0;
        }
        xd[b] = 0.0f;
        return;
    }
    float iscale = -127.0f / max;
    for (int j = 0; j < 256; j++) {
        xq[256 * b + j] = (char) min(127, (int) rint(iscale * v[j]));
    }
    xd[b] = 1.0f / iscale;
}

// F16 weights multiply activations rounded to F16.
kernel void quant_f16(global const float* x, int xOff, int count, global float* out) {
    int i = get_global_id(0);
    if (i < count) {
        out[i] = round_f16(x[xOff + i]);
    }
}

// ---- matrix products: out[outOff + t*rows + r] = W[r] . x_t, one work-group per weight row -----------------

// The dot product of one 32-chunk for token t, per weight type. The integer block sums are exact, as ggml's are;
// each chunk's sum is scaled in f32 and added to the lane's accumulator.
#define MATMUL(T, LOAD, DOT)                                                                                         \
kernel void matmul_##T(global const uchar* w, ulong rowBytes, int rows, int cols, global const float* xf,         \
                       int xOff, global const char* xq, global const float* xd, int n, global float* out,        \
                       int outOff) {                                                                                \
    local float red[WG];                                                                                            \
    int r = get_group_id(0);                                                                                        \
    int l = get_local_id(0);                                                                                        \
    global const uchar* row = w + (ulong) r * rowBytes;                                                             \
    int chunks = cols / 32;                                                                                         \
    for (int t0 = 0; t0 < n; t0 += TT) {                                                                            \
        float acc[TT];                                                                                              \
        for (int k = 0; k < TT; k++) {                                                                              \
            acc[k] = 0.0f;                                                                                          \
        }                                                                                                           \
        for (int c = l; c < chunks; c += WG) {                                                                      \
            LOAD                                                                                                    \
            for (int k = 0; k < TT && t0 + k < n; k++) {                                                            \
                int t = t0 + k;                                                                                     \
                DOT                                                                                                 \
            }                                                                                                       \
        }                                                                                                           \
        for (int k = 0; k < TT && t0 + k < n; k++) {                                                                \
            float s = wg_sum(acc[k], red);                                                                          \
            if (l == 0) {                                                                                           \
                out[outOff + (t0 + k) * rows + r] = s;                                                              \
            }                                                                                                       \
        }                                                                                                           \
    }                                                                                                               \
}

MATMUL(f32,
    float wv[32]; deq_f32(row, c, wv);,
    global const float* xv = xf + xOff + (ulong) t * cols + 32 * c;
    float s = 0.0f;
    for (int j = 0; j < 32; j++) { s = fma(wv[j], xv[j], s); }
    acc[k] += s;)

MATMUL(f16,
    float wv[32]; deq_f16(row, c, wv);,
    global const float* xv = xf + (ulong) t * cols + 32 * c;
    float s = 0.0f;
    for (int j = 0; j < 32; j++) { s = fma(wv[j], xv[j], s); }
    acc[k] += s;)

MATMUL(q4_0,
    global const uchar* b = row + (ulong) c * 18;
    float dw = f16_at(b);
    int wq[32];
    for (int j = 0; j < 16; j++) { int q = b[2 + j]; wq[j] = (q & 15) - 8; wq[j + 16] = (q >> 4) - 8; },
    global const char* xv = xq + (ulong) t * cols + 32 * c;
    int isum = 0;
    for (int j = 0; j < 32; j++) { isum += wq[j] * xv[j]; }
    acc[k] += (dw * xd[t * chunks + c]) * (float) isum;)

MATMUL(q8_0,
    global const uchar* b = row + (ulong) c * 34;
    float dw = f16_at(b);
    global const char* wq = (global const char*) (b + 2);,
    global const char* xv = xq + (ulong) t * cols + 32 * c;
    int isum = 0;
    for (int j = 0; j < 32; j++) { isum += wq[j] * xv[j]; }
    acc[k] += (dw * xd[t * chunks + c]) * (float) isum;)

MATMUL(q4_k,
    int wq[32]; float d; float dmin; int sc; int m;
    q4_k_chunk(row, c, wq, &d, &dmin, &sc, &m);,
    global const char* xv = xq + (ulong) t * cols + 32 * c;
    int isum = 0;
    int bsum = 0;
    for (int j = 0; j < 32; j++) { isum += wq[j] * xv[j]; bsum += xv[j]; }
    float dx = xd[t * (cols / 256) + (c >> 3)];
    acc[k] += (d * dx) * (float) (sc * isum) - (dmin * dx) * (float) (m * bsum);)

MATMUL(q6_k,
    int wq[32]; float d; int sc0; int sc1;
    q6_k_chunk(row, c, wq, &d, &sc0, &sc1);,
    global const char* xv = xq + (ulong) t * cols + 32 * c;
    int s0 = 0;
    int s1 = 0;
    for (int j = 0; j < 16; j++) { s0 += wq[j] * xv[j]; s1 += wq[j + 16] * xv[j + 16]; }
    float dx = xd[t * (cols / 256) + (c >> 3)];
    acc[k] += (d * dx) * (float) (sc0 * s0 + sc1 * s1);)

// Exact f32 products of the exactly dequantized weights with unrounded activations (the CPU backend's
// ActivationRounding.NONE, which llama.cpp's dequant_f32 reference runs): for checking the dequantization and the
// decoder apart from the activation rounding.
#define MATMUL_EXACT(T)                                                                                              \
MATMUL(exact_##T,                                                                                                  \
    float wv[32]; deq_##T(row, c, wv);,                                                                             \
    global const float* xv = xf + xOff + (ulong) t * cols + 32 * c;                                                 \
    float s = 0.0f;                                                                                                 \
    for (int j = 0; j < 32; j++) { s = fma(wv[j], xv[j], s); }                                                      \
    acc[k] += s;)
MATMUL_EXACT(f32)
MATMUL_EXACT(f16)
MATMUL_EXACT(q4_0)
MATMUL_EXACT(q8_0)
MATMUL_EXACT(q4_k)
MATMUL_EXACT(q6_k)

// ---- element-wise and per-token steps ---------------------------------------------------------------------

// Positions given an embedding (audio or image soft tokens) take it unscaled instead of their token's row.
kernel void embed_inputs(global float* x0, global const float* embeddings, global const int* slot, int n, int d) {
    int id = get_global_id(0);
    if (id >= n * d) {
        return;
    }
    int t = id / d;
    if (slot[t] >= 0) {
        x0[id] = embeddings[(ulong) slot[t] * d + id % d];
    }
}

// Spec 5.2: per (token, layer), the projection scaled by 1/sqrt(D), RMS-normed, plus the per-layer token row
// (already times sqrt(256)), times sqrt(1/2).
kernel void per_layer_inputs(global float* proj, global const float* rows, global const float* norm, int lp,
                             float projScale, float eps) {
    local float red[WG];
    int t = get_group_id(0) / (lp / 256);
    int layer = get_group_id(0) % (lp / 256);
    global float* p = proj + (ulong) t * lp + layer * 256;
    global const float* e = rows + (ulong) t * lp + layer * 256;
    for (int i = get_local_id(0); i < 256; i += WG) {
        p[i] = p[i] * projScale;
    }
    float sc = rms_scale(p, 256, eps, red);
    for (int i = get_local_id(0); i < 256; i += WG) {
        p[i] = ((p[i] * sc) * norm[i] + e[i]) * SQRT_HALF;
    }
}

// Streams 1..3 of each token rescaled to the L2 norm of its stream 0: (y * m0) / |y|. Stream s of token t at
// s*stride + t*d.
kernel void match_magnitude(global float* buf, int stride, int d) {
    local float red[WG];
    int t = get_group_id(0);
    float m0 = sqrt(wg_sumsq(buf + (ulong) t * d, d, red));
    for (int s = 1; s < 4; s++) {
        global float* y = buf + (ulong) s * stride + (ulong) t * d;
        float mk = sqrt(wg_sumsq(y, d, red));
        for (int i = get_local_id(0); i < d; i += WG) {
            y[i] = (y[i] * m0) / mk;
        }
    }
}

// out = ((x * rms) * w) * post per token (w null: hasW 0); in place when out is x.
kernel void rms_norm(global const float* x, int xOff, global const float* w, int hasW, global float* out,
                     int outOff, int n, float eps, float post) {
    local float red[WG];
    int t = get_group_id(0);
    global const float* v = x + xOff + (ulong) t * n;
    global float* o = out + outOff + (ulong) t * n;
    float sc = rms_scale(v, n, eps, red);
    for (int i = get_local_id(0); i < n; i += WG) {
        float y = v[i] * sc;
        if (hasW) {
            y = y * w[i];
        }
        o[i] = y * post;
    }
}

// x = (x * rms) * w + add, per token (LAuReL's output).
kernel void rms_norm_add(global float* x, global const float* w, global const float* add, int n, float eps) {
    local float red[WG];
    int t = get_group_id(0);
    global float* v = x + (ulong) t * n;
    global const float* a = add + (ulong) t * n;
    float sc = rms_scale(v, n, eps, red);
    for (int i = get_local_id(0); i < n; i += WG) {
        v[i] = (v[i] * sc) * w[i] + a[i];
    }
}

// AltUp predict: coefficients routed from tanh(router output), streams mixed, and stream 0 of the prediction
// RMS-normed into xn.
kernel void altup_predict(global const float* streams, global float* pred, int stride, global const float* mod,
                          global const float* coefW, global const float* norm, global float* xn, int d, float eps) {
    local float red[WG];
    int t = get_group_id(0);
    float m[4];
    for (int s = 0; s < 4; s++) {
        m[s] = tanh(mod[t * 4 + s]);
    }
    float coef[16];
    for (int o = 0; o < 16; o++) {
        float sum = 0.0f;
        for (int s = 0; s < 4; s++) {
            sum += coefW[o * 4 + s] * m[s];
        }
        coef[o] = sum;
    }
    for (int i = get_local_id(0); i < d; i += WG) {
        for (int j = 0; j < 4; j++) {
            float sum = 0.0f;
            for (int s = 0; s < 4; s++) {
                sum += streams[(ulong) s * stride + (ulong) t * d + i] * coef[j * 4 + s];
            }
            pred[(ulong) j * stride + (ulong) t * d + i] = streams[(ulong) j * stride + (ulong) t * d + i] + sum;
        }
    }
    global const float* p0 = pred + (ulong) t * d;
    float sc = rms_scale(p0, d, eps, red);
    for (int i = get_local_id(0); i < d; i += WG) {
        xn[(ulong) t * d + i] = (p0[i] * sc) * norm[i];
    }
}

// Q or K per (token, head): RMS norm (weightless for V), then NEOX RoPE with the position's angles from the
// tables (cos, sin) of [positions][half], unless rope is 0.
kernel void head_norm_rope(global float* x, int heads, int hd, global const float* w, int hasW, int rope,
                           global const float* cosT, global const float* sinT, global const int* positions, float eps) {
    local float red[WG];
    int t = get_group_id(0) / heads;
    int h = get_group_id(0) % heads;
    global float* v = x + ((ulong) t * heads + h) * hd;
    float sc = rms_scale(v, hd, eps, red);
    for (int i = get_local_id(0); i < hd; i += WG) {
        float y = v[i] * sc;
        v[i] = hasW ? y * w[i] : y;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    if (!rope) {
        return;
    }
    int hh = hd / 2;
    global const float* c = cosT + (ulong) positions[t] * hh;
    global const float* s = sinT + (ulong) positions[t] * hh;
    for (int i = get_local_id(0); i < hh; i += WG) {
        float x0 = v[i];
        float x1 = v[i + hh];
        v[i] = x0 * c[i] - x1 * s[i];
        v[i + hh] = x0 * s[i] + x1 * c[i];
    }
}

// Writes each token's K and V into its cache ring: row base[t] + position % capacity of the layer's buffers.
kernel void kv_store(global const float* k, global const float* v, global float* kc, global float* vc,
                     global const int* base, global const int* positions, int capacity, int kvd, int n) {
    int id = get_global_id(0);
    if (id >= n * kvd) {
        return;
    }
    int t = id / kvd;
    ulong row = (ulong) base[t] + positions[t] % capacity;
    kc[row * kvd + id % kvd] = k[id];
    vc[row * kvd + id % kvd] = v[id];
}

// One query head of one token over its cache positions [first, pos]: scores (scale 1), softmax (max, exp, sum,
// times 1/sum), weighted sum of V. scores is scratch of maxPositions floats per (token, head).
kernel void attention(global const float* q, global const float* kc, global const float* vc, global float* out,
                      global const int* base, global const int* positions, int capacity, int window, int nh,
                      int nkv, int hd, global float* scores, int maxPositions) {
    local float red[WG];
    int t = get_group_id(0) / nh;
    int h = get_group_id(0) % nh;
    int l = get_local_id(0);
    int pos = positions[t];
    int first = window > 0 ? max(0, pos - window + 1) : 0;
    int count = pos - first + 1;
    int kvd = nkv * hd;
    int kvOff = (h / (nh / nkv)) * hd;
    global const float* qv = q + ((ulong) t * nh + h) * hd;
    global float* sc = scores + ((ulong) t * nh + h) * maxPositions;
    float mx = -INFINITY;
    for (int j = l; j < count; j += WG) {
        ulong row = (ulong) base[t] + (first + j) % capacity;
        global const float* kv = kc + row * kvd + kvOff;
        float s = 0.0f;
        for (int i = 0; i < hd; i++) {
            s = fma(qv[i], kv[i], s);
        }
        sc[j] = s;
        mx = fmax(mx, s);
    }
    mx = wg_max(mx, red);
    float sum = 0.0f;
    for (int j = l; j < count; j += WG) {
        float e = exp(sc[j] - mx);
        sc[j] = e;
        sum += e;
    }
    float inv = 1.0f / wg_sum(sum, red);
    for (int j = l; j < count; j += WG) {
        sc[j] = sc[j] * inv;
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
    global float* o = out + ((ulong) t * nh + h) * hd;
    for (int i = l; i < hd; i += WG) {
        float acc = 0.0f;
        for (int j = 0; j < count; j++) {
            ulong row = (ulong) base[t] + (first + j) % capacity;
            acc = fma(sc[j], vc[row * kvd + kvOff + i], acc);
        }
        o[i] = acc;
    }
}

// After attention: attn normed, joined with the prediction's stream 0 and LAuReL, times sqrt(1/2), and that
// RMS-normed for the FFN.
kernel void post_attention(global float* attn, global const float* postNorm, global const float* pred,
                           global const float* laurel, global float* al, global const float* ffnNorm,
                           global float* ffnIn, int d, float eps) {
    local float red[WG];
    int t = get_group_id(0);
    ulong off = (ulong) t * d;
    float sc = rms_scale(attn + off, d, eps, red);
    for (int i = get_local_id(0); i < d; i += WG) {
        float a = (attn[off + i] * sc) * postNorm[i];
        attn[off + i] = a;
        al[off + i] = ((a + pred[off + i]) + laurel[off + i]) * SQRT_HALF;
    }
    float sc2 = rms_scale(al + off, d, eps, red);
    for (int i = get_local_id(0); i < d; i += WG) {
        ffnIn[off + i] = (al[off + i] * sc2) * ffnNorm[i];
    }
}

// GELU, tanh approximation: exactly in f32, or (as ggml-cpu by default) through the table of fp16(gelu(fp16 x)).
float gelu(float x, int exact, global const float* table) {
    if (exact) {
        return 0.5f * x * (1.0f + tanh(0.7978845608f * x * (1.0f + 0.044715f * x * x)));
    }
    if (x <= -10.0f) {
        return 0.0f;
    }
    if (x >= 10.0f) {
        return x;
    }
    ushort h;
    vstore_half_rte(x, 0, (half*) &h);
    return table[h];
}

// Spec 5.3 step 8 between the matmuls: Gaussian top-k of the gate in sparse layers (keep what exceeds mean +
// 1.645 std, N-1 divisor, shifted down by that cutoff), GELU, times up.
kernel void ffn_activation(global float* gate, global float* up, int ff, int sparse, int exact,
                           global const float* table) {
    local float red[WG];
    int t = get_group_id(0);
    global float* g = gate + (ulong) t * ff;
    global float* u = up + (ulong) t * ff;
    float cutoff = 0.0f;
    if (sparse) {
        float s = 0.0f;
        for (int i = get_local_id(0); i < ff; i += WG) {
            s += g[i];
        }
        float mean = wg_sum(s, red) / (float) ff;
        float sq = 0.0f;
        for (int i = get_local_id(0); i < ff; i += WG) {
            float dv = g[i] - mean;
            float d2 = dv * dv;
            sq += d2;
        }
        float std = sqrt(wg_sum(sq, red) * (1.0f / (ff - 1)));
        cutoff = mean + std * 1.6448533535003662f;
    }
    for (int i = get_local_id(0); i < ff; i += WG) {
        float x = sparse ? fmax(0.0f, g[i] - cutoff) : g[i];
        u[i] = u[i] * gelu(x, exact, table);
    }
}

kernel void add_into(global float* x, global const float* y, int count) {
    int i = get_global_id(0);
    if (i < count) {
        x[i] = x[i] + y[i];
    }
}

// AltUp correct: every stream j becomes (ffn - pred_0) * (coef_j + 1) + pred_j.
kernel void altup_correct(global float* streams, global const float* pred, int stride, global const float* ffn,
                          global const float* mod, global const float* coefW, int d) {
    int t = get_group_id(0);
    float m[4];
    for (int s = 0; s < 4; s++) {
        m[s] = tanh(mod[t * 4 + s]);
    }
    float coef[4];
    for (int j = 0; j < 4; j++) {
        float sum = 0.0f;
        for (int s = 0; s < 4; s++) {
            sum += coefW[j * 4 + s] * m[s];
        }
        coef[j] = sum + 1.0f;
    }
    for (int i = get_local_id(0); i < d; i += WG) {
        ulong off = (ulong) t * d + i;
        float innovation = ffn[off] - pred[off];
        for (int j = 0; j < 4; j++) {
            streams[(ulong) j * stride + off] = innovation * coef[j] + pred[(ulong) j * stride + off];
        }
    }
}

kernel void mul_vector(global const float* x, global const float* w, global float* out, int n, int count) {
    int i = get_global_id(0);
    if (i < count) {
        out[i] = x[i] * w[i % n];
    }
}

// The per-layer input gate: gelu(gate) times layer l's per-layer input.
kernel void gelu_per_layer(global float* g, global const float* perLayer, int lp, int layer, int exact,
                           global const float* table, int count) {
    int i = get_global_id(0);
    if (i < count) {
        int t = i / 256;
        g[i] = gelu(g[i], exact, table) * perLayer[(ulong) t * lp + layer * 256 + i % 256];
    }
}

// The per-layer projection, RMS-normed, added to streams 1..3.
kernel void per_layer_out(global float* pp, global const float* norm, global float* streams, int stride, int d,
                          float eps) {
    local float red[WG];
    int t = get_group_id(0);
    ulong off = (ulong) t * d;
    float sc = rms_scale(pp + off, d, eps, red);
    for (int i = get_local_id(0); i < d; i += WG) {
        float p = (pp[off + i] * sc) * norm[i];
        pp[off + i] = p;
        for (int s = 1; s < 4; s++) {
            streams[(ulong) s * stride + off + i] = streams[(ulong) s * stride + off + i] + p;
        }
    }
}

// Spec 5.5: the four streams averaged and RMS-normed into row outRow[t] of out, for the tokens whose logits are
// wanted (outRow -1: none).
kernel void merge_streams(global const float* pred, int stride, global const int* outRow, global const float* norm,
                          global float* merged, global float* out, int d, float eps) {
    local float red[WG];
    int t = get_group_id(0);
    if (outRow[t] < 0) {
        return;
    }
    ulong off = (ulong) t * d;
    for (int i = get_local_id(0); i < d; i += WG) {
        float sum = pred[off + i];
        for (int s = 1; s < 4; s++) {
            sum += pred[(ulong) s * stride + off + i];
        }
        merged[off + i] = sum * 0.25f;
    }
    float sc = rms_scale(merged + off, d, eps, red);
    for (int i = get_local_id(0); i < d; i += WG) {
        out[(ulong) outRow[t] * d + i] = (merged[off + i] * sc) * norm[i];
    }
}

// The final soft-capping: tanh(x / cap) * cap, as scale, tanh, scale.
kernel void softcap(global float* x, int count, float cap) {
    int i = get_global_id(0);
    if (i < count) {
        x[i] = tanh(x[i] * (1.0f / cap)) * cap;
    }
}
