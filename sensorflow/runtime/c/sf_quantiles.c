/* sf_quantiles: interval quantiles (see sf_quantiles.h). Sorting moves values without
 * arithmetic, so the sorted intervals equal the reference's; the quantiles are one float32
 * expression each, the reference's. */
#include "sf_quantiles.h"

/* In-place ascending heapsort of a[0..n) (no recursion, no allocation). */
static void sf_quantiles_sort(float *a, uint32_t n)
{
    uint32_t start = n / 2u, end = n;
    while (end > 1u) {
        uint32_t root, child;
        float v;
        if (start > 0u) {
            start--;
            v = a[start];
            root = start;
        } else {
            end--;
            v = a[end];
            a[end] = a[0];
            root = 0u;
        }
        for (child = 2u * root + 1u; child < end; child = 2u * root + 1u) {
            if (child + 1u < end && a[child + 1u] > a[child]) child++;
            if (!(a[child] > v)) break;
            a[root] = a[child];
            root = child;
        }
        a[root] = v;
    }
}

static uint32_t sf_quantiles_of(const float *s, uint32_t m, uint32_t q, float *dst)
{
    uint32_t k;
    for (k = 0; k <= q; k++) {
        uint32_t pos = k * (m - 1u), i = pos / q, r = pos % q;
        float lo = s[i];
        dst[k] = (r == 0u) ? lo : lo + (s[i + 1u] - lo) * ((float)r / (float)q);
    }
    return q + 1u;
}

uint32_t sf_quantiles_f32(const float *src, uint32_t stride, uint32_t length, uint32_t diff, uint32_t depth,
                          uint32_t q, float *work, float *dst)
{
    uint32_t rep, level, j, t, written = 0;
    for (rep = 0; rep <= (diff ? 1u : 0u); rep++) {
        uint32_t m = rep ? length - 1u : length;
        for (level = 0; level < depth; level++) {
            uint32_t parts = 1u << level;
            for (j = 0; j < parts; j++) {
                uint32_t a = (uint32_t)(((uint64_t)j * m) >> level);
                uint32_t b = (uint32_t)(((uint64_t)(j + 1u) * m) >> level);
                for (t = a; t < b; t++)
                    work[t - a] = rep ? src[(t + 1u) * stride] - src[t * stride] : src[t * stride];
                sf_quantiles_sort(work, b - a);
                written += sf_quantiles_of(work, b - a, q, dst + written);
            }
        }
    }
    return written;
}
