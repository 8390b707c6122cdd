"""Header fuzz: ≥ 242 corrupt EDF/BDF files through the real ``rsemon replay`` path.

A small valid file is written byte by byte here (so that any header field can be
corrupted exactly), and variants are derived deterministically: every main and
per-signal header field (Kemp et al. 1992; EDF+: Kemp & Olivan 2003) set empty, to
spaces, non-ASCII, control bytes, negative, zero, huge, NaN, infinite, non-numeric
or with a decimal comma; calibration min = max and swapped; record durations from
1 µs to 1000 s; truncated and over-long files; wrong signal counts; EDF+D;
annotation-only; labels and units; BDF twins of a few of them.

Each variant runs through :func:`monitoring.replay.run_replay` into a temporary
folder. It must either succeed -- and then :class:`~pipeline.ingest.EdfSource`
reads every EEG channel at the scale the header's calibration gives, checked against
an independent decoding of the samples here -- or raise
:class:`~pipeline.ingest.IngestError` with a one-line message in words that names
the field or the file problem, never an internal message.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from rse_monitor.monitoring.replay import run_replay
from rse_monitor.pipeline.chunk import Chunk
from rse_monitor.pipeline.ingest import EdfSource, IngestError
from rse_monitor.pipeline.preprocess import CausalFilter, design_sos

ROOT = Path(__file__).resolve().parents[2]
FS = 256  # samples per 1-s record
N_RECORDS = 3  # 3 s: above the 2-s analysis window
LABELS = ("EEG C3", "EEG C4", "ECG")
INTERNAL_MARKERS = (
    "Wn[", "Singular", "index out of range", "local variable", "Traceback", "NoneType",
    "object has no attribute", "unsupported operand", "could not convert", "invalid literal",
    "division by zero", "unexpected keyword", "not subscriptable", "Errno", "codec",
    "cannot reshape", "broadcast", " object at 0x", "Exception", "Error:",
)  # fmt: skip
#: Words of which a refusal must contain at least one (a header field or a file problem).
FIELD_WORDS = (
    "record duration", "number of signals", "number of data records", "header size",
    "samples per record", "physical minimum", "physical maximum", "digital minimum",
    "digital maximum", "sampling rate", "calibration", "truncated", "not an EDF or BDF",
    "EDF+D", "annotation-only", "no EEG channel", "lasts", "no complete data record",
    "corrupt", "not an EDF/BDF file",
)  # fmt: skip

MAIN = (  # (field, width, value of the valid file)
    ("version", 8, "0"), ("patient", 80, "X X X X"),
    ("recording", 80, "Startdate 01-JAN-2020 X X X"), ("start date", 8, "01.01.20"),
    ("start time", 8, "10.00.00"), ("header size", 8, None), ("reserved", 44, "EDF+C"),
    ("number of data records", 8, str(N_RECORDS)), ("record duration", 8, "1"),
    ("number of signals", 4, None),
)  # fmt: skip
SIGNAL = (  # (field, width)
    ("label", 16), ("transducer", 80), ("physical dimension", 8), ("physical minimum", 8),
    ("physical maximum", 8), ("digital minimum", 8), ("digital maximum", 8),
    ("prefiltering", 80), ("samples per record", 8), ("signal reserved", 32),
)  # fmt: skip
#: One way of spoiling a field: the bytes to write in it.
SPOILERS: dict[str, bytes] = {
    "empty": b"", "spaces": b"        ", "non_ascii": b"\xb5\xe9\xff", "control": b"\x00\x07",
    "negative": b"-1", "zero": b"0", "huge": b"99999999", "nan": b"nan", "inf": b"inf",
    "non_numeric": b"abc", "comma": b"1,5",
}  # fmt: skip


def fit(value: bytes, width: int) -> bytes:
    return value.ljust(width, b" ")[:width]


@dataclass
class Spec:
    """A file to write: main fields, per-signal fields, samples and format."""

    main: dict[str, bytes]
    signals: list[dict[str, bytes]]
    fmt: str = "EDF"
    n_records: int = N_RECORDS
    annotations: bool = True

    def to_bytes(self) -> bytes:
        ns = len(self.signals)
        main = dict(self.main)
        main.setdefault("header size", str(256 * (ns + 1)).encode())
        main.setdefault("number of signals", str(ns).encode())
        head = b"".join(fit(main[name], width) for name, width, _ in MAIN)
        if self.fmt == "BDF":
            head = b"\xffBIOSEMI" + head[8:]
        sig = b"".join(fit(s[name], width) for name, width in SIGNAL for s in self.signals)
        return head + sig + b"".join(self.record(k) for k in range(self.n_records))

    def record(self, k: int) -> bytes:
        width = 3 if self.fmt == "BDF" else 2
        parts = []
        for i, s in enumerate(self.signals):
            annotation = s["label"].strip() in (b"EDF Annotations", b"BDF Annotations")
            n = samples_per_record(s["samples per record"], 30 if annotation else FS)
            if annotation:
                tal = f"+{k}\x14\x14\x00".encode() + (b"+0.5\x14marker\x14\x00" if k == 0 else b"")
                parts.append(fit(tal, n * width).replace(b" ", b"\x00"))
            else:
                parts.append(digital(i, k, n, width))
        return b"".join(parts)


def samples_per_record(field: bytes, default: int) -> int:
    """The samples written per record: the header's count, or the valid file's when the
    field is spoiled or too large to write (the data section stays that of a valid file)."""
    text = field.strip()
    return int(text) if text.isdigit() and 0 < int(text) <= 200_000 else default


def digital(i: int, k: int, n: int, width: int) -> bytes:
    """Record ``k`` of signal ``i``: a sine of 5 + i Hz, ±1000 digital units."""
    t = (k * n + np.arange(n)) / n
    d = np.round(1000 * np.sin(2 * np.pi * (5 + i) * t)).astype("<i4")
    return d.tobytes() if width == 4 else b"".join(v.to_bytes(width, "little", signed=True)
                                                    for v in d.tolist())  # fmt: skip


def base_spec(fmt: str = "EDF", annotations: bool = True) -> Spec:
    main = {name: value.encode() for name, _, value in MAIN if value is not None}
    if fmt == "BDF":
        main["reserved"] = b"BDF+C" if annotations else b"24BIT"
    elif not annotations:
        main["reserved"] = b""
    dlim = ("-8388608", "8388607") if fmt == "BDF" else ("-32768", "32767")
    signals = [
        {"label": label.encode(), "transducer": b"AgAgCl", "physical dimension": b"uV",
         "physical minimum": b"-3276.8", "physical maximum": b"3276.7",
         "digital minimum": dlim[0].encode(), "digital maximum": dlim[1].encode(),
         "prefiltering": b"HP:0.1Hz", "samples per record": str(FS).encode(),
         "signal reserved": b""}
        for label in LABELS
    ]  # fmt: skip
    if fmt == "BDF":
        for s in signals:
            s["physical minimum"], s["physical maximum"] = b"-838860.8", b"838860.7"
    if annotations:
        signals.append({"label": f"{fmt} Annotations".encode(), "transducer": b"",
                        "physical dimension": b"", "physical minimum": b"-1",
                        "physical maximum": b"1", "digital minimum": dlim[0].encode(),
                        "digital maximum": dlim[1].encode(), "prefiltering": b"",
                        "samples per record": b"30", "signal reserved": b""})  # fmt: skip
    return Spec(main, signals, fmt)


@dataclass(frozen=True)
class Variant:
    name: str
    category: str
    data: bytes
    suffix: str = ".edf"
    expect: str = "either"  # "refuse", "accept" or "either"
    words: tuple[str, ...] = ()  # that a refusal (or a warning) must contain


def with_main(field: str, value: bytes, **kw: object) -> bytes:
    spec = base_spec(**kw)  # type: ignore[arg-type]
    spec.main[field] = value
    return spec.to_bytes()


def with_signal(i: int, changes: dict[str, bytes], fmt: str = "EDF") -> bytes:
    spec = base_spec(fmt)
    spec.signals[i].update(changes)
    return spec.to_bytes()


def main_field_variants() -> Iterator[Variant]:
    for field, _, _ in MAIN:
        for how, value in SPOILERS.items():
            yield Variant(f"{field}:{how}", "main field", with_main(field, value))


def signal_field_variants() -> Iterator[Variant]:
    for i, who in ((0, "EEG"), (2, "ECG")):
        for field, _ in SIGNAL:
            if who == "ECG" and field in ("transducer", "prefiltering", "signal reserved"):
                continue
            for how, value in SPOILERS.items():
                yield Variant(f"{who} {field}:{how}", f"{who} signal field",
                              with_signal(i, {field: value}))  # fmt: skip


def calibration_variants() -> Iterator[Variant]:
    cases = {
        "physical min = max": ({"physical minimum": b"3276.7"}, "physical minimum equals"),
        "physical min = max = 0": ({"physical minimum": b"0", "physical maximum": b"0"},
                                   "physical minimum equals"),
        "digital min = max": ({"digital minimum": b"32767"}, "digital minimum"),
        "digital swapped": ({"digital minimum": b"32767", "digital maximum": b"-32768"},
                            "digital minimum"),
        "digital beyond 16 bit": ({"digital minimum": b"-40000"}, "exceeds the EDF range"),
        "physical nan": ({"physical maximum": b"nan"}, "physical maximum"),
        "physical empty": ({"physical minimum": b""}, "physical minimum"),
    }  # fmt: skip
    for name, (change, words) in cases.items():
        yield Variant(f"one EEG: {name}", "calibration", with_signal(0, change),
                      expect="accept", words=("EEG C3", words))  # fmt: skip
        spec = base_spec()
        spec.signals[0].update(change)
        spec.signals[1].update(change)
        yield Variant(f"all EEG: {name}", "calibration", spec.to_bytes(), expect="refuse",
                      words=("usable calibration", "EEG C3", words))  # fmt: skip
    swapped = {"physical minimum": b"3276.7", "physical maximum": b"-3276.8"}
    yield Variant("physical swapped (inverted polarity)", "calibration",
                  with_signal(0, swapped), expect="accept")  # fmt: skip
    yield Variant("narrow physical range", "calibration",
                  with_signal(0, {"physical minimum": b"-1", "physical maximum": b"1"}),
                  expect="accept")  # fmt: skip
    yield Variant("ECG min = max (not EEG)", "calibration",
                  with_signal(2, {"physical minimum": b"3276.7"}), expect="accept")  # fmt: skip


def duration_variants() -> Iterator[Variant]:
    refused = {"1e-06": "256,000,000 Hz", "0.000001": "256,000,000 Hz", "0.001": "256,000 Hz",
               "0.01": "25,600 Hz", "2.57": "99.61 Hz", "1000": "100-16,000 Hz",
               "256": "sampling rate of 1 Hz", "-0.5": "record duration", "NaN": "record duration",
               "1e308": "record duration", "1e999": "record duration", "0x10": "record duration",
               "1_0": "record duration", "١": "record duration"}  # fmt: skip
    for value, words in refused.items():
        yield Variant(f"record duration {value}", "record duration",
                      with_main("record duration", value.encode()), expect="refuse",
                      words=("record duration", words))  # fmt: skip
    for value in ("0.5", "1.0", "+1", "1.", "2", "0.016", "2.56"):
        expect = "refuse" if value in ("0.5", "0.016") else "accept"
        yield Variant(f"record duration {value}", "record duration",
                      with_main("record duration", value.encode()), expect=expect)  # fmt: skip


def rate_variants() -> Iterator[Variant]:
    for spr in (1, 50, 99, 100, 16000, 16001, 100000):
        spec = base_spec()
        for s in spec.signals[:2]:
            s["samples per record"] = str(spr).encode()
        expect = "accept" if 100 <= spr <= 16000 else "refuse"
        words = () if expect == "accept" else ("sampling rate", "100-16,000 Hz")
        yield Variant(f"EEG at {spr} Hz", "sampling rate", spec.to_bytes(), expect=expect,
                      words=words)  # fmt: skip
    spec = base_spec()
    spec.signals[1]["samples per record"] = b"128"
    yield Variant("one EEG at another rate", "sampling rate", spec.to_bytes(), expect="accept",
                  words=("EEG C4", "another rate"))  # fmt: skip


def size_variants() -> Iterator[Variant]:
    good = base_spec().to_bytes()
    header = 256 * 5
    record = (len(good) - header) // N_RECORDS
    cuts = {"7 bytes": 7, "255 bytes": 255, "main header only": 256, "mid signal header": 900,
            "header only": header, "half a record": header + record // 2,
            "one record": header + record, "one and a half records": header + 3 * record // 2,
            "two records": header + 2 * record, "two and a half records": header + 5 * record // 2,
            "last byte missing": len(good) - 1}  # fmt: skip
    for name, n in cuts.items():
        expect = "accept" if n >= header + 2 * record else "refuse"
        yield Variant(f"truncated: {name}", "file size", good[:n], expect=expect)
    extra = {"1 byte": b"\x00", "17 bytes": b"\x7f" * 17, "one record": b"\x55" * record,
             "ten records": b"\xaa" * (10 * record + 3)}  # fmt: skip
    for name, tail in extra.items():
        yield Variant(f"extra: {name}", "file size", good + tail, expect="accept",
                      words=("after the last data record",))  # fmt: skip
    for count in (b"1", b"2", b"5", b"-1", b"-2", b"00003", b"+3"):
        expect = "refuse" if count in (b"1", b"-2") else "accept"
        yield Variant(f"number of data records {count.decode()}", "record count",
                      with_main("number of data records", count), expect=expect)  # fmt: skip


def structure_variants() -> Iterator[Variant]:
    for ns in (b"1", b"2", b"3", b"5", b"9999", b"-4", b"04"):
        expect = "accept" if ns == b"04" else "refuse"
        yield Variant(f"number of signals {ns.decode()}", "signal count",
                      with_main("number of signals", ns), expect=expect)  # fmt: skip
    for size in (b"1024", b"1536", b"256", b"01280"):
        expect = "accept" if size == b"01280" else "refuse"
        yield Variant(f"header size {size.decode()}", "signal count",
                      with_main("header size", size), expect=expect)  # fmt: skip
    good = base_spec().to_bytes()
    plus_d = good.replace(b"EDF+C", b"EDF+D", 1)
    yield Variant("EDF+D contiguous", "EDF+", plus_d, expect="accept")
    yield Variant("EDF+D with a gap", "EDF+", plus_d.replace(b"+1\x14\x14", b"+7\x14\x14", 1),
                  expect="refuse", words=("EDF+D",))  # fmt: skip
    yield Variant("EDF+D corrupt TAL", "EDF+", plus_d.replace(b"+1\x14\x14", b"xx\x14\x14", 1))
    yield Variant("plain EDF (no annotations)", "EDF+",
                  base_spec(annotations=False).to_bytes(), expect="accept")  # fmt: skip
    spec = base_spec()
    spec.signals = spec.signals[3:]
    spec.main["record duration"] = b"0"
    yield Variant("annotation-only", "EDF+", spec.to_bytes(), expect="refuse",
                  words=("annotation-only",))  # fmt: skip
    spec = base_spec()
    spec.signals = [spec.signals[2], spec.signals[3]]
    yield Variant("ECG only", "EDF+", spec.to_bytes(), expect="refuse", words=("no EEG",))
    yield Variant("version 1", "EDF+", b"1" + good[1:], expect="refuse")
    yield Variant("corrupt TAL", "EDF+", good.replace(b"+0\x14\x14", b"\xff\xfe\x14\x14", 1))


def label_unit_variants() -> Iterator[Variant]:
    cases = {
        "duplicate EEG label": (1, {"label": b"EEG C3"}, ("repeated label",)),
        "empty EEG label": (1, {"label": b""}, ("empty label",)),
        "non-ASCII label": (1, {"label": b"EEG C\xe94"}, ("not ASCII",)),
        "label leading spaces": (1, {"label": b"  EEG C4"}, ()),
        "unit mV": (0, {"physical dimension": b"mV"}, ()),
        "unit latin-1 micro": (0, {"physical dimension": b"\xb5V"}, ()),
        "unit counts": (0, {"physical dimension": b"counts"}, ("not a voltage",)),
    }  # fmt: skip
    for name, (i, change, words) in cases.items():
        yield Variant(name, "labels and units", with_signal(i, change), expect="accept",
                      words=words)  # fmt: skip
    spec = base_spec()
    for s in spec.signals[:2]:
        s["physical dimension"] = b"counts"
    yield Variant("no voltage unit", "labels and units", spec.to_bytes(), expect="accept",
                  words=("scale unknown",))  # fmt: skip
    for value in (b"31.02.20", b"1.1.2020", b"xx.yy.zz"):
        yield Variant(f"start date {value.decode()}", "labels and units",
                      with_main("start date", value), expect="accept")  # fmt: skip


def bdf_variants() -> Iterator[Variant]:
    yield Variant("BDF valid", "BDF", base_spec("BDF").to_bytes(), ".bdf", "accept")
    for field, value, expect in (
        ("record duration", b"nan", "refuse"), ("record duration", b"1e-06", "refuse"),
        ("number of data records", b"0", "refuse"), ("number of signals", b"3", "refuse"),
    ):  # fmt: skip
        yield Variant(f"BDF {field}:{value.decode()}", "BDF",
                      with_main(field, value, fmt="BDF"), ".bdf", expect)  # fmt: skip
    for change, expect in (
        ({"physical minimum": b"838860.7"}, "accept"), ({"digital minimum": b"-9999999"}, "accept"),
        ({"digital maximum": b"-8388608"}, "accept"), ({"samples per record": b"1"}, "accept"),
        ({"samples per record": b"20000"}, "accept"),
    ):  # fmt: skip
        yield Variant(f"BDF EEG {change}", "BDF", with_signal(0, change, "BDF"), ".bdf", expect)
    good = base_spec("BDF").to_bytes()
    yield Variant("BDF truncated", "BDF", good[: 256 * 5 + 100], ".bdf", "refuse")
    yield Variant("BDF extra bytes", "BDF", good + b"\x01" * 5, ".bdf", "accept")


def variants() -> list[Variant]:
    out = [
        *main_field_variants(), *signal_field_variants(), *calibration_variants(),
        *duration_variants(), *rate_variants(), *size_variants(), *structure_variants(),
        *label_unit_variants(), *bdf_variants(),
    ]  # fmt: skip
    assert len({v.name for v in out}) == len(out)
    return out


# ---------------------------------------------------------------- independent decoder


def expected_uv(data: bytes, bdf: bool, label: str, n: int) -> np.ndarray | None:
    """The first ``n`` samples of the signal labelled ``label``, in µV, decoded here.

    Physical value = (digital - digital min) × (physical range / digital range) +
    physical min (Kemp et al. 1992), times µV per unit. None when the label is not
    unique or the unit is not a volt (nothing to compare).
    """
    ns = int(data[252:256])
    block = data[256 : 256 * (ns + 1)]
    offsets = {}
    pos = 0
    for name, width in SIGNAL:
        offsets[name] = [block[pos + i * width : pos + (i + 1) * width] for i in range(ns)]
        pos += ns * width
    labels = [raw.decode("latin-1").strip() for raw in offsets["label"]]
    if labels.count(label) != 1:
        return None
    i = labels.index(label)
    unit = offsets["physical dimension"][i].decode("latin-1").strip().lower()
    factor = {"uv": 1.0, "µv": 1.0, "mv": 1e3, "v": 1e6, "nv": 1e-3}.get(unit)
    if factor is None:
        return None
    width = 3 if bdf else 2
    spr = [int(raw) for raw in offsets["samples per record"]]
    record = sum(spr) * width
    start = 256 * (ns + 1)
    n_rec = -(-n // spr[i])
    digital_rows = []
    for k in range(n_rec):
        at = start + k * record + sum(spr[:i]) * width
        raw = data[at : at + spr[i] * width]
        digital_rows += [int.from_bytes(raw[j : j + width], "little", signed=True)
                         for j in range(0, len(raw), width)]  # fmt: skip
    d = np.asarray(digital_rows[:n], dtype=np.float64)
    pmin, pmax = float(offsets["physical minimum"][i]), float(offsets["physical maximum"][i])
    dmin, dmax = int(offsets["digital minimum"][i]), int(offsets["digital maximum"][i])
    return factor * ((d - dmin) * (pmax - pmin) / (dmax - dmin) + pmin)


# ---------------------------------------------------------------- the fuzz


def check_refusal(variant: Variant, exc: IngestError) -> None:
    msg = str(exc)
    assert msg and "\n" not in msg and msg.isprintable(), (variant.name, msg)
    reason = msg.split(": ", 1)[1]  # after the path (the path may hold '<'...)
    leaked = [m for m in INTERNAL_MARKERS if m in reason]
    assert not leaked, (variant.name, msg)
    assert any(w in reason for w in FIELD_WORDS), (variant.name, msg)
    for word in variant.words:
        assert word in reason, (variant.name, word, msg)
    assert variant.expect != "accept", (variant.name, msg)


def check_accepted(variant: Variant, path: Path) -> None:
    assert variant.expect != "refuse", variant.name
    src = EdfSource(path, chunk_s=1.0)
    info = src.info
    assert info.duration_s >= 2.0 and 100 <= info.sfreq_hz <= 16000, variant.name
    for word in variant.words:
        assert any(word in w for w in info.warnings), (variant.name, word, info.warnings)
    data = src.read(0, src.n_samples).data_uv
    assert np.isfinite(data).all(), variant.name
    for row, name in zip(data, info.ch_names, strict=True):
        want = expected_uv(variant.data, variant.suffix == ".bdf", name, row.shape[0])
        if want is not None and info.unit_known:
            assert np.allclose(row, want, rtol=1e-9, atol=1e-9), (variant.name, name)
        elif not info.unit_known:
            assert any("scale unknown" in w for w in info.warnings), variant.name


def run_variant(variant: Variant, folder: Path) -> str:
    path = folder / f"variant{variant.suffix}"
    path.write_bytes(variant.data)
    try:
        run_replay(path, folder / "out", progress=False)
    except IngestError as exc:
        check_refusal(variant, exc)
        return "refused"
    check_accepted(variant, path)
    return "accepted"


def test_fuzz_every_variant_is_read_at_the_right_scale_or_refused_in_words(
    tmp_path: Path,
) -> None:
    all_variants = variants()
    assert len(all_variants) >= 242
    tally: Counter[tuple[str, str]] = Counter()
    for k, variant in enumerate(all_variants):
        folder = tmp_path / str(k)
        folder.mkdir()
        tally[variant.category, run_variant(variant, folder)] += 1
    print("\nEDF fuzz:", len(all_variants), "variants")
    for category in dict.fromkeys(v.category for v in all_variants):
        print(f"  {category}: {tally[category, 'refused']} refused, "
              f"{tally[category, 'accepted']} accepted")  # fmt: skip
    assert sum(n for (_, how), n in tally.items() if how == "refused") > 100


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [("record duration", b"nan", "record duration"),
     ("record duration", b"1e-06", "256,000,000 Hz"),
     ("record duration", b"256", "sampling rate of 1 Hz")],
)  # fmt: skip
def test_known_answers(tmp_path: Path, field: str, value: bytes, words: str) -> None:
    path = tmp_path / "x.edf"
    path.write_bytes(with_main(field, value))
    with pytest.raises(IngestError, match=words.replace("(", r"\(")):
        run_replay(path, tmp_path / "out", progress=False)


def test_physical_min_equal_max_on_an_eeg_channel_sets_it_aside_with_a_warning(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.edf"
    path.write_bytes(with_signal(0, {"physical minimum": b"3276.7"}))
    summary = run_replay(path, tmp_path / "out", progress=False)
    assert any("EEG C3" in w and "physical minimum equals" in w
               for w in summary["input"]["warnings"])  # fmt: skip
    assert "EEG C3" in summary["input"]["channels_set_aside"]


@pytest.mark.parametrize(
    ("value", "words"),
    [(b"1e-06", "record duration 1e-06 s"), (b"nan", "record duration is 'nan'")],
)
def test_rsemon_replay_prints_the_refusal_in_one_line_with_status_2(
    tmp_path: Path, value: bytes, words: str
) -> None:
    path = tmp_path / "x.edf"
    path.write_bytes(with_main("record duration", value))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "rse_monitor.service.cli", "replay", str(path), "--out",
         str(tmp_path / "out"), "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rsemon: "), done.stderr
    assert words in lines[0] and "Traceback" not in done.stderr


# ---------------------------------------------------------------- downstream of a valid header


@pytest.mark.parametrize("sfreq_hz", [100.0, 100.5, 128.0, 160.0, 200.0, 256.0, 2048.0, 16000.0])
@pytest.mark.parametrize("notch_hz", [None, 50.0, 60.0])
def test_every_rate_the_header_check_passes_gets_a_stable_filter(
    sfreq_hz: float, notch_hz: float | None
) -> None:
    filt = CausalFilter(sfreq_hz, 2, notch_hz=notch_hz)
    assert np.isfinite(filt.sos).all() and np.isfinite(filt._zi_unit).all()
    step = np.ones((2, int(sfreq_hz * 2)))
    out = filt.push(Chunk(step, 0.0, sfreq_hz, ("a", "b"))).data_uv
    assert np.isfinite(out).all() and np.abs(out).max() < 1e-6  # DC removed from the start


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"sfreq_hz": float("nan")}, "sfreq_hz must be finite"),
     ({"sfreq_hz": 0.0}, "sfreq_hz must be > 0"),
     ({"sfreq_hz": -256.0}, "sfreq_hz must be > 0"),
     ({"sfreq_hz": 100.0, "l_freq_hz": 46.0}, "low edge l_freq_hz=46 Hz is not below"),
     ({"sfreq_hz": 1.0}, "capped at 0.45 × 1 Hz; Nyquist is 0.5 Hz"),
     ({"sfreq_hz": 256.0, "l_freq_hz": float("nan")}, "l_freq_hz must be finite"),
     ({"sfreq_hz": 256.0, "h_freq_hz": 0.0}, "h_freq_hz must be > 0"),
     ({"sfreq_hz": 256.0, "notch_hz": float("inf")}, "notch_hz must be finite"),
     ({"sfreq_hz": 256.0, "order": 0}, "order must be >= 1")],
)  # fmt: skip
def test_filter_design_refuses_its_inputs_in_words(kwargs: dict[str, float], words: str) -> None:
    with pytest.raises(ValueError) as info:
        design_sos(**kwargs)  # type: ignore[arg-type]
    msg = str(info.value)
    assert words in msg and not any(m in msg for m in INTERNAL_MARKERS), msg
