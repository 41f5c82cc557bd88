/* Interface between a measured region and the batch measuring image (harness.c).
 *
 * The measured code provides   int BENCH_ENTRY(int i);   (i = 0 .. BENCH_N_INPUTS-1, usually
 * the index of a test vector compiled into the image) and may provide
 *   void bench_report(int i);   called once per input after the results pass, to print
 * outputs with bench_out_u32 / bench_out_f32.  The harness calls the entry through a volatile
 * function pointer, so the compiler cannot fold it into the timing loop. */
#ifndef SF_BENCH_H
#define SF_BENCH_H
#include <stdint.h>

void bench_out_u32(uint32_t word);
void bench_out_f32(float value);   /* the exact bit pattern, as a hex word */
void bench_print(const char *text);

#endif
