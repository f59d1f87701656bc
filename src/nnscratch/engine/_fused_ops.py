"""Calls out of the compiled loop of :mod:`nnscratch.engine._fused_kernels` (needs numba).

- ``fma``: ``a * b + c`` rounded once (LLVM's fma), as OpenBLAS's kernels multiply-add;
- ``ufunc`` / ``apply`` / ``total``: NumPy's own strided loops (tanh, exp, log, expm1, logaddexp,
  add) through the function pointers of ``ufunc._get_strided_loop``, the interface NumPy
  provides for compiled callers, so every activation, the softmax and the sums round exactly as
  the NumPy engine's;
- ``dot``: the BLAS dot that ``np.vdot`` calls; ``gemm``: the BLAS matrix product that
  ``np.dot`` calls, for the products of wide layers.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# rows of ``loops``: NumPy's strided loops (function, context, auxdata) for the parameter dtype
L_TANH, L_EXP, L_LOG, L_EXPM1, L_LOGADDEXP, L_ADD = range(6)


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c rounded once (llvm.fma)."""
    sig = a(a, a, a)

    def codegen(context, builder, signature, args):
        ty = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fma", [ty], ir.FunctionType(ty, [ty] * 3))
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def _call_loop(typingctx, fn, ctx, data, dims, strides, aux):
    """Call NumPy's ``PyArrayMethod_StridedLoop`` at address ``fn``."""
    sig = types.int32(types.intp, types.intp, types.intp, types.intp, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.IntType(32), [ptr] * 5)
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [builder.inttoptr(a, ptr) for a in args[1:]])

    return sig, codegen


@intrinsic
def _call_dot(typingctx, fn, n, x, y, like):
    """Call BLAS ``dot(n, x, 1, y, 1)`` (64-bit ints) at address ``fn``; returns like ``like``."""
    sig = like(types.intp, types.intp, types.intp, types.intp, like)

    def codegen(context, builder, signature, args):
        ptr, i64 = ir.IntType(8).as_pointer(), ir.IntType(64)
        ret = context.get_value_type(signature.return_type)
        f = builder.inttoptr(args[0], ir.FunctionType(ret, [i64, ptr, i64, ptr, i64]).as_pointer())
        one = ir.Constant(i64, 1)
        return builder.call(f, [args[1], builder.inttoptr(args[2], ptr), one,
                                builder.inttoptr(args[3], ptr), one])

    return sig, codegen


@intrinsic
def _call_gemm(typingctx, fn, ta, tb, M, N, K, a, lda, b, ldb, c, ldc, like):
    """Call CBLAS ``gemm(RowMajor, ta, tb, M, N, K, 1, a, lda, b, ldb, 0, c, ldc)`` (64-bit ints)
    at address ``fn``; ``like`` (a value of the array dtype) gives the type of alpha and beta."""
    sig = types.void(types.intp, types.intp, types.intp, types.intp, types.intp, types.intp,
                     types.intp, types.intp, types.intp, types.intp, types.intp, types.intp, like)

    def codegen(context, builder, signature, args):
        ptr, i32, i64 = ir.IntType(8).as_pointer(), ir.IntType(32), ir.IntType(64)
        real = context.get_value_type(signature.args[-1])
        fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, real, ptr, i64,
                                                ptr, i64, real, ptr, i64])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        row_major = ir.Constant(i32, 101)
        one, zero = ir.Constant(real, 1.0), ir.Constant(real, 0.0)
        builder.call(f, [row_major, builder.trunc(args[1], i32), builder.trunc(args[2], i32),
                         args[3], args[4], args[5], one, builder.inttoptr(args[6], ptr), args[7],
                         builder.inttoptr(args[8], ptr), args[9], zero,
                         builder.inttoptr(args[10], ptr), args[11]])
        return context.get_dummy_value()

    return sig, codegen


NO_TRANS, TRANS = 111, 112  # CBLAS_TRANSPOSE


@njit(cache=True)
def gemm(gemm_fn, ta, tb, M, N, K, a, a0, lda, b, b0, ldb, c, c0, ldc):
    """``C = op(A) op(B)`` (row-major, op: ``NO_TRANS`` or ``TRANS``) on the blocks that start at
    ``a[a0]``, ``b[b0]``, ``c[c0]`` of flat arrays, rows ``lda``, ``ldb``, ``ldc`` apart: the BLAS
    gemm of NumPy's ``np.dot``, at address ``gemm_fn``."""
    it = a.itemsize
    _call_gemm(gemm_fn, ta, tb, M, N, K, a.ctypes.data + a0 * it, lda, b.ctypes.data + b0 * it,
               ldb, c.ctypes.data + c0 * it, ldc, a[a0])


@njit(cache=True)
def ufunc(loops, which, io, a, sa, b, sb, out, so, count):
    """``out = ufunc(a)`` (``b`` = 0) or ``out = ufunc(a, b)`` over ``count`` elements at these
    addresses and byte strides (stride 0: a scalar, or with ``out == a`` a reduction into it).
    ``io`` (7 ints) is scratch for the loop's data, dimensions and strides."""
    io[0], io[4] = a, sa
    if b == 0:
        io[1], io[5] = out, so
    else:
        io[1], io[2], io[5], io[6] = b, out, sb, so
    io[3] = count
    addr = io.ctypes.data
    _call_loop(loops[which, 0], loops[which, 1], addr, addr + 3 * 8, addr + 4 * 8,
               loops[which, 2])


@njit(cache=True)
def apply(loops, which, io, x, x0, count):
    """x[x0 : x0 + count] = ufunc(x[x0 : x0 + count]) in place, for a unary NumPy ufunc."""
    it = x.itemsize
    base = x.ctypes.data + x0 * it
    ufunc(loops, which, io, base, it, 0, 0, base, it, count)


@njit(cache=True)
def total(loops, io, x, count, acc):
    """float(x[:count].sum()): NumPy's add loop reducing into ``acc`` (pairwise summation)."""
    acc[0] = 0
    it = x.itemsize
    into = acc.ctypes.data
    ufunc(loops, L_ADD, io, into, 0, x.ctypes.data, it, into, 0, count)
    return float(acc[0])


@njit(cache=True)
def dot(dot_fn, a, a0, b, b0, count):
    """float(np.vdot(a[a0:a0+count], b[b0:b0+count])): NumPy's BLAS dot when known."""
    if dot_fn != 0:
        it = a.itemsize
        return float(_call_dot(dot_fn, count, a.ctypes.data + a0 * it, b.ctypes.data + b0 * it,
                               a[a0]))
    s = 0.0
    for t in range(count):
        s += a[a0 + t] * b[b0 + t]
    return s
