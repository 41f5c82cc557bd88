/* rv32imc entry for QEMU virt (-bios none), shared by the HIL firmware and the measuring image:
 * gp, tp (picolibc keeps errno in TLS), sp, trap vector, .bss clear (the TLS block's zeroed part
 * included), then main(). Any trap (interrupts stay disabled, so it is a fault) calls the image's
 * port_fault(): the HIL port resets the board through the SiFive test device (a fresh hello
 * instead of a hang), the measuring port prints FAULT and stops QEMU. */
    .section .text.init
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la tp, __tls_base
    la sp, _stack_top
    la t0, trap_entry
    csrw mtvec, t0
    la t0, _sbss
    la t1, _ebss
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call main
3:  j 3b

    .align 4
trap_entry:
    call port_fault
4:  j 4b
