/* sf_q8: int8 dense layers (TFLite's int8 scheme, as TFLM / CMSIS-NN): int8 activations with a
 * zero point per tensor, int8 weights symmetric per output channel, int32 biases (input zero
 * point folded in) and accumulators, requantisation by a fixed-point multiplier and shift per
 * output channel with gemmlowp's SaturatingRoundingDoublingHighMul + RoundingDivideByPOT.
 * Integer only: no float, no division; the one 64-bit product per output is a mul/mulh pair on
 * RV32IM, UMULL/SMULL on Cortex-M3/M4. The exact reference: sensorflow.stages.models.int8. */
#ifndef SF_Q8_H
#define SF_Q8_H

#include <stdint.h>

#include "sf_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const int8_t *w;       /* n_out rows of n_in weights */
    const int32_t *bias;   /* bias - z_in * sum_i w[j][i] */
    const int32_t *mult;   /* per output channel: multiplier in [2^30, 2^31) (or 0) ... */
    const int8_t *shift;   /* ... and shift: y = acc * mult * 2^(shift - 31) */
    const int8_t *lut;     /* NULL, or 256 entries: tanh/logistic of the requantised code */
    uint16_t n_in, n_out;
    int8_t zp;             /* zero point added after requantisation */
    int8_t lo;             /* clamp: -128, or the zero point for relu */
} sf_q8_layer;

/* int8 codes of float features, integer only: q = clamp(zp + sign(x) * round(|x| / scale)),
 * |x| / scale = mantissa(x) * mult * 2^(exponent(x) - 181 + shift) in 64-bit fixed point (1 / scale
 * = mult * 2^(shift - 31)), rounded half away from zero; inf and NaN saturate by their sign. */
void sf_q8_quantize(const float *x, int32_t mult, int shift, int zp, int8_t *q, uint32_t n);

/* TFLite MultiplyByQuantizedMultiplier (a left shift saturates to int32 instead of overflowing). */
int32_t sf_q8_requantize(int32_t acc, int32_t mult, int shift);

/* y[k] = clamp(zp + requantize(bias[k] + sums[k]), lo, 127), then lut if set, k < layer->n_out:
 * a layer's outputs from int32 sums computed elsewhere (the integer pipeline's per-frame sums). */
void sf_q8_requantize_sums(const int32_t *sums, const int32_t *bias, const sf_q8_layer *layer, int8_t *y);

/* y = clamp(zp + requantize(bias[j] + sum_i w[j][i] * x[i]), lo, 127), then lut if set.
 * x and y must not overlap. */
void sf_q8_dense(const int8_t *x, const sf_q8_layer *layer, int8_t *y);

/* acc[r] += sum_{c < n} x[c] * w[r * stride + c] for the four rows r < 4 (the integer pipeline's
 * first-layer sums of one frame: one code vector against four filters' weights). SF_Q8_DOT4_SIMD:
 * it runs the SXTB16/SMLAD assembly block (Cortex-M4/M7/M33); elsewhere callers may prefer their
 * own loop over a constant n, which the compiler unrolls (the same sums). */
#if defined(__ARM_FEATURE_DSP) && defined(__GNUC__) && defined(__thumb2__) && !defined(SF_Q8_PORTABLE)
#define SF_Q8_DOT4_SIMD 1
#endif
void sf_q8_dot4(const int8_t *x, const int8_t *w, uint32_t stride, uint32_t n, int32_t *acc);

/* Valid 1-D convolution over time-major int8 frames x (steps x c_in): layer->n_in = kernel * c_in,
 * layer->n_out = filters; y (steps_out x filters, time-major) gets the dense layer applied to the
 * contiguous patch of each output step (steps_out = (steps - kernel) / stride + 1). */
void sf_q8_conv1d(const int8_t *x, uint32_t steps, uint32_t c_in, uint32_t kernel, uint32_t stride,
                  const sf_q8_layer *layer, int8_t *y);
/* sf_q8_conv1d with a scratch of steps * c_in / 2 int32 (word aligned): on the Cortex-M4 build the
 * input is widened there once to int16 lane pairs, so the inner loop loads each patch word pair
 * with one LDRD (when kernel * c_in and stride * c_in are multiples of 4); the same integers. */
void sf_q8_conv1d_w16(const int8_t *x, uint32_t steps, uint32_t c_in, uint32_t kernel, uint32_t stride,
                      const sf_q8_layer *layer, int8_t *y, int32_t *xw);

/* The first conv layer's bias for a centred window (conv1d center_window): x (steps x c_in) the
 * uncentred int8 codes, layer the first conv layer (n_in = kernel * c_in), bias its int32 bias
 * without the zero point folded in; totals[c] = sum_t x[t][c] (c_in int32 of scratch), then
 * out[f] = bias[f] - requantize(sum_k sum_c w[f][k * c_in + c] * totals[c], mult, shift), mult/shift
 * = 1 / steps. The layer on x with this bias equals the layer on x less its window means (the
 * zero point cancels), to within the rounding of the requantisation. */
void sf_q8_centre_bias(const int8_t *x, uint32_t steps, uint32_t c_in, const sf_q8_layer *layer, const int32_t *bias,
                       int32_t mult, int shift, int32_t *totals, int32_t *out);

/* Global max pooling over time: y[c] = max over t of x[t * n_c + c]. */
void sf_q8_maxpool(const int8_t *x, uint32_t steps, uint32_t n_c, int8_t *y);

/* TFLite's int8 global average pooling over time (scale and zero point unchanged): s = sum over t
 * of x[t * n_c + c], y[c] = sign(s) * ((|s| + steps / 2) / steps), the division by the constant
 * steps done as ((|s| + steps / 2) * mult) >> (32 + shift), exact for every |s| <= 128 * steps
 * (mult, shift from the export, int8_conv.avg_divider; mult 0: steps == 1, a copy). */
void sf_q8_avgpool(const int8_t *x, uint32_t steps, uint32_t n_c, uint32_t mult, int shift, int8_t *y);

/* Label from int8 logits: first maximum, or (one logit) logit > zero point. */
int sf_q8_argmax(const int8_t *z, uint32_t n, int8_t zp);

/* Scores from int8 logits without exp: n > 1: softmax, scores[c] = table[max - z[c]] / sum in
 * class order (table[d] = float32 exp(-d * scale)); n == 1: scores[1] = table[z + 128] (the
 * logistic of the dequantised logit), scores[0] = 1 - scores[1]. Float adds and divides only. */
void sf_q8_scores(const int8_t *z, uint32_t n, const float *table, float *scores);

#ifdef __cplusplus
}
#endif

#endif /* SF_Q8_H */
