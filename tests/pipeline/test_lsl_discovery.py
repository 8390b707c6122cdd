"""Finding streams: the query, resolving it and listing what this machine's LSL sees.

The machine-scope LSL configuration is loaded by tests/conftest.py.
"""

from __future__ import annotations

import uuid

import pytest

from rse_monitor.pipeline.lsl import get_pylsl, list_streams, resolve_streams, stream_query

pylsl = get_pylsl()


def test_stream_query_joins_the_given_fields() -> None:
    assert stream_query("bed-1") == "name='bed-1'"
    assert stream_query(stype="EEG", source_id="amp-7") == "type='EEG' and source_id='amp-7'"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "at least one of name"),
        ({"name": ""}, "name must be non-empty"),
        ({"name": "a'b"}, "name must be non-empty without quotes"),
        ({"stype": "EEG]"}, "stype must be non-empty without quotes"),
    ],
)
def test_stream_query_rejects_unsafe_values(kwargs: dict[str, str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        stream_query(**kwargs)


def test_an_outlet_is_resolved_and_listed() -> None:
    name = f"test-discovery-{uuid.uuid4().hex[:8]}"
    info = pylsl.StreamInfo(name, "EEG", 3, 128.0, pylsl.cf_float32, f"{name}-src")
    outlet = pylsl.StreamOutlet(info)
    try:
        found = resolve_streams(stream_query(name), 5.0)
        assert [s.name() for s in found] == [name]
        listed = [s for s in list_streams(2.0) if s["name"] == name]
        assert len(listed) == 1
        assert listed[0]["n_channels"] == 3 and listed[0]["wire_sfreq_hz"] == 128.0
        assert listed[0]["type"] == "EEG" and listed[0]["source_id"] == f"{name}-src"
    finally:
        del outlet


def test_resolving_a_missing_stream_finds_nothing() -> None:
    assert resolve_streams(stream_query(f"absent-{uuid.uuid4().hex[:8]}"), 0.3) == []
    with pytest.raises(ValueError, match="timeout_s must be > 0"):
        resolve_streams("name='x'", 0.0)
