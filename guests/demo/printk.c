/* printk: a small vsnprintf and a console shared by the harts, one whole line at a time. */
#include <stdarg.h>
#include "kernel.h"

/* The console lock is a plain test-and-set lock, not counted in the workload's statistics. */
static volatile u32 console_lock;

static void console_lock_acquire(void)
{
	u32 old;
	do
		asm volatile("amoswap.w.aq %0, %2, %1" : "=r"(old), "+A"(console_lock) : "r"(1) : "memory");
	while (old);
}

static void console_lock_release(void)
{
	asm volatile("amoswap.w.rl zero, zero, %0" : "+A"(console_lock) :: "memory");
}

/* hartid + 1 of the hart printing an oops, or 0 */
volatile int oops_in_progress;

struct out { char *buf; size_t size, len; };

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, u64 v, unsigned base, int width, bool zero, bool neg)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	for (int i = n; i < width; i++)
		put(o, zero ? '0' : ' ');
	while (n)
		put(o, tmp[--n]);
}

int vsnprintf_ap(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		bool zero = false, left = false; /* '-': left-justify (strings only) */
		int width = 0, lng = 0;
		for (;; fmt++) {
			if (*fmt == '0') zero = true;
			else if (*fmt == '-') left = true;
			else break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int n = (int)strlen(s);
			if (!left)
				for (int i = n; i < width; i++)
					put(&o, ' ');
			while (*s)
				put(&o, *s++);
			if (left)
				for (int i = n; i < width; i++)
					put(&o, ' ');
			break;
		}
		case 'd':
		case 'i': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
			put_num(&o, v < 0 ? -(u64)v : (u64)v, 10, width, zero, v < 0);
			break;
		}
		case 'u':
			put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10, width, zero, false);
			break;
		case 'x':
			put_num(&o, lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16, width, zero, false);
			break;
		case 'p':
			put_num(&o, (u64)va_arg(ap, void *), 16, 16, true, false);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf_ap(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void console_putc(char c)
{
	if (c == '\n')
		uart_putc_raw('\r');
	uart_putc_raw(c);
}

/*
 * Print one line (or several), prefixed with the time since boot like Linux's "[    1.234567] ".
 * While an oops is being printed only the hart printing it gets the console.
 */
void printk(const char *fmt, ...)
{
	char line[256];
	u64 t = rdtime();
	u64 hz = dt.timebase ? dt.timebase : 10000000;
	int n = snprintf(line, 16, "[%5lu.%06lu] ", t / hz, (t % hz) * 1000000 / hz);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf_ap(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);

	console_puts(line);
}

/* Write a string to the console as one piece. */
void console_puts(const char *s)
{
	if (oops_in_progress && oops_in_progress != (int)this_hart()->hartid + 1)
		return;
	u64 flags = irq_save();
	console_lock_acquire();
	for (; *s; s++)
		console_putc(*s);
	console_lock_release();
	irq_restore(flags);
}

/* The console lock may be held by a hart that an oops has stopped: the oopsing hart breaks it. */
void console_lock_bust(void)
{
	WRITE_ONCE(console_lock, 0);
}

void *memset(void *d, int c, size_t n)
{
	u8 *p = d;
	while (n--)
		*p++ = (u8)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *p = d;
	const u8 *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}
