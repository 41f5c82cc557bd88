/* rv32imc entry for QEMU virt (-bios none): gp, tp (picolibc keeps errno in TLS), sp. */
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
    call _cstart
1:  j 1b

/* Any trap (interrupts stay disabled, so this is a fault) resets the board through the
 * virt machine's SiFive test device, so the host sees a fresh hello instead of a hang. */
    .align 4
trap_entry:
    li t0, 0x100000
    li t1, 0x7777
    sw t1, 0(t0)
2:  j 2b
