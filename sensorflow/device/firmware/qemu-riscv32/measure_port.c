/* riscv32 virt port of the measuring image (measure/harness.c; start.S and link.ld are the
 * HIL firmware's): NS16550A UART at 0x10000000, minstret as the counter (exact with
 * -icount shift=0), the SiFive test device at 0x100000 to stop QEMU. */
#include <stdint.h>
#include "port.h"

#define UART_THR (*(volatile uint8_t *)0x10000000u)
#define UART_LSR (*(volatile uint8_t *)0x10000005u)
#define TEST_DEVICE (*(volatile uint32_t *)0x00100000u)

void port_init(void) {}

void port_putc(char c)
{
    while ((UART_LSR & 0x20u) == 0u) {}
    UART_THR = (uint8_t)c;
}

uint64_t port_counter(void)
{
    uint32_t hi, lo, hi2;
    do {
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi));
        __asm__ volatile("csrr %0, minstret" : "=r"(lo));
        __asm__ volatile("csrr %0, minstreth" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

void port_exit(int code)
{
    TEST_DEVICE = code == 0 ? 0x5555u : (((uint32_t)code << 16) | 0x3333u);
    for (;;) {}
}

/* Called by start.S on any trap: say so and stop QEMU (the host reports it). */
void port_fault(void);
void port_fault(void)
{
    const char *msg = "FAULT\n";
    while (*msg) port_putc(*msg++);
    port_exit(3);
}
