/* Batch measuring image: runs BENCH_ENTRY over every input once (results pass, printed),
 * then times BENCH_REPEAT passes over all inputs against the same passes over an empty
 * function with the same signature. Python (sensorflow/device/measure.py) parses:
 *   R <i> <result>      one line per input
 *   W <hex>             words from bench_out_*
 *   EMPTY <counter>     counter units of the empty-loop region
 *   REGION <counter>    counter units of the measured region
 *   CALLS <n>           calls in each region
 *   STACK <bytes>       stack used by one more entry call below the caller's sp (painted-stack high-water mark)
 *   DONE */
#include <stdint.h>
#include <string.h>
#include "bench.h"
#include "port.h"

#ifndef BENCH_N_INPUTS
#define BENCH_N_INPUTS 1
#endif
#ifndef BENCH_REPEAT
#define BENCH_REPEAT 1
#endif
/* the results pass may cover more inputs (e.g. extra boundary vectors) than the timed passes */
#ifndef BENCH_N_RESULTS
#define BENCH_N_RESULTS BENCH_N_INPUTS
#endif

extern int BENCH_ENTRY(int i);
void bench_report(int i) __attribute__((weak));
void bench_report(int i) { (void)i; }

__attribute__((noinline)) static int bench_empty(int i)
{
    __asm__ volatile("" ::: "memory");
    return i;
}

#define STACK_PATTERN 0xA5C3A5C3u
extern uint32_t _stack_bottom; /* the board's link.ld: the .stack section */

/* Fill the unused part of the stack section with a pattern. */
__attribute__((noinline)) static void stack_paint(void)
{
    volatile uint32_t here = 0;
    uint32_t *lo = &_stack_bottom;
    uint32_t *hi = (uint32_t *)(((uintptr_t)&here - 16u) & ~(uintptr_t)3u);
    for (uint32_t *p = lo; p < hi; ++p) *p = STACK_PATTERN;
}

/* Bytes between the caller's stack pointer `sp` and the deepest word that lost the pattern.
 * Within a few words for very small users (the painting function's own frame stays unpainted). */
static uint32_t stack_used(uintptr_t sp)
{
    uint32_t *p = &_stack_bottom;
    while ((uintptr_t)p < sp && *p == STACK_PATTERN) ++p;
    return (uint32_t)(sp - (uintptr_t)p);
}

static inline uintptr_t stack_pointer(void)
{
    uintptr_t sp;
#if defined(__riscv)
    __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
    __asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
    return sp;
}

typedef int (*bench_fn)(int);
static bench_fn volatile entry_fn = BENCH_ENTRY;
static bench_fn volatile empty_fn = bench_empty;
volatile int bench_sink;

void bench_print(const char *text)
{
    while (*text) port_putc(*text++);
}

static void print_u64(uint64_t v)
{
    char buf[24];
    int n = 0;
    do { buf[n++] = (char)('0' + (int)(v % 10u)); v /= 10u; } while (v);
    while (n) port_putc(buf[--n]);
}

static void print_i32(int v)
{
    if (v < 0) { port_putc('-'); print_u64((uint64_t)(-(int64_t)v)); }
    else print_u64((uint64_t)v);
}

void bench_out_u32(uint32_t word)
{
    static const char hex[] = "0123456789abcdef";
    port_putc('W'); port_putc(' ');
    for (int s = 28; s >= 0; s -= 4) port_putc(hex[(word >> s) & 0xFu]);
    port_putc('\n');
}

void bench_out_f32(float value)
{
    uint32_t w;
    memcpy(&w, &value, sizeof w);
    bench_out_u32(w);
}

static uint64_t run_region(bench_fn volatile *fn)
{
    int acc = 0;
    uint64_t t0 = port_counter();
    for (int k = 0; k < BENCH_REPEAT; ++k)
        for (int i = 0; i < BENCH_N_INPUTS; ++i)
            acc += (*fn)(i);
    uint64_t t1 = port_counter();
    bench_sink = acc;
    return t1 - t0;
}

int main(void)
{
    port_init();
    bench_print("START\n");
    for (int i = 0; i < BENCH_N_RESULTS; ++i) {
        int r = (*entry_fn)(i);
        bench_print("R "); print_i32(i); port_putc(' '); print_i32(r); port_putc('\n');
        bench_report(i);
    }
    /* warm-up of both loops so neither region pays first-touch effects differently */
    (void)run_region(&empty_fn);
    uint64_t empty = run_region(&empty_fn);
    uint64_t region = run_region(&entry_fn);
    bench_print("EMPTY "); print_u64(empty); port_putc('\n');
    bench_print("REGION "); print_u64(region); port_putc('\n');
    bench_print("CALLS "); print_u64((uint64_t)BENCH_REPEAT * (uint64_t)BENCH_N_INPUTS); port_putc('\n');
    stack_paint();
    uintptr_t sp = stack_pointer();
    bench_sink = (*entry_fn)(0);
    bench_print("STACK "); print_u64(stack_used(sp)); port_putc('\n');
    bench_print("DONE\n");
    port_exit(0);
}
