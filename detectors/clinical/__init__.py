"""Clinical layer: SE staging, titration targets and de-duplicated alerts for one bed.

:class:`ClinicalState` combines the EEG state that the engine publishes every hop
(ictal or not, suppression ratio, depth) with the treatment log, and answers two
questions: *what stage is this status epilepticus (SE) in, and why?* and *is the
anaesthetic titration on target?*

The package, one concern a module:

* :mod:`~detectors.clinical.model`: treatments, targets, stage results, the ILAE
  2015 time points (:data:`T1_T2_MIN`) and the alert keys;
* :mod:`~detectors.clinical.timeline`: the infusion timeline and SE episodes;
* :mod:`~detectors.clinical.stage`: the SE stage as a pure function,
  :func:`se_stage` (ILAE 2015 Trinka et al.; AES 2016 Glauser et al. for adequate
  doses; Shorvon & Ferlisi 2011 for super-refractory SE; ACNS 2021 Hirsch et al.
  for the seizure burden);
* :mod:`~detectors.clinical.titration`: the titration rules (breakthrough seizure,
  recurrence on a wean, suppression-ratio band, isoelectric EEG, 24 h of
  anaesthetic; Brophy et al. 2012, Neurocritical Care Society);
* :mod:`~detectors.clinical.messages`: the wording of reasons, alerts and advice;
* :mod:`~detectors.clinical.state`: :class:`ClinicalState`, the bookkeeping of one
  bed, with its alerts in the one alert model (:class:`detectors.alerts.Alert`,
  :class:`detectors.alerts.OpenAlerts`, origin ``"clinical"``).

References
----------
.. [1] Trinka E, Cock H, Hesdorffer D, et al. A definition and classification of
   status epilepticus -- Report of the ILAE Task Force on Classification of Status
   Epilepticus. Epilepsia 2015;56(10):1515-1523.
.. [2] Shorvon S, Ferlisi M. The treatment of super-refractory status epilepticus:
   a critical review of available therapies and a clinical treatment protocol.
   Brain 2011;134:2802-2818.
.. [3] Brophy GM, Bell R, Claassen J, et al. Guidelines for the evaluation and
   management of status epilepticus. Neurocrit Care 2012;17:3-23.
.. [4] Rossetti AO, Lowenstein DH. Management of refractory status epilepticus in
   adults: still more questions than answers. Lancet Neurol 2011;10:922-930.
.. [5] Glauser T, et al. Evidence-based guideline: treatment of convulsive status
   epilepticus in children and adults (AES). Epilepsy Curr 2016;16(1):48-61.
.. [6] Hirsch LJ, et al. American Clinical Neurophysiology Society's standardized
   critical care EEG terminology: 2021 version. J Clin Neurophysiol 2021;38:1-29.
"""

from __future__ import annotations

from rse_monitor.detectors.alerts import Alert, AlertState, Severity
from rse_monitor.detectors.clinical.model import (
    BAND_KEYS,
    EPISODE_KEYS,
    GOALS,
    SEIZURE_KEYS,
    SR_SMOOTH_S,
    SRSE_ANAESTHETIC_S,
    STAGES,
    T1_T2_MIN,
    Goal,
    Reason,
    SeizureType,
    Stage,
    StageResult,
    StagingRules,
    Targets,
    Treatment,
)
from rse_monitor.detectors.clinical.stage import se_stage
from rse_monitor.detectors.clinical.state import ClinicalState

__all__ = [
    "Alert",
    "AlertState",
    "BAND_KEYS",
    "ClinicalState",
    "EPISODE_KEYS",
    "GOALS",
    "Goal",
    "Reason",
    "SEIZURE_KEYS",
    "SRSE_ANAESTHETIC_S",
    "SR_SMOOTH_S",
    "STAGES",
    "SeizureType",
    "Severity",
    "Stage",
    "StageResult",
    "StagingRules",
    "T1_T2_MIN",
    "Targets",
    "Treatment",
    "se_stage",
]
