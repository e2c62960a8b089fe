// SPDX-License-Identifier: MIT
/*
 * Sinan device model core: the cube (MMAD, sinan_isa.h).
 *
 * C (M1 x N1 blocks of 16 x 16, fp32 or int32, in L0C) (+)= A (L0A) x B
 * (L0B) over whole fractals. The ISA fixes the order of the fp32
 * accumulation (increasing k, one fused multiply-add per product, starting
 * from the old C or +0), so the host SIMD kernels and the portable C code
 * give bit-identical results: both keep one accumulator per C element and
 * walk k in order; only the columns (and rows) are done in parallel.
 *
 * fp16/bf16 operands are first widened to fp32 (exact), int8 to int16 (for
 * vpmaddwd, whose pairwise int32 sums are exact; int32 accumulation wraps
 * modulo 2^32 in both paths, which makes the order irrelevant).
 *
 * The SIMD kernels need AVX2, FMA and F16C and are chosen at run time
 * (__builtin_cpu_supports); nothing else in the build assumes them.
 */
#include <math.h>
#include <string.h>

#include "isa_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86_SIMD 1
#else
#define HAVE_X86_SIMD 0
#endif

static int simd_mode = -1;	/* -1 not decided yet, else the EMU_SIMD_* level in use */
static int host_simd = -1;

/*
 * AVX2 + FMA + F16C usable: CPUID feature bits, and the OS saving the YMM
 * state (XGETBV); AVX-512F: its CPUID bit and the opmask and ZMM states.
 * Plain CPUID rather than __builtin_cpu_supports(), which not every
 * compiler knows "f16c" for.
 */
int emu_host_simd(void)
{
	int v = __atomic_load_n(&host_simd, __ATOMIC_RELAXED);

	if (v < 0) {
		v = EMU_SIMD_NONE;
#if HAVE_X86_SIMD
		unsigned int a, b, c, d, lo, hi;

		if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX) &&
		    (c & bit_FMA) && (c & bit_F16C)) {
			__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
			if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2)) {
				v = EMU_SIMD_AVX2;
				if ((b & bit_AVX512F) && (lo & 0xe6) == 0xe6)
					v = EMU_SIMD_AVX512;
			}
		}
#endif
		__atomic_store_n(&host_simd, v, __ATOMIC_RELAXED);
	}
	return v;
}

int emu_simd_select(int mode)
{
	int v = emu_host_simd();

	if (mode >= 0 && mode < v)
		v = mode;
	__atomic_store_n(&simd_mode, v, __ATOMIC_RELAXED);
	return v;
}

int emu_simd_level(void)
{
	int v = __atomic_load_n(&simd_mode, __ATOMIC_RELAXED);

	if (v < 0)
		v = emu_simd_select(-1);
	return v;
}

bool emu_use_simd(void)
{
	return emu_simd_level() != EMU_SIMD_NONE;
}

/* ---- operand widening (portable) --------------------------------------------------- */

static void widen_f32_c(float *o, const uint8_t *p, unsigned int dt, size_t n)
{
	for (size_t i = 0; i < n; i++)
		o[i] = dt == SINAN_DT_FP16 ? emu_f16_to_f32(((const u16_a *)p)[i]) :
		       emu_bf16_to_f32(((const u16_a *)p)[i]);
}

/* ---- portable kernels ------------------------------------------------------------------ */

/* C block (i, j) over all K: t = fma(A[r][k], B[k][c], t) in k order. */
static void mm_f32_c(f32_a *C, const float *A, const float *B, uint64_t M1, uint64_t N1,
		     uint64_t K1, unsigned int k0, bool acc, bool exact)
{
	for (uint64_t i = 0; i < M1; i++) {
		for (uint64_t j = 0; j < N1; j++) {
			f32_a *cb = C + (i * N1 + j) * 256;
			float t[16][16];

			for (unsigned int r = 0; r < 16; r++)
				for (unsigned int cc = 0; cc < 16; cc++)
					t[r][cc] = acc ? cb[r * 16 + cc] : 0.0f;
			for (uint64_t kb = 0; kb < K1; kb++) {
				const float *ab = A + (i * K1 + kb) * 16 * k0;
				const float *bb = B + (kb * N1 + j) * k0 * 16;

				for (unsigned int r = 0; r < 16; r++) {
					for (unsigned int kk = 0; kk < k0; kk++) {
						float a = ab[r * k0 + kk];
						const float *br = bb + kk * 16;

						/* fp16 products are exact in fp32: a plain
						 * multiply-add equals the fused one (and
						 * vectorizes without FMA hardware). */
						if (exact)
							for (unsigned int cc = 0; cc < 16; cc++)
								t[r][cc] = t[r][cc] + a * br[cc];
						else
							for (unsigned int cc = 0; cc < 16; cc++)
								t[r][cc] = fmaf(a, br[cc], t[r][cc]);
					}
				}
			}
			for (unsigned int r = 0; r < 16; r++)
				for (unsigned int cc = 0; cc < 16; cc++)
					cb[r * 16 + cc] = emu_f32_canon(t[r][cc]);
		}
	}
}

static void mm_s8_c(i32_a *C, const int8_t *A, const int8_t *B, uint64_t M1, uint64_t N1,
		    uint64_t K1, bool acc)
{
	for (uint64_t i = 0; i < M1; i++) {
		for (uint64_t j = 0; j < N1; j++) {
			i32_a *cb = C + (i * N1 + j) * 256;
			uint32_t t[16][16];

			for (unsigned int r = 0; r < 16; r++)
				for (unsigned int cc = 0; cc < 16; cc++)
					t[r][cc] = acc ? (uint32_t)cb[r * 16 + cc] : 0;
			for (uint64_t kb = 0; kb < K1; kb++) {
				const int8_t *ab = A + (i * K1 + kb) * 512;
				const int8_t *bb = B + (kb * N1 + j) * 512;

				for (unsigned int r = 0; r < 16; r++)
					for (unsigned int kk = 0; kk < 32; kk++) {
						int32_t a = ab[r * 32 + kk];

						for (unsigned int cc = 0; cc < 16; cc++)
							t[r][cc] += (uint32_t)(a * bb[kk * 16 + cc]);
					}
			}
			for (unsigned int r = 0; r < 16; r++)
				for (unsigned int cc = 0; cc < 16; cc++)
					cb[r * 16 + cc] = (int32_t)t[r][cc];
		}
	}
}

/* ---- AVX2 kernels ------------------------------------------------------------------------ */
#if HAVE_X86_SIMD
#define SIMD __attribute__((target("avx2,fma,f16c")))

SIMD static void widen_f32_avx2(float *o, const uint8_t *p, unsigned int dt, size_t n)
{
	size_t i = 0;

	if (dt == SINAN_DT_FP16) {
		for (; i + 8 <= n; i += 8)
			_mm256_storeu_ps(o + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 2 * i))));
	} else {
		for (; i + 8 <= n; i += 8) {
			__m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p + 2 * i)));

			_mm256_storeu_ps(o + i, _mm256_castsi256_ps(_mm256_slli_epi32(h, 16)));
		}
	}
	widen_f32_c(o + i, p + 2 * i, dt, n - i);
}

/* NaN lanes -> the default NaN */
SIMD static inline __m256 canon8(__m256 v)
{
	return _mm256_blendv_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fc00000)),
				_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

/*
 * Rows r0 .. r0+R-1 of C block (i, j): R x 16 accumulators in registers,
 * k in order. a: the row block's A blocks (stride 16*k0 floats per kb),
 * b: B block (0, j) (stride N1*k0*16 floats per kb).
 */
#define MM_F32_ROWS(R)								\
SIMD static void mm_f32_rows##R(f32_a *cb, const float *a, const float *b,	\
				uint64_t K1, uint64_t N1, unsigned int k0, bool acc)	\
{										\
	__m256 c0[R], c1[R];							\
										\
	_Pragma("GCC unroll 8")						\
	for (int r = 0; r < R; r++) {						\
		c0[r] = acc ? _mm256_loadu_ps(cb + r * 16) : _mm256_setzero_ps();	\
		c1[r] = acc ? _mm256_loadu_ps(cb + r * 16 + 8) : _mm256_setzero_ps();	\
	}									\
	for (uint64_t kb = 0; kb < K1; kb++) {					\
		const float *ab = a + kb * 16 * k0;				\
		const float *bb = b + kb * N1 * k0 * 16;			\
										\
		for (unsigned int kk = 0; kk < k0; kk++) {			\
			__m256 b0 = _mm256_loadu_ps(bb + kk * 16);		\
			__m256 b1 = _mm256_loadu_ps(bb + kk * 16 + 8);		\
										\
			_Pragma("GCC unroll 8")				\
			for (int r = 0; r < R; r++) {				\
				__m256 av = _mm256_broadcast_ss(ab + r * k0 + kk);	\
										\
				c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);		\
				c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);		\
			}							\
		}								\
	}									\
	_Pragma("GCC unroll 8")							\
	for (int r = 0; r < R; r++) {						\
		_mm256_storeu_ps(cb + r * 16, canon8(c0[r]));			\
		_mm256_storeu_ps(cb + r * 16 + 8, canon8(c1[r]));		\
	}									\
}
MM_F32_ROWS(6)
MM_F32_ROWS(5)

SIMD static void mm_f32_avx2(f32_a *C, const float *A, const float *B, uint64_t M1, uint64_t N1,
			     uint64_t K1, unsigned int k0, bool acc)
{
	for (uint64_t i = 0; i < M1; i++) {
		for (uint64_t j = 0; j < N1; j++) {
			f32_a *cb = C + (i * N1 + j) * 256;
			const float *a = A + i * K1 * 16 * k0;
			const float *b = B + j * k0 * 16;

			/* 16 rows as 6 + 5 + 5: 10 to 12 independent FMA chains hide the latency */
			mm_f32_rows6(cb, a, b, K1, N1, k0, acc);
			mm_f32_rows5(cb + 6 * 16, a + 6 * k0, b, K1, N1, k0, acc);
			mm_f32_rows5(cb + 11 * 16, a + 11 * k0, b, K1, N1, k0, acc);
		}
	}
}

/*
 * AVX-512: a C block's row is one register. Two C blocks side by side, 8
 * rows at a time (16 accumulators; per k step 2 loads of B and 8 broadcasts
 * of A feed 16 FMAs), or one block of 16 rows for an odd last block.
 */
#define SIMD512 __attribute__((target("avx2,fma,f16c,avx512f")))

SIMD512 static inline __m512 canon16(__m512 v)
{
	return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), v,
				    _mm512_castsi512_ps(_mm512_set1_epi32(0x7fc00000)));
}

SIMD512 static void mm_f32_pair8(f32_a *cb, const float *a, const float *b, uint64_t K1, uint64_t N1,
				 unsigned int k0, bool acc)
{
	__m512 c0[8], c1[8];

	_Pragma("GCC unroll 8")
	for (int r = 0; r < 8; r++) {
		c0[r] = acc ? _mm512_loadu_ps(cb + r * 16) : _mm512_setzero_ps();
		c1[r] = acc ? _mm512_loadu_ps(cb + 256 + r * 16) : _mm512_setzero_ps();
	}
	for (uint64_t kb = 0; kb < K1; kb++) {
		const float *ab = a + kb * 16 * k0;
		const float *bb = b + kb * N1 * k0 * 16;

		for (unsigned int kk = 0; kk < k0; kk++) {
			__m512 b0 = _mm512_loadu_ps(bb + kk * 16);
			__m512 b1 = _mm512_loadu_ps(bb + k0 * 16 + kk * 16);

			_Pragma("GCC unroll 8")
			for (int r = 0; r < 8; r++) {
				__m512 av = _mm512_set1_ps(ab[r * k0 + kk]);

				c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
				c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
			}
		}
	}
	_Pragma("GCC unroll 8")
	for (int r = 0; r < 8; r++) {
		_mm512_storeu_ps(cb + r * 16, canon16(c0[r]));
		_mm512_storeu_ps(cb + 256 + r * 16, canon16(c1[r]));
	}
}

SIMD512 static void mm_f32_one16(f32_a *cb, const float *a, const float *b, uint64_t K1, uint64_t N1,
				 unsigned int k0, bool acc)
{
	__m512 c[16];

	_Pragma("GCC unroll 16")
	for (int r = 0; r < 16; r++)
		c[r] = acc ? _mm512_loadu_ps(cb + r * 16) : _mm512_setzero_ps();
	for (uint64_t kb = 0; kb < K1; kb++) {
		const float *ab = a + kb * 16 * k0;
		const float *bb = b + kb * N1 * k0 * 16;

		for (unsigned int kk = 0; kk < k0; kk++) {
			__m512 bv = _mm512_loadu_ps(bb + kk * 16);

			_Pragma("GCC unroll 16")
			for (int r = 0; r < 16; r++)
				c[r] = _mm512_fmadd_ps(_mm512_set1_ps(ab[r * k0 + kk]), bv, c[r]);
		}
	}
	_Pragma("GCC unroll 16")
	for (int r = 0; r < 16; r++)
		_mm512_storeu_ps(cb + r * 16, canon16(c[r]));
}

SIMD512 static void mm_f32_avx512(f32_a *C, const float *A, const float *B, uint64_t M1, uint64_t N1,
				  uint64_t K1, unsigned int k0, bool acc)
{
	for (uint64_t i = 0; i < M1; i++) {
		const float *a = A + i * K1 * 16 * k0;
		uint64_t j = 0;

		for (; j + 2 <= N1; j += 2) {
			f32_a *cb = C + (i * N1 + j) * 256;
			const float *b = B + j * k0 * 16;

			mm_f32_pair8(cb, a, b, K1, N1, k0, acc);
			mm_f32_pair8(cb + 8 * 16, a + 8 * k0, b, K1, N1, k0, acc);
		}
		if (j < N1)
			mm_f32_one16(C + (i * N1 + j) * 256, a, B + j * k0 * 16, K1, N1, k0, acc);
	}
}

/* int8: A widened to int16 (same layout); B per block as 16 k-pairs x 16
 * columns x 2, so that vpmaddwd against a broadcast A pair gives 8 columns. */
SIMD static void pack_s8_avx2(int16_t *Aw, int16_t *Bp, const int8_t *A, const int8_t *B,
			      uint64_t ablocks, uint64_t bblocks)
{
	for (uint64_t i = 0; i < ablocks * 512; i += 16)
		_mm256_storeu_si256((__m256i *)(Aw + i),
				    _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(A + i))));
	for (uint64_t blk = 0; blk < bblocks; blk++) {
		const int8_t *b = B + blk * 512;
		int16_t *o = Bp + blk * 512;

		for (unsigned int p = 0; p < 16; p++) {
			__m256i r0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 2 * p * 16)));
			__m256i r1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + (2 * p + 1) * 16)));
			/* interleave within 128-bit lanes, then put the lanes in column order */
			__m256i lo = _mm256_unpacklo_epi16(r0, r1);	/* cols 0-3 | 8-11 */
			__m256i hi = _mm256_unpackhi_epi16(r0, r1);	/* cols 4-7 | 12-15 */

			_mm256_storeu_si256((__m256i *)(o + p * 32), _mm256_permute2x128_si256(lo, hi, 0x20));
			_mm256_storeu_si256((__m256i *)(o + p * 32 + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
		}
	}
}

#define MM_S8_ROWS(R)								\
SIMD static void mm_s8_rows##R(i32_a *cb, const int16_t *a, const int16_t *b,	\
			       uint64_t K1, uint64_t N1, bool acc)		\
{										\
	__m256i c0[R], c1[R];							\
										\
	_Pragma("GCC unroll 8")						\
	for (int r = 0; r < R; r++) {						\
		c0[r] = acc ? _mm256_loadu_si256((const __m256i *)(cb + r * 16)) :	\
			      _mm256_setzero_si256();				\
		c1[r] = acc ? _mm256_loadu_si256((const __m256i *)(cb + r * 16 + 8)) :	\
			      _mm256_setzero_si256();				\
	}									\
	for (uint64_t kb = 0; kb < K1; kb++) {					\
		const int16_t *ab = a + kb * 512;				\
		const int16_t *bb = b + kb * N1 * 512;				\
										\
		for (unsigned int p = 0; p < 16; p++) {				\
			__m256i b0 = _mm256_loadu_si256((const __m256i *)(bb + p * 32));	\
			__m256i b1 = _mm256_loadu_si256((const __m256i *)(bb + p * 32 + 16));	\
										\
			_Pragma("GCC unroll 8")				\
			for (int r = 0; r < R; r++) {				\
				int32_t pair;					\
				__m256i av;					\
										\
				memcpy(&pair, ab + r * 32 + 2 * p, 4);		\
				av = _mm256_set1_epi32(pair);			\
				c0[r] = _mm256_add_epi32(c0[r], _mm256_madd_epi16(av, b0));	\
				c1[r] = _mm256_add_epi32(c1[r], _mm256_madd_epi16(av, b1));	\
			}							\
		}								\
	}									\
	_Pragma("GCC unroll 8")						\
	for (int r = 0; r < R; r++) {						\
		_mm256_storeu_si256((__m256i *)(cb + r * 16), c0[r]);		\
		_mm256_storeu_si256((__m256i *)(cb + r * 16 + 8), c1[r]);	\
	}									\
}
MM_S8_ROWS(6)
MM_S8_ROWS(5)

SIMD static void mm_s8_avx2(i32_a *C, const int16_t *A, const int16_t *B, uint64_t M1, uint64_t N1,
			    uint64_t K1, bool acc)
{
	for (uint64_t i = 0; i < M1; i++) {
		for (uint64_t j = 0; j < N1; j++) {
			i32_a *cb = C + (i * N1 + j) * 256;
			const int16_t *a = A + i * K1 * 512;
			const int16_t *b = B + j * 512;

			mm_s8_rows6(cb, a, b, K1, N1, acc);
			mm_s8_rows5(cb + 6 * 16, a + 6 * 32, b, K1, N1, acc);
			mm_s8_rows5(cb + 11 * 16, a + 11 * 32, b, K1, N1, acc);
		}
	}
}
#endif /* HAVE_X86_SIMD */

/* ---- MMAD ------------------------------------------------------------------------------------ */

static uint64_t mulsat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

int isa_mmad(struct emu_core *c)
{
	uint64_t w = c->insn;
	unsigned int fn = SINAN_DEC_FUNC_R(w), dt = fn & 7;
	bool acc = fn & SINAN_MMAD_F_ACC;
	uint64_t d = c->x[SINAN_DEC_RD(w)], ao = c->x[SINAN_DEC_RA(w)], bo = c->x[SINAN_DEC_RB(w)];
	uint64_t m = c->x[SINAN_DEC_RC(w)], n = c->x[SINAN_DEC_RE(w)], k = c->x[SINAN_DEC_RF(w)];
	uint64_t M1, N1, K1, abytes, bbytes, cbytes, occ, lat;
	unsigned int es, k0;
	struct isa_acc a[4];
	int simd;

	es = sinan_dtype_size(dt);
	k0 = 32 / es;
	if (!m || !n)
		m = n = k = 0;
	M1 = m / 16 + (m % 16 != 0);
	N1 = n / 16 + (n % 16 != 0);
	K1 = k / k0 + (k % k0 != 0);
	abytes = mulsat(mulsat(M1, K1), SINAN_FRACTAL_BYTES);
	bbytes = mulsat(mulsat(K1, N1), SINAN_FRACTAL_BYTES);
	cbytes = mulsat(mulsat(M1, N1), 1024);
	if (isa_check_local(c, SINAN_BUF_L0A, ao, 1, abytes, 0, SINAN_ALIGN_L0AB, SINAN_FAULT_READ) ||
	    isa_check_local(c, SINAN_BUF_L0B, bo, 1, bbytes, 0, SINAN_ALIGN_L0AB, SINAN_FAULT_READ) ||
	    isa_check_local(c, SINAN_BUF_L0C, d, 1, cbytes, 0, SINAN_ALIGN_L0C, SINAN_FAULT_WRITE))
		return -1;
	a[0] = (struct isa_acc){ .buf = SINAN_BUF_L0A, .base = ao, .n = 1, .len = abytes };
	a[1] = (struct isa_acc){ .buf = SINAN_BUF_L0B, .base = bo, .n = 1, .len = bbytes };
	a[2] = (struct isa_acc){ .buf = SINAN_BUF_L0C, .write = 1, .base = d, .n = 1, .len = cbytes };
	a[3] = (struct isa_acc){ .buf = SINAN_BUF_L0C, .base = d, .n = acc, .len = cbytes };
	isa_cost_mmad(dt, M1, N1, K1, &occ, &lat);
	if (isa_cost_issue(c, SINAN_PIPE_M, occ, lat, a, 4))
		return -1;
	if (!M1 || !N1)
		return 0;

	simd = emu_simd_level();
	{
		const uint8_t *A = c->lb[SINAN_BUF_L0A] + ao, *B = c->lb[SINAN_BUF_L0B] + bo;
		uint8_t *C = c->lb[SINAN_BUF_L0C] + d;
		uint8_t *sa = c->scratch, *sb = (uint8_t *)c->scratch + 2 * (size_t)c->lsize[SINAN_BUF_L0A];
		size_t na = (size_t)(abytes / es), nb = (size_t)(bbytes / es);

		if (dt == SINAN_DT_INT8) {
#if HAVE_X86_SIMD
			if (simd) {
				pack_s8_avx2((int16_t *)sa, (int16_t *)sb, (const int8_t *)A,
					     (const int8_t *)B, M1 * K1, K1 * N1);
				mm_s8_avx2((i32_a *)C, (const int16_t *)sa, (const int16_t *)sb, M1, N1, K1, acc);
				return 0;
			}
#endif
			mm_s8_c((i32_a *)C, (const int8_t *)A, (const int8_t *)B, M1, N1, K1, acc);
			return 0;
		}
		if (dt != SINAN_DT_FP32) {
#if HAVE_X86_SIMD
			if (simd) {
				widen_f32_avx2((float *)sa, A, dt, na);
				widen_f32_avx2((float *)sb, B, dt, nb);
			} else
#endif
			{
				widen_f32_c((float *)sa, A, dt, na);
				widen_f32_c((float *)sb, B, dt, nb);
			}
			A = sa;
			B = sb;
		}
#if HAVE_X86_SIMD
		if (simd == EMU_SIMD_AVX512)
			mm_f32_avx512((f32_a *)C, (const float *)A, (const float *)B, M1, N1, K1, k0, acc);
		else if (simd)
			mm_f32_avx2((f32_a *)C, (const float *)A, (const float *)B, M1, N1, K1, k0, acc);
		else
#endif
			mm_f32_c((f32_a *)C, (const float *)A, (const float *)B, M1, N1, K1, k0, acc,
				 dt == SINAN_DT_FP16);
	}
	return 0;
}
