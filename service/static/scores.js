/* RSE monitor: the bedside-scores panel of the bed view (issue 14, part 4).
 *
 * On its own beside app.js (no shared state): it reads the route from location.hash
 * (#/bed/ID), shows GET /api/v1/beds/{id}/scores while the bed view is visible, and
 * lets a clinician enter the bed's history (PUT /api/v1/beds/{id}/history). Reads ride
 * on the session cookie; the write carries the bearer token app.js keeps in
 * sessionStorage. Everything is built with textContent (no HTML from the server).
 * It also shows the wean-readiness figures of GET /api/v1/beds/{id}/state (`wean`).
 */
(() => {
  'use strict';

  const REFRESH_MS = 15000;
  const TICK_MS = 1000;
  const FIELDS = ['consciousness', 'worst_seizure_type', 'prior_seizures', 'etiology'];

  const S = { bedId: null, at: 0, busy: false, filledFor: null };
  const $ = (id) => document.getElementById(id);

  function routeBed() {
    const m = location.hash.replace(/^#\/?/, '').match(/^bed\/(.+)$/);
    return m ? decodeURIComponent(m[1]) : null;
  }

  // app.js's HTTP helper (loaded before this file)
  const request = (method, path, body) => window.rsemonHttp(method, path, body);

  function cell(text, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    td.textContent = text;
    return td;
  }

  function valueText(s) {
    if (s.value !== null && s.value !== undefined) {
      return s.max_value ? `${s.value} / ${s.max_value}` : String(s.value);
    }
    return s.low === s.high ? `(${s.low})` : `${s.low}–${s.high}`;
  }

  function render(data) {
    const body = $('scores-body');
    const rows = [];
    for (const s of data.data) {
      const tr = document.createElement('tr');
      tr.setAttribute('data-testid', 'score-row');
      tr.dataset.score = s.name;
      tr.dataset.value = s.value === null ? '' : String(s.value);
      tr.title = s.citation;
      const meaning = cell(s.interpretation);
      const details = [];
      if (s.missing.length) details.push(`missing: ${s.missing.join(', ').replaceAll('_', ' ')}`);
      for (const n of s.notes) details.push(n);
      if (details.length) {
        const d = document.createElement('div');
        d.className = 'score-detail';
        d.textContent = details.join(' · ');
        meaning.append(d);
      }
      if (s.uncertain.length) {
        const u = document.createElement('div');
        u.className = 'score-detail score-uncertain';
        u.textContent = `weights not verified against the paper: ${s.uncertain.join(', ')}`;
        meaning.append(u);
      }
      const cite = document.createElement('div');
      cite.className = 'score-detail';
      cite.textContent = s.citation;
      meaning.append(cite);
      tr.append(cell(s.name), cell(valueText(s), 'score-value'), meaning);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
    const h = data.history;
    const eegMin = Math.round((data.eeg_analysed_s || 0) / 60);
    $('scores-status').textContent = (h.updated_at
      ? `History entered by ${h.updated_by || '?'} at ${h.updated_at}. ` : 'No history entered. ')
      + `EEG items from ${eegMin} min of interictal EEG.`;
  }

  const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(100 * x)} %`);
  const yesNo = (x) => (x === null || x === undefined ? 'not yet known' : (x ? 'yes' : 'no'));

  function renderWean(w) {
    const facts = $('wean-facts');
    const list = $('wean-responses');
    if (!w) {
      facts.replaceChildren();
      list.replaceChildren();
      facts.dataset.state = 'none';
      facts.append(Object.assign(document.createElement('dd'),
        { textContent: 'not available until the bed has a time (EEG or an observation)' }));
      return;
    }
    facts.dataset.state = 'shown';
    const pairs = [
      ['last seizure', w.hours_since_last_seizure === null ? 'none on the EEG'
        : `${w.hours_since_last_seizure.toFixed(1)} h ago`],
      ['seizure-free 24 h / 48 h', `${yesNo(w.seizure_free_24h)} / ${yesNo(w.seizure_free_48h)}`],
      [`in band ${w.band_low}–${w.band_high} (24 h)`,
        `${pct(w.in_band_ratio)} of ${Math.round(w.band_observed_s / 60)} min`],
    ];
    for (const t of w.weans) {
      pairs.push([`wean at ${Math.round(t.entry.t_s)} s`, t.recurrence === null ? 'no EEG'
        : (t.recurrence ? `recurrence (${Math.round(t.seizure_s)} s of seizure)` : 'no recurrence')]);
    }
    for (const n of w.notes) pairs.push(['note', n]);
    facts.replaceChildren(...pairs.flatMap(([k, v]) => [
      Object.assign(document.createElement('dt'), { textContent: k }),
      Object.assign(document.createElement('dd'), { textContent: v }),
    ]));
    list.replaceChildren(...w.responses.slice().reverse().map((r) => {
      const li = document.createElement('li');
      li.setAttribute('data-testid', 'wean-response');
      const e = r.entry;
      li.textContent = `${e.kind.replace('_', ' ')} ${e.agent} ${e.dose} ${e.unit} at `
        + `${Math.round(e.t_s)} s: burden ${pct(r.burden_before)} → ${pct(r.burden_after)}, `
        + `SR ${pct(r.before.sr_mean)} → ${pct(r.after.sr_mean)}`
        + (r.complete ? '' : ' (after window still running)');
      return li;
    }));
  }

  function fillForm(h) {
    const f = $('history-form');
    if (!f || f.dataset.dirty === '1') return;
    f.age_years.value = h.age_years === null ? '' : String(h.age_years);
    for (const k of FIELDS) f[k].value = h[k] || '';
    const chosen = new Set(h.charlson_conditions || []);
    for (const o of f.charlson_conditions.options) o.selected = chosen.has(o.value);
    f.no_comorbidity.checked = Array.isArray(h.charlson_conditions)
      && h.charlson_conditions.length === 0;
  }

  async function refresh(force) {
    const bed = $('bed');
    const id = routeBed();
    if (!bed || bed.hidden || !id || S.busy) return;
    if (!force && id === S.bedId && Date.now() - S.at < REFRESH_MS) return;
    S.busy = true;
    try {
      if (id !== S.bedId) {
        $('scores-body').replaceChildren();
        $('wean-facts').replaceChildren();
        $('wean-responses').replaceChildren();
        const f = $('history-form');
        if (f) { delete f.dataset.dirty; $('history-result').textContent = ''; }
      }
      S.bedId = id;
      const data = await request('GET', `/beds/${encodeURIComponent(id)}/scores`);
      if (routeBed() !== id) return;
      render(data);
      fillForm(data.history);
      const st = await request('GET', `/beds/${encodeURIComponent(id)}/state`);
      if (routeBed() !== id) return;
      renderWean(st.wean);
      S.at = Date.now();
    } catch (e) {
      if (e.status !== 401) $('scores-status').textContent = `Scores unavailable: ${e.message}`;
      S.at = Date.now();
    } finally {
      S.busy = false;
    }
  }

  function formBody(f) {
    const body = {};
    const age = f.age_years.value.trim();
    body.age_years = age === '' ? null : Number(age);
    for (const k of FIELDS) body[k] = f[k].value || null;
    const chosen = [...f.charlson_conditions.selectedOptions].map((o) => o.value);
    body.charlson_conditions = chosen.length ? chosen : (f.no_comorbidity.checked ? [] : null);
    return body;
  }

  async function submitHistory(ev) {
    ev.preventDefault();
    const f = ev.currentTarget;
    const out = $('history-result');
    const id = routeBed();
    if (!id) return;
    out.className = 'form-result';
    out.textContent = 'Saving…';
    try {
      await request('PUT', `/beds/${encodeURIComponent(id)}/history`, formBody(f));
      delete f.dataset.dirty;
      out.className = 'form-result ok';
      out.textContent = 'History saved.';
      await refresh(true);
    } catch (e) {
      out.className = 'form-result err';
      out.textContent = e.message;
    }
  }

  function init() {
    const f = $('history-form');
    if (f) {
      f.addEventListener('submit', submitHistory);
      f.addEventListener('input', () => { f.dataset.dirty = '1'; });
    }
    window.addEventListener('hashchange', () => setTimeout(() => refresh(true), 0));
    setInterval(() => refresh(false), TICK_MS);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
