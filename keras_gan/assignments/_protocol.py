"""The grader's wire format: JSON lines carrying numeric arrays, never pickles.

The worker (which runs the student's code) only ever sends numbers back; the parent decodes
them strictly, so a reply can at most claim outputs, never run code in the grader or mark a
check as passed.
"""

import base64

import numpy as np

_KINDS = "biuf"  # bool, int, unsigned, float: the only dtypes a reply may carry
MAX_ELEMENTS = 1_000_000


class ProtocolError(ValueError):
    """A reply that is not what the grader asked for."""


def encode(value):
    """`{"array": base64, "dtype", "shape"}` for an array-like (a tensor converted to numpy)."""
    array = np.asarray(value)
    if array.dtype.kind not in _KINDS:
        raise TypeError(f"cannot send an array of dtype {array.dtype}")
    array = np.ascontiguousarray(array)
    return {
        "array": base64.b64encode(array.tobytes()).decode("ascii"),
        "dtype": array.dtype.str,
        "shape": list(array.shape),
    }


def decode(message):
    """The array in an `encode`d message; `ProtocolError` for anything else."""
    try:
        dtype = np.dtype(message["dtype"])
        shape = tuple(int(n) for n in message["shape"])
        if dtype.kind not in _KINDS or dtype.hasobject or any(n < 0 for n in shape):
            raise ProtocolError(f"unexpected dtype or shape {message['dtype']} {shape}")
        size = int(np.prod(shape)) if shape else 1
        if size > MAX_ELEMENTS:
            raise ProtocolError(f"array too large ({size} elements)")
        data = base64.b64decode(message["array"], validate=True)
        if len(data) != size * dtype.itemsize:
            raise ProtocolError("array data does not match its shape")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    except ProtocolError:
        raise
    except Exception as error:  # noqa: BLE001 - any malformed message
        raise ProtocolError(f"malformed array ({type(error).__name__})") from error
