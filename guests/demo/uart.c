/*
 * The console: an NS16550A UART (QEMU virt: 0x10000000, IRQ 10) with polled transmit and
 * interrupt-driven receive through the PLIC, routed to the S-mode context of the boot hart.
 */
#include "kernel.h"

#define UART_PA 0x10000000UL
#define UART_IRQ 10
#define PLIC_PA 0x0c000000UL

#define RBR 0 /* receive buffer (read) */
#define THR 0 /* transmit holding (write) */
#define IER 1 /* interrupt enable */
#define FCR 2 /* FIFO control (write) */
#define LCR 3 /* line control */
#define MCR 4 /* modem control */
#define LSR 5 /* line status */
#define LSR_DR 0x01   /* data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static volatile u8 *const uart = (volatile u8 *)ioaddr(UART_PA);
static u64 irq_context = ~0UL;

void console_key(char c);

void uart_init(void)
{
	uart[IER] = 0;
	uart[LCR] = 0x80; /* DLAB: set the divisor (ignored by emulators) */
	uart[0] = 3;
	uart[1] = 0;
	uart[LCR] = 0x03; /* 8 bits, no parity, 1 stop bit */
	uart[FCR] = 0x07; /* enable and clear the FIFOs */
	uart[MCR] = 0x0b; /* DTR, RTS, OUT2 */
}

void uart_putc_raw(char c)
{
	while (!(uart[LSR] & LSR_THRE))
		cpu_relax();
	uart[THR] = (u8)c;
}

/* PLIC registers for a context (QEMU virt: hart h has context 2h for M-mode, 2h + 1 for S-mode). */
static volatile u32 *plic_reg(u64 offset)
{
	return (volatile u32 *)ioaddr(PLIC_PA + offset);
}
#define PLIC_PRIORITY(irq) plic_reg(4 * (irq))
#define PLIC_ENABLE(ctx, irq) plic_reg(0x2000 + 0x80 * (ctx) + 4 * ((irq) / 32))
#define PLIC_THRESHOLD(ctx) plic_reg(0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) plic_reg(0x200004 + 0x1000 * (ctx))

void uart_irq_enable(u64 hartid)
{
	irq_context = 2 * hartid + 1;
	*PLIC_PRIORITY(UART_IRQ) = 1;
	*PLIC_ENABLE(irq_context, UART_IRQ) |= 1u << (UART_IRQ % 32);
	*PLIC_THRESHOLD(irq_context) = 0;
	uart[IER] = 0x01; /* received data available */
	csr_set(sie, IE_SEIE);
}

/* A supervisor external interrupt: claim it from the PLIC, handle it, complete it. */
void plic_handle_irq(u64 hartid)
{
	u64 ctx = 2 * hartid + 1;
	u32 irq;
	while ((irq = *PLIC_CLAIM(ctx)) != 0) {
		if (irq == UART_IRQ) {
			while (uart[LSR] & LSR_DR)
				console_key((char)uart[RBR]);
		}
		*PLIC_CLAIM(ctx) = irq;
	}
}
