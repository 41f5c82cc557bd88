/* Cortex-M4F startup for QEMU mps2-an386, shared by the HIL firmware and the measuring image:
 * vector table, FPU enable, .data/.bss set-up, main(). A fault calls the image's port_fault():
 * the HIL port resets the board (a fresh hello instead of a hang), the measuring port prints
 * FAULT and stops QEMU. Interrupts start masked (PRIMASK=1); a port unmasks what it needs. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _stack_top;
extern int main(void);
void port_fault(void) __attribute__((noreturn));
void Reset_Handler(void);
void SysTick_Handler(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

static void Fault_Handler(void) { port_fault(); }

__attribute__((section(".isr_vector"), used)) static void (*const vectors[32])(void) = {
    (void (*)(void))(&_stack_top), Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler,
    SysTick_Handler,
    /* external interrupts: all masked by PRIMASK; only used to wake wfi */
    Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
};

void Reset_Handler(void)
{
    __asm volatile("cpsid i");
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11 full access: the FPU */
    __asm volatile("dsb\n isb");
    for (uint32_t *s = &_sidata, *d = &_sdata; d < &_edata;) {
        *d++ = *s++;
    }
    for (uint32_t *d = &_sbss; d < &_ebss;) {
        *d++ = 0u;
    }
    (void)main();
    for (;;) {
    }
}
