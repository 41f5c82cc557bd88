/* QEMU mps2-an386 board port: CMSDK APB UART0 (0x40004000, RX irq = NVIC line 0) and, for HIL
 * lanes (hil_port.h), UART1-4 (QEMU hw/arm/mps2.c: 0x40005000, 0x40006000, 0x40007000,
 * 0x40009000; RX irqs 2, 4, 18, 20); SysTick as the counter. Under `qemu -icount shift=0` one instruction is 1 ns of virtual
 * time and SysTick runs at the 25 MHz system clock, so ticks x 40 = instructions
 * (resolution 40). Interrupts stay masked (PRIMASK=1): a pending RX irq only wakes `wfi`. */
#include "hil_port.h"
#include "hil_proto.h"

#define REG(a) (*(volatile uint32_t *)(a))
#define UART_DATA(base) REG((base) + 0x0u)
#define UART_STATE(base) REG((base) + 0x4u)
#define UART_CTRL(base) REG((base) + 0x8u)
#define UART_INT(base) REG((base) + 0xCu)
#define UART_BAUDDIV(base) REG((base) + 0x10u)
#define NVIC_ISER0 REG(0xE000E100u)
#define NVIC_ICER0 REG(0xE000E180u)
#define NVIC_ICPR0 REG(0xE000E280u)
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SCB_ICSR REG(0xE000ED04u)
#define SCB_AIRCR REG(0xE000ED0Cu)
#define SYST_RELOAD 0x00FFFFFFu
#define INSTRUCTIONS_PER_TICK 40u

#if HIL_PORT_LANES > 5
#error "mps2-an386 has five UARTs: firmware.hil_lanes must be 1-5"
#endif
static const uint32_t uart_base[5] = {0x40004000u, 0x40005000u, 0x40006000u, 0x40007000u, 0x40009000u};
static const uint32_t uart_rx_irq[5] = {0u, 2u, 4u, 18u, 20u};
static uint32_t lane_irqs; /* NVIC_ISER0 bits of the lanes' RX interrupts */

extern uint32_t _stack_bottom, _stack_top, _sdata, _ebss, _flash_end;

static volatile uint32_t systick_wraps;
static uint32_t count_start;

void SysTick_Handler(void) { systick_wraps++; }

/* Called by startup.c on any fault: reset the board (SYSRESETREQ), so the host sees a fresh hello. */
void port_fault(void) __attribute__((noreturn));
void port_fault(void)
{
    __asm volatile("dsb");
    SCB_AIRCR = (0x5FAu << 16) | (1u << 2); /* VECTKEY | SYSRESETREQ */
    for (;;) {
    }
}

void port_init(void)
{
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0);
    hil_stack_paint(&_stack_bottom, sp - 64);
    for (uint32_t lane = 0u; lane < HIL_PORT_LANES; lane++) {
        UART_BAUDDIV(uart_base[lane]) = 16u; /* QEMU drops TX bytes below 16 */
        UART_CTRL(uart_base[lane]) = 0x1u | 0x2u | 0x8u; /* TX enable, RX enable, RX interrupt enable */
        lane_irqs |= 1u << uart_rx_irq[lane];
    }
    NVIC_ISER0 = lane_irqs;
    SYST_RVR = SYST_RELOAD;
    SYST_CVR = 0u;
    SYST_CSR = 0x5u; /* processor clock, enabled, no interrupt */
}

static int uart_getc(uint32_t base)
{
    if (UART_STATE(base) & 0x2u) {
        return (int)(UART_DATA(base) & 0xFFu);
    }
    return -1;
}

static void uart_write(uint32_t base, const uint8_t *data, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        while (UART_STATE(base) & 0x1u) {
        }
        UART_DATA(base) = data[i];
    }
}

int port_getc(void) { return uart_getc(uart_base[0]); }
void port_write(const uint8_t *data, uint32_t n) { uart_write(uart_base[0], data, n); }
#if HIL_PORT_LANES > 1
int port_getc_lane(uint32_t lane) { return uart_getc(uart_base[lane]); }
void port_write_lane(uint32_t lane, const uint8_t *data, uint32_t n) { uart_write(uart_base[lane], data, n); }
#endif

void port_wait_input(void)
{
    for (uint32_t lane = 0u; lane < HIL_PORT_LANES; lane++) {
        UART_INT(uart_base[lane]) = 0x2u; /* clear RX interrupt */
    }
    NVIC_ICPR0 = lane_irqs;
    for (uint32_t lane = 0u; lane < HIL_PORT_LANES; lane++) {
        if (UART_STATE(uart_base[lane]) & 0x2u) {
            return;
        }
    }
    __asm volatile("dsb\n wfi");
}

void port_counter_start(void)
{
    NVIC_ICER0 = lane_irqs; /* the UARTs must not interrupt the measured code */
    systick_wraps = 0u;
    count_start = SYST_CVR;
    SYST_CSR = 0x7u;
    __asm volatile("cpsie i" ::: "memory");
}

uint64_t port_counter_stop(void)
{
    __asm volatile("cpsid i" ::: "memory");
    uint32_t now = SYST_CVR;
    uint64_t wraps = systick_wraps;
    if (SCB_ICSR & (1u << 26)) { /* a wrap not yet serviced */
        SCB_ICSR = 1u << 25;
        wraps++;
        now = SYST_CVR;
    }
    SYST_CSR = 0x5u;
    NVIC_ISER0 = lane_irqs;
    int64_t ticks = (int64_t)(wraps * (SYST_RELOAD + 1u)) + (int64_t)count_start - (int64_t)now;
    return ticks > 0 ? (uint64_t)ticks * INSTRUCTIONS_PER_TICK : 0u;
}

uint8_t port_counter_unit(void) { return HIL_COUNTER_INSTRUCTIONS; }
uint32_t port_stack_size(void) { return (uint32_t)((uint8_t *)&_stack_top - (uint8_t *)&_stack_bottom); }
uint32_t port_stack_used(void) { return hil_stack_high_water(&_stack_bottom, &_stack_top); }
uint32_t port_ram_bytes(void) { return (uint32_t)((uint8_t *)&_ebss - (uint8_t *)&_sdata); }
uint32_t port_flash_bytes(void) { return (uint32_t)(uintptr_t)&_flash_end; }
const char *port_board_name(void) { return "qemu-mps2-an386"; }
