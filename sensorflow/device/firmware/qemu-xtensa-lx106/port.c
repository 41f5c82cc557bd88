/* QEMU lx60 machine with -cpu lx106 (the ESP8266's core): the board's 16550 UART at
 * 0xFD050020 (registers 4 bytes apart, external interrupt 0 = lx106 interrupt UART_IRQ) and
 * the debug option's ICOUNT register as the counter: it counts every executed instruction
 * exactly, with or without `qemu -icount` (start.S sets ICOUNTLEVEL=1 and counts its wraps).
 * Interrupts stay off (INTENABLE=0) except inside `waiti` in port_wait_input. */
#include "hil_port.h"
#include "hil_proto.h"

#define UART_REG(n) (*(volatile uint32_t *)(0xFD050020u + 4u * (n)))
#define UART_RBR UART_REG(0)
#define UART_THR UART_REG(0)
#define UART_IER UART_REG(1)
#define UART_FCR UART_REG(2)
#define UART_LCR UART_REG(3)
#define UART_MCR UART_REG(4)
#define UART_LSR UART_REG(5)
#ifndef UART_IRQ
#define UART_IRQ 0u
#endif
#ifndef UART_DIVISOR
#define UART_DIVISOR 1u
#endif
#ifndef UART_FCR_VALUE
#define UART_FCR_VALUE 0xC7u
#endif

extern uint32_t _stack_bottom, _stack_top, _sdata, _edata, _sbss, _ebss;
extern uint8_t _text_start, _text_end, _rodata_start, _rodata_end;
extern int main(void);

/* ICOUNT wraps (start.S's debug handler), then two words where it saves a2/a3 */
volatile uint32_t sf_icount_wraps[3];
static uint64_t count_start;
static int early_byte = -1; /* read in port_init, handed out by the first port_getc */

/* Called by start.S on any exception it does not handle: reset the board through the lx60
 * FPGA register (0xDEAD at 0xFD020010), so the host sees a fresh hello instead of a hang. */
void port_fault(void) __attribute__((noreturn));
void port_fault(void)
{
    *(volatile uint32_t *)0xFD020010u = 0xDEADu;
    for (;;) {
    }
}

void _cstart(void);
void _cstart(void)
{
    for (uint32_t *d = &_sbss; d < &_ebss;) {
        *d++ = 0u;
    }
    (void)main();
    for (;;) {
    }
}

static uint32_t read_icount(void)
{
    uint32_t v;
    __asm volatile("rsr.icount %0" : "=a"(v));
    return v;
}

static uint64_t read_count(void)
{
    uint32_t w, c;
    do {
        w = sf_icount_wraps[0];
        c = read_icount();
    } while (w != sf_icount_wraps[0]);
    /* w x (2^32 - 1) + c: a wrap restarts ICOUNT at 0 before the next instruction counts */
    return ((uint64_t)w << 32) - w + c;
}

void port_init(void)
{
    UART_LCR = 0x83u; /* DLAB: the divisor sets the 16550's character time, and QEMU's RX
                       * timeout interrupt (4 characters) with it: 1 = 115200 baud = 0.35 ms */
    UART_REG(0) = UART_DIVISOR & 0xFFu;
    UART_REG(1) = UART_DIVISOR >> 8;
    UART_LCR = 0x03u; /* 8N1 */
    UART_FCR = UART_FCR_VALUE;
    /* Switching the FIFO on empties it without telling QEMU's character back end, which
     * stops passing bytes on while the UART (FIFO off) holds one unread byte: bytes the
     * host sent during boot would then wait until something else wakes QEMU's main loop
     * (about 1 s). Reading RBR tells it to go on; an empty FIFO reads 0, which the HIL
     * protocol takes as one more frame delimiter. */
    early_byte = (int)(UART_RBR & 0xFFu);
    UART_MCR = 0x08u; /* OUT2 */
    UART_IER = 0x01u; /* received-data interrupt */
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0);
    hil_stack_paint(&_stack_bottom, sp - 64);
}

int port_getc(void)
{
    if (early_byte >= 0) {
        int c = early_byte;
        early_byte = -1;
        return c;
    }
    if (UART_LSR & 0x01u) {
        return (int)(UART_RBR & 0xFFu);
    }
    return -1;
}

void port_wait_input(void)
{
    if (early_byte >= 0 || (UART_LSR & 0x01u)) {
        return;
    }
    /* A pending RX interrupt is taken at once (waiti lowers PS.INTLEVEL to 0); start.S's
     * handler sets INTENABLE back to 0 and returns here. */
    uint32_t ps;
    __asm volatile("rsil %0, 1" : "=a"(ps)::"memory"); /* hold it until waiti */
    __asm volatile("wsr.intenable %0\n\trsync\n\twaiti 0" ::"a"(1u << UART_IRQ) : "memory");
    (void)ps;
}

void port_write(const uint8_t *data, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        while (!(UART_LSR & 0x20u)) {
        }
        UART_THR = data[i];
    }
}

void port_counter_start(void) { count_start = read_count(); }
uint64_t port_counter_stop(void) { return read_count() - count_start; }
uint8_t port_counter_unit(void) { return HIL_COUNTER_INSTRUCTIONS; }
uint32_t port_stack_size(void) { return (uint32_t)((uint8_t *)&_stack_top - (uint8_t *)&_stack_bottom); }
uint32_t port_stack_used(void) { return hil_stack_high_water(&_stack_bottom, &_stack_top); }
uint32_t port_ram_bytes(void) { return (uint32_t)((uint8_t *)&_ebss - (uint8_t *)&_sdata); }
uint32_t port_flash_bytes(void)
{
    return (uint32_t)((&_text_end - &_text_start) + (&_rodata_end - &_rodata_start) +
                      ((uint8_t *)&_edata - (uint8_t *)&_sdata));
}
const char *port_board_name(void) { return "qemu-xtensa-lx106"; }
