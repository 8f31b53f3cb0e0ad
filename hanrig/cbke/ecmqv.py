"""The ECMQV primitive of SEC 1 v2.0 (section 3.4) on the CBKE curves.

Checked against GEC 2's ECMQV example on sect163k1 (``tests/cbke``).
"""

from __future__ import annotations

from hanrig.cbke.curve import KoblitzCurve, Point
from hanrig.cbke.errors import PointError


def associate_value(curve: KoblitzCurve, point: tuple[int, int]) -> int:
    """Q-bar: the low ceil(f/2) bits of x, with bit ceil(f/2) set, where f is the bit length of n."""
    half = (curve.order.bit_length() + 1) // 2
    return (point[0] % (1 << half)) + (1 << half)


def shared_secret(
    curve: KoblitzCurve,
    *,
    static_private: int,
    ephemeral_private: int,
    ephemeral_public: tuple[int, int],
    peer_static: tuple[int, int],
    peer_ephemeral: tuple[int, int],
) -> bytes:
    """Z, the x coordinate of the shared point as an octet string of the field's length."""
    n = curve.order
    implicit = (ephemeral_private + associate_value(curve, ephemeral_public) * static_private) % n
    peer: Point = curve.add(peer_ephemeral, curve.multiply(associate_value(curve, peer_ephemeral), peer_static))
    shared = curve.multiply(curve.cofactor * implicit % n, peer)
    if shared is None:
        raise PointError("the ECMQV shared point is the point at infinity")
    return shared[0].to_bytes(curve.octets, "big")
