// RV64I loads and stores: every width, sign/zero extension, negative offsets, byte order,
// and misaligned accesses of every width at every offset, including ones that cross an
// 8-byte, a 64-byte and a 4 KiB page boundary. Misaligned accesses must complete (no trap is
// armed, so any trap fails the case).

#include "test.h"

#define TEST_LD(n, inst, value, off, base) \
        CASE(n); la a0, base; inst a1, off(a0); CHECK(a1, value)

// Store `value` with `st` at off(base), read it back with `ld`.
#define TEST_ST(n, st, ldi, value, off, base) \
        CASE(n); la a0, base; li a1, value; st a1, off(a0); ldi a2, off(a0); CHECK(a2, value)

TEST_BEGIN

  // ---- aligned loads, extension ----------------------------------------------------------
  TEST_LD( 2, lb,  0xffffffffffffff80, 0, d_ext)
  TEST_LD( 3, lbu, 0x0000000000000080, 0, d_ext)
  TEST_LD( 4, lb,  0x000000000000007f, 1, d_ext)
  TEST_LD( 5, lh,  0xffffffffffff8001, 2, d_ext)
  TEST_LD( 6, lhu, 0x0000000000008001, 2, d_ext)
  TEST_LD( 7, lw,  0xffffffff80000001, 4, d_ext)
  TEST_LD( 8, lwu, 0x0000000080000001, 4, d_ext)
  TEST_LD( 9, ld,  0x800000017fff8001, 0, d_ext + 8)
  TEST_LD(10, lw,  0x000000007fff8001, 8, d_ext)
  TEST_LD(11, lwu, 0x0000000080000001, 12, d_ext)
  // little-endian byte order
  TEST_LD(12, ld,  0x8877665544332211, 0, d_le)
  TEST_LD(13, lw,  0x0000000044332211, 0, d_le)
  TEST_LD(14, lwu, 0x0000000088776655, 4, d_le)
  TEST_LD(15, lh,  0x0000000000006655, 4, d_le)
  TEST_LD(16, lbu, 0x0000000000000033, 2, d_le)
  // negative offsets
  TEST_LD(17, lbu, 0x0000000000000088, -1, d_le + 8)
  TEST_LD(18, lw,  0xffffffff88776655, -4, d_le + 8)
  TEST_LD(19, ld,  0x8877665544332211, -2048, d_le + 2048)
  TEST_LD(20, lbu, 0x0000000000000011, 2047, d_le - 2047)

  // ---- aligned stores --------------------------------------------------------------------
  TEST_ST(21, sb, lbu, 0xa5, 0, d_st)
  TEST_ST(22, sh, lhu, 0xbeef, 2, d_st)
  TEST_ST(23, sw, lwu, 0xdeadbeef, 4, d_st)
  TEST_ST(24, sd, ld,  0x0123456789abcdef, 8, d_st)
  // stores write only their own bytes
  CASE(25)
  la a0, d_st
  li a1, -1
  sd a1, 16(a0)
  li a1, 0x1122334455667788                                             // only 0x88 stored
  sb a1, 17(a0)
  sh a1, 20(a0)                                                         // 0x7788
  ld a2, 16(a0)
  CHECK(a2, 0xffff7788ffff88ff)
  CASE(26)
  sw a1, 16(a0)                                                         // 0x55667788
  ld a2, 16(a0)
  CHECK(a2, 0xffff778855667788)
  // sign of the stored register does not matter
  TEST_ST(27, sw, lw, 0xffffffff80000000, 24, d_st)
  TEST_ST(28, sh, lh, 0xffffffffffff8000, 28, d_st)
  // load into x0: access happens, x0 stays 0
  TEST_CASE(29, x0, 0, la a0, d_le; ld x0, 0(a0); lw x0, 4(a0); lb x0, 7(a0))

  // ---- misaligned loads within a doubleword pair -----------------------------------------
  // d_seq holds bytes 0x00 0x01 ... 0x0f, 8-byte aligned.
  TEST_LD(30, lh,  0x0000000000000201, 1, d_seq)
  TEST_LD(31, lh,  0x0000000000000807, 7, d_seq)                        // crosses 8-byte boundary
  TEST_LD(32, lhu, 0x0000000000000403, 3, d_seq)
  TEST_LD(33, lw,  0x0000000004030201, 1, d_seq)
  TEST_LD(34, lw,  0x0000000005040302, 2, d_seq)
  TEST_LD(35, lw,  0x0000000006050403, 3, d_seq)
  TEST_LD(36, lw,  0x0000000008070605, 5, d_seq)
  TEST_LD(37, lw,  0x0000000009080706, 6, d_seq)
  TEST_LD(38, lwu, 0x000000000a090807, 7, d_seq)
  TEST_LD(39, ld,  0x0807060504030201, 1, d_seq)
  TEST_LD(40, ld,  0x0908070605040302, 2, d_seq)
  TEST_LD(41, ld,  0x0a09080706050403, 3, d_seq)
  TEST_LD(42, ld,  0x0b0a090807060504, 4, d_seq)
  TEST_LD(43, ld,  0x0c0b0a0908070605, 5, d_seq)
  TEST_LD(44, ld,  0x0d0c0b0a09080706, 6, d_seq)
  TEST_LD(45, ld,  0x0e0d0c0b0a090807, 7, d_seq)
  // sign extension of misaligned values
  TEST_LD(46, lh,  0xffffffffffff8180, 1, d_neg)
  TEST_LD(47, lhu, 0x0000000000008180, 1, d_neg)
  TEST_LD(48, lw,  0xffffffff83828180, 1, d_neg)
  TEST_LD(49, lwu, 0x0000000083828180, 1, d_neg)

  // ---- misaligned loads across a 64-byte line and a 4 KiB page ---------------------------
  // The 16 bytes before `page_edge` are 0xf0..0xff, the 16 bytes from it are 0x00..0x0f;
  // page_edge is page-aligned (and so 64-byte aligned).
  TEST_LD(50, lh,  0x00000000000000ff, -1, page_edge)
  TEST_LD(51, lhu, 0x00000000000000ff, -1, page_edge)
  TEST_LD(52, lw,  0x000000000100fffe, -2, page_edge)
  TEST_LD(53, lw,  0x00000000020100ff, -1, page_edge)
  TEST_LD(54, lw,  0xfffffffffefdfcfb, -5, page_edge)                  // misaligned, negative
  TEST_LD(55, lwu, 0x0000000000fffefd, -3, page_edge)
  TEST_LD(56, ld,  0x0605040302010000 | 0xff, -1, page_edge)
  TEST_LD(57, ld,  0x0403020100fffefd, -3, page_edge)
  TEST_LD(58, ld,  0x00fffefdfcfbfaf9, -7, page_edge)
  TEST_LD(59, lw,  0xfffffffffffefdfc, -4, page_edge)                  // aligned, just below

  // ---- misaligned stores -----------------------------------------------------------------
  TEST_ST(60, sh, lhu, 0xa1a2, 1, d_mst)
  TEST_ST(61, sh, lh,  0xffffffffffffb1b2, 7, d_mst)
  TEST_ST(62, sw, lwu, 0xc1c2c3c4, 1, d_mst)
  TEST_ST(63, sw, lw,  0xffffffffd1d2d3d4, 6, d_mst)
  TEST_ST(64, sd, ld,  0xe1e2e3e4e5e6e7e8, 3, d_mst)
  TEST_ST(65, sd, ld,  0x0102030405060708, 7, d_mst)
  // a misaligned sd writes exactly its 8 bytes: check the neighbours
  CASE(66)
  la a0, d_mst
  sd zero, 0(a0)
  sd zero, 8(a0)
  sd zero, 16(a0)
  li a1, 0x1122334455667788
  sd a1, 5(a0)
  ld a2, 0(a0)
  CHECK(a2, 0x6677880000000000)
  ld a2, 8(a0)
  CHECK(a2, 0x0000001122334455)
  ld a2, 16(a0)
  CHECK(a2, 0)
  // misaligned stores across the page boundary, read back with bytes and aligned words
  CASE(67)
  la a0, page_edge
  li a1, 0xa0a1a2a3a4a5a6a7
  sd a1, -3(a0)
  lbu a2, -3(a0)
  CHECK(a2, 0xa7)
  lbu a2, -1(a0)
  CHECK(a2, 0xa5)
  lbu a2, 0(a0)
  CHECK(a2, 0xa4)
  lbu a2, 4(a0)
  CHECK(a2, 0xa0)
  lbu a2, 5(a0)
  CHECK(a2, 0x05)                                                       // untouched
  lw a2, -4(a0)
  CHECK(a2, 0xffffffffa5a6a7fc)
  CASE(68)
  li a1, 0x51525354
  sw a1, -2(a0)
  lhu a2, -2(a0)
  CHECK(a2, 0x5354)
  lhu a2, 0(a0)
  CHECK(a2, 0x5152)
  TEST_ST(69, sh, lhu, 0x7172, -1, page_edge)
  TEST_ST(70, sw, lwu, 0x61626364, -1, page_edge)

TEST_END

  .data
  .balign 8
d_ext:  .byte 0x80, 0x7f
        .half 0x8001
        .word 0x80000001
        .word 0x7fff8001, 0x80000001
d_le:   .dword 0x8877665544332211
        .balign 8
d_seq:  .byte 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
        .byte 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
d_neg:  .byte 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86
        .balign 8
d_st:   .space 32
d_mst:  .space 32

  .balign 4096
  .space 4096 - 16
        .byte 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7
        .byte 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff
page_edge:
        .byte 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
        .byte 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
