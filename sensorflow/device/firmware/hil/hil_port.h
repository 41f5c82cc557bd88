/* What each board provides to the HIL main loop (sensorflow/device/firmware/<board>/port.c). */
#ifndef HIL_PORT_H
#define HIL_PORT_H

#include <stdint.h>

void port_init(void);                 /* UART, counters, stack paint; before anything else */
int port_getc(void);                  /* a received byte, or -1 if none is waiting */
void port_wait_input(void);           /* sleep until a byte may have arrived (may return early) */
void port_write(const uint8_t *data, uint32_t n);
void port_counter_start(void);
uint64_t port_counter_stop(void);     /* elapsed count since start, in port_counter_unit() */
uint8_t port_counter_unit(void);      /* HIL_COUNTER_* */
uint32_t port_stack_size(void);       /* 0 = stack not measured on this board */
uint32_t port_stack_used(void);       /* high-water mark of the painted stack, bytes */
uint32_t port_ram_bytes(void);        /* static RAM: .data + .bss */
uint32_t port_flash_bytes(void);      /* image in flash: code + constants + .data initialisers */
const char *port_board_name(void);

/* Lanes: a port of an emulated board with several UARTs may serve HIL_PORT_LANES of them (set
 * by the build from the board YAML's firmware.hil_lanes). Frames are taken from every lane and
 * each is answered on the lane it came from; the boot hello goes to lane 0. port_getc() and
 * port_write() are lane 0. */
#ifndef HIL_PORT_LANES
#define HIL_PORT_LANES 1u
#endif
#if HIL_PORT_LANES > 1
int port_getc_lane(uint32_t lane);
void port_write_lane(uint32_t lane, const uint8_t *data, uint32_t n);
#endif

#define HIL_STACK_PAINT 0xA5A5A5A5u

/* Fill [bottom, limit) with the paint pattern. */
static inline void hil_stack_paint(uint32_t *bottom, uint32_t *limit)
{
    for (volatile uint32_t *p = bottom; p < limit; p++) {
        *p = HIL_STACK_PAINT;
    }
}

/* Bytes of [bottom, top) the stack has ever reached (a full-descending stack). */
static inline uint32_t hil_stack_high_water(const uint32_t *bottom, const uint32_t *top)
{
    const volatile uint32_t *p = bottom;
    while (p < top && *p == HIL_STACK_PAINT) {
        p++;
    }
    return (uint32_t)((const uint32_t *)top - (const uint32_t *)p) * 4u;
}

#endif
