/* QEMU riscv32 virt board port: NS16550A UART at 0x10000000 (PLIC source 10) and the
 * minstret CSR as the counter (under `qemu -icount shift=0`, mcycle == minstret == the exact
 * instruction count). Interrupts stay disabled (mstatus.MIE=0); mie.MEIE lets a pending
 * UART interrupt wake `wfi`. */
#include <string.h>

#include "hil_port.h"
#include "hil_proto.h"

#define UART ((volatile uint8_t *)0x10000000u)
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define PLIC_PRIORITY(n) (*(volatile uint32_t *)(0x0C000000u + 4u * (n)))
#define PLIC_ENABLE0 (*(volatile uint32_t *)0x0C002000u)
#define PLIC_THRESHOLD0 (*(volatile uint32_t *)0x0C200000u)
#define PLIC_CLAIM0 (*(volatile uint32_t *)0x0C200004u)
#define UART_IRQ 10u

extern uint32_t _stack_bottom, _stack_top, _sdata, _ebss, _image_end;

static uint64_t count_start;

/* Called by start.S on any trap: reset through the SiFive test device, so the host sees a fresh hello. */
void port_fault(void) __attribute__((noreturn));
void port_fault(void)
{
    *(volatile uint32_t *)0x00100000u = 0x7777u;
    for (;;) {
    }
}

static uint64_t read_instret(void)
{
    uint32_t hi, lo, hi2;
    do {
        __asm volatile("csrr %0, minstreth" : "=r"(hi));
        __asm volatile("csrr %0, minstret" : "=r"(lo));
        __asm volatile("csrr %0, minstreth" : "=r"(hi2));
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

void port_init(void)
{
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0);
    hil_stack_paint(&_stack_bottom, sp - 64);
    UART[UART_LCR] = 0x03u; /* 8N1 */
    UART[UART_FCR] = 0xC7u; /* FIFO on, clear both, RX trigger 14 (else one byte per read) */
    UART[UART_MCR] = 0x08u; /* OUT2: route the interrupt */
    UART[UART_IER] = 0x01u; /* received-data interrupt */
    PLIC_PRIORITY(UART_IRQ) = 1u;
    PLIC_ENABLE0 = 1u << UART_IRQ;
    PLIC_THRESHOLD0 = 0u;
    __asm volatile("csrc mstatus, %0" ::"r"(0x8u));
    __asm volatile("csrs mie, %0" ::"r"(0x800u));
}

int port_getc(void)
{
    if (UART[UART_LSR] & 0x01u) {
        return UART[UART_RBR];
    }
    return -1;
}

void port_wait_input(void)
{
    uint32_t id = PLIC_CLAIM0;
    if (id != 0u) {
        PLIC_CLAIM0 = id;
    }
    if (UART[UART_LSR] & 0x01u) {
        return;
    }
    __asm volatile("wfi");
}

void port_write(const uint8_t *data, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        while (!(UART[UART_LSR] & 0x20u)) {
        }
        UART[UART_THR] = data[i];
    }
}

void port_counter_start(void) { count_start = read_instret(); }
uint64_t port_counter_stop(void) { return read_instret() - count_start; }
uint8_t port_counter_unit(void) { return HIL_COUNTER_INSTRUCTIONS; }
uint32_t port_stack_size(void) { return (uint32_t)((uint8_t *)&_stack_top - (uint8_t *)&_stack_bottom); }
uint32_t port_stack_used(void) { return hil_stack_high_water(&_stack_bottom, &_stack_top); }
uint32_t port_ram_bytes(void) { return (uint32_t)((uint8_t *)&_ebss - (uint8_t *)&_sdata); }
uint32_t port_flash_bytes(void) { return (uint32_t)((uint8_t *)&_image_end - (uint8_t *)0x80000000u); }
const char *port_board_name(void) { return "qemu-riscv32"; }
