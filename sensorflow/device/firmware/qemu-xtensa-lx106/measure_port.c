/* lx60 / lx106 port of the measuring image (measure/harness.c; start.S, rt_helpers.c and
 * link.ld are the HIL firmware's): output on the board's 16550 UART at 0xFD050020
 * (registers 4 bytes apart, reset settings; QEMU does not pace bytes by baud), the debug
 * option's ICOUNT register as the exact instruction counter (start.S counts its wraps), and
 * QEMU's Xtensa semihosting call SYS_exit (simcall with a2 = 1, a3 = code; QEMU runs with
 * -semihosting-config enable=on) to stop the emulator with the exit code. */
#include <stdint.h>
#include "port.h"

#define UART_REG(n) (*(volatile uint32_t *)(0xFD050020u + 4u * (n)))
#define UART_THR UART_REG(0)
#define UART_LSR UART_REG(5)
#define SEMI_SYS_EXIT 1

extern uint32_t _sbss, _ebss;
extern int main(void);

/* ICOUNT wraps (start.S's debug handler), then two words where it saves a2/a3 */
volatile uint32_t sf_icount_wraps[3];

void _cstart(void);
void _cstart(void)
{
    for (uint32_t *d = &_sbss; d < &_ebss;) {
        *d++ = 0u;
    }
    (void)main();
    port_exit(0);
}

void port_init(void) {}

void port_putc(char c)
{
    while ((UART_LSR & 0x20u) == 0u) {
    }
    UART_THR = (uint8_t)c;
}

uint64_t port_counter(void)
{
    uint32_t w, c;
    do {
        w = sf_icount_wraps[0];
        __asm__ volatile("rsr.icount %0" : "=a"(c));
    } while (w != sf_icount_wraps[0]);
    /* w x (2^32 - 1) + c: a wrap restarts ICOUNT at 0 before the next instruction counts */
    return ((uint64_t)w << 32) - w + c;
}

void port_exit(int code)
{
    register int a2 __asm__("a2") = SEMI_SYS_EXIT;
    register int a3 __asm__("a3") = code;
    __asm__ volatile("simcall" : "+r"(a2) : "r"(a3) : "memory");
    for (;;) {
    }
}

static void put_text(const char *msg)
{
    while (*msg) port_putc(*msg++);
}

/* Called by start.S on any exception it does not handle: say so and stop QEMU (the host
 * reports it). Without semihosting, simcall itself raises an exception and lands here again:
 * say that once and sleep (interrupts are off) instead of faulting in a loop. */
void port_fault(void);
void port_fault(void)
{
    static volatile int entered;
    if (entered) {
        put_text("FAULT: simcall failed; run QEMU with -semihosting-config enable=on\n");
        for (;;) {
            __asm__ volatile("waiti 15");
        }
    }
    entered = 1;
    put_text("FAULT\n");
    port_exit(3);
}
