/* Host "board": the HIL firmware as a native process whose stdin/stdout is a pseudo-terminal
 * (the runner gives it the pty master). Sleeps in poll(2) while no byte is waiting. The
 * counter is CLOCK_MONOTONIC nanoseconds. The HIL loop runs on a painted stack of its own
 * (ucontext), so the stack high-water mark is measured as on the MCU boards; not under
 * AddressSanitizer, which does not follow stack switches (there the stack is not measured). */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hil_port.h"
#include "hil_proto.h"

#if defined(__SANITIZE_ADDRESS__)
#define HIL_HOST_OWN_STACK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HIL_HOST_OWN_STACK 0
#endif
#endif
#ifndef HIL_HOST_OWN_STACK
#define HIL_HOST_OWN_STACK 1
#endif

int hil_main(void);

#if HIL_HOST_OWN_STACK
#include <ucontext.h>

#define HOST_STACK_WORDS (256u * 1024u / 4u)
static uint32_t host_stack[HOST_STACK_WORDS];
static ucontext_t main_ctx, loop_ctx;

static void run_loop(void) { (void)hil_main(); }

int main(void)
{
    hil_stack_paint(host_stack, host_stack + HOST_STACK_WORDS);
    getcontext(&loop_ctx);
    loop_ctx.uc_stack.ss_sp = host_stack;
    loop_ctx.uc_stack.ss_size = sizeof host_stack;
    loop_ctx.uc_link = &main_ctx;
    makecontext(&loop_ctx, run_loop, 0);
    swapcontext(&main_ctx, &loop_ctx);
    return 0;
}

uint32_t port_stack_size(void) { return (uint32_t)sizeof host_stack; }
uint32_t port_stack_used(void) { return hil_stack_high_water(host_stack, host_stack + HOST_STACK_WORDS); }
#else
int main(void) { return hil_main(); }
uint32_t port_stack_size(void) { return 0u; }
uint32_t port_stack_used(void) { return 0u; }
#endif

extern char __executable_start, etext, __data_start, end;

static unsigned char in_buf[512];
static ssize_t in_len, in_pos;
static uint64_t t_start;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void port_init(void) {}

int port_getc(void)
{
    if (in_pos < in_len) {
        return in_buf[in_pos++];
    }
    struct pollfd p = {0, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) {
        return -1;
    }
    ssize_t n = read(0, in_buf, sizeof in_buf);
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            return -1;
        }
        exit(0); /* the other end of the line is gone */
    }
    in_len = n;
    in_pos = 1;
    return in_buf[0];
}

void port_wait_input(void)
{
    struct pollfd p = {0, POLLIN, 0};
    (void)poll(&p, 1, -1);
}

void port_write(const uint8_t *data, uint32_t n)
{
    while (n > 0u) {
        ssize_t w = write(1, data, n);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            exit(0);
        }
        data += w;
        n -= (uint32_t)w;
    }
}

void port_counter_start(void) { t_start = now_ns(); }
uint64_t port_counter_stop(void) { return now_ns() - t_start; }
uint8_t port_counter_unit(void) { return HIL_COUNTER_NANOSECONDS; }
uint32_t port_ram_bytes(void) /* .data + .bss, without the loop's own stack */
{
    return (uint32_t)(&end - &__data_start) - port_stack_size();
}
uint32_t port_flash_bytes(void) { return (uint32_t)(&etext - &__executable_start); }
const char *port_board_name(void) { return "host"; }
