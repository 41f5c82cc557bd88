/* Xtensa lx106 (call0 ABI) start-up for QEMU's lx60 machine with `-cpu lx106`: QEMU puts a
 * small stub at the core's reset vector (0x50000000) that jumps to the ELF entry, _start.
 * Vector offsets from VECBASE are the lx106's (ESP8266): debug +0x10, NMI +0x20, kernel
 * +0x30, user +0x50, double +0x70. The instruction counter is the debug option's ICOUNT
 * register: it counts every instruction executed below interrupt level ICOUNTLEVEL (= 1, so
 * the level-1 interrupt handler is not counted); its wrap raises a level-2 debug exception,
 * which restarts it and counts the wrap in sf_icount_wraps. Shared by the HIL firmware
 * (port.c) and the measuring image (measure_port.c); each defines _cstart, sf_icount_wraps
 * and port_fault. */

    .section .vectors, "ax"
    .align 4
    .global _vector_table
_vector_table:
    .org 0x10
    j _debug_handler        /* ICOUNT wrapped */
    .org 0x20
    j _fault                /* NMI: nothing is wired to it */
    .org 0x30
    j _fault                /* kernel exception: PS.UM is always 1 here */
    .org 0x50
    j _user_handler         /* level-1 interrupt (UART RX) or an exception */
    .org 0x70
    j _fault                /* double exception */

    .section .text.sf_start, "ax"
    .literal .Lstack_top, _stack_top
    .literal .Lvectors, _vector_table
    .literal .Lcstart, _cstart
    .literal .Lwraps, sf_icount_wraps
    .literal .Lport_fault, port_fault

    .global _start
    .align 4
_start:
    movi a0, 0
    wsr a0, intenable
    l32r a1, .Lstack_top
    l32r a2, .Lvectors
    wsr a2, vecbase
    movi a2, 0x20           /* PS: UM=1, EXCM=0, INTLEVEL=0 (INTENABLE=0 keeps interrupts off) */
    wsr a2, ps
    rsync
    movi a2, 1
    wsr a2, icountlevel
    movi a2, 0
    wsr a2, icount
    isync
    l32r a0, .Lcstart
    callx0 a0
1:  j 1b

/* Level-1 interrupt: only taken inside port_wait_input's `waiti`; switch the sources off
 * again (INTENABLE=0) and return after the waiti. Any other cause is a fault. */
    .align 4
_user_handler:
    wsr a2, excsave1
    rsr a2, exccause
    bnei a2, 4, 2f
    movi a2, 0
    wsr a2, intenable
    rsync
    rsr a2, excsave1
    rfe
2:  j _fault

/* ICOUNT is about to wrap: restart it at 0 and count the wrap (a2/a3 saved in the
 * two words after sf_icount_wraps). */
    .align 4
_debug_handler:
    wsr a2, excsave2
    l32r a2, .Lwraps
    s32i a3, a2, 4
    l32i a3, a2, 0
    addi a3, a3, 1
    s32i a3, a2, 0
    movi a3, 0
    wsr a3, icount
    l32i a3, a2, 4
    rsr a2, excsave2
    rfi 2

/* Any other exception calls the image's port_fault(): the HIL port resets the board (a
 * fresh hello instead of a hang), the measuring port prints FAULT and stops QEMU. */
    .align 4
    .global _fault
_fault:
    l32r a0, .Lport_fault
    callx0 a0
3:  j 3b
