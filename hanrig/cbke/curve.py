"""Koblitz curves y^2 + xy = x^3 + ax^2 + 1 over GF(2^m): points, scalar multiples, SEC 1 encodings.

Only the two curves of the Smart Energy crypto suites are defined, with the domain
parameters of SEC 2 v2.0 (section 3): sect163k1 (suite 1) and sect283k1 (suite 2). Points
are affine; the point at infinity is ``None``. Scalar multiplication is plain double and
add: the emulator and the test CA need correct results, not constant time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hanrig.cbke.errors import PointError
from hanrig.cbke.field import BinaryField

Point = tuple[int, int] | None


@dataclass(frozen=True)
class KoblitzCurve:
    name: str
    field: BinaryField
    a: int
    generator: tuple[int, int]
    order: int
    cofactor: int

    @property
    def octets(self) -> int:
        """Length of a field element or a private key in octets."""
        return self.field.octets

    @property
    def compressed_length(self) -> int:
        return 1 + self.field.octets

    def on_curve(self, point: Point) -> bool:
        if point is None:
            return True
        x, y = point
        f = self.field
        if not (f.contains(x) and f.contains(y)):
            return False
        x2 = f.square(x)
        return f.square(y) ^ f.mul(x, y) == f.mul(x2, x) ^ f.mul(self.a, x2) ^ 1

    def negate(self, point: Point) -> Point:
        if point is None:
            return None
        x, y = point
        return x, x ^ y

    def add(self, p: Point, q: Point) -> Point:
        if p is None:
            return q
        if q is None:
            return p
        (x1, y1), (x2, y2) = p, q
        if x1 == x2:
            return self.double(p) if y1 == y2 else None
        f = self.field
        slope = f.div(y1 ^ y2, x1 ^ x2)
        x3 = f.square(slope) ^ slope ^ x1 ^ x2 ^ self.a
        return x3, f.mul(slope, x1 ^ x3) ^ x3 ^ y1

    def double(self, p: Point) -> Point:
        if p is None or p[0] == 0:
            return None
        x1, y1 = p
        f = self.field
        slope = x1 ^ f.div(y1, x1)
        x3 = f.square(slope) ^ slope ^ self.a
        return x3, f.square(x1) ^ f.mul(slope ^ 1, x3)

    def multiply(self, scalar: int, point: Point) -> Point:
        if scalar < 0:
            return self.multiply(-scalar, self.negate(point))
        result: Point = None
        addend = point
        while scalar:
            if scalar & 1:
                result = self.add(result, addend)
            addend = self.double(addend)
            scalar >>= 1
        return result

    def base_multiply(self, scalar: int) -> Point:
        """k·G from a table of the generator's doublings: additions only, a third of ``multiply``'s work."""
        scalar %= self.order
        doublings = _generator_doublings(self)
        result: Point = None
        for bit in range(scalar.bit_length()):
            if scalar >> bit & 1:
                result = self.add(result, doublings[bit])
        return result

    def encode(self, point: Point) -> bytes:
        """The SEC 1 compressed encoding (section 2.3.3), as every CBKE field carries points."""
        if point is None:
            raise PointError("the point at infinity has no compressed encoding")
        x, y = point
        y_bit = 0 if x == 0 else self.field.div(y, x) & 1
        return bytes([0x02 | y_bit]) + x.to_bytes(self.octets, "big")

    def decode(self, data: bytes, *, full_validation: bool = True) -> tuple[int, int]:
        """A compressed point (SEC 1, section 2.3.4), on the curve and, with full validation, of order n.

        Partial validation (on the curve only) saves a scalar multiplication, and is what SEC 1
        v2.0 (section 3.2.3) asks of the keys of a scheme that multiplies by the cofactor, as
        ECMQV does: a small-subgroup component cannot survive it.
        """
        if len(data) != self.compressed_length:
            raise PointError(f"a {self.name} point is {self.compressed_length} octets, not {len(data)}")
        if data[0] not in (0x02, 0x03):
            raise PointError(f"a compressed point starts 02 or 03, not {data[0]:02X}", offset=0)
        x = int.from_bytes(data[1:], "big")
        f = self.field
        if not f.contains(x):
            raise PointError(f"x is not an element of GF(2^{f.degree})", offset=1)
        if x == 0:
            point = (0, 1)  # y = sqrt(b) and b = 1
        else:
            beta = x ^ self.a ^ f.inverse(f.square(x))
            if f.trace(beta):
                raise PointError(f"no {self.name} point has this x", offset=1)
            z = f.half_trace(beta)
            if z & 1 != data[0] & 1:
                z ^= 1
            point = (x, f.mul(x, z))
        if full_validation and self.multiply(self.order, point) is not None:
            raise PointError(f"the point is not in the {self.name} group of order n", offset=0)
        return point

    def encode_scalar(self, scalar: int) -> bytes:
        return scalar.to_bytes(self.octets, "big")


@functools.cache
def _generator_doublings(curve: KoblitzCurve) -> tuple[Point, ...]:
    """2^i·G for every bit of the group order."""
    doublings: list[Point] = [curve.generator]
    for _ in range(curve.order.bit_length()):
        doublings.append(curve.double(doublings[-1]))
    return tuple(doublings)


SECT163K1 = KoblitzCurve(
    name="sect163k1",
    field=BinaryField(163, (1 << 163) | (1 << 7) | (1 << 6) | (1 << 3) | 1),
    a=1,
    generator=(
        0x02FE13C0537BBC11ACAA07D793DE4E6D5E5C94EEE8,
        0x0289070FB05D38FF58321F2E800536D538CCDAA3D9,
    ),
    order=0x04000000000000000000020108A2E0CC0D99F8A5EF,
    cofactor=2,
)

SECT283K1 = KoblitzCurve(
    name="sect283k1",
    field=BinaryField(283, (1 << 283) | (1 << 12) | (1 << 7) | (1 << 5) | 1),
    a=0,
    generator=(
        0x0503213F78CA44883F1A3B8162F188E553CD265F23C1567A16876913B0C2AC2458492836,
        0x01CCDA380F1C9E318D90F95D07E5426FE87E45C0E8184698E45962364E34116177DD2259,
    ),
    order=0x01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFE9AE2ED07577265DFF7F94451E061E163C61,
    cofactor=4,
)
