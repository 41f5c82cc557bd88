/* mps2-an386 port of the measuring image (measure/harness.c; startup.c and link.ld are the
 * HIL firmware's): CMSDK APB UART0 for output, SysTick (processor clock) as the counter,
 * semihosting SYS_EXIT to stop QEMU. With -icount shift=0 one SysTick tick is a fixed
 * number of executed instructions (calibrated by sensorflow.device.measure.calibrate). */
#include <stdint.h>
#include "port.h"

#define UART0_DATA (*(volatile uint32_t *)0x40004000u)
#define UART0_STATE (*(volatile uint32_t *)0x40004004u)
#define UART0_CTRL (*(volatile uint32_t *)0x40004008u)
#define UART0_BAUDDIV (*(volatile uint32_t *)0x40004010u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t systick_wraps;

void SysTick_Handler(void) { systick_wraps++; }

void port_init(void)
{
    UART0_BAUDDIV = 16u; /* QEMU drops TX bytes below 16 */
    UART0_CTRL = 1u;     /* TX enable */
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* enable, interrupt on wrap, processor clock */
    __asm__ volatile("cpsie i" ::: "memory"); /* startup.c masks; wraps are counted in SysTick_Handler */
}

void port_putc(char c)
{
    while (UART0_STATE & 1u) {}
    UART0_DATA = (uint32_t)(unsigned char)c;
}

uint64_t port_counter(void)
{
    uint32_t w1, w2, cur;
    do {
        w1 = systick_wraps;
        cur = SYST_CVR;
        w2 = systick_wraps;
    } while (w1 != w2);
    return (uint64_t)w1 * 0x01000000u + (0x00FFFFFFu - cur);
}

void port_exit(int code)
{
    /* SYS_EXIT with ADP_Stopped_ApplicationExit (QEMU exits 0) or RunTimeErrorUnknown (exits 1) */
    register uint32_t r0 __asm__("r0") = 0x18u;
    register uint32_t r1 __asm__("r1") = code == 0 ? 0x20026u : 0x20023u;
    __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
    for (;;) {}
}

/* Called by startup.c on any fault: say so and stop QEMU (the host reports it). */
void port_fault(void) __attribute__((noreturn));
void port_fault(void)
{
    const char *msg = "FAULT\n";
    while (*msg) port_putc(*msg++);
    port_exit(3);
}
