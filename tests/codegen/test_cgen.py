"""cgen: C text helpers. Float literals must parse back to the same float32 bits."""

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensorflow.codegen.c import cgen
from sensorflow.errors import CodegenError


def _parse_c_float(text: str) -> np.float32:
    assert text.endswith("f"), text
    return np.float32(float(text[:-1]))


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_f32_literal_round_trips_every_finite_bit_pattern(bits):
    v = np.frombuffer(struct.pack("<I", bits), dtype=np.float32)[0]
    if not np.isfinite(v):
        return
    got = _parse_c_float(cgen.f32(v))
    assert struct.pack("<f", got) == struct.pack("<f", v)


def test_f32_literal_special_values():
    assert cgen.f32(0.0) == "0.0f"
    assert cgen.f32(-0.0) == "-0.0f"
    assert cgen.f32(1.0) == "1.0f"
    assert cgen.f32(np.inf) == "SF_INFINITY"
    assert cgen.f32(-np.inf) == "(-SF_INFINITY)"
    assert cgen.f32(np.float32(1e-45)).endswith("f")  # subnormal
    with pytest.raises(CodegenError):
        cgen.f32(np.nan)


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_f32_down_is_the_largest_float32_not_above(t):
    with np.errstate(over="ignore", under="ignore"):
        t32 = cgen.f32_down(t)
        assert float(t32) <= t
        above = np.nextafter(t32, np.float32(np.inf))
        assert float(above) > t or not np.isfinite(above)
        # the exactness argument for trees: float32(x) <= t  <=>  x <= t32
        for x in (t32, above, np.nextafter(t32, np.float32(-np.inf))):
            if np.isfinite(x):
                assert (float(x) <= t) == (x <= t32)


def test_integer_types_are_sized_to_values():
    assert cgen.uint_type(255) == "uint8_t"
    assert cgen.uint_type(256) == "uint16_t"
    assert cgen.uint_type(70000) == "uint32_t"
    assert cgen.int_type(-1, 127) == "int8_t"
    assert cgen.int_type(-129, 0) == "int16_t"
    with pytest.raises(CodegenError):
        cgen.literal_items([300], "uint8_t")
    with pytest.raises(CodegenError):
        cgen.literal_items([-1], "uint16_t")


def test_array_literal_and_identifiers():
    text = cgen.array("t", "float", [1.5, 2.0])
    assert text.startswith("static const float t[2] = {") and "1.5f, 2.0f" in text
    assert "t[1] = {\n    0\n}" in cgen.array("t", "uint8_t", [])  # C has no empty arrays
    many = cgen.array("m", "uint8_t", range(40))
    assert many.count(",\n") == 2  # line breaks still separate items
    assert cgen.identifier("3 axis-x") == "_3_axis_x"
    assert cgen.identifier("int") == "int_"
    assert cgen.is_identifier("sf_model") and not cgen.is_identifier("sf-model")
    assert cgen.c_string('a"b\\c?\n') == '"a\\"b\\\\c\\077\\012"'
