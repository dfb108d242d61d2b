"""The structure of a SciPy sparse P, checked with NumPy before any SciPy conversion reads it.

SciPy's compiled conversions (tocsr, sum_duplicates) trust indptr, indices, row and col: a
decreasing or out-of-range index array makes them read and write outside the arrays. SciPy's own
check_format skips its checks when the last indptr is 0, does not exist for COO, and changes the
caller's matrix (prunes it), so tabrl checks the arrays itself, on the caller's matrix as given.
"""

import numpy as np


def _integers(array, name):
    array = np.asarray(array)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"P: not a valid SciPy sparse matrix: {name} is not a 1-D integer array")
    return array


def _within(array, bound, name):
    if len(array) and (array.min() < 0 or array.max() >= bound):
        raise ValueError(f"P: not a valid SciPy sparse matrix: {name} out of range [0, {bound})")


def _check_compressed(matrix, rows, cols):
    indptr = _integers(matrix.indptr, "indptr")
    indices = _integers(matrix.indices, "indices")
    if matrix.format == "bsr":
        block_rows, block_cols = matrix.blocksize
        major, minor = rows // block_rows, cols // block_cols
    else:
        major, minor = (rows, cols) if matrix.format == "csr" else (cols, rows)
    stored = min(len(indices), np.shape(matrix.data)[0] if np.ndim(matrix.data) else 0)
    if len(indptr) != major + 1 or indptr[0] != 0:
        raise ValueError(f"P: not a valid SciPy sparse matrix: indptr must have {major + 1} "
                         f"entries from 0, has {len(indptr)}")
    if np.any(np.diff(indptr) < 0):
        raise ValueError("P: not a valid SciPy sparse matrix: index pointer values must form a "
                         "non-decreasing sequence")
    if indptr[-1] > stored:
        raise ValueError(f"P: not a valid SciPy sparse matrix: indptr ends at {indptr[-1]}, "
                         f"beyond the {stored} stored entries")
    _within(indices[:indptr[-1]], minor, "indices")


def _check_coordinates(matrix, rows, cols):
    row = _integers(matrix.row, "row")
    col = _integers(matrix.col, "col")
    if not len(row) == len(col) == len(np.asarray(matrix.data)):
        raise ValueError("P: not a valid SciPy sparse matrix: row, col and data differ in length")
    _within(row, rows, "row")
    _within(col, cols, "col")


def checked_csr(matrix):
    """A canonical CSR copy of the sparse matrix `matrix` (duplicates summed, as SciPy reads them),
    made only once its index arrays are known to be consistent; ValueError otherwise."""
    rows, cols = matrix.shape
    if matrix.format in ("csr", "csc", "bsr"):
        _check_compressed(matrix, rows, cols)
    elif matrix.format == "coo":
        _check_coordinates(matrix, rows, cols)
    # dok, lil and dia convert in Python and NumPy code, which raises on bad structure.
    stored = matrix.nnz
    csr = matrix.tocsr(copy=True)
    csr.sum_duplicates()
    if csr.nnz < stored:
        # Duplicates were added up here, not by the caller: a sum that lands a rounding error
        # above 1 (nine entries of 1/9 add up to 1 + 2.2e-16) is the probability 1 it means.
        # (Each such sum of k entries is off by at most about k * 1.1e-16.) Only the summed
        # positions: a single entry above 1 is refused as from any other input.
        counts = matrix.copy()
        counts.data = np.ones(np.shape(counts.data))
        counts = counts.tocsr()
        counts.sum_duplicates()
        if (np.array_equal(counts.indptr, csr.indptr)
                and np.array_equal(counts.indices, csr.indices)):
            rounded_up = (counts.data > 1) & (csr.data > 1.0) & (csr.data <= 1.0 + 1e-12)
            csr.data[rounded_up] = 1.0
    return csr
