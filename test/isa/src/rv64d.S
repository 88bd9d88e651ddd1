// RV64D: arithmetic, fused multiply-add (single rounding), conversions between double, single
// and integers under every rounding mode, NaN canonicalisation in conversions, flags, FCLASS.D,
// FMIN/FMAX.D with signed zeros and NaNs, comparisons, sign injection, FMV.X.D/FMV.D.X, the
// boxing of single results written by D-capable instructions, FLD/FSD, and illegal-instruction
// traps when mstatus.FS = 0.

#include "test.h"

#define LFS(freg, bits) li t0, bits; fmv.w.x freg, t0
#define LFD(freg, bits) li t0, bits; fmv.d.x freg, t0
#define CHECK_FD(freg, bits) fmv.x.d a6, freg; CHECK(a6, bits)
#define CHECK_FS(freg, bits) fmv.x.d a6, freg; CHECK(a6, 0xffffffff00000000 | (bits))
#define CHECK_FLAGS(v) frflags a7; CHECK(a7, v); fsflags zero

#define TEST_D2(n, inst, r, fl, a, b)                                   \
        CASE(n); fsflags zero; LFD(f1, a); LFD(f2, b);                  \
        inst f3, f1, f2; CHECK_FD(f3, r); CHECK_FLAGS(fl)
#define TEST_D2_RM(n, inst, rm, r, fl, a, b)                            \
        CASE(n); fsflags zero; LFD(f1, a); LFD(f2, b);                  \
        inst f3, f1, f2, rm; CHECK_FD(f3, r); CHECK_FLAGS(fl)
#define TEST_D3(n, inst, r, fl, a, b, c)                                \
        CASE(n); fsflags zero; LFD(f1, a); LFD(f2, b); LFD(f4, c);      \
        inst f3, f1, f2, f4; CHECK_FD(f3, r); CHECK_FLAGS(fl)
#define TEST_DTOI(n, inst, rm, r, fl, a)                                \
        CASE(n); fsflags zero; LFD(f1, a);                              \
        inst a0, f1, rm; CHECK(a0, r); CHECK_FLAGS(fl)
#define TEST_ITOD(n, inst, rm, r, fl, a)                                \
        CASE(n); fsflags zero; li a0, a;                                \
        inst f3, a0, rm; CHECK_FD(f3, r); CHECK_FLAGS(fl)
#define TEST_DTOS(n, rm, r, fl, a)                                      \
        CASE(n); fsflags zero; LFD(f1, a);                              \
        fcvt.s.d f3, f1, rm; CHECK_FS(f3, r); CHECK_FLAGS(fl)
#define TEST_CMP(n, inst, r, fl, a, b)                                  \
        CASE(n); fsflags zero; LFD(f1, a); LFD(f2, b);                  \
        inst a0, f1, f2; CHECK(a0, r); CHECK_FLAGS(fl)
#define TEST_CLASS(n, r, a)                                             \
        CASE(n); LFD(f1, a); fclass.d a0, f1; CHECK(a0, r)

#define ONE     0x3ff0000000000000
#define MONE    0xbff0000000000000
#define TWO     0x4000000000000000
#define MTWO    0xc000000000000000
#define THREE   0x4008000000000000
#define PZERO   0x0000000000000000
#define MZERO   0x8000000000000000
#define INF     0x7ff0000000000000
#define MINF    0xfff0000000000000
#define QNAN    0x7ff8000000000000
#define SNAN    0x7ff0000000000001
#define MAXD    0x7fefffffffffffff
#define EPS53   0x3ca0000000000000                                      // 2^-53
#define NX 0x01
#define UF 0x02
#define OF 0x04
#define DZ 0x08
#define NV 0x10

TEST_BEGIN

  li t0, MSTATUS_FS_INITIAL
  csrs mstatus, t0

  // ---- arithmetic ------------------------------------------------------------------------
  TEST_D2( 2, fadd.d, 0x400e000000000000, 0, 0x3ff8000000000000, 0x4002000000000000) // 1.5+2.25
  TEST_D2( 3, fsub.d, 0xbfe8000000000000, 0, 0x3ff8000000000000, 0x4002000000000000)
  TEST_D2( 4, fmul.d, 0x400b000000000000, 0, 0x3ff8000000000000, 0x4002000000000000) // 3.375
  TEST_D2( 5, fdiv.d, 0x3fd5555555555555, NX, ONE, THREE)
  TEST_D2( 6, fdiv.d, INF, DZ, ONE, PZERO)
  TEST_D2( 7, fdiv.d, QNAN, NV, PZERO, PZERO)
  TEST_D2( 8, fmul.d, QNAN, NV, INF, PZERO)
  TEST_D2( 9, fmul.d, INF, OF | NX, MAXD, TWO)
  TEST_D2(10, fmul.d, PZERO, UF | NX, 0x1a70000000000000, 0x1a70000000000000)     // 2^-600 squared
  TEST_D2(11, fadd.d, QNAN, NV, SNAN, ONE)
  TEST_D2(12, fadd.d, QNAN, 0, 0x7ff8000000000123, ONE)                // payload not propagated
  CASE(13)
  fsflags zero
  LFD(f1, 0x4002000000000000)
  fsqrt.d f3, f1
  CHECK_FD(f3, 0x3ff8000000000000)
  LFD(f1, MONE)
  fsqrt.d f3, f1
  CHECK_FD(f3, QNAN)
  CHECK_FLAGS(NV)
  // a D operation on a boxed single sees a (quiet) NaN
  TEST_D2(14, fadd.d, QNAN, 0, 0xffffffff3f800000, ONE)

  // ---- fused multiply-add ----------------------------------------------------------------
  TEST_D3(15, fmadd.d,  0x401c000000000000, 0, TWO, THREE, ONE)         //  7
  TEST_D3(16, fmsub.d,  0x4014000000000000, 0, TWO, THREE, ONE)         //  5
  TEST_D3(17, fnmsub.d, 0xc014000000000000, 0, TWO, THREE, ONE)         // -5
  TEST_D3(18, fnmadd.d, 0xc01c000000000000, 0, TWO, THREE, ONE)         // -7
  // (1+2^-27)^2 - (1+2^-26) = 2^-54 exactly, only with a single rounding
  TEST_D3(19, fmadd.d,  0x3c90000000000000, 0, 0x3ff0000002000000, 0x3ff0000002000000, 0xbff0000004000000)
  TEST_D3(20, fmsub.d,  0x3c90000000000000, 0, 0x3ff0000002000000, 0x3ff0000002000000, 0x3ff0000004000000)
  TEST_D3(21, fnmadd.d, QNAN, NV, INF, PZERO, QNAN)                     // inf*0 + qNaN: NV

  // ---- rounding modes: 1 + 2^-53 is a tie ----------------------------------------------------
  TEST_D2_RM(22, fadd.d, rne, ONE,                NX, ONE, EPS53)
  TEST_D2_RM(23, fadd.d, rtz, ONE,                NX, ONE, EPS53)
  TEST_D2_RM(24, fadd.d, rdn, ONE,                NX, ONE, EPS53)
  TEST_D2_RM(25, fadd.d, rup, 0x3ff0000000000001, NX, ONE, EPS53)
  TEST_D2_RM(26, fadd.d, rmm, 0x3ff0000000000001, NX, ONE, EPS53)
  TEST_D2_RM(27, fsub.d, rdn, 0xbff0000000000001, NX, MONE, EPS53)
  TEST_D2_RM(28, fsub.d, rup, MONE,               NX, MONE, EPS53)
  TEST_D2_RM(29, fsub.d, rmm, 0xbff0000000000001, NX, MONE, EPS53)
  TEST_D2_RM(30, fmul.d, rtz, MAXD, OF | NX, MAXD, TWO)

  // ---- double -> integer ---------------------------------------------------------------------
  TEST_DTOI(31, fcvt.w.d, rne,  2, NX, 0x4004000000000000)              //  2.5
  TEST_DTOI(32, fcvt.w.d, rtz,  2, NX, 0x4004000000000000)
  TEST_DTOI(33, fcvt.w.d, rdn,  2, NX, 0x4004000000000000)
  TEST_DTOI(34, fcvt.w.d, rup,  3, NX, 0x4004000000000000)
  TEST_DTOI(35, fcvt.w.d, rmm,  3, NX, 0x4004000000000000)
  TEST_DTOI(36, fcvt.w.d, rne, -2, NX, 0xc004000000000000)              // -2.5
  TEST_DTOI(37, fcvt.w.d, rdn, -3, NX, 0xc004000000000000)
  TEST_DTOI(38, fcvt.w.d, rup, -2, NX, 0xc004000000000000)
  TEST_DTOI(39, fcvt.w.d, rmm, -3, NX, 0xc004000000000000)
  TEST_DTOI(40, fcvt.w.d, rtz, 0x000000007fffffff, NV, 0x41e0000000000000)   // 2^31
  TEST_DTOI(41, fcvt.w.d, rtz, 0xffffffff80000000, 0,  0xc1e0000000000000)   // -2^31 fits
  TEST_DTOI(42, fcvt.wu.d, rtz, 0xffffffffb2d05e00, 0, 0x41e65a0bc0000000)   // 3e9, sext
  TEST_DTOI(43, fcvt.wu.d, rtz, 0, NV, MONE)
  TEST_DTOI(44, fcvt.l.d, rtz, 0x8000000000000000, NV, 0xc3e0000000000001)   // < -2^63
  TEST_DTOI(45, fcvt.l.d, rtz, 0x8000000000000000, 0,  0xc3e0000000000000)   // -2^63 fits
  TEST_DTOI(46, fcvt.l.d, rtz, 0x7fffffffffffffff, NV, QNAN)
  TEST_DTOI(47, fcvt.lu.d, rtz, 0xffffffffffffffff, NV, INF)
  TEST_DTOI(48, fcvt.lu.d, rtz, 0x8000000000000000, 0, 0x43e0000000000000)   // 2^63
  TEST_DTOI(49, fcvt.l.d, rmm, -3, NX, 0xc004000000000000)
  TEST_DTOI(50, fcvt.lu.d, rup, 1, NX, 0x3fb999999999999a)              // 0.1 up

  // ---- integer -> double: 2^53 + 1 is a tie -------------------------------------------------
  TEST_ITOD(51, fcvt.d.l, rne, 0x4340000000000000, NX, 0x20000000000001)
  TEST_ITOD(52, fcvt.d.l, rtz, 0x4340000000000000, NX, 0x20000000000001)
  TEST_ITOD(53, fcvt.d.l, rdn, 0x4340000000000000, NX, 0x20000000000001)
  TEST_ITOD(54, fcvt.d.l, rup, 0x4340000000000001, NX, 0x20000000000001)
  TEST_ITOD(55, fcvt.d.l, rmm, 0x4340000000000001, NX, 0x20000000000001)
  TEST_ITOD(56, fcvt.d.lu, rne, 0x43f0000000000000, NX, 0xffffffffffffffff)
  // (32-bit sources convert exactly: no rounding-mode operand)
  TEST_CASE(57, a6, 0xc1e0000000000000, li a0, 0x80000000; fcvt.d.w f3, a0; fmv.x.d a6, f3)   // low word: -2^31
  TEST_CASE(58, a6, 0x41efffffffe00000, li a0, -1; fcvt.d.wu f3, a0; fmv.x.d a6, f3)          // 2^32 - 1
  TEST_ITOD(59, fcvt.d.l, rne, 0xc3e0000000000000, 0, 0x8000000000000000)

  // ---- double <-> single ---------------------------------------------------------------------
  TEST_DTOS(60, rne, 0x3f800000, NX, 0x3ff0000010000000)                // 1 + 2^-24: tie
  TEST_DTOS(61, rtz, 0x3f800000, NX, 0x3ff0000010000000)
  TEST_DTOS(62, rdn, 0x3f800000, NX, 0x3ff0000010000000)
  TEST_DTOS(63, rup, 0x3f800001, NX, 0x3ff0000010000000)
  TEST_DTOS(64, rmm, 0x3f800001, NX, 0x3ff0000010000000)
  TEST_DTOS(65, rne, 0x7f800000, OF | NX, MAXD)
  TEST_DTOS(66, rtz, 0x7f7fffff, OF | NX, MAXD)
  TEST_DTOS(67, rne, 0x7fc00000, NV, SNAN)                              // canonical NaN
  TEST_DTOS(68, rne, 0x7fc00000, 0, 0xfff8000000000001)                 // sign/payload dropped
  TEST_DTOS(69, rne, 0xbfc00000, 0, 0xbff8000000000000)                 // -1.5 exact
  CASE(70)
  fsflags zero
  LFS(f1, 0x3fc00000)                                                   // 1.5f
  fcvt.d.s f3, f1
  CHECK_FD(f3, 0x3ff8000000000000)
  LFS(f1, 0x7f800001)                                                   // sNaN
  fcvt.d.s f3, f1
  CHECK_FD(f3, QNAN)
  CHECK_FLAGS(NV)
  LFD(f1, 0x000000003fc00000)                                           // not boxed
  fcvt.d.s f3, f1
  CHECK_FD(f3, QNAN)
  CHECK_FLAGS(0)

  // ---- moves, loads, stores ------------------------------------------------------------------
  TEST_CASE(71, a0, 0x7ff0000000000123, li a1, 0x7ff0000000000123; fmv.d.x f5, a1; fmv.x.d a0, f5) // raw bits
  CASE(72)
  la a1, d_buf
  li a0, 0x400921fb54442d18
  sd a0, 0(a1)
  fld f6, 0(a1)
  fsd f6, 8(a1)
  ld a2, 8(a1)
  CHECK(a2, 0x400921fb54442d18)
  li a0, 0xfff0000000000001                                             // sNaN moves untouched
  sd a0, 0(a1)
  fld f6, 0(a1)
  fsd f6, 8(a1)
  ld a2, 8(a1)
  CHECK(a2, 0xfff0000000000001)
  CASE(73)
  LFS(f7, 0x40490fdb)
  fsd f7, 0(a1)                                                         // the whole boxed register
  ld a2, 0(a1)
  CHECK(a2, 0xffffffff40490fdb)

  // ---- FCLASS.D --------------------------------------------------------------------------------
  TEST_CLASS(74, 1 << 0, MINF)
  TEST_CLASS(75, 1 << 1, MONE)
  TEST_CLASS(76, 1 << 2, 0x800fffffffffffff)
  TEST_CLASS(77, 1 << 3, MZERO)
  TEST_CLASS(78, 1 << 4, PZERO)
  TEST_CLASS(79, 1 << 5, 0x0000000000000001)
  TEST_CLASS(80, 1 << 6, 0x0010000000000000)
  TEST_CLASS(81, 1 << 7, INF)
  TEST_CLASS(82, 1 << 8, SNAN)
  TEST_CLASS(83, 1 << 9, QNAN)
  TEST_CLASS(84, 1 << 9, 0xffffffff3f800000)                            // a boxed single is a qNaN

  // ---- FMIN/FMAX.D --------------------------------------------------------------------------------
  TEST_D2(85, fmin.d, MZERO, 0, PZERO, MZERO)
  TEST_D2(86, fmin.d, MZERO, 0, MZERO, PZERO)
  TEST_D2(87, fmax.d, PZERO, 0, MZERO, PZERO)
  TEST_D2(88, fmax.d, PZERO, 0, PZERO, MZERO)
  TEST_D2(89, fmin.d, MONE, 0, QNAN, MONE)
  TEST_D2(90, fmax.d, ONE, NV, SNAN, ONE)
  TEST_D2(91, fmin.d, QNAN, NV, SNAN, QNAN)
  TEST_D2(92, fmax.d, QNAN, 0, 0xfff8000000000000, QNAN)
  TEST_D2(93, fmax.d, TWO, 0, MTWO, TWO)

  // ---- comparisons --------------------------------------------------------------------------------
  TEST_CMP(94, feq.d, 1, 0, MZERO, PZERO)
  TEST_CMP(95, flt.d, 0, 0, MZERO, PZERO)
  TEST_CMP(96, fle.d, 1, 0, ONE, ONE)
  TEST_CMP(97, flt.d, 1, 0, MINF, MAXD)
  TEST_CMP(98, feq.d, 0, 0, QNAN, QNAN)
  TEST_CMP(99, feq.d, 0, NV, SNAN, ONE)
  TEST_CMP(100, fle.d, 0, NV, QNAN, ONE)
  TEST_CMP(101, flt.d, 0, NV, ONE, QNAN)

  // ---- sign injection --------------------------------------------------------------------------------
  TEST_D2(102, fsgnj.d,  MONE, 0, ONE, MTWO)
  TEST_D2(103, fsgnjn.d, ONE,  0, ONE, MTWO)
  TEST_D2(104, fsgnjx.d, ONE,  0, MONE, MTWO)
  TEST_D2(105, fsgnj.d,  0xfff0000000000001, 0, SNAN, MONE)             // raw, no flags

  // ---- accrued flags over D operations ---------------------------------------------------------------
  CASE(106)
  csrw fcsr, zero
  LFD(f1, ONE)
  LFD(f2, THREE)
  fdiv.d f3, f1, f2
  LFD(f2, PZERO)
  fdiv.d f3, f1, f2
  frflags a0
  CHECK(a0, NX | DZ)
  LFD(f2, MAXD)
  fmul.d f3, f2, f2
  frflags a0
  CHECK(a0, NX | OF | DZ)
  csrw fcsr, zero

  // ---- mstatus.FS = 0 -----------------------------------------------------------------------------------
  CASE(107)
  LFD(f9, 0x400921fb54442d18)
  li t1, MSTATUS_FS
  csrc mstatus, t1
  TEST_TRAP(108, CAUSE_ILLEGAL, 1b, 1: fadd.d f3, f1, f2)
  la t0, 1b
  lwu t0, 0(t0)
  CHECK_REG(s9, t0)
  TEST_TRAP(109, CAUSE_ILLEGAL, 1b, 1: fld f3, 0(sp))
  TEST_TRAP(110, CAUSE_ILLEGAL, 1b, 1: fsd f3, 0(sp))
  TEST_TRAP(111, CAUSE_ILLEGAL, 1b, 1: fmv.x.d a0, f3)
  TEST_TRAP(112, CAUSE_ILLEGAL, 1b, 1: fcvt.d.l f3, a0)
  TEST_TRAP(113, CAUSE_ILLEGAL, 1b, 1: fclass.d a0, f3)
  TEST_TRAP(114, CAUSE_ILLEGAL, 1b, 1: fmadd.d f3, f1, f2, f4)
  CASE(115)
  li t0, MSTATUS_FS_INITIAL
  csrs mstatus, t0
  CHECK_FD(f9, 0x400921fb54442d18)

TEST_END

  .data
  .balign 8
d_buf: .dword 0, 0
