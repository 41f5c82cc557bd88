/* rv32imc start-up for qemu-system-riscv32 -M virt -bios none: stack, global pointer,
 * .bss clear, trap vector, then main(). */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, trap_entry
    csrw mtvec, t0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call main
    li a0, 0
    call port_exit

    .align 2
trap_entry:
    call trap_handler
3:  j 3b
