// RV64F: arithmetic, the fused multiply-add family (single rounding), conversions under every
// rounding mode (static and dynamic frm, invalid frm), exception flags and their accrual,
// fcsr/frm/fflags access, NaN-boxing (an f32 operation reading a register that is not a valid
// NaN-boxed single sees the canonical NaN; transfers out take the low 32 bits; results are
// boxed), FMV.X.W sign extension, FCLASS.S, FMIN/FMAX with signed zeros and NaNs, comparisons,
// sign injection, mstatus.FS dirty tracking, and illegal-instruction traps when mstatus.FS = 0.

#include "test.h"

// f-register loads from bit patterns
#define LFS(freg, bits) li t0, bits; fmv.w.x freg, t0
#define LFD(freg, bits) li t0, bits; fmv.d.x freg, t0
// f-register must hold the properly boxed single `bits`
#define CHECK_FS(freg, bits) fmv.x.d a6, freg; CHECK(a6, 0xffffffff00000000 | (bits))
// accrued flags must be `v`; clears them
#define CHECK_FLAGS(v) frflags a7; CHECK(a7, v); fsflags zero

// Case n: f3 = inst(f1 = a, f2 = b), result `r`, flags `fl`
#define TEST_S2(n, inst, r, fl, a, b)                                   \
        CASE(n); fsflags zero; LFS(f1, a); LFS(f2, b);                  \
        inst f3, f1, f2; CHECK_FS(f3, r); CHECK_FLAGS(fl)
#define TEST_S2_RM(n, inst, rm, r, fl, a, b)                            \
        CASE(n); fsflags zero; LFS(f1, a); LFS(f2, b);                  \
        inst f3, f1, f2, rm; CHECK_FS(f3, r); CHECK_FLAGS(fl)
#define TEST_S3(n, inst, r, fl, a, b, c)                                \
        CASE(n); fsflags zero; LFS(f1, a); LFS(f2, b); LFS(f4, c);      \
        inst f3, f1, f2, f4; CHECK_FS(f3, r); CHECK_FLAGS(fl)
// Case n: integer a0 = inst(f1 = a, rm), result `r`, flags `fl`
#define TEST_FTOI(n, inst, rm, r, fl, a)                                \
        CASE(n); fsflags zero; LFS(f1, a);                              \
        inst a0, f1, rm; CHECK(a0, r); CHECK_FLAGS(fl)
// Case n: f3 = inst(integer a, rm)
#define TEST_ITOF(n, inst, rm, r, fl, a)                                \
        CASE(n); fsflags zero; li a0, a;                                \
        inst f3, a0, rm; CHECK_FS(f3, r); CHECK_FLAGS(fl)
// Case n: integer a0 = inst(f1 = a, f2 = b) (compares)
#define TEST_CMP(n, inst, r, fl, a, b)                                  \
        CASE(n); fsflags zero; LFS(f1, a); LFS(f2, b);                  \
        inst a0, f1, f2; CHECK(a0, r); CHECK_FLAGS(fl)
#define TEST_CLASS(n, r, a)                                             \
        CASE(n); LFS(f1, a); fclass.s a0, f1; CHECK(a0, r)

#define ONE     0x3f800000
#define MONE    0xbf800000
#define TWO     0x40000000
#define MTWO    0xc0000000
#define PZERO   0x00000000
#define MZERO   0x80000000
#define INF     0x7f800000
#define MINF    0xff800000
#define QNAN    0x7fc00000
#define SNAN    0x7f800001
#define MAXF    0x7f7fffff
#define NX 0x01
#define UF 0x02
#define OF 0x04
#define DZ 0x08
#define NV 0x10

TEST_BEGIN

  // ---- FS dirty tracking -----------------------------------------------------------------
  CASE(2)
  li t0, MSTATUS_FS_INITIAL
  csrs mstatus, t0
  csrr a0, mstatus
  li t1, MSTATUS_FS
  and a1, a0, t1
  CHECK(a1, MSTATUS_FS_INITIAL)
  bltz a0, __fail                                                       // SD clear while not dirty
  LFS(f1, ONE)
  fadd.s f2, f1, f1
  csrr a0, mstatus
  and a1, a0, t1
  CHECK(a1, MSTATUS_FS_DIRTY)
  bgez a0, __fail                                                       // SD = 1 when FS = Dirty
  CASE(3)
  csrc mstatus, t1
  li t0, 0x4000                                                         // FS = Clean
  csrs mstatus, t0
  fsflags zero                                                          // writes FP state
  csrr a0, mstatus
  and a1, a0, t1
  CHECK(a1, MSTATUS_FS_DIRTY)
  csrr a0, sstatus                                                      // sstatus shows FS and SD
  and a1, a0, t1
  CHECK(a1, MSTATUS_FS_DIRTY)
  bgez a0, __fail

  // ---- arithmetic ------------------------------------------------------------------------
  TEST_S2( 4, fadd.s, 0x40700000, 0, 0x3fc00000, 0x40100000)            // 1.5 + 2.25 = 3.75
  TEST_S2( 5, fsub.s, 0xbf400000, 0, 0x3fc00000, 0x40100000)            // 1.5 - 2.25 = -0.75
  TEST_S2( 6, fmul.s, 0x40580000, 0, 0x3fc00000, 0x40100000)            // 3.375
  TEST_S2( 7, fdiv.s, 0x3eaaaaab, NX, ONE, 0x40400000)                  // 1/3
  TEST_S2( 8, fdiv.s, INF, DZ, ONE, PZERO)
  TEST_S2( 9, fdiv.s, MINF, DZ, MONE, PZERO)
  TEST_S2(10, fdiv.s, QNAN, NV, PZERO, PZERO)                           // canonical NaN
  TEST_S2(11, fsub.s, QNAN, NV, INF, INF)
  TEST_S2(12, fmul.s, INF, OF | NX, MAXF, TWO)
  TEST_S2(13, fmul.s, PZERO, UF | NX, 0x0d800000, 0x0d800000)           // 2^-100 * 2^-100
  TEST_S2(14, fadd.s, PZERO, 0, MZERO, PZERO)                           // -0 + +0 = +0 (RNE)
  TEST_S2_RM(15, fadd.s, rdn, MZERO, 0, ONE, MONE)                      // x - x = -0 in RDN
  TEST_S2(16, fadd.s, QNAN, 0, QNAN, ONE)                               // qNaN propagates quietly
  TEST_S2(17, fadd.s, QNAN, NV, SNAN, ONE)
  CASE(18)
  fsflags zero
  LFS(f1, 0x40100000)
  fsqrt.s f3, f1
  CHECK_FS(f3, 0x3fc00000)
  CHECK_FLAGS(0)
  LFS(f1, MONE)
  fsqrt.s f3, f1
  CHECK_FS(f3, QNAN)
  CHECK_FLAGS(NV)
  LFS(f1, MZERO)
  fsqrt.s f3, f1                                                        // sqrt(-0) = -0
  CHECK_FS(f3, MZERO)
  CHECK_FLAGS(0)

  // ---- fused multiply-add ----------------------------------------------------------------
  TEST_S3(19, fmadd.s,  0x40e00000, 0, TWO, 0x40400000, ONE)            //  2*3 + 1 =  7
  TEST_S3(20, fmsub.s,  0x40a00000, 0, TWO, 0x40400000, ONE)            //  2*3 - 1 =  5
  TEST_S3(21, fnmsub.s, 0xc0a00000, 0, TWO, 0x40400000, ONE)            // -2*3 + 1 = -5
  TEST_S3(22, fnmadd.s, 0xc0e00000, 0, TWO, 0x40400000, ONE)            // -2*3 - 1 = -7
  // one rounding: (1+2^-12)^2 - (1+2^-11) = 2^-24 exactly (a separate multiply would give 0)
  TEST_S3(23, fmadd.s,  0x33800000, 0, 0x3f800800, 0x3f800800, 0xbf801000)
  TEST_S3(24, fnmsub.s, 0xb3800000, 0, 0x3f800800, 0x3f800800, 0x3f801000)
  TEST_S3(25, fmadd.s,  QNAN, NV, INF, PZERO, ONE)                      // inf * 0
  TEST_S3(26, fmadd.s,  QNAN, NV, INF, ONE, MINF)                       // inf - inf

  // ---- rounding modes: 1 + 2^-24 is a tie --------------------------------------------------
  TEST_S2_RM(27, fadd.s, rne, ONE,        NX, ONE, 0x33800000)
  TEST_S2_RM(28, fadd.s, rtz, ONE,        NX, ONE, 0x33800000)
  TEST_S2_RM(29, fadd.s, rdn, ONE,        NX, ONE, 0x33800000)
  TEST_S2_RM(30, fadd.s, rup, 0x3f800001, NX, ONE, 0x33800000)
  TEST_S2_RM(31, fadd.s, rmm, 0x3f800001, NX, ONE, 0x33800000)
  TEST_S2_RM(32, fadd.s, rne, MONE,       NX, MONE, 0xb3800000)
  TEST_S2_RM(33, fadd.s, rtz, MONE,       NX, MONE, 0xb3800000)
  TEST_S2_RM(34, fadd.s, rdn, 0xbf800001, NX, MONE, 0xb3800000)
  TEST_S2_RM(35, fadd.s, rup, MONE,       NX, MONE, 0xb3800000)
  TEST_S2_RM(36, fadd.s, rmm, 0xbf800001, NX, MONE, 0xb3800000)
  // overflow saturates to MAX in the modes that round toward zero
  TEST_S2_RM(37, fmul.s, rtz, MAXF, OF | NX, MAXF, TWO)
  TEST_S2_RM(38, fmul.s, rdn, MAXF, OF | NX, MAXF, TWO)
  TEST_S2_RM(39, fmul.s, rup, INF,  OF | NX, MAXF, TWO)

  // ---- float -> integer, each rounding mode --------------------------------------------------
  TEST_FTOI(40, fcvt.w.s, rne,  2, NX, 0x40200000)                      //  2.5
  TEST_FTOI(41, fcvt.w.s, rtz,  2, NX, 0x40200000)
  TEST_FTOI(42, fcvt.w.s, rdn,  2, NX, 0x40200000)
  TEST_FTOI(43, fcvt.w.s, rup,  3, NX, 0x40200000)
  TEST_FTOI(44, fcvt.w.s, rmm,  3, NX, 0x40200000)
  TEST_FTOI(45, fcvt.w.s, rne, -2, NX, 0xc0200000)                      // -2.5
  TEST_FTOI(46, fcvt.w.s, rtz, -2, NX, 0xc0200000)
  TEST_FTOI(47, fcvt.w.s, rdn, -3, NX, 0xc0200000)
  TEST_FTOI(48, fcvt.w.s, rup, -2, NX, 0xc0200000)
  TEST_FTOI(49, fcvt.w.s, rmm, -3, NX, 0xc0200000)
  TEST_FTOI(50, fcvt.w.s, rne,  2, NX, 0x3fc00000)                      //  1.5 -> even
  TEST_FTOI(51, fcvt.w.s, rtz,  3, 0,  0x40400000)                      //  exact: no flag
  TEST_FTOI(52, fcvt.w.s, rtz,  0, NX, 0xbf000000)                      // -0.5 -> 0
  TEST_FTOI(53, fcvt.wu.s, rtz, 0, NX, 0xbf000000)                      // in range after rounding
  TEST_FTOI(54, fcvt.wu.s, rtz, 0, NV, MONE)
  TEST_FTOI(55, fcvt.w.s, rtz, 0x000000007fffffff, NV, 0x4f32d05e)      //  3e9 saturates
  TEST_FTOI(56, fcvt.w.s, rtz, 0xffffffff80000000, NV, 0xcf32d05e)      // -3e9
  TEST_FTOI(57, fcvt.w.s, rtz, 0x000000007fffffff, NV, QNAN)            // NaN -> max
  TEST_FTOI(58, fcvt.w.s, rtz, 0x000000007fffffff, NV, MINF | 0x400000) // negative NaN -> max too
  TEST_FTOI(59, fcvt.wu.s, rtz, 0xffffffffb2d05e00, 0, 0x4f32d05e)      // 3e9: result sign-extended
  TEST_FTOI(60, fcvt.wu.s, rtz, 0xffffffffffffffff, NV, INF)
  TEST_FTOI(61, fcvt.l.s, rtz, 0x8000000000000000, NV, MINF)
  TEST_FTOI(62, fcvt.l.s, rtz, 0x7fffffffffffffff, NV, SNAN)
  TEST_FTOI(63, fcvt.lu.s, rtz, 0xffffffffffffffff, NV, INF)
  TEST_FTOI(64, fcvt.l.s, rup, 0x0000010000000000, 0, 0x53800000)       // 2^40
  TEST_FTOI(65, fcvt.lu.s, rtz, 0, NX, 0x3f000000)

  // ---- integer -> float, each rounding mode (2^24 + 1 is a tie) ------------------------------
  TEST_ITOF(66, fcvt.s.w, rne, 0x4b800000, NX, 16777217)
  TEST_ITOF(67, fcvt.s.w, rtz, 0x4b800000, NX, 16777217)
  TEST_ITOF(68, fcvt.s.w, rdn, 0x4b800000, NX, 16777217)
  TEST_ITOF(69, fcvt.s.w, rup, 0x4b800001, NX, 16777217)
  TEST_ITOF(70, fcvt.s.w, rmm, 0x4b800001, NX, 16777217)
  TEST_ITOF(71, fcvt.s.w, rne, 0xcb800000, NX, -16777217)
  TEST_ITOF(72, fcvt.s.w, rdn, 0xcb800001, NX, -16777217)
  TEST_ITOF(73, fcvt.s.w, rne, 0xc0000000, 0, 0x00000000fffffffe)       // low word only: -2
  TEST_ITOF(74, fcvt.s.wu, rne, 0x4f800000, NX, 0xffffffff)             // 2^32 - 1 -> 2^32
  TEST_ITOF(75, fcvt.s.wu, rtz, 0x4f7fffff, NX, 0xffffffff)
  TEST_ITOF(76, fcvt.s.l, rne, 0xdf000000, 0, 0x8000000000000000)       // -2^63
  TEST_ITOF(77, fcvt.s.lu, rne, 0x5f800000, NX, 0xffffffffffffffff)     // 2^64
  TEST_ITOF(78, fcvt.s.l, rne, PZERO, 0, 0)

  // ---- dynamic rounding mode (frm) -----------------------------------------------------------
  CASE(79)
  fsflags zero
  LFS(f1, 0x40200000)
  fsrmi 3                                                               // RUP
  fcvt.w.s a0, f1                                                       // rm = dyn
  CHECK(a0, 3)
  fsrmi 2                                                               // RDN
  fcvt.w.s a0, f1
  CHECK(a0, 2)
  fsrmi 4                                                               // RMM
  LFS(f1, ONE)
  LFS(f2, 0x33800000)
  fadd.s f3, f1, f2
  CHECK_FS(f3, 0x3f800001)
  fsrmi 1                                                               // RTZ
  fadd.s f3, f1, f2
  CHECK_FS(f3, ONE)
  frrm a0
  CHECK(a0, 1)
  CHECK_FLAGS(NX)
  // an invalid frm makes dynamic-rounding instructions illegal
  CASE(80)
  fsrmi 5
  LFS(f1, ONE)
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
2: fadd.s f3, f1, f1
  j __fail
1: CHECK_EPC(2b)
  fsrmi 0
  fadd.s f3, f1, f1                                                     // fine again
  CHECK_FS(f3, TWO)

  // ---- fflags accrual, fcsr layout -------------------------------------------------------------
  CASE(81)
  csrw fcsr, zero
  LFS(f1, ONE)
  LFS(f2, 0x40400000)
  fdiv.s f3, f1, f2                                                     // NX
  frflags a0
  CHECK(a0, NX)
  LFS(f4, PZERO)
  fdiv.s f3, f1, f4                                                     // + DZ
  frflags a0
  CHECK(a0, NX | DZ)
  fadd.s f3, f1, f1                                                     // exact: flags unchanged
  frflags a0
  CHECK(a0, NX | DZ)
  LFS(f5, MONE)
  fsqrt.s f3, f5                                                        // + NV
  LFS(f5, MAXF)
  fmul.s f3, f5, f5                                                     // + OF
  LFS(f5, 0x0d800000)
  fmul.s f3, f5, f5                                                     // + UF
  frflags a0
  CHECK(a0, NX | UF | OF | DZ | NV)
  CASE(82)
  fsrmi 2                                                               // frm = RDN
  csrr a0, fcsr
  CHECK(a0, (2 << 5) | 0x1f)
  csrr a0, frm
  CHECK(a0, 2)
  csrr a0, fflags
  CHECK(a0, 0x1f)
  fsflagsi a0, 0x5                                                      // swap returns the old value
  CHECK(a0, 0x1f)
  frflags a0
  CHECK(a0, 0x5)
  li a1, 0xff
  csrw fcsr, a1                                                         // only bits 7:0 exist
  csrr a0, fcsr
  CHECK(a0, 0xff)
  csrr a0, frm
  CHECK(a0, 7)
  csrw fcsr, zero
  csrr a0, fcsr
  CHECK(a0, 0)
  csrwi fflags, 0x1f
  csrr a0, fcsr
  CHECK(a0, 0x1f)
  csrwi frm, 1
  csrr a0, fcsr
  CHECK(a0, 0x3f)
  csrw fcsr, zero

  // ---- NaN-boxing --------------------------------------------------------------------------------
  // f1 holds 0x000000003f800000: not a NaN-boxed single
  CASE(83)
  LFD(f1, 0x000000003f800000)
  LFS(f2, ONE)
  fadd.s f3, f1, f2                                                     // f1 reads as canonical NaN
  CHECK_FS(f3, QNAN)
  CHECK_FLAGS(0)                                                        // a quiet NaN: no NV
  CASE(84)
  fmax.s f3, f1, f2                                                     // NaN operand -> the other
  CHECK_FS(f3, ONE)
  fclass.s a0, f1
  CHECK(a0, 1 << 9)                                                     // quiet NaN
  CASE(85)
  LFS(f2, MTWO)
  fsgnj.s f3, f1, f2                                                    // canonical NaN, sign of f2
  CHECK_FS(f3, 0xffc00000)
  fsgnjx.s f3, f2, f1                                                   // sign from canonical NaN (+)
  CHECK_FS(f3, MTWO)
  CASE(86)
  fmv.x.w a0, f1                                                        // transfers take the low bits
  CHECK(a0, 0x3f800000)
  la a1, f_buf
  fsw f1, 0(a1)
  lwu a0, 0(a1)
  CHECK(a0, 0x3f800000)
  feq.s a0, f1, f2                                                      // canonical NaN compares false
  CHECK(a0, 0)
  CASE(87)
  LFD(f1, 0xfffffffe3f800000)                                           // upper bits not all ones
  fcvt.w.s a0, f1, rtz
  CHECK(a0, 0x7fffffff)                                                 // NaN
  CHECK_FLAGS(NV)
  // loads, moves and single results are boxed
  CASE(88)
  la a1, f_buf
  li a0, 0x40490fdb
  sw a0, 0(a1)
  flw f4, 0(a1)
  CHECK_FS(f4, 0x40490fdb)
  li a0, 0x12345678
  fmv.w.x f4, a0
  CHECK_FS(f4, 0x12345678)
  fcvt.s.w f4, zero
  CHECK_FS(f4, PZERO)

  // ---- FMV.X.W sign-extends ------------------------------------------------------------------------
  TEST_CASE(89, a0, 0xffffffffbf800000, LFS(f1, MONE); fmv.x.w a0, f1)
  TEST_CASE(90, a0, 0x000000003f800000, LFS(f1, ONE); fmv.x.w a0, f1)
  TEST_CASE(91, a0, 0xffffffff80000000, LFS(f1, MZERO); fmv.x.w a0, f1)

  // ---- FCLASS.S ------------------------------------------------------------------------------------
  TEST_CLASS(92, 1 << 0, MINF)
  TEST_CLASS(93, 1 << 1, MONE)
  TEST_CLASS(94, 1 << 2, 0x807fffff)
  TEST_CLASS(95, 1 << 3, MZERO)
  TEST_CLASS(96, 1 << 4, PZERO)
  TEST_CLASS(97, 1 << 5, 0x00000001)
  TEST_CLASS(98, 1 << 6, 0x00800000)
  TEST_CLASS(99, 1 << 7, INF)
  TEST_CLASS(100, 1 << 8, SNAN)
  TEST_CLASS(101, 1 << 9, QNAN)
  TEST_CLASS(102, 1 << 9, 0xffffffff)                                   // negative quiet NaN

  // ---- FMIN/FMAX: -0 < +0, NaN handling --------------------------------------------------------------
  TEST_S2(103, fmin.s, MZERO, 0, MZERO, PZERO)
  TEST_S2(104, fmin.s, MZERO, 0, PZERO, MZERO)
  TEST_S2(105, fmax.s, PZERO, 0, MZERO, PZERO)
  TEST_S2(106, fmax.s, PZERO, 0, PZERO, MZERO)
  TEST_S2(107, fmin.s, ONE, 0, QNAN, ONE)                               // one qNaN: the number
  TEST_S2(108, fmax.s, MONE, 0, MONE, QNAN)
  TEST_S2(109, fmin.s, ONE, NV, SNAN, ONE)                              // sNaN: the number, NV
  TEST_S2(110, fmax.s, ONE, NV, ONE, SNAN)
  TEST_S2(111, fmin.s, QNAN, 0, QNAN, QNAN)                             // both NaN: canonical
  TEST_S2(112, fmax.s, QNAN, NV, SNAN, 0xffc12345)
  TEST_S2(113, fmin.s, MTWO, 0, MTWO, MONE)
  TEST_S2(114, fmax.s, INF, 0, MINF, INF)

  // ---- comparisons -----------------------------------------------------------------------------------
  TEST_CMP(115, feq.s, 1, 0, MZERO, PZERO)
  TEST_CMP(116, flt.s, 0, 0, MZERO, PZERO)
  TEST_CMP(117, fle.s, 1, 0, MZERO, PZERO)
  TEST_CMP(118, flt.s, 1, 0, MTWO, MONE)
  TEST_CMP(119, feq.s, 0, 0, QNAN, ONE)                                 // quiet compare
  TEST_CMP(120, feq.s, 0, NV, SNAN, ONE)
  TEST_CMP(121, flt.s, 0, NV, QNAN, ONE)                                // signaling compares
  TEST_CMP(122, fle.s, 0, NV, ONE, QNAN)
  TEST_CMP(123, feq.s, 0, 0, QNAN, QNAN)

  // ---- sign injection ----------------------------------------------------------------------------------
  TEST_S2(124, fsgnj.s,  MONE, 0, ONE, MTWO)
  TEST_S2(125, fsgnjn.s, ONE,  0, ONE, MTWO)
  TEST_S2(126, fsgnjx.s, ONE,  0, MONE, MTWO)
  TEST_S2(127, fsgnjx.s, MONE, 0, MONE, TWO)
  TEST_S2(128, fsgnj.s,  0x7f800001, 0, SNAN, ONE)                      // no NaN canonicalisation, no flags
  TEST_S2(129, fsgnjn.s, 0xffc00000, 0, QNAN, QNAN)

  // ---- mstatus.FS = 0: every F instruction and FP CSR access is illegal --------------------------------
  CASE(130)
  LFS(f9, 0x40490fdb)
  li t1, MSTATUS_FS
  csrc mstatus, t1
  EXPECT_TRAP(CAUSE_ILLEGAL, 1f)
2: fadd.s f3, f1, f2
  j __fail
1: CHECK_EPC(2b)
  la t0, 2b
  lwu t0, 0(t0)
  CHECK_REG(s9, t0)                                                     // mtval = the instruction
  TEST_TRAP(131, CAUSE_ILLEGAL, 1b, 1: flw f3, 0(sp))
  TEST_TRAP(132, CAUSE_ILLEGAL, 1b, 1: fsw f3, 0(sp))
  TEST_TRAP(133, CAUSE_ILLEGAL, 1b, 1: fmv.x.w a0, f3)
  TEST_TRAP(134, CAUSE_ILLEGAL, 1b, 1: fmv.w.x f3, a0)
  TEST_TRAP(135, CAUSE_ILLEGAL, 1b, 1: csrr a0, fcsr)
  TEST_TRAP(136, CAUSE_ILLEGAL, 1b, 1: csrr a0, fflags)
  TEST_TRAP(137, CAUSE_ILLEGAL, 1b, 1: fsrmi 1)
  TEST_TRAP(138, CAUSE_ILLEGAL, 1b, 1: fmadd.s f3, f1, f2, f4)
  TEST_TRAP(139, CAUSE_ILLEGAL, 1b, 1: fcvt.s.w f3, a0)
  // FS back on: the register file kept its contents
  CASE(140)
  li t0, MSTATUS_FS_INITIAL
  csrs mstatus, t0
  CHECK_FS(f9, 0x40490fdb)

TEST_END

  .data
  .balign 8
f_buf: .dword 0
