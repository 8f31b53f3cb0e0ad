"""Arithmetic in the binary field GF(2^m) with a polynomial basis, elements held as ints.

Bit i of an element is the coefficient of x^i. Addition is XOR; multiplication is
carry-less, reduced modulo the field's irreducible polynomial.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_WINDOW = 4
#: each octet with a zero bit after every bit: squaring in GF(2^m) is spreading the bits out
_SPREAD = [sum(((octet >> bit) & 1) << (2 * bit) for bit in range(8)) for octet in range(256)]


@dataclass(frozen=True)
class BinaryField:
    """GF(2^m) defined by an irreducible polynomial of degree ``m`` (given as an int)."""

    degree: int
    modulus: int
    #: the exponents of the modulus below the degree: x^m is their sum, which reducing substitutes
    _terms: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.modulus.bit_length() != self.degree + 1:
            raise ValueError(f"the modulus is not of degree {self.degree}")
        rest = self.modulus ^ (1 << self.degree)
        object.__setattr__(self, "_terms", tuple(bit for bit in range(self.degree) if rest >> bit & 1))

    @property
    def octets(self) -> int:
        """How many octets an element takes, as SEC 1 encodes it."""
        return (self.degree + 7) // 8

    def contains(self, element: int) -> bool:
        return 0 <= element < 1 << self.degree

    def reduce(self, value: int) -> int:
        degree, terms, low = self.degree, self._terms, (1 << self.degree) - 1
        while value.bit_length() > degree:
            high = value >> degree
            value &= low
            for term in terms:  # the CBKE moduli are trinomials and pentanomials: a few shifts
                value ^= high << term
        return value

    def mul(self, a: int, b: int) -> int:
        return self.reduce(_clmul(a, b))

    def square(self, a: int) -> int:
        spread, shift = 0, 0
        while a:
            spread |= _SPREAD[a & 0xFF] << shift
            a >>= 8
            shift += 16
        return self.reduce(spread)

    def inverse(self, a: int) -> int:
        """The inverse of a non-zero element, by the extended Euclidean algorithm on polynomials."""
        if a == 0:
            raise ZeroDivisionError("zero has no inverse in a field")
        u, v = a, self.modulus
        g1, g2 = 1, 0
        while u != 1:
            shift = u.bit_length() - v.bit_length()
            if shift < 0:
                u, v, g1, g2 = v, u, g2, g1
                shift = -shift
            u ^= v << shift
            g1 ^= g2 << shift
        return self.reduce(g1)

    def div(self, a: int, b: int) -> int:
        return self.mul(a, self.inverse(b))

    def trace(self, a: int) -> int:
        """Tr(a) = a + a^2 + ... + a^(2^(m-1)), which is 0 or 1."""
        total, power = 0, a
        for _ in range(self.degree):
            total ^= power
            power = self.square(power)
        return total

    def half_trace(self, a: int) -> int:
        """A solution z of z^2 + z = a when m is odd and Tr(a) = 0 (SEC 1, section 2.3.4 relies on it)."""
        if self.degree % 2 == 0:
            raise ValueError("the half-trace is defined for odd degrees only")
        total, power = a, a
        for _ in range((self.degree - 1) // 2):
            power = self.square(self.square(power))
            total ^= power
        return total


def _clmul(a: int, b: int) -> int:
    """Carry-less product of two polynomials, four bits of ``b`` at a time."""
    if a.bit_length() < b.bit_length():
        a, b = b, a
    table = [0] * (1 << _WINDOW)
    for index in range(1, 1 << _WINDOW):
        table[index] = table[index >> 1] << 1 if index % 2 == 0 else table[index - 1] ^ a
    result, shift = 0, 0
    while b:
        result ^= table[b & 0xF] << shift
        b >>= _WINDOW
        shift += _WINDOW
    return result
