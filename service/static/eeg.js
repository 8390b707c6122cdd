/* RSE monitor: the raw EEG viewer of the bed view (issue 14, part 1).
 *
 * Reads GET /api/v1/beds/{id}/eeg (the session cookie, like every GET of the page)
 * ten seconds at a time and draws the traces on one <canvas>:
 *   - 10-s pages across the canvas width; paging back/forward; "latest" goes to the
 *     last 10 s the bed has analysed;
 *   - sensitivity in µV/mm (7 µV/mm by default; 1 mm = 96/25.4 CSS px), montage
 *     (bipolar, referential, common average) chosen on the page; the server applies
 *     the bed's band-pass and notch zero-phase and reduces each trace to about two
 *     points per pixel column (min/max, so spikes stay);
 *   - "EEG" on an alert (a button app.js puts on each alert item, class .eeg-jump)
 *     opens the page 3 s before the alert's onset (details.eeg.onset_s, the
 *     detector's, or details.onset_s, else its t_s), draws the onset as a vertical line and the
 *     alert's channels (details.eeg.channels / details.channels) in vermillion;
 *   - the bed's ACNS pattern episodes (GET /api/v1/beds/{id}/patterns, newest first,
 *     refreshed every 10 s) are listed under the traces; "EEG" on an episode (class
 *     .episode-jump) opens the page 3 s before its onset with its channels highlighted,
 *     as for an alert.
 * Nothing inline: no eval, no inline style (the service's CSP); same origin only.
 * The state for tests is on #eeg-status as data-* attributes.
 */
(() => {
  'use strict';

  const PAGE_S = 10;
  const PRE_ONSET_S = 3;
  const PX_PER_MM = 96 / 25.4;
  const LABEL_W = 78;
  const AXIS_H = 20;
  const INK = '#15181c';
  const HIGHLIGHT = '#D55E00'; // Okabe-Ito vermillion
  const ONSET = '#0072B2'; // Okabe-Ito blue

  const V = {
    bedId: null, bed: null, startS: null, data: null, onsetS: null, highlight: new Set(),
    seq: 0, error: '', loading: false,
  };
  const $ = (id) => document.getElementById(id);
  const pad2 = (n) => String(n).padStart(2, '0');

  // app.js's HTTP helper (loaded before this file)
  const getJson = (path) => window.rsemonHttp('GET', path);

  function bedOfRoute() {
    const m = location.hash.replace(/^#\/?/, '').match(/^bed\/(.+)$/);
    return m ? decodeURIComponent(m[1]) : null;
  }

  function clockText(tS) {
    const b = V.bed;
    const origin = b && Date.parse(/Z$|[+-]\d\d:\d\d$/.test(b.clock_origin) ? b.clock_origin : `${b.clock_origin}Z`);
    const speed = (b && b.source && b.source.speed) || 1;
    if (!Number.isFinite(origin)) return `${tS.toFixed(0)} s`;
    const d = new Date(origin + (tS / speed) * 1000);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  }

  async function loadBed() {
    V.bed = await getJson(`/beds/${encodeURIComponent(V.bedId)}`);
    return V.bed;
  }

  async function latestStart() {
    const b = await loadBed();
    const end = Number(b.position_s) || 0;
    return Math.max(0, Math.floor(end - PAGE_S));
  }

  async function show(startS) {
    if (!V.bedId) return;
    const seq = ++V.seq;
    V.startS = Math.max(0, startS);
    const montage = $('eeg-montage').value;
    const cv = $('eeg-canvas');
    const maxPoints = Math.max(200, Math.min(20000, 2 * Math.round(cv.clientWidth || 800)));
    const q = `start_s=${V.startS}&end_s=${V.startS + PAGE_S}&montage=${encodeURIComponent(montage)}&max_points=${maxPoints}`;
    setStatus('loading…');
    try {
      if (!V.bed) await loadBed();
      const j = await getJson(`/beds/${encodeURIComponent(V.bedId)}/eeg?${q}`);
      if (seq !== V.seq) return;
      V.data = j; V.error = '';
    } catch (e) {
      if (seq !== V.seq) return;
      V.data = null; V.error = e.message;
    }
    draw();
  }

  function setStatus(text) {
    const st = $('eeg-status');
    st.textContent = text;
  }

  function draw() {
    const cv = $('eeg-canvas');
    const st = $('eeg-status');
    const dpr = window.devicePixelRatio || 1;
    const w = cv.clientWidth; const h = cv.clientHeight;
    if (!w || !h) return;
    if (cv.width !== Math.round(w * dpr) || cv.height !== Math.round(h * dpr)) {
      cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
    }
    const ctx = cv.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const j = V.data;
    st.dataset.start = V.startS === null ? '' : String(V.startS);
    st.dataset.onset = V.onsetS === null ? '' : String(V.onsetS);
    if (!j) {
      st.dataset.channels = '0'; st.dataset.highlighted = '';
      setStatus(V.error ? `No EEG here: ${V.error}` : '');
      ctx.fillStyle = '#5b6470'; ctx.font = '14px system-ui, sans-serif';
      ctx.fillText(V.error ? 'no EEG for this page' : 'loading…', LABEL_W + 10, 24);
      return;
    }
    const sens = Number($('eeg-sens').value) || 7; // µV per mm
    const pxPerUv = PX_PER_MM / sens;
    const n = j.channels.length;
    const plotW = w - LABEL_W - 6;
    const rowH = (h - AXIS_H) / Math.max(1, n);
    const t0 = j.start_s;
    const X = (tS) => LABEL_W + ((tS - V.startS) / PAGE_S) * plotW;
    // second grid and clock-time axis
    ctx.strokeStyle = '#e3e6ea'; ctx.lineWidth = 1; ctx.fillStyle = '#5b6470';
    ctx.font = '11px system-ui, sans-serif';
    for (let s = Math.ceil(V.startS); s <= V.startS + PAGE_S; s += 1) {
      const x = Math.round(X(s)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h - AXIS_H); ctx.stroke();
      // clock time at real-time speed; bed seconds when the bed plays faster
      const speed = (V.bed && V.bed.source && V.bed.source.speed) || 1;
      const label = speed === 1 ? clockText(s) : `${s} s`;
      if ((s - Math.ceil(V.startS)) % 2 === 0) ctx.fillText(label, x + 2, h - 6);
    }
    const drawn = [];
    ctx.save();
    ctx.beginPath(); ctx.rect(LABEL_W, 0, plotW, h - AXIS_H); ctx.clip();
    j.channels.forEach((name, i) => {
      const y0 = rowH * (i + 0.5);
      const hot = V.highlight.has(name);
      if (hot) drawn.push(name);
      ctx.strokeStyle = hot ? HIGHLIGHT : INK;
      ctx.lineWidth = hot ? 1.4 : 0.8;
      ctx.beginPath();
      let pen = false;
      const row = j.data_uv[i];
      for (let k = 0; k < row.length; k += 1) {
        const v = row[k];
        if (v === null) { pen = false; continue; }
        const x = X(t0 + k / j.sfreq_hz);
        const y = y0 - v * pxPerUv; // negative up, as EEG is read
        if (pen) ctx.lineTo(x, y); else { ctx.moveTo(x, y); pen = true; }
      }
      ctx.stroke();
    });
    if (V.onsetS !== null && V.onsetS >= V.startS && V.onsetS <= V.startS + PAGE_S) {
      ctx.strokeStyle = ONSET; ctx.lineWidth = 2; ctx.setLineDash([6, 4]);
      const x = X(V.onsetS);
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h - AXIS_H); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.restore();
    // channel labels (colour paired with a marker: never colour alone)
    ctx.font = '12px system-ui, sans-serif';
    j.channels.forEach((name, i) => {
      const hot = V.highlight.has(name);
      ctx.fillStyle = hot ? HIGHLIGHT : INK;
      ctx.font = `${hot ? '700 ' : ''}12px system-ui, sans-serif`;
      ctx.fillText(`${hot ? '▶ ' : ''}${name}`, 4, rowH * (i + 0.5) + 4);
    });
    st.dataset.channels = String(n);
    st.dataset.highlighted = drawn.join(',');
    st.dataset.montage = j.montage;
    const dec = j.decimation ? `, ${j.decimation} (min/max)` : '';
    const f = j.filter || {};
    const onset = V.onsetS !== null ? ` · onset ${clockText(V.onsetS)} (dashed)` : '';
    setStatus(`${clockText(V.startS)}–${clockText(V.startS + PAGE_S)} · ${V.startS.toFixed(1)}–${(V.startS + PAGE_S).toFixed(1)} s · `
      + `${sens} µV/mm · ${String(j.montage).replace(/_/g, ' ')} · ${f.l_freq_hz}–${f.h_freq_hz} Hz`
      + `${f.notch_hz ? `, notch ${f.notch_hz} Hz` : ''} zero-phase${dec}${onset}`);
  }

  async function jumpToAlert(alertId) {
    const a = await getJson(`/alerts/${encodeURIComponent(alertId)}`);
    const d = a.details || {};
    const eeg = d.eeg || {};
    // the detector's EEG onset when the alert carries one, else the alert's own
    await jumpTo(Number(eeg.onset_s ?? d.onset_s ?? a.t_s), eeg.channels || d.channels || []);
  }

  /* the page 3 s before `onset` (bed seconds), the onset drawn, `chans` highlighted */
  async function jumpTo(onset, chans) {
    V.onsetS = Number.isFinite(onset) ? onset : null;
    V.highlight = new Set(chans.map(String));
    if (chans.some((c) => String(c).includes('-'))) $('eeg-montage').value = 'bipolar';
    $('eeg-panel').scrollIntoView({ block: 'nearest' });
    await show(Math.max(0, (V.onsetS ?? 0) - PRE_ONSET_S));
  }

  // -- ACNS pattern episodes ------------------------------------------------------
  const EPISODE_REFRESH_MS = 10000;

  function episodeItem(ep) {
    const li = document.createElement('li');
    li.setAttribute('data-testid', 'pattern-episode');
    li.dataset.onset = String(ep.onset_s);
    li.dataset.channels = JSON.stringify(ep.channels || []);
    li.dataset.term = ep.term;
    const term = document.createElement('span');
    term.className = 'episode-term';
    const plus = ep.plus && ep.plus.length ? `+${ep.plus.join('')}` : '';
    const hz = ep.frequency_hz === null ? '' : ` ${Number(ep.frequency_hz.toFixed(2))} Hz`;
    term.textContent = `${ep.term}${plus}${hz}`;
    const what = document.createElement('span');
    const dur = `${Math.round(ep.duration_s)} s${ep.open ? ' so far' : ''}`;
    const chans = (ep.channels || []).slice(0, 4).join(', ');
    what.textContent = `${clockText(ep.onset_s)} · ${dur} · ${chans}`
      + `${ep.iic ? ' · ictal–interictal continuum' : ''}${ep.open ? ' · ongoing' : ''}`;
    const btn = document.createElement('button');
    btn.type = 'button'; btn.className = 'btn-quiet episode-jump'; btn.textContent = 'EEG';
    btn.setAttribute('data-testid', 'episode-eeg');
    btn.title = 'show the EEG at this episode\'s onset, its channels highlighted';
    li.append(term, what, btn);
    return li;
  }

  async function loadEpisodes() {
    const id = V.bedId;
    if (!id || $('bed').hidden || !$('episode-list')) return;
    try {
      if (!V.bed) await loadBed();
      const j = await getJson(`/beds/${encodeURIComponent(id)}/patterns?limit=200`);
      if (id !== V.bedId) return;
      const items = j.data.slice().reverse().map(episodeItem);
      $('episode-list').replaceChildren(...items);
      $('no-episodes').hidden = items.length > 0;
      $('episode-list').dataset.count = String(items.length);
    } catch (e) {
      $('no-episodes').hidden = false;
      $('no-episodes').textContent = `Pattern episodes not available: ${e.message}`;
    }
  }

  function onRoute() {
    const id = bedOfRoute();
    if (id !== V.bedId) {
      V.bedId = id; V.bed = null; V.data = null; V.startS = null; V.onsetS = null;
      V.highlight = new Set(); V.error = '';
      if ($('episode-list')) $('episode-list').replaceChildren();
    }
    loadEpisodes();
    // the first page of a bed once its view is shown: the latest 10 s
    if (id && !$('bed').hidden && V.startS === null && !V.loading) {
      V.loading = true;
      latestStart().then(show).catch((e) => { V.error = e.message; draw(); })
        .finally(() => { V.loading = false; });
    }
  }

  function init() {
    if (!$('eeg-panel')) return;
    $('eeg-prev').addEventListener('click', () => show((V.startS ?? 0) - PAGE_S));
    $('eeg-next').addEventListener('click', () => show((V.startS ?? 0) + PAGE_S));
    $('eeg-latest').addEventListener('click', () => {
      V.onsetS = null; V.highlight = new Set();
      latestStart().then(show).catch((e) => { V.error = e.message; draw(); });
    });
    $('eeg-montage').addEventListener('change', () => show(V.startS ?? 0));
    $('eeg-sens').addEventListener('change', draw);
    document.addEventListener('click', (ev) => {
      const btn = ev.target.closest && ev.target.closest('.eeg-jump');
      if (!btn) return;
      const li = btn.closest('[data-alert-id]');
      if (li) jumpToAlert(li.dataset.alertId).catch((e) => { V.error = e.message; draw(); });
    });
    $('episode-list').addEventListener('click', (ev) => {
      const btn = ev.target.closest && ev.target.closest('.episode-jump');
      const li = btn && btn.closest('[data-onset]');
      if (!li) return;
      jumpTo(Number(li.dataset.onset), JSON.parse(li.dataset.channels || '[]'))
        .catch((e) => { V.error = e.message; draw(); });
    });
    setInterval(loadEpisodes, EPISODE_REFRESH_MS);
    window.addEventListener('hashchange', () => setTimeout(onRoute, 0));
    // the bed view appears after sign-in: watch it become visible
    new MutationObserver(onRoute)
      .observe($('bed'), { attributes: true, attributeFilter: ['hidden'] });
    let rs = null;
    window.addEventListener('resize', () => { clearTimeout(rs); rs = setTimeout(draw, 100); });
    onRoute();
  }

  init();
})();
