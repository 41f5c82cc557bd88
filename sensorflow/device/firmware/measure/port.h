/* Board port for the batch measuring image: UART output, an instruction counter and exit.
 * One implementation per emulated board: sensorflow/device/firmware/<board>/measure_port.c. */
#ifndef SF_BENCH_PORT_H
#define SF_BENCH_PORT_H
#include <stdint.h>

void port_init(void);
void port_putc(char c);
/* Monotonic counter in board units (arm: SysTick ticks, riscv: minstret). */
uint64_t port_counter(void);
void port_exit(int code) __attribute__((noreturn));

#endif
