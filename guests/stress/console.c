/*
 * The console: the NS16550A UART of QEMU's virt board (0x10000000), polled, and a small printf
 * (%s %c %d %u %x with l, and a width for %x). Hart 0 prints the results; the lock is for the
 * fatal trap handler, which may run on any hart.
 */
#include "stress.h"

#define UART ((volatile u8 *)0x10000000UL)
#define LSR 5
#define LSR_THRE 0x20

static volatile u32 lock;

void console_init(void)
{
	UART[1] = 0;    /* IER: no interrupts */
	UART[3] = 0x03; /* LCR: 8N1 */
	UART[2] = 0x07; /* FCR: FIFOs on and cleared */
}

static void putc(char c)
{
	if (c == '\n')
		putc('\r');
	for (u64 i = 0; !(UART[LSR] & LSR_THRE) && i < SPIN_LIMIT; i++)
		;
	UART[0] = (u8)c;
}

void console_lock(void)
{
	for (u64 i = 0; amoswap_w_aq(&lock, 1) && i < SPIN_LIMIT; i++)
		while (READ_ONCE(lock) && i++ < SPIN_LIMIT)
			;
}

void console_unlock(void)
{
	store_release32(&lock, 0);
}

static void put_u64(u64 v, u32 base, int width, bool neg)
{
	char buf[24];
	int n = 0;
	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width)
		buf[n++] = base == 16 ? '0' : ' ';
	if (neg)
		putc('-');
	while (n)
		putc(buf[--n]);
}

void kvprintf(const char *fmt, __builtin_va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc(*fmt);
			continue;
		}
		int width = 0;
		bool l = false;
		while (*++fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt - '0');
		if (*fmt == 'l') {
			l = true;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = __builtin_va_arg(ap, const char *);
			while (*s)
				putc(*s++);
			break;
		}
		case 'c':
			putc((char)__builtin_va_arg(ap, int));
			break;
		case 'd': {
			s64 v = l ? __builtin_va_arg(ap, s64) : __builtin_va_arg(ap, int);
			put_u64(v < 0 ? -(u64)v : (u64)v, 10, width, v < 0);
			break;
		}
		case 'u':
			put_u64(l ? __builtin_va_arg(ap, u64) : __builtin_va_arg(ap, u32), 10, width, false);
			break;
		case 'x':
			put_u64(l ? __builtin_va_arg(ap, u64) : __builtin_va_arg(ap, u32), 16, width, false);
			break;
		case '%':
			putc('%');
			break;
		default:
			return;
		}
	}
}

void kprintf(const char *fmt, ...)
{
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	kvprintf(fmt, ap);
	__builtin_va_end(ap);
}
