"""Readers and writer of seizure annotations, checked against hand-computed times."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from rse_monitor.detectors.annotations import (
    EVENTS_TSV_HEADER,
    SeizureEvent,
    read_any,
    read_any_with_duration,
    read_chbmit_channels,
    read_chbmit_summary,
    read_edf_annotations,
    read_events_tsv,
    read_siena_seizure_list,
    split_record_path,
    write_events_tsv,
)

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CHB01 = DATA / "chbmit_chb01_fragments" / "chb01-summary.txt"
CHB05 = DATA / "format_fixtures" / "chbmit" / "chb05" / "chb05-summary.txt"
CHB08 = DATA / "format_fixtures" / "chbmit" / "chb08" / "chb08-summary.txt"
PN00 = DATA / "format_fixtures" / "siena" / "PN00" / "Seizures-list-PN00.txt"
PN16 = DATA / "format_fixtures" / "siena" / "PN16" / "Seizures-list-PN16.txt"
MICHIGAN = DATA / "michigan_seizure" / "michigan_seizure_500s.edf"
EEGMMIDB = DATA / "eegmmidb_S001" / "S001R03.edf"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data absent: {path}")
    return path


def times(events: list[SeizureEvent]) -> list[tuple[float, float]]:
    return [(e.onset_s, e.offset_s) for e in events]


# --------------------------------------------------------------------- event


def test_event_offset_and_coercion() -> None:
    ev = SeizureEvent(2996, 40)
    assert ev.offset_s == 3036.0
    assert isinstance(ev.onset_s, float)
    assert ev.event_type == "sz" and ev.confidence is None and ev.channels == "n/a"
    assert ev.is_seizure and not SeizureEvent(0, 1, "bckg").is_seizure


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"onset_s": -1.0, "duration_s": 1.0}, ValueError),
        ({"onset_s": 0.0, "duration_s": -0.5}, ValueError),
        ({"onset_s": float("nan"), "duration_s": 1.0}, ValueError),
        ({"onset_s": "3", "duration_s": 1.0}, TypeError),
        ({"onset_s": 0.0, "duration_s": 1.0, "confidence": 1.5}, ValueError),
        ({"onset_s": 0.0, "duration_s": 1.0, "event_type": "s z"}, ValueError),
        ({"onset_s": 0.0, "duration_s": 1.0, "channels": "F7\tT3"}, ValueError),
    ],
)
def test_event_rejects_bad_values(kwargs: dict, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        SeizureEvent(**kwargs)


# ----------------------------------------------------------------------- TSV


def test_tsv_round_trip(tmp_path: Path) -> None:
    events = [
        SeizureEvent(2996.125, 40.5, "sz_foc_ia", 0.875, "F7,T3"),
        SeizureEvent(10.0, 0.0),
        SeizureEvent(120.001, 61.999, "sz", None, "n/a"),
    ]
    start = datetime(2024, 1, 2, 3, 4, 5)
    path = write_events_tsv(tmp_path / "sub-01_events.tsv", events, 3600.5, start)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(EVENTS_TSV_HEADER)
    assert len(lines) == 4
    first = lines[1].split("\t")  # sorted by onset
    assert first == ["10.000", "0.000", "sz", "n/a", "n/a", "2024-01-02 03:04:05", "3600.500"]

    read, duration_s = read_events_tsv(path)
    assert duration_s == 3600.5
    assert read == sorted(events, key=lambda e: e.onset_s)


def test_tsv_without_seizures_has_one_bckg_row(tmp_path: Path) -> None:
    path = write_events_tsv(tmp_path / "e.tsv", [], 125.0)
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    assert rows[1] == ["0.000", "125.000", "bckg", "n/a", "n/a", "n/a", "125.000"]
    assert read_events_tsv(path) == ([], 125.0)


def test_tsv_writer_validates(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="recording_duration_s"):
        write_events_tsv(tmp_path / "e.tsv", [], 0.0)
    with pytest.raises(TypeError, match="events\\[0\\]"):
        write_events_tsv(tmp_path / "e.tsv", [(1.0, 2.0)], 10.0)  # type: ignore[list-item]


def test_tsv_reads_szcore_file_with_other_event_types(tmp_path: Path) -> None:
    # As written by epilepsy2bids (2 decimals, dateTime of the recording start).
    text = (
        "onset\tduration\teventType\tconfidence\tchannels\tdateTime\trecordingDuration\n"
        "417.00\t115.00\tsz_foc_ia\tn/a\tT3,T5\t2016-01-01 19:39:33\t3600.00\n"
        "900.00\t10.00\tartifact\tn/a\tn/a\t2016-01-01 19:39:33\t3600.00\n"
        "1200.00\tn/a\tSZ\t0.5\tn/a\t2016-01-01 19:39:33\t3600.00\n"
    )
    path = tmp_path / "x.tsv"
    path.write_text(text)
    events, duration_s = read_events_tsv(path)
    assert duration_s == 3600.0
    assert times(events) == [(417.0, 532.0), (1200.0, 1200.0)]
    assert events[0].channels == "T3,T5" and events[1].confidence == 0.5


def test_tsv_minimal_columns_have_no_duration(tmp_path: Path) -> None:
    path = tmp_path / "min.tsv"
    path.write_text("onset\tduration\teventType\n5\t3\tsz\n")
    events, duration_s = read_events_tsv(path)
    assert times(events) == [(5.0, 8.0)] and duration_s is None


HEADER = "\t".join(EVENTS_TSV_HEADER)


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("", 1, "empty file"),
        ("onset\tduration\n1\t2\n", 1, "eventType"),
        (f"{HEADER}\n1\t2\tsz\tn/a\tn/a\tn/a\t10\n1\t2\tsz\n", 3, "expected 7"),
        (f"{HEADER}\nabc\t2\tsz\tn/a\tn/a\tn/a\t10\n", 2, "not a number"),
        (f"{HEADER}\nn/a\t2\tsz\tn/a\tn/a\tn/a\t10\n", 2, "onset is required"),
        (f"{HEADER}\n1\t-2\tsz\tn/a\tn/a\tn/a\t10\n", 2, "duration must be >= 0"),
        (f"{HEADER}\n-1\t2\tsz\tn/a\tn/a\tn/a\t10\n", 2, "onset must be >= 0"),
        (f"{HEADER}\n1\t2\tsz\t2.0\tn/a\tn/a\t10\n", 2, "confidence"),
        (f"{HEADER}\n1\t2\tsz\tn/a\tn/a\tn/a\t10\n\n5\t2\tsz\tn/a\tn/a\tn/a\t20\n", 4, "differs"),
        (f"{HEADER}\n1\t2\t\tn/a\tn/a\tn/a\t10\n", 2, "eventType is empty"),
        (f"{HEADER}\n1\t2\tsz\tn/a\tn/a\tn/a\tinf\n", 2, "finite"),
    ],
)
def test_tsv_malformed_names_file_and_line(
    tmp_path: Path, body: str, line: int, fragment: str
) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(body)
    with pytest.raises(ValueError) as info:
        read_events_tsv(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    assert f"line {line}:" in message
    assert fragment in message


# ------------------------------------------------------------------- CHB-MIT


def test_chbmit_chb01_matches_published_times() -> None:
    records = read_chbmit_summary(need(CHB01))
    expected = {
        "chb01_03.edf": (2996, 3036),
        "chb01_04.edf": (1467, 1494),
        "chb01_15.edf": (1732, 1772),
        "chb01_16.edf": (1015, 1066),
        "chb01_18.edf": (1720, 1810),
        "chb01_21.edf": (327, 420),
        "chb01_26.edf": (1862, 1963),
    }
    with_seizures = {name: times(evs) for name, evs in records.items() if evs}
    assert with_seizures == {name: [t] for name, t in expected.items()}
    assert len(records) == 42  # every listed file, seizures or not
    assert records["chb01_01.edf"] == []
    assert all(e.event_type == "sz" for evs in records.values() for e in evs)


def test_chbmit_durations_cross_midnight() -> None:
    need(CHB01)
    # 13:43:04 -> 14:43:04
    assert read_any_with_duration(f"{CHB01}::chb01_03.edf") == (
        [SeizureEvent(2996, 40)],
        3600.0,
    )
    # 12:34:22 -> 13:13:07 = 38 min 45 s
    assert read_any_with_duration(f"{CHB01}::chb01_26")[1] == 2325.0
    # "23:44:29" -> "24:44:29" and "00:44:37" -> "1:44:37"
    assert read_any_with_duration(f"{CHB01}::chb01_13.edf") == ([], 3600.0)
    assert read_any_with_duration(f"{CHB01}::chb01_14.edf") == ([], 3600.0)


def test_chbmit_chb05_and_numbered_variant_chb08() -> None:
    chb05 = read_chbmit_summary(need(CHB05))
    assert len(chb05) == 39
    assert {n: times(e) for n, e in chb05.items() if e} == {
        "chb05_06.edf": [(417, 532)],
        "chb05_13.edf": [(1086, 1196)],
        "chb05_16.edf": [(2317, 2413)],
        "chb05_17.edf": [(2451, 2571)],
        "chb05_22.edf": [(2348, 2465)],
    }
    chb08 = read_chbmit_summary(need(CHB08))  # "Seizure 1 Start Time: ..."
    assert {n: times(e) for n, e in chb08.items() if e} == {
        "chb08_02.edf": [(2670, 2841)],
        "chb08_05.edf": [(2856, 3046)],
        "chb08_11.edf": [(2988, 3122)],
        "chb08_13.edf": [(2417, 2577)],
        "chb08_21.edf": [(2083, 2347)],
    }


def test_chbmit_channels() -> None:
    channels = read_chbmit_channels(need(CHB05))
    assert set(channels) == set(read_chbmit_summary(CHB05))
    first = channels["chb05_01.edf"]
    assert len(first) == 23 and first[0] == "FP1-F7" and first[-1] == "T8-P8"


SYNTHETIC_CHB = """Data Sampling Rate: 256 Hz
Channels in EDF Files:
Channel 1: FP1-F7
Channel 2: F7-T7

File Name: chb99_01.edf
File Start Time: 23:30:00
File End Time: 24:10:00
Number of Seizures in File: 2
Seizure 1 Start Time: 100 seconds
Seizure 1 End Time: 150 seconds
Seizure 2 Start Time:  2000 seconds
Seizure 2 End Time: 2010.5 seconds

Channels changed:
Channel 1: -
Channel 2: T7-P7
Channel 3: P7-O1

File Name: chb99_02.edf
File Start Time: 00:10:05
File End Time: 1:10:05
Number of Seizures in File: 0
"""


def test_chbmit_multiple_seizures_and_channel_changes(tmp_path: Path) -> None:
    path = tmp_path / "chb99-summary.txt"
    path.write_text(SYNTHETIC_CHB)
    records = read_chbmit_summary(path)
    assert times(records["chb99_01.edf"]) == [(100, 150), (2000, 2010.5)]
    assert records["chb99_02.edf"] == []
    assert read_any_with_duration(f"{path}::chb99_01.edf")[1] == 2400.0
    channels = read_chbmit_channels(path)
    assert channels["chb99_01.edf"] == ("FP1-F7", "F7-T7")
    assert channels["chb99_02.edf"] == ("-", "T7-P7", "P7-O1")


def test_chbmit_malformed(tmp_path: Path) -> None:
    path = tmp_path / "chb98-summary.txt"
    path.write_text("File Name: chb98_01.edf\nSeizure End Time: 10 seconds\n")
    with pytest.raises(ValueError, match=r"line 2: seizure end time without a start"):
        read_chbmit_summary(path)
    path.write_text("File Name: a.edf\nSeizure Start Time: 10 seconds\nFile Name: b.edf\n")
    with pytest.raises(ValueError, match=r"line 2: .*has no end"):
        read_chbmit_summary(path)
    path.write_text("nothing here\n")
    with pytest.raises(ValueError, match="no 'File Name:'"):
        read_chbmit_summary(path)
    path.write_text(
        "File Name: a.edf\nNumber of Seizures in File: 2\n"
        "Seizure Start Time: 1 seconds\nSeizure End Time: 2 seconds\n"
    )
    with pytest.warns(UserWarning, match="declares 2 seizures but lists 1"):
        read_chbmit_summary(path)


# --------------------------------------------------------------------- Siena


def test_siena_pn00_seconds_from_registration_start() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the PN00-3 typo is corrected, not clipped
        records = read_siena_seizure_list(need(PN00))
    # (seizure clock - registration clock), worked out from the file by hand:
    assert {n: times(e) for n, e in records.items()} == {
        "PN00-1.edf": [(1143, 1213)],  # 19.58.36-19.39.33 = 19:03 ; 19.59.46 -> 20:13
        "PN00-2.edf": [(1220, 1274)],  # 02.38.37-02.18.17 = 20:20 ; 02.39.31 -> 21:14
        "PN00-3.edf": [(765, 825)],  # 18.28.29-18.15.44 = 12:45 ; end typo 19.29.29 = 18.29.29
        "PN00-4.edf": [(1006, 1080)],  # 21.08.29-20.51.43 = 16:46 ; 21.09.43 -> 18:00
        "PN00-5.edf": [(904, 971)],  # 22.37.08-22.22.04 = 15:04 ; 22.38.15 -> 16:11
    }
    durations = {n: read_any_with_duration(f"{PN00}::{n}")[1] for n in records}
    assert durations == {
        "PN00-1.edf": 2605.0,  # 20.22.58 - 19.39.33 = 43:25
        "PN00-2.edf": 2282.0,
        "PN00-3.edf": 2489.0,
        "PN00-4.edf": 2082.0,
        "PN00-5.edf": 2123.0,
    }


def test_siena_pn16_trailing_spaces_and_missing_space() -> None:
    records = read_siena_seizure_list(need(PN16))
    assert {n: times(e) for n, e in records.items()} == {
        "PN16-1.edf": [(7184, 7307)],  # 22.45.05-20.45.21 = 1:59:44 ; 22.47.08 -> 2:01:47
        "PN16-2.edf": [(8574, 8681)],  # 03.16.49-00.53.55 = 2:22:54 ; "end time:03.18.36"
    }
    assert read_any_with_duration(f"{PN16}::PN16-2.edf")[1] == 9297.0  # 03.28.52-00.53.55


SYNTHETIC_SIENA = """PN99

Seizure n 1
File name: PN99.edf
Registration start time: 21.51.02
Registration end time: 11.00.35
Seizure n 1
Start time: 07.53.17
End time: 07.54.31
Seizure n 2
Start time: 09:35:08
End time: 09:36:10

Seizure n 3
File name: PNO9-2.edf
Registration start time:1 6.49.25
Registration end time: 19.01.00
Seizure start time: 18.00.00
Seizure end time: 18.01.30

Seizure n 4
File name: PNO9-2.edf
Seizure start time: 18.30.00
Seizure end time: 18.30.45
"""


def test_siena_variants_midnight_and_repeated_blocks(tmp_path: Path) -> None:
    path = tmp_path / "Seizures-list-PN99.txt"
    path.write_text(SYNTHETIC_SIENA)
    records = read_siena_seizure_list(path)
    # 07:53:17 - 21:51:02 + 24 h = 10:02:15 = 36135 s; 09:35:08 -> 11:44:06 = 42246 s
    assert times(records["PN99.edf"]) == [(36135, 36209), (42246, 42308)]
    # registration 16.49.25 ("1 6.49.25" typo); 18.00.00 -> 1:10:35 = 4235 s
    assert times(records["PN09-2.edf"]) == [(4235, 4325), (6035, 6080)]
    assert read_any_with_duration(f"{path}::PN99-1.edf") == (records["PN99.edf"], 47373.0)
    assert read_any(f"{path}::PN09-2.edf") == records["PN09-2.edf"]


def test_siena_malformed(tmp_path: Path) -> None:
    path = tmp_path / "Seizures-list-PN98.txt"
    path.write_text("File name: PN98-1.edf\nRegistration start time: 10.00.00\nEnd time: 11.00\n")
    with pytest.raises(ValueError, match="line 3: expected a clock time"):
        read_siena_seizure_list(path)
    path.write_text("File name: PN98-1.edf\nSeizure start time: 10.00.00\n")
    with pytest.raises(ValueError, match="line 2: .*before its registration start"):
        read_siena_seizure_list(path)
    path.write_text(
        "File name: PN98-1.edf\nRegistration start time: 10.00.00\n"
        "Registration end time: 10.30.00\nSeizure start time: 10.29.00\n"
        "Seizure end time: 10.31.00\n"
    )
    with pytest.warns(UserWarning, match="clipped"):
        records = read_siena_seizure_list(path)
    assert times(records["PN98-1.edf"]) == [(1740, 1800)]


# ---------------------------------------------------------------------- EDF+


def _write_edf_with_annotations(path: Path, annotations: list[tuple[float, float | None, str]]):
    import edfio

    signal = edfio.EdfSignal(np.zeros(6000), sampling_frequency=10.0, label="EEG Cz")
    edf = edfio.Edf(
        [signal],
        annotations=[edfio.EdfAnnotation(o, d, t) for o, d, t in annotations],
    )
    edf.write(path)


def test_edf_annotations_select_seizures(tmp_path: Path) -> None:
    path = tmp_path / "rec.edf"
    _write_edf_with_annotations(
        path,
        [
            (0.0, None, "T0"),
            (20.0, None, "interictal spike"),
            (50.0, 10.0, "preictal"),
            (55.0, 1.0, "post-ictal slowing"),
            (100.0, None, "Seizure onset"),
            (160.0, None, "seizure end"),
            (300.0, 40.0, "sz_foc_ia"),
            (500.0, 20.0, "ICTAL"),
            (580.0, None, "Sz"),
            (590.0, 5.0, "Szintigraphy"),
        ],
    )
    events = read_edf_annotations(path)
    assert times(events) == [(100, 160), (300, 340), (500, 520), (580, 580)]
    events_any, duration_s = read_any_with_duration(path)
    assert events_any == events and duration_s == 600.0


def test_edf_real_recordings() -> None:
    events = read_edf_annotations(need(MICHIGAN))
    assert times(events) == [(350.0, 350.0)]  # onset marker stated by the data owners
    assert read_any_with_duration(need(EEGMMIDB)) == ([], 125.0)  # T0/T1/T2 task labels


# ------------------------------------------------------------------ dispatch


def test_read_any_dispatch_errors(tmp_path: Path) -> None:
    summary = tmp_path / "chb01-summary.txt"
    summary.write_text("File Name: chb01_01.edf\nNumber of Seizures in File: 0\n")
    with pytest.raises(ValueError, match=r"PATH::RECORD, e\.g\. chb01-summary\.txt::chb01_03\.edf"):
        read_any(summary)
    siena = tmp_path / "Seizures-list-PN00.txt"
    siena.write_text("File name: PN00-1.edf\n")
    with pytest.raises(ValueError, match=r"Seizures-list-PN00\.txt::PN00-1\.edf"):
        read_any(siena)
    with pytest.raises(ValueError, match="no record 'chb01_99.edf'"):
        read_any(f"{summary}::chb01_99.edf")
    assert read_any(f"{summary}::chb01_01.edf") == []
    with pytest.raises(ValueError, match="unknown annotation format"):
        read_any(tmp_path / "notes.csv")
    with pytest.raises(ValueError, match="applies only"):
        read_any(f"{tmp_path / 'a.tsv'}::x")
    with pytest.raises(FileNotFoundError):
        read_any(tmp_path / "missing.edf")
    tsv = write_events_tsv(tmp_path / "a.tsv", [SeizureEvent(1, 2)], 10)
    assert read_any(tsv) == [SeizureEvent(1, 2)]


def test_split_record_path() -> None:
    assert split_record_path("a/b-summary.txt::chb01_03.edf") == (
        Path("a/b-summary.txt"),
        "chb01_03.edf",
    )
    assert split_record_path("x.tsv") == (Path("x.tsv"), None)
    with pytest.raises(ValueError, match="empty record"):
        split_record_path("x.txt::")
