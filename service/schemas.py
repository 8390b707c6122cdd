"""Request and response models: one family per resource (Create / Public / list).

Each response shape is defined here once. The ``*Public`` models are built by the
service from its records: database rows (``AlertPublic.model_validate(dict(row))``,
which reads ``is_open`` and the JSON ``details``), the monitoring engine's objects
(``HopPublic``, ``AnalysisSettingsPublic``: ``from_attributes``) or keyword
arguments; the handlers return them.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from rse_monitor.detectors.clinical import GOALS, T1_T2_MIN
from rse_monitor.detectors.clinical import scores as _scores
from rse_monitor.detectors.doses import KINDS, MAX_WEIGHT_KG, MIN_WEIGHT_KG

__all__ = [
    "SeizureType", "SourceKind", "BedSourceIn", "BedCreate", "BedSourcePublic", "BedPublic",
    "BedsPublic", "TargetsIn", "TargetsPublic", "TreatmentCreate", "TreatmentPublic",
    "TreatmentsPublic", "ObservationCreate", "ObservationPublic", "ObservationsPublic",
    "StagePublic", "HopPublic", "BedState", "TrendsPublic", "SpectrogramPublic",
    "AlertPublic", "AlertsPublic", "TokenCreate", "TokenPublic", "TokenCreated",
    "TokensPublic", "SessionPublic", "HealthPublic", "Message", "ValidationErrorItem",
    "ValidationErrorPublic", "validation_error_public", "HistoryIn", "HistoryPublic",
    "ScoreItemPublic", "ScorePublic", "ScoresPublic", "WeanPublic",
]  # fmt: skip

SeizureType = Literal["generalized_convulsive", "focal_impaired_awareness", "absence", "other"]
SourceKind = Literal["edf", "lsl", "none"]
TreatmentKind = Literal["bolus", "infusion_start", "infusion_change", "infusion_stop", "wean_start"]
ObservationKind = Literal["seizure_start", "seizure_ongoing", "seizure_end"]
Goal = Literal["burst_suppression", "seizure_suppression"]
Severity = Literal["low", "medium", "high"]
RoleName = Literal["viewer", "technician", "clinician", "admin"]

Consciousness = Literal["alert", "somnolent_confused", "stuporous", "comatose"]
WorstSeizureType = Literal[
    "simple_partial", "complex_partial", "absence", "myoclonic_ige", "generalized_convulsive",
    "nonconvulsive_in_coma",
]  # fmt: skip
PriorSeizures = Literal["yes", "no", "unknown"]
Etiology = Literal[
    "cns_anomalies", "drug_reduction_withdrawal_poor_compliance", "multiple_sclerosis",
    "remote_cerebrovascular_or_brain_injury", "hydrocephalus", "alcohol_abuse",
    "drug_overdose", "head_trauma", "cryptogenic", "brain_tumour",
    "metabolic_sodium_imbalance", "metabolic_other", "acute_cerebrovascular",
    "acute_cns_infection", "anoxia",
]  # fmt: skip
CharlsonCondition = Literal[
    "myocardial_infarction", "congestive_heart_failure", "peripheral_vascular_disease",
    "cerebrovascular_disease", "dementia", "chronic_pulmonary_disease",
    "connective_tissue_disease", "peptic_ulcer_disease", "mild_liver_disease", "diabetes",
    "hemiplegia", "moderate_severe_renal_disease", "diabetes_end_organ_damage",
    "solid_tumour", "leukaemia", "lymphoma", "moderate_severe_liver_disease",
    "metastatic_solid_tumour", "aids",
]  # fmt: skip

for _names, _literal in (
    (T1_T2_MIN, SeizureType), (KINDS, TreatmentKind), (GOALS, Goal),
    (_scores.CONSCIOUSNESS, Consciousness), (_scores.WORST_SEIZURE_TYPES, WorstSeizureType),
    (_scores.PRIOR_SEIZURES, PriorSeizures), (_scores.EMSE_ETIOLOGY_POINTS, Etiology),
    (_scores.CHARLSON_WEIGHTS, CharlsonCondition),
):  # fmt: skip
    if set(_names) != set(_literal.__args__):  # type: ignore[attr-defined]
        raise ImportError(f"service.schemas is out of date with detectors: {sorted(_names)}")

BED_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: LSL stream names: printable, no quotes or brackets (they would break the LSL query).
LSL_NAME_PATTERN = r"^[^'\"\[\]\x00-\x1f]+$"
#: EDF paths: at most 1,024 characters (PATH_MAX on Linux is 4,096 bytes, but no
#: recordings folder is nested that deep) and 255 per folder or file name (NAME_MAX:
#: a longer name is refused by the operating system, which used to surface as a 500).
MAX_PATH_CHARS = 1024
MAX_PATH_PART_CHARS = 255


def _check_path(path: str | None) -> str | None:
    if path is None:
        return None
    if any(ord(ch) < 32 for ch in path):
        raise ValueError("the path contains a control character")
    longest = max((len(part.encode("utf-8", "replace")) for part in path.split("/")), default=0)
    if longest > MAX_PATH_PART_CHARS:
        raise ValueError(
            f"a folder or file name in the path is {longest} bytes long; the limit is "
            f"{MAX_PATH_PART_CHARS}"
        )
    return path


EdfPath = Annotated[
    str | None,
    Field(min_length=1, max_length=MAX_PATH_CHARS),
    AfterValidator(_check_path),
]

#: Free-text limits: notes, and the reason for entering a dose above its plausible maximum.
MAX_NOTE_CHARS = 1000
MAX_OVERRIDE_CHARS = 500

#: Treatment and observation times: at most 30 days either side of the bed's t_s = 0.
MAX_ABS_T_S = 30 * 24 * 3600.0


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(allow_inf_nan=True)


class Message(_Out):
    detail: str


# ------------------------------------------------------------------ validation errors
#: Longest piece of a client's input echoed back in a 422 answer (longer text is cut).
MAX_ECHO_CHARS = 120
#: Most problems listed in one 422 answer (a body with 1,000 unknown fields has 1,000).
MAX_ERRORS = 20


class ValidationErrorItem(_Out):
    """One problem with a request, in FastAPI's shape (``loc``, ``msg``, ``type``)."""

    loc: list[str | int]
    msg: str = Field(description="one line")
    type: str
    input: Any = Field(
        default=None,
        description="the offending value, made safe to echo: non-finite numbers as the "
        "strings 'NaN', 'Infinity', '-Infinity'; long text cut; large objects left out",
    )


class ValidationErrorPublic(_Out):
    """The 422 answer to a request that does not fit its schema."""

    detail: list[ValidationErrorItem]
    errors: list[str] = Field(description="the same problems, one line each: 'where: what'")


def _echo(value: Any, depth: int = 0) -> Any:
    """``value`` made safe to put into a JSON answer (finite, short, plain types)."""
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value if not isinstance(value, int) or abs(value) < 10**18 else str(value)[:20]
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        value = value.encode("utf-8", errors="replace").decode("utf-8")
        if len(value) > MAX_ECHO_CHARS:
            return f"{value[:MAX_ECHO_CHARS]}... ({len(value)} characters)"
        return value
    if depth < 2 and isinstance(value, dict) and len(value) <= 8:
        return {_echo(str(k), depth + 1): _echo(v, depth + 1) for k, v in value.items()}
    if depth < 2 and isinstance(value, list | tuple) and len(value) <= 8:
        return [_echo(v, depth + 1) for v in value]
    return None  # too large or of an unknown type: left out


def _one_line(text: str) -> str:
    """``text`` on one line and at most a few hundred characters."""
    line = " ".join(str(text).split())
    return line if len(line) <= 300 else line[:300] + "..."


def validation_error_public(errors: Any) -> ValidationErrorPublic:
    """The 422 body for pydantic/FastAPI validation ``errors`` (``exc.errors()``).

    The default FastAPI answer echoes the input as it came; a NaN or an infinity in
    the input (Python's JSON parser accepts ``NaN``, ``Infinity`` and ``1e999``)
    then makes the answer itself unencodable and the client sees a 500. Here every
    echoed value goes through :func:`_echo` and every message is one line.
    """
    errors = list(errors)
    items: list[ValidationErrorItem] = []
    for err in errors[:MAX_ERRORS]:
        loc = [p if isinstance(p, int) else _one_line(str(p))[:64] for p in err.get("loc", ())]
        items.append(
            ValidationErrorItem(
                loc=loc, msg=_one_line(err.get("msg", "invalid")),
                type=str(err.get("type", "value_error")), input=_echo(err.get("input")),
            )
        )  # fmt: skip
    lines = [
        f"{'.'.join(str(p) for p in it.loc if p != 'body') or 'body'}: {it.msg}" for it in items
    ]
    if len(errors) > MAX_ERRORS:
        lines.append(f"... and {len(errors) - MAX_ERRORS} more problems")
    return ValidationErrorPublic(detail=items, errors=lines)


# ------------------------------------------------------------------------------ beds
class BedSourceIn(_In):
    """Where a bed's EEG comes from."""

    kind: SourceKind = Field(
        default="none",
        description="edf: replay a file under a recordings folder; lsl: a live LSL stream; "
        "none: no EEG (clinical charting only: treatments and clinical observations)",
    )
    path: EdfPath = Field(
        default=None,
        description="EDF/BDF path (kind=edf): absolute, or relative to a recordings folder; "
        f"at most {MAX_PATH_CHARS} characters",
    )
    stream_name: str | None = Field(
        default=None, min_length=1, max_length=256, pattern=LSL_NAME_PATTERN,
        description="LSL stream name (kind=lsl)",
    )  # fmt: skip
    speed: float = Field(
        strict=True,
        default=1.0,
        gt=0,
        le=100000,
        description="replay speed, multiples of real time (kind=edf)",
    )

    @model_validator(mode="after")
    def _check_kind(self) -> BedSourceIn:
        if self.kind == "edf" and not self.path:
            raise ValueError("source.kind 'edf' needs source.path")
        if self.kind == "lsl" and not self.stream_name:
            raise ValueError("source.kind 'lsl' needs source.stream_name")
        if self.kind != "edf" and self.path:
            raise ValueError(f"source.path is only for kind 'edf', not {self.kind!r}")
        if self.kind != "lsl" and self.stream_name:
            raise ValueError(f"source.stream_name is only for kind 'lsl', not {self.kind!r}")
        if self.kind != "edf" and self.speed != 1.0:
            raise ValueError("source.speed applies to EDF replays only (live sources run at 1)")
        return self


class TargetsIn(_In):
    """Titration target of the anaesthetic infusion."""

    goal: Goal = "burst_suppression"
    sr_low: float = Field(
        strict=True, default=0.5, ge=0, le=1, description="lower suppression-ratio bound"
    )
    sr_high: float = Field(
        strict=True, default=0.8, ge=0, le=1, description="upper suppression-ratio bound"
    )
    sustain_s: float = Field(
        strict=True,
        default=300.0,
        gt=0,
        le=86400,
        description="how long a band condition must hold before alerting",
    )

    @model_validator(mode="after")
    def _check_band(self) -> TargetsIn:
        if not self.sr_low < self.sr_high:
            raise ValueError(f"sr_low ({self.sr_low}) must be below sr_high ({self.sr_high})")
        return self


class AnalysisSettingsIn(_In):
    """How a bed's EEG is analysed (the engine part of the bed settings)."""

    notch_hz: Literal[50, 60] | None = Field(
        default=None, description="mains notch, 50 or 60 Hz; null: the service default "
        "(RSEMON_NOTCH_HZ)",
    )  # fmt: skip
    notch: bool = Field(default=True, description="false: no notch at all")
    l_freq_hz: float = Field(
        strict=True, default=0.5, gt=0, le=20, description="band-pass low edge, Hz"
    )
    h_freq_hz: float = Field(
        strict=True, default=45.0, gt=1, le=200, description="band-pass high edge, Hz"
    )
    montage: Literal["bipolar", "as_recorded"] = Field(
        default="bipolar",
        description="longitudinal bipolar where 10-20 names allow, or the channels as recorded",
    )

    @model_validator(mode="after")
    def _check_band(self) -> AnalysisSettingsIn:
        if not self.l_freq_hz < self.h_freq_hz:
            raise ValueError(
                f"l_freq_hz ({self.l_freq_hz:g}) must be below h_freq_hz ({self.h_freq_hz:g})"
            )
        return self


class AnalysisSettingsPublic(_Out):
    """A bed's analysis settings; validates from a ``monitoring.settings.EngineConfig``."""

    model_config = ConfigDict(allow_inf_nan=True, from_attributes=True)

    notch_hz: float | None
    l_freq_hz: float
    h_freq_hz: float
    montage: str
    window_s: float
    hop_s: float
    suppression_threshold_uv: float

    @field_validator("montage", mode="before")
    @classmethod
    def _montage_name(cls, value: Any) -> Any:
        """``EngineConfig.montage`` is a flag: True is the bipolar montage."""
        if isinstance(value, bool):
            return "bipolar" if value else "as_recorded"
        return value


class BedCreate(_In):
    """A new bed (admission). Give the source as ``source`` or the flat shortcuts."""

    bed_id: str = Field(pattern=BED_ID_PATTERN, description="e.g. ICU-3 (letters, digits, _ . -)")
    weight_kg: float = Field(
        strict=True, gt=0, le=MAX_WEIGHT_KG,
        description=f"patient weight, kg ({MIN_WEIGHT_KG:g}-{MAX_WEIGHT_KG:g}: a very preterm "
        "neonate to the heaviest adult; dose adequacy and mg/kg doses use it)",
    )  # fmt: skip

    @field_validator("weight_kg")
    @classmethod
    def _plausible_weight(cls, value: float) -> float:
        # gt=0 answers zero and negatives; this catches 1e-300 and grams typed as kg
        if value < MIN_WEIGHT_KG:
            raise ValueError(
                f"weight_kg {value:g} is below {MIN_WEIGHT_KG:g} kg, the lightest patient "
                "(a very preterm neonate); give the weight in kg"
            )
        return value

    seizure_type: SeizureType = Field(
        default="generalized_convulsive", description="selects t1/t2 (ILAE 2015)"
    )
    t1_min: float | None = Field(
        strict=True, default=None, gt=0, le=1440, description="override of t1 (min)"
    )
    t2_min: float | None = Field(
        strict=True, default=None, gt=0, le=10080, description="override of t2 (min)"
    )
    source: BedSourceIn | None = None
    edf_path: EdfPath = Field(default=None, description="= source edf")
    lsl_stream: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        pattern=LSL_NAME_PATTERN,
        description="= source lsl",
    )
    speed: float | None = Field(
        strict=True, default=None, gt=0, le=100000, description="= source.speed"
    )
    targets: TargetsIn | None = None
    settings: AnalysisSettingsIn | None = Field(
        default=None, description="notch, band-pass and montage (service defaults if omitted)"
    )

    @model_validator(mode="after")
    def _fold_source(self) -> BedCreate:
        flat = self.edf_path is not None or self.lsl_stream is not None
        if flat and self.source is not None:
            raise ValueError("give either source or edf_path/lsl_stream, not both")
        if self.edf_path is not None and self.lsl_stream is not None:
            raise ValueError("give edf_path or lsl_stream, not both")
        if self.edf_path is not None:
            self.source = BedSourceIn(kind="edf", path=self.edf_path, speed=self.speed or 1.0)
        elif self.lsl_stream is not None:
            if self.speed not in (None, 1.0):
                raise ValueError("speed applies to EDF replays only")
            self.source = BedSourceIn(kind="lsl", stream_name=self.lsl_stream)
        elif self.source is None:
            if self.speed not in (None, 1.0):
                raise ValueError("speed needs an EDF source (edf_path)")
            self.source = BedSourceIn()
        elif self.speed is not None:
            raise ValueError("give the speed inside source")
        self.edf_path = self.lsl_stream = self.speed = None
        t1, t2 = T1_T2_MIN[self.seizure_type]
        t1 = self.t1_min if self.t1_min is not None else t1
        t2 = self.t2_min if self.t2_min is not None else t2
        if t2 is not None and not t1 < t2:
            raise ValueError(f"t1_min ({t1}) must be below t2_min ({t2})")
        return self


class BedSourcePublic(_Out):
    kind: SourceKind
    path: str | None = None
    stream_name: str | None = None
    speed: float = 1.0
    info: dict[str, Any] = Field(default_factory=dict)


class BedPublic(_Out):
    bed_id: str
    admission_id: int
    weight_kg: float
    seizure_type: SeizureType
    t1_min: float
    t2_min: float | None
    source: BedSourcePublic
    settings: AnalysisSettingsPublic | None = None
    status: str = Field(description="running | reconnecting | finished | charting | error")
    status_message: str
    position_s: float | None = Field(description="t_s of the latest analysed hop")
    clock_origin: str = Field(description="wall time (UTC) of t_s = 0; time = origin + t_s/speed")
    created_at: str
    created_by: str | None


class BedsPublic(_Out):
    data: list[BedPublic]
    count: int


class TargetsPublic(_Out):
    bed_id: str
    goal: Goal
    sr_low: float
    sr_high: float
    sustain_s: float
    updated_at: str
    updated_by: str | None


# ------------------------------------------------------------------------ treatments
class _Timed(_In):
    time: datetime | None = Field(
        default=None,
        description="ISO 8601 with timezone; or give t_s; default: now on the bed clock",
    )
    t_s: float | None = Field(
        strict=True,
        default=None,
        ge=-MAX_ABS_T_S,
        le=MAX_ABS_T_S,
        description="seconds on the bed clock",
    )

    @model_validator(mode="after")
    def _one_time(self) -> _Timed:
        if self.time is not None and self.t_s is not None:
            raise ValueError("give time or t_s, not both")
        if self.time is not None and self.time.tzinfo is None:
            raise ValueError(
                f"time {self.time.isoformat()} has no timezone: add one, e.g. "
                f"{self.time.isoformat()}Z"
            )
        return self


class TreatmentCreate(_Timed):
    """One administration: bolus, infusion start/change/stop or wean start."""

    agent: str = Field(min_length=1, max_length=64, description="e.g. lorazepam, Keppra")
    dose: float = Field(
        strict=True, ge=0, le=1e7,
        description="amount in `unit` (the new rate for infusions); a number, not a string "
        "or a boolean. Doses above the agent's plausible maximum are refused unless "
        "`override_reason` is given",
    )  # fmt: skip
    unit: str = Field(min_length=1, max_length=32, description="mg, g, mg PE, mg/kg/h, ...")
    route: str = Field(default="IV", min_length=1, max_length=32, description="IV, IO, IM, IN, ...")
    kind: TreatmentKind = "bolus"
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)
    override_reason: str | None = Field(
        default=None, min_length=3, max_length=MAX_OVERRIDE_CHARS, pattern=r"^[^\x00-\x1f]+$",
        description="why a dose above the agent's plausible maximum is entered anyway (one "
        "line); stored and shown with the treatment. Without it such a dose is refused (422)",
    )  # fmt: skip


class StagePublic(_Out):
    stage: Literal["none", "early", "established", "refractory", "super_refractory"]
    reasons: list[str]
    anaesthetic_dependent: bool
    t1_crossed: bool
    t2_crossed: bool
    seizure_burden_s: float
    episode_start_s: float | None = None
    episode_duration_s: float = 0.0
    anaesthetic_onset_s: float | None = None
    anaesthetic_s: float | None = None
    burden_60min_ratio: float = 0.0
    t_s: float = 0.0


class TreatmentPublic(_Out):
    id: int
    bed_id: str
    t_s: float
    time: str
    agent: str = Field(description="canonical name")
    dose: float
    unit: str
    route: str
    kind: TreatmentKind
    adequate: bool
    judged: bool
    drug_class: str
    dose_mg: float
    dose_unit: str
    required_mg: float | None
    reason: str
    rule: str
    source: str
    conversion: str = Field(
        default="", description="how the entry became dose_mg, e.g. '2 mg/kg × 70 kg = 140 mg'"
    )
    cumulative_note: str
    note: str | None
    override_reason: str | None = Field(
        default=None, description="why a dose above the plausible maximum was entered"
    )
    entered_by: str | None
    created_at: str
    stage: StagePublic | None = Field(default=None, description="SE stage right after this entry")

    @model_validator(mode="before")
    @classmethod
    def _flatten_assessment(cls, data: Any) -> Any:
        """A ``treatments`` row keeps the dose assessment as JSON in ``assessment``."""
        if isinstance(data, dict) and isinstance(data.get("assessment"), str):
            row = {k: v for k, v in data.items() if k != "assessment"}
            return {**json.loads(data["assessment"]), **row}
        return data


class TreatmentsPublic(_Out):
    data: list[TreatmentPublic]
    count: int


class ObservationCreate(_Timed):
    """A clinically observed seizure state at a time (bedside observation)."""

    kind: ObservationKind = Field(
        description="seizure_start / seizure_ongoing: seizure activity at that time; "
        "seizure_end: it stopped"
    )
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


class ObservationPublic(_Out):
    id: int
    bed_id: str
    kind: ObservationKind
    t_s: float
    applied_t_s: float = Field(description="time at which the clinical state took it into account")
    time: str
    note: str | None
    entered_by: str | None
    created_at: str
    stage: StagePublic | None = None


class ObservationsPublic(_Out):
    data: list[ObservationPublic]
    count: int


# ------------------------------------------------------------------------ live state
class HopPublic(_Out):
    """A hop's figures (no alerts, no spectrum); validates from a ``HopResult``."""

    model_config = ConfigDict(allow_inf_nan=True, from_attributes=True)

    t_s: float
    suppression_ratio: float | None
    line_length: float | None
    coherence: float | None
    ictal: bool
    depth: str
    seizure_score: float | None
    rms_uv: float | None
    bursts_per_min: float | None
    ibi_median_s: float | None
    band_power_uv2: dict[str, float | None]
    n_good_channels: int
    seizure_burden_5min: float | None = Field(
        default=None, description="fraction of the trailing 5 min in electrographic seizure"
    )
    seizure_burden_60min: float | None = Field(
        default=None, description="fraction of the trailing 60 min in electrographic seizure"
    )
    ictal_run_s: float | None = Field(default=None, description="length of the current seizure")
    pattern: str = Field(
        default="",
        description="ACNS 2021 term of the newest judged 10-s window (e.g. LPD+F); "
        "empty for none or while it is an electrographic seizure",
    )
    pattern_hz: float | None = Field(default=None, description="frequency of that pattern (Hz)")
    acns_seizure: bool = Field(
        default=False, description="the ACNS 2021 electrographic-seizure criteria hold"
    )
    iic: bool = Field(
        default=False, description="the pattern is on the ictal-interictal continuum (ACNS 2021)"
    )

    quality: float | None = Field(
        default=None,
        description="signal quality 0-1: share of the montage's channels usable this hop",
    )
    bsp: float | None = Field(
        default=None,
        description="burst-suppression probability 0-1 (Chemali et al. 2013); "
        "null where the suppression ratio is unknown",
    )
    bsp_lo: float | None = Field(default=None, description="lower end of its 95 % interval")
    bsp_hi: float | None = Field(default=None, description="upper end of its 95 % interval")
    artefact: str = Field(
        default="",
        description="artefact class of the window (clipping, electrode_pop, movement, "
        "muscle, mechanical, ecg); empty for none",
    )


class WeanEntryPublic(_Out):
    id: int
    t_s: float
    agent: str
    kind: str
    dose: float
    unit: str


class EegWindowPublic(_Out):
    start_s: float
    end_s: float
    n_hops: int
    n_ictal_hops: int
    sr_mean: float | None


class TreatmentResponsePublic(_Out):
    entry: WeanEntryPublic
    before: EegWindowPublic
    after: EegWindowPublic
    complete: bool = Field(description="false while the after window is still running")
    burden_before: float | None
    burden_after: float | None
    burden_change: float | None = Field(description="after - before (fraction of hops ictal)")
    sr_change: float | None = Field(description="after - before (mean suppression ratio)")


class WeanTrialPublic(_Out):
    entry: WeanEntryPublic
    end_s: float
    seizure_s: float | None
    recurrence: bool | None


class WeanPublic(_Out):
    """Wean readiness: figures, no recommendation (see ``detectors.clinical.wean``)."""

    t_s: float
    hours_since_last_seizure: float | None
    seizure_free_24h: bool | None
    seizure_free_48h: bool | None
    band_low: float
    band_high: float
    band_window_s: float
    band_observed_s: float
    in_band_s: float
    in_band_ratio: float | None
    responses: list[TreatmentResponsePublic]
    weans: list[WeanTrialPublic]
    notes: list[str]


class BedState(_Out):
    bed_id: str
    status: str
    status_message: str
    t_s: float | None = Field(
        strict=True, description="bed time of this state (latest hop or observation)"
    )
    time: str | None
    position_s: float | None
    latest: HopPublic | None
    ictal: bool
    suppression_ratio: float | None
    depth: str | None
    stage: StagePublic
    targets: TargetsPublic
    advice: list[str]
    infusion: dict[str, Any]
    manual_ictal: bool
    open_alerts: list[AlertPublic]
    wean: WeanPublic | None = Field(
        default=None, description="wean readiness (null before the bed has a clinical time)"
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="what makes this bed's input hard to trust (too short, "
        "non-physiological scale), one line each",
    )


class TrendsPublic(_Out):
    bed_id: str
    t0_time: str = Field(description="wall time of t_s = 0 (the bed clock's origin)")
    speed: float
    columns: list[str]
    data: list[dict[str, Any]]
    count: int


class SpectrogramPublic(_Out):
    """Per-hop band powers (µV²), the compressed spectral array of the page."""

    bed_id: str
    t0_time: str
    bands: list[str]
    bands_hz: dict[str, list[float]]
    t_s: list[float]
    power_uv2: list[list[float | None]] = Field(description="(n_hops, n_bands)")
    relative: list[list[float | None]] = Field(description="power / total power per hop")
    count: int


class EegPublic(_Out):
    """An excerpt of a bed's EEG as displayed (``GET /beds/{bed_id}/eeg``)."""

    bed_id: str
    channels: list[str]
    sfreq_hz: float = Field(description="points per second of data_uv (after decimation)")
    start_s: float = Field(description="bed time of the first point, s")
    data_uv: list[list[float | None]] = Field(
        description="(n_channels, n_points), µV; null where no sample was stored (a gap)"
    )
    montage: str = Field(description="double_banana | as_recorded | average")
    filter: dict[str, Any] = Field(description="the display filter (the bed's band-pass and "
                                   "notch, zero-phase)")  # fmt: skip
    decimation: str | None = Field(
        description="null, or 'minmax k': each k samples drawn as their min and max in order"
    )
    recorded_sfreq_hz: float
    unit_known: bool


# ---------------------------------------------------------------------------- alerts
AckLabel = Literal["true_alarm", "false_alarm", "unsure"]


class AckIn(_In):
    """An acknowledgement's verdict (both optional: ``{}`` or no body acknowledges only)."""

    label: AckLabel | None = Field(
        default=None, description="was the alarm true? true_alarm | false_alarm | unsure"
    )
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


class AlertPublic(_Out):
    """An alert; validates from a row of ``alerts`` (``is_open``, JSON ``details``)."""

    id: int
    bed_id: str
    admission_id: int
    key: str = Field(description="condition; one open alert per bed and key")
    kind: str
    severity: Severity
    origin: str = Field(description="clinical | engine | service")
    message: str
    details: dict[str, Any]
    t_s: float = Field(description="bed time when raised")
    time: str = Field(description="ISO 8601 UTC when raised (bed clock)")
    state: Literal["raised", "updated", "cleared"]
    open: bool = Field(validation_alias=AliasChoices("open", "is_open"))
    last_t_s: float
    n_updates: int
    cleared_t_s: float | None
    cleared_at: str | None
    cleared_message: str | None
    created_at: str
    updated_at: str
    acked_by: str | None
    acked_at: str | None
    ack_label: AckLabel | None = Field(
        default=None, description="the acknowledger's verdict: true_alarm, false_alarm, unsure"
    )
    ack_note: str | None = None

    @field_validator("details", mode="before")
    @classmethod
    def _details_json(cls, value: Any) -> Any:
        """The database keeps ``details`` as JSON text."""
        return json.loads(value) if isinstance(value, str) else value


class AlarmYieldKind(_Out):
    kind: str
    count: int = Field(description="alerts raised (a condition counts once, whatever its updates)")
    acked: int
    true_alarm: int
    false_alarm: int
    unsure: int
    ppv: float | None = Field(
        description="positive predictive value: true / (true + false) among labelled alerts"
    )
    per_bed_day: float | None


class AlarmYieldPublic(_Out):
    bed_id: str | None
    since: str | None
    until: str
    n_beds: int
    bed_days: float = Field(description="monitored time of the admissions in the period, days")
    kinds: list[AlarmYieldKind]
    count: int
    per_bed_day: float | None
    false_alarms_per_bed_day: float | None
    false_alarm_budget_per_bed_day: float
    budget_state: Literal["within", "over", "unknown"] = Field(
        description="labelled false alarms per bed-day against the budget"
    )


class AlertsPublic(_Out):
    data: list[AlertPublic]
    count: int = Field(description="number of matching alerts (before limit)")
    last_event_id: int = Field(description="resume the SSE stream from here to miss nothing")


# ---------------------------------------------------------------------------- tokens
class TokenCreate(_In):
    role: RoleName
    name: str | None = Field(default=None, min_length=1, max_length=64, description="label")


class TokenPublic(_Out):
    id: int
    name: str
    role: RoleName
    created_at: str
    created_by: str | None
    revoked_at: str | None


class TokenCreated(TokenPublic):
    token: str = Field(description="shown once; only its SHA-256 is stored")


class TokensPublic(_Out):
    data: list[TokenPublic]
    count: int


class SessionPublic(_Out):
    name: str
    role: RoleName
    via: str
    expires_at: str | None = None


class HealthPublic(_Out):
    """``ok`` only when every active EEG bed is being monitored and the database takes
    a write; otherwise ``degraded``, with one line per problem in ``reasons``."""

    status: Literal["ok", "degraded"]
    version: str
    schema_version: int | None
    n_beds: int
    n_running: int
    lsl_available: bool
    storage_ok: bool = True
    storage_error: str | None = None
    beds_not_monitored: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


# ------------------------------------------------------------------------ bedside scores
class HistoryIn(_In):
    """What is entered once per bed for the bedside scores (null: not known yet).

    A PUT replaces the whole history: a field left out is stored as not entered.
    """

    age_years: float | None = Field(default=None, strict=True, ge=0, le=130)
    consciousness: Consciousness | None = Field(
        default=None, description="level of consciousness at SE onset (STESS)"
    )
    worst_seizure_type: WorstSeizureType | None = Field(
        default=None,
        description="worst seizure type of this episode (STESS); myoclonic_ige: myoclonic SE "
        "complicating idiopathic generalized epilepsy",
    )
    prior_seizures: PriorSeizures | None = Field(
        default=None, description="history of seizures before this episode (STESS, 2HELPS2B)"
    )
    etiology: Etiology | None = Field(
        default=None, description="etiology of the SE (EMSE, Leitinger et al. 2015)"
    )
    charlson_conditions: list[CharlsonCondition] | None = Field(
        default=None, max_length=19,
        description="Charlson comorbidities present ([]: none; null: not entered)",
    )  # fmt: skip

    @field_validator("charlson_conditions")
    @classmethod
    def _unique(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("charlson_conditions must not repeat a condition")
        return v


class HistoryPublic(HistoryIn):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    bed_id: str
    updated_at: str | None = None
    updated_by: str | None = None


class ScoreItemPublic(_Out):
    key: str
    label: str
    source: Literal["history", "eeg"]
    input: Any
    points: int | None = Field(description="null while the item's input is missing")
    low: int
    high: int
    note: str


class ScorePublic(_Out):
    name: str
    value: int | None = Field(description="null while an item is missing; see low/high")
    low: int = Field(description="the lowest value the missing items still allow")
    high: int = Field(description="the highest value the missing items still allow")
    max_value: int | None
    inputs: dict[str, Any]
    items: list[ScoreItemPublic]
    missing: list[str]
    uncertain: list[str] = Field(
        description="weights of this score not verified against the publication"
    )
    interpretation: str
    notes: list[str]
    citation: str


class ScoresPublic(_Out):
    bed_id: str
    history: HistoryPublic
    eeg_analysed_s: float = Field(description="interictal EEG time the EEG items come from")
    data: list[ScorePublic]
    count: int


def finite_or_none(value: Any) -> float | None:
    """A float, or None if missing or not finite."""
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


BedState.model_rebuild()
