/* SPDX-License-Identifier: MIT */
/* Sinan assembler/disassembler: name tables shared by both directions. */
#ifndef SINAN_ASM_INT_H
#define SINAN_ASM_INT_H

#include "isa/sinan_asm.h"

#define NAMES(a)	((unsigned int)(sizeof(a) / sizeof((a)[0])))

extern const char *const sinan_n_dtype[SINAN_DT_COUNT];
extern const char *const sinan_n_pipe[SINAN_PIPE_COUNT];
extern const char *const sinan_n_buf[SINAN_BUF_COUNT];
extern const char *const sinan_n_alu[SINAN_ALU_COUNT];
extern const char *const sinan_n_br[SINAN_BR_COUNT];
extern const char *const sinan_n_cfg[SINAN_CFG_COUNT];
extern const char *const sinan_n_vbin[SINAN_VB_COUNT];
extern const char *const sinan_n_vs[SINAN_VS_COUNT];
extern const char *const sinan_n_vun[SINAN_VU_COUNT];
extern const char *const sinan_n_vred[SINAN_VR_COUNT];
extern const char *const sinan_n_vcmp[SINAN_VC_COUNT];
extern const char *const sinan_n_rnd[4];

/* Operand keys of the "key=xN" operands, per instruction. */
extern const char *const sinan_k_mov[4];	/* rb rc re rf */
extern const char *const sinan_k_loadf[3];	/* rb rc re */
extern const char *const sinan_k_img2col[4];
extern const char *const sinan_k_mmad[3];	/* rc re rf */
extern const char *const sinan_k_fixp[4];	/* rb rc re rf */
extern const char *const sinan_k_vec[3];	/* n rows strides */
extern const char *const sinan_k_vsel[2];	/* re rf */

#endif /* SINAN_ASM_INT_H */
