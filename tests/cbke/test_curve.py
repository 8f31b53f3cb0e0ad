"""Binary-field and Koblitz-curve arithmetic obeys the laws it must, on both CBKE curves."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hanrig.cbke.curve import SECT163K1, SECT283K1, KoblitzCurve
from hanrig.cbke.errors import PointError

CURVES = [SECT163K1, SECT283K1]
FEW = settings(max_examples=20, deadline=None)


def elements(curve: KoblitzCurve) -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=(1 << curve.field.degree) - 1)


def scalars(curve: KoblitzCurve) -> st.SearchStrategy[int]:
    return st.integers(min_value=1, max_value=curve.order - 1)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
def test_generator_lies_on_the_curve_and_has_order_n(curve: KoblitzCurve) -> None:
    assert curve.on_curve(curve.generator)
    assert curve.multiply(curve.order, curve.generator) is None
    assert curve.multiply(curve.order - 1, curve.generator) == curve.negate(curve.generator)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
@FEW
@given(data=st.data())
def test_field_multiplication_distributes_and_inverse_undoes_it(curve: KoblitzCurve, data: st.DataObject) -> None:
    f = curve.field
    a, b, c = (data.draw(elements(curve)) for _ in range(3))
    assert f.mul(a, b ^ c) == f.mul(a, b) ^ f.mul(a, c)
    assert f.mul(a, b) == f.mul(b, a)
    if a:
        assert f.mul(a, f.inverse(a)) == 1


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
@FEW
@given(data=st.data())
def test_scalar_multiplication_is_linear(curve: KoblitzCurve, data: st.DataObject) -> None:
    j, k = data.draw(scalars(curve)), data.draw(scalars(curve))
    sum_of_multiples = curve.add(curve.base_multiply(j), curve.base_multiply(k))
    assert sum_of_multiples == curve.base_multiply((j + k) % curve.order)
    assert curve.on_curve(sum_of_multiples)


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
@FEW
@given(data=st.data())
def test_compressed_encoding_round_trips(curve: KoblitzCurve, data: st.DataObject) -> None:
    point = curve.base_multiply(data.draw(scalars(curve)))
    encoded = curve.encode(point)
    assert len(encoded) == curve.compressed_length
    assert curve.decode(encoded) == point


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
def test_decoding_refuses_wrong_length_prefix_and_x_off_the_curve(curve: KoblitzCurve) -> None:
    good = curve.encode(curve.generator)
    with pytest.raises(PointError, match="octets"):
        curve.decode(good[:-1])
    with pytest.raises(PointError, match="starts 02 or 03"):
        curve.decode(b"\x04" + good[1:])
    f = curve.field
    off_curve = next(x for x in range(2, 200) if f.trace(x ^ curve.a ^ f.inverse(f.square(x))))
    with pytest.raises(PointError, match="no .* point has this x"):
        curve.decode(b"\x02" + off_curve.to_bytes(curve.octets, "big"))


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
def test_decoding_refuses_a_point_outside_the_prime_order_group(curve: KoblitzCurve) -> None:
    # (0, 1) lies on every curve with b = 1 and has order 2: a small-subgroup point
    assert curve.on_curve((0, 1))
    with pytest.raises(PointError, match="order n"):
        curve.decode(b"\x02" + bytes(curve.octets))


@pytest.mark.parametrize("curve", CURVES, ids=lambda c: c.name)
@FEW
@given(data=st.data())
def test_the_generator_table_gives_what_double_and_add_gives(curve: KoblitzCurve, data: st.DataObject) -> None:
    k = data.draw(scalars(curve))
    assert curve.base_multiply(k) == curve.multiply(k, curve.generator)
