/* sf_port.h: the few platform calls the runtime may make, with a default per board.
 *
 * A board selects its port with -DSF_PORT_<NAME> (see the board YAML, toolchain.defines);
 * an application can also define any macro below before including this header.
 *   SF_PORT_CYCLES()   a free-running cycle or tick counter (uint32_t), 0 if unknown
 *   SF_PORT_LOG(msg)   print a diagnostic line (no-op by default)
 * Generated pipeline code never calls these on the inference path; they serve harnesses
 * and applications that want timings or logs with one spelling on every board.
 */
#ifndef SF_PORT_H
#define SF_PORT_H

#include <stdint.h>

#include "sf_common.h"

#if defined(SF_PORT_ESP_IDF) && !defined(SF_PORT_CYCLES)
#include "esp_cpu.h"
#endif
#if defined(SF_PORT_HOST) && !defined(SF_PORT_CYCLES)
#include <time.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SF_PORT_CORTEX_M) && !defined(SF_PORT_CYCLES)
/* DWT->CYCCNT; the application enables it (CoreDebug->DEMCR |= TRCENA; DWT->CTRL |= 1). */
#define SF_PORT_CYCLES() (*(volatile uint32_t *)0xE0001004u)
#endif

#if defined(SF_PORT_RISCV) && !defined(SF_PORT_CYCLES)
static inline uint32_t sf_port_rdcycle(void)
{
    uint32_t c;
    __asm__ volatile("csrr %0, mcycle" : "=r"(c));
    return c;
}
#define SF_PORT_CYCLES() sf_port_rdcycle()
#endif

#if defined(SF_PORT_ESP_IDF) && !defined(SF_PORT_CYCLES)
#define SF_PORT_CYCLES() ((uint32_t)esp_cpu_get_cycle_count())
#endif

#if defined(SF_PORT_HOST) && !defined(SF_PORT_CYCLES)
static inline uint32_t sf_port_host_ticks(void) { return (uint32_t)clock(); }
#define SF_PORT_CYCLES() sf_port_host_ticks()
#endif

#ifndef SF_PORT_CYCLES
#define SF_PORT_CYCLES() 0u
#endif

#ifndef SF_PORT_LOG
#define SF_PORT_LOG(msg) ((void)(msg))
#endif

#ifdef __cplusplus
}
#endif

#endif /* SF_PORT_H */
