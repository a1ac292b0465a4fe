//go:build !purego

#include "textflag.h"

// MASK16 compares the sixteen bytes in X at offset shift of the block with
// the pattern in P and ORs the resulting 16-bit mask into R, using T and
// BX as scratch.
#define MASK16(X, P, T, shift, R) \
	MOVOU X, T \
	PCMPEQB P, T \
	PMOVMSKB T, BX \
	SHLQ $shift, BX \
	ORQ BX, R

// func maskBlocks(p *byte, n int, lf, cr *uint64)
TEXT ·maskBlocks(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ lf+16(FP), DI
	MOVQ cr+24(FP), DX
	MOVQ $0x0a0a0a0a0a0a0a0a, AX
	MOVQ AX, X8
	PUNPCKLQDQ X8, X8
	MOVQ $0x0d0d0d0d0d0d0d0d, AX
	MOVQ AX, X9
	PUNPCKLQDQ X9, X9
	TESTQ CX, CX
	JLE done

loop:
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3

	MOVOU X0, X4
	PCMPEQB X8, X4
	PMOVMSKB X4, AX
	MASK16(X1, X8, X5, 16, AX)
	MASK16(X2, X8, X6, 32, AX)
	MASK16(X3, X8, X7, 48, AX)
	MOVQ AX, (DI)

	PCMPEQB X9, X0
	PMOVMSKB X0, AX
	MASK16(X1, X9, X5, 16, AX)
	MASK16(X2, X9, X6, 32, AX)
	MASK16(X3, X9, X7, 48, AX)
	MOVQ AX, (DX)

	ADDQ $64, SI
	ADDQ $8, DI
	ADDQ $8, DX
	DECQ CX
	JNZ loop

done:
	RET
