/* RSE monitor bedside page: plain JavaScript, no build step, no external resources.
 *
 * Data flow
 *   sign-in: the pasted bearer token is exchanged at POST /api/v1/session for a
 *   short-lived HttpOnly SameSite=Strict cookie; GET requests and the SSE stream
 *   (EventSource cannot send headers) ride on that cookie. The token itself is kept
 *   in sessionStorage only (this tab), used as a bearer header for writes and to
 *   renew the cookie; it never goes into a URL.
 *   live: EventSource on /api/v1/alerts/stream (alerts; also hop/state events when
 *   the service sends them) + incremental GET /beds/{id}/trends?since_s= polling.
 *   trends: one series per bed, kept sorted by t_s. Fetched pages and live hop rows
 *   merge into it by t_s whichever arrives first (a row already kept is replaced,
 *   never doubled). Polling goes on from the newest row *fetched* (the store is
 *   complete; the SSE stream may drop hop rows under load), and older pages are
 *   fetched (until_s=) while the chosen time window reaches before the oldest one.
 *   patterns: the ACNS pattern band is built from the same merged rows (pattern,
 *   pattern_hz, ictal), one segment per run of one term; trend rows do not hold the
 *   ictal-interictal continuum flag, so a run is hatched when the bed state's newest
 *   hop (polled) said so for one of its hops: live only, not for older history.
 *   yield: GET /alerts/yield (per bed on the bed view, every bed on the overview):
 *   the false-alarm budget state, a per-kind table and a CSV link.
 *
 * Plots are drawn on <canvas> by the functions below: clock time (HH:MM) on x,
 * units on y, Okabe-Ito colours for lines, viridis for the spectral array (both
 * colour-blind safe), fixed canvas heights (CSS) so nothing moves as data arrive.
 */
(() => {
  'use strict';

  const API = '/api/v1';
  const TOKEN_KEY = 'rsemon.token';
  const ROLE_RANK = { viewer: 0, technician: 1, clinician: 2, admin: 3 };
  const OI = {
    black: '#000000', orange: '#E69F00', sky: '#56B4E9', green: '#009E73',
    yellow: '#F0E442', blue: '#0072B2', vermillion: '#D55E00', purple: '#CC79A7',
  };
  const BANDS = [ // low frequency at the bottom of the spectral array
    { key: 'delta', label: 'δ 0.5–4 Hz' },
    { key: 'theta', label: 'θ 4–8 Hz' },
    { key: 'alpha', label: 'α 8–13 Hz' },
    { key: 'beta', label: 'β 13–30 Hz' },
  ];
  const STAGE_TEXT = {
    none: 'no SE', early: 'early SE', established: 'established SE',
    refractory: 'refractory SE', super_refractory: 'super-refractory SE',
  };
  // ACNS 2021 terms (Hirsch et al., J Clin Neurophysiol 2021;38:1-29) in words: main
  // term 1 x main term 2, then the plus modifiers; colours of the main terms are CSS
  // variables (--pat-LPD ...: main term 2 sets the hue, main term 1 the shade)
  const MAIN1_WORDS = {
    G: 'generalized', L: 'lateralized', BI: 'bilateral independent', UI: 'unilateral independent', Mf: 'multifocal',
  };
  const MAIN2_WORDS = {
    PD: 'periodic discharges', RDA: 'rhythmic delta activity', SW: 'spike-and-wave or sharp-and-wave',
  };
  const PLUS_WORDS = {
    F: 'fast activity', R: 'rhythmic or quasi-rhythmic delta activity', S: 'sharp waves or spikes',
  };
  const MAX_KEEP_S = 26 * 3600; // trend history kept in the browser per bed
  const POLL_BED_MS = 2000;
  const POLL_OVERVIEW_MS = 4000;
  const YIELD_REFRESH_MS = 15000; // alarm yield re-read (and at once after an acknowledgement)
  const CSA_DB_RANGE = [-10, 40]; // fixed colour scale (dB re 1 µV²): no colour jumps

  const S = {
    role: null, name: null, renewTimer: null,
    beds: new Map(), states: new Map(), alerts: new Map(), trends: new Map(), treatments: new Map(),
    treatmentsAt: 0, yields: new Map(), yieldAt: 0,
    route: { view: 'overview', bedId: null },
    es: null, esRetry: null, lastEventId: null, pollTimer: null, alertsSyncedAt: 0,
  };

  // ------------------------------------------------------------------ utilities
  const $ = (id) => document.getElementById(id);
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const kid of kids) if (kid !== null && kid !== undefined) e.append(kid);
    return e;
  }
  const isNum = (x) => typeof x === 'number' && Number.isFinite(x);
  const num = (x) => (x === null || x === undefined || x === '' ? NaN : Number(x));
  const pad2 = (n) => String(n).padStart(2, '0');
  const hhmm = (ms) => { const d = new Date(ms); return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`; };
  const hhmmss = (ms) => { const d = new Date(ms); return `${hhmm(ms)}:${pad2(d.getSeconds())}`; };
  const fmt = (x, digits = 2) => (isNum(x) ? x.toFixed(digits) : '—');
  const rank = (role) => (role in ROLE_RANK ? ROLE_RANK[role] : -1);
  const can = (role) => rank(S.role) >= rank(role);
  const bedIdOf = (b) => String(b.bed_id ?? b.id ?? b.name);
  const listOf = (j, ...keys) => {
    if (Array.isArray(j)) return j;
    for (const k of [...keys, 'items', 'data', 'results']) if (j && Array.isArray(j[k])) return j[k];
    return [];
  };
  const parseTime = (v) => {
    if (v === null || v === undefined || v === '') return NaN;
    if (typeof v === 'number') return v > 1e11 ? v : v * 1000;
    let s = String(v);
    if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(s)) s += 'Z'; // naive ISO from the API = UTC
    return Date.parse(s);
  };

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  function detailText(j, status) {
    const d = j && (j.detail ?? j.message ?? j.error);
    if (typeof d === 'string') return d;
    if (Array.isArray(d)) {
      return d.map((e) => `${(e.loc || []).filter((p) => p !== 'body').join('.')}: ${e.msg}`).join('; ');
    }
    if (d && typeof d === 'object') return d.message || JSON.stringify(d);
    return `HTTP ${status}`;
  }

  // ------------------------------------------------------------------ HTTP + auth
  async function http(method, path, body, { retry = true } = {}) {
    const headers = { Accept: 'application/json' };
    const token = sessionStorage.getItem(TOKEN_KEY);
    // writes carry the bearer token; reads use the session cookie
    if (method !== 'GET' && token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(API + path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status === 401 && retry && token) {
      try {
        await openSession(token); // cookie expired: renew once and retry
      } catch (e) {
        if (e.status === 401) signOut('Your token was refused; sign in again.');
        throw e;
      }
      return http(method, path, body, { retry: false });
    }
    let j = null;
    const text = await r.text();
    if (text) { try { j = JSON.parse(text); } catch (_) { j = null; } }
    if (r.status === 401) { signOut('Your session has ended; sign in again.'); }
    if (!r.ok) throw new ApiError(r.status, detailText(j, r.status));
    return j;
  }

  async function openSession(token) {
    const r = await fetch(`${API}/session`, {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    let j = null;
    try { j = await r.json(); } catch (_) { j = null; }
    if (!r.ok) throw new ApiError(r.status, detailText(j, r.status));
    S.role = (j && (j.role || (j.token && j.token.role))) || S.role || 'viewer';
    S.name = (j && (j.name || j.subject || j.token_name || (j.token && j.token.name))) || '';
    const ttlS = sessionTtlS(j);
    clearTimeout(S.renewTimer);
    S.renewTimer = setTimeout(() => {
      const t = sessionStorage.getItem(TOKEN_KEY);
      if (t) openSession(t).catch(() => {});
    }, Math.max(10, ttlS * 0.75) * 1000);
    return j;
  }
  function sessionTtlS(j) {
    if (!j) return 600;
    for (const k of ['expires_in_s', 'expires_in', 'ttl_s', 'max_age_s']) if (isNum(j[k])) return j[k];
    const exp = parseTime(j.expires_at ?? j.expires);
    if (isNum(exp)) return Math.max(10, (exp - Date.now()) / 1000);
    return 600;
  }

  async function signIn(token) {
    token = token.trim();
    if (!token) throw new ApiError(400, 'Paste a token first.');
    await openSession(token);
    sessionStorage.setItem(TOKEN_KEY, token);
    startApp();
  }

  function signOut(message) {
    const hadSession = S.role !== null;
    sessionStorage.removeItem(TOKEN_KEY);
    clearTimeout(S.renewTimer);
    clearTimeout(S.pollTimer);
    clearTimeout(S.esRetry);
    if (S.es) { S.es.close(); S.es = null; }
    if (hadSession) fetch(`${API}/session`, { method: 'DELETE', credentials: 'same-origin' }).catch(() => {});
    S.role = null;
    S.beds.clear(); S.states.clear(); S.alerts.clear(); S.trends.clear();
    document.body.className = 'signed-out';
    $('who').textContent = '';
    $('logout').hidden = true;
    setConn(false, 'offline');
    $('overview').hidden = true; $('bed').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('token-input').value = '';
  }

  // ------------------------------------------------------------------ live stream
  function setConn(live, text) {
    const c = $('conn');
    c.className = `conn ${live ? 'conn-live' : 'conn-off'}`;
    c.textContent = text || (live ? 'live' : 'reconnecting');
  }

  function openStream() {
    if (S.es) S.es.close();
    clearTimeout(S.esRetry);
    // same-origin EventSource sends the session cookie; the token is not in the URL.
    // A new EventSource resumes after the last event seen (the browser itself sends
    // Last-Event-ID on its own reconnects).
    const resume = S.lastEventId !== null ? `?last_event_id=${encodeURIComponent(S.lastEventId)}` : '';
    const es = new EventSource(`${API}/alerts/stream${resume}`);
    S.es = es;
    es.addEventListener('open', () => { setConn(true); syncAlerts().catch(() => {}); });
    es.addEventListener('alert', (e) => {
      if (e.lastEventId && /^\d+$/.test(e.lastEventId)) S.lastEventId = e.lastEventId;
      try { upsertAlert(JSON.parse(e.data)); } catch (_) { /* ignore a bad frame */ }
      S.yieldAt = 0; // an alert raised or labelled (here or elsewhere): re-read the yield at the next poll
      renderAlertsEverywhere();
    });
    // optional richer events, used when the service publishes them
    for (const name of ['hop', 'trend']) {
      es.addEventListener(name, (e) => {
        try { const d = JSON.parse(e.data); ingestTrendRows(String(d.bed_id), [d.hop || d.row || d]); } catch (_) { return; }
        if (S.route.view === 'bed') drawPlots();
      });
    }
    es.addEventListener('state', (e) => {
      try { const d = JSON.parse(e.data); S.states.set(String(d.bed_id), d); noteIic(String(d.bed_id), d); } catch (_) { return; }
      renderCurrentView();
    });
    es.addEventListener('error', () => {
      setConn(false);
      if (es.readyState === EventSource.CLOSED) {
        // the server refused (e.g. cookie expired): renew the session, then reopen;
        // the alert list is re-synced on open so nothing is missed across the gap
        S.esRetry = setTimeout(async () => {
          const t = sessionStorage.getItem(TOKEN_KEY);
          if (!t) return;
          try { await openSession(t); } catch (_) { /* retry later */ }
          if (S.role) openStream();
        }, 3000);
      }
    });
  }

  // ------------------------------------------------------------------ data
  function upsertAlert(a) {
    if (!a || a.id === undefined || a.id === null) return;
    const prev = S.alerts.get(String(a.id));
    S.alerts.set(String(a.id), prev ? { ...prev, ...a } : a);
  }
  const isAcked = (a) => Boolean(a.acked_at || a.acked_by || a.acknowledged);
  function alertsFor(bedId) {
    return [...S.alerts.values()]
      .filter((a) => bedId === null || String(a.bed_id) === bedId)
      .sort((x, y) => (parseTime(y.time) - parseTime(x.time)) || (Number(y.id) - Number(x.id)));
  }
  function unackedCount(bedId) {
    let n = 0; let worst = null;
    for (const a of S.alerts.values()) {
      if (String(a.bed_id) !== bedId || isAcked(a) || a.state === 'cleared') continue;
      n += 1;
      if (a.severity === 'high' || (a.severity === 'medium' && worst !== 'high')) worst = a.severity;
    }
    return { n, worst };
  }

  async function syncAlerts() {
    const j = await http('GET', '/alerts?limit=1000');
    for (const a of listOf(j, 'alerts')) upsertAlert(a);
    if (S.lastEventId === null && j && isNum(j.last_event_id)) S.lastEventId = String(j.last_event_id);
    S.alertsSyncedAt = Date.now();
    renderAlertsEverywhere();
  }

  async function loadBeds() {
    const j = await http('GET', '/beds');
    const seen = new Set();
    for (const b of listOf(j, 'beds')) {
      const id = bedIdOf(b); seen.add(id);
      S.beds.set(id, b);
    }
    for (const id of [...S.beds.keys()]) if (!seen.has(id)) S.beds.delete(id);
  }

  async function loadState(bedId) {
    try {
      const st = await http('GET', `/beds/${encodeURIComponent(bedId)}/state`);
      if (st) { S.states.set(bedId, st); noteIic(bedId, st); }
    } catch (e) {
      if (e.status !== 404) throw e;
    }
  }

  // trend store: columns per bed. Clock time of a row follows the bed clock of the
  // service: time = origin + t_s / speed (speed > 1 only for EDF beds replayed fast).
  const COLS = [
    't_s', 'ms', 'sr', 'score', 'burden', 'burden60', 'll', 'coh', 'ictal', 'spec',
    'pat', 'pat_hz', 'iic', 'quality', ...BANDS.map((b) => `b_${b.key}`),
  ];
  const TREND_PAGE = 14400; // rows per request (4 h at one hop per second)
  const AUTO_SPANS_S = [60, 120, 300, 600, 900, 1800, 3600, 7200, 14400]; // "auto" window choices

  function trendStore(bedId) {
    let t = S.trends.get(bedId);
    if (!t) {
      // syncT/oldT: newest/oldest t_s of the contiguous range fetched from the store
      // (null before the first page); live rows merge in whenever they arrive
      t = {
        freqs: null, lastT: -Infinity, t0ms: NaN, speed: 1, grewAt: 0, loaded: false,
        syncT: null, oldT: null, hasOlder: false, backfilling: null,
        iicSeen: new Set(), // t_s of hops the bed state reported on the continuum
      };
      for (const c of COLS) t[c] = [];
      t.bands = {};
      for (const b of BANDS) t.bands[b.key] = t[`b_${b.key}`];
      S.trends.set(bedId, t);
    }
    return t;
  }
  const msOf = (tr, t) => tr.t0ms + (t * 1000) / tr.speed;

  function setClock(tr, t0ms, speed) {
    if (!isNum(t0ms)) return;
    const sp = isNum(speed) && speed > 0 ? speed : 1;
    if (t0ms === tr.t0ms && sp === tr.speed) return;
    tr.t0ms = t0ms; tr.speed = sp;
    for (let i = 0; i < tr.t_s.length; i += 1) tr.ms[i] = msOf(tr, tr.t_s[i]);
  }

  function bedClock(bedId) {
    // the bed clock, from the trends answer, else from the bed record
    const tr = trendStore(bedId);
    if (!isNum(tr.t0ms)) {
      const b = S.beds.get(bedId) || {};
      setClock(tr, parseTime(b.clock_origin), num(b.source && b.source.speed));
    }
    return tr;
  }

  function rowsToColumns(tr, rows) {
    const out = {};
    for (const c of COLS) out[c] = [];
    for (const row of rows) {
      const t = num(row && row.t_s);
      if (!isNum(t)) continue;
      out.t_s.push(t);
      out.ms.push(isNum(tr.t0ms) ? msOf(tr, t) : Date.now()); // unknown clock: receipt time
      out.sr.push(num(row.suppression_ratio));
      out.score.push(num(row.seizure_score));
      out.burden.push(num(row.seizure_burden_5min));
      out.burden60.push(num(row.seizure_burden_60min));
      out.ll.push(num(row.line_length));
      out.coh.push(num(row.coherence));
      out.ictal.push(row.ictal === true || row.ictal === 1 ? 1 : 0);
      out.pat.push(typeof row.pattern === 'string' ? row.pattern : '');
      out.pat_hz.push(num(row.pattern_hz));
      out.iic.push(row.iic === true || row.iic === 1 ? 1 : 0);
      out.quality.push(num(row.quality));
      const bp = row.band_power_uv2 || row;
      for (const b of BANDS) out[`b_${b.key}`].push(num(bp[b.key] ?? bp[`${b.key}_uv2`]));
      out.spec.push(Array.isArray(row.spectrum_db) ? row.spectrum_db : null);
    }
    return out;
  }

  function mergeColumns(tr, cols) {
    // merge rows (sorted by t_s) into the store by t_s: a row already kept is
    // replaced (the store's INSERT OR REPLACE), a new one goes where its time says,
    // whichever of a fetched page or a live hop brought it first
    const n = cols.t_s.length;
    let added = 0;
    const mid = []; // indices of new rows that fall inside the kept range
    for (let j = 0; j < n; j += 1) {
      const t = cols.t_s[j];
      const k = lowerBound(tr.t_s, t);
      if (k < tr.t_s.length && tr.t_s[k] === t) {
        for (const c of COLS) tr[c][k] = cols[c][j];
      } else if (k === tr.t_s.length) {
        for (const c of COLS) tr[c].push(cols[c][j]);
        added += 1;
      } else mid.push(j);
    }
    if (mid.length) {
      // one pass over both sorted runs (a backfilled page, or a gap filled)
      const old = {};
      for (const c of COLS) { old[c] = tr[c]; tr[c] = []; }
      let i = 0; let m = 0;
      while (i < old.t_s.length || m < mid.length) {
        const takeNew = m < mid.length && (i >= old.t_s.length || cols.t_s[mid[m]] < old.t_s[i]);
        if (takeNew) { for (const c of COLS) tr[c].push(cols[c][mid[m]]); m += 1; }
        else { for (const c of COLS) tr[c].push(old[c][i]); i += 1; }
      }
      for (const b of BANDS) tr.bands[b.key] = tr[`b_${b.key}`];
      added += mid.length;
    }
    tr.lastT = tr.t_s.length ? tr.t_s[tr.t_s.length - 1] : -Infinity;
    return added;
  }

  function ingestTrendRows(bedId, rows) {
    // rows from a fetched page or live hops, in any order; returns the rows added
    const tr = bedClock(bedId);
    const sorted = rows.filter((r) => r && isNum(num(r.t_s))).sort((x, y) => num(x.t_s) - num(y.t_s));
    if (!sorted.length) return 0;
    const added = mergeColumns(tr, rowsToColumns(tr, sorted));
    if (added) tr.grewAt = Date.now();
    trimStore(tr);
    return added;
  }

  function trimStore(tr) {
    const cut = tr.lastT - MAX_KEEP_S * tr.speed;
    let k = 0;
    while (k < tr.t_s.length && tr.t_s[k] < cut) k += 1;
    if (!k) return;
    for (const c of COLS) tr[c].splice(0, k);
    for (const t of tr.iicSeen) if (t < cut) tr.iicSeen.delete(t);
    tr.hasOlder = true;
    tr.oldT = tr.t_s.length ? tr.t_s[0] : null;
  }

  async function fetchTrends(bedId, query) {
    const j = await http('GET', `/beds/${encodeURIComponent(bedId)}/trends?${query}`);
    const tr = trendStore(bedId);
    if (j && !Array.isArray(j)) setClock(tr, parseTime(j.t0_time), num(j.speed));
    return listOf(j, 'rows');
  }

  const tOf = (rows, i) => num(rows[i].t_s);

  async function loadTrends(bedId) {
    // The store is the reference: pages fetched from it are contiguous, from oldT to
    // syncT; live hops (SSE) only bring rows sooner. Polling goes on from syncT, not
    // from the newest live row, so a hop that lands first (or one the stream
    // dropped) never hides a stored row.
    const tr = bedClock(bedId);
    if (tr.syncT === null) {
      // first visit: the newest page; older pages as the window needs them
      const rows = await fetchTrends(bedId, `limit=${TREND_PAGE}`);
      ingestTrendRows(bedId, rows);
      tr.loaded = true;
      if (rows.length) {
        tr.oldT = tOf(rows, 0); tr.syncT = tOf(rows, rows.length - 1);
        tr.hasOlder = rows.length >= TREND_PAGE;
      }
    } else {
      for (let k = 0; k < 5; k += 1) { // catch up after a pause in pages
        const rows = await fetchTrends(bedId, `since_s=${encodeURIComponent(tr.syncT)}&limit=${TREND_PAGE}`);
        ingestTrendRows(bedId, rows);
        if (rows.length) tr.syncT = Math.max(tr.syncT, tOf(rows, rows.length - 1));
        if (rows.length < TREND_PAGE) break;
      }
    }
    await backfill(bedId);
  }

  function wantedSpanS() {
    // the window the plots are asked for; "auto" may grow to its largest span
    const sel = $('window-select').value;
    return sel === 'auto' ? AUTO_SPANS_S[AUTO_SPANS_S.length - 1] : Number(sel);
  }

  function backfill(bedId) {
    // older pages while the chosen window reaches before the oldest row fetched
    const tr = trendStore(bedId);
    if (!tr.backfilling) {
      tr.backfilling = backfillPages(bedId, tr).finally(() => { tr.backfilling = null; });
    }
    return tr.backfilling;
  }

  async function backfillPages(bedId, tr) {
    for (let k = 0; k < 8 && tr.hasOlder && tr.oldT !== null; k += 1) {
      const x1 = tr.ms.length ? tr.ms[tr.ms.length - 1] : Date.now();
      if (msOf(tr, tr.oldT) <= x1 - wantedSpanS() * 1000) return;
      const before = tr.oldT;
      // until_s is inclusive: the page ends with the row at oldT, kept already
      const rows = await fetchTrends(bedId, `until_s=${encodeURIComponent(before)}&limit=${TREND_PAGE}`);
      const older = rows.filter((r) => num(r.t_s) < before);
      tr.hasOlder = rows.length >= TREND_PAGE && older.length > 0;
      if (!older.length) return;
      ingestTrendRows(bedId, older);
      tr.oldT = Math.min(...older.map((r) => num(r.t_s)));
    }
  }

  // ------------------------------------------------------------------ routing
  function parseRoute() {
    const h = location.hash.replace(/^#\/?/, '');
    const m = h.match(/^bed\/(.+)$/);
    return m ? { view: 'bed', bedId: decodeURIComponent(m[1]) } : { view: 'overview', bedId: null };
  }

  function startApp() {
    document.body.className = `signed-in role-${S.role}`;
    $('login').hidden = true;
    $('logout').hidden = false;
    $('who').textContent = S.name && S.name !== S.role ? `${S.name} · ${S.role}` : S.role;
    for (const e of document.querySelectorAll('[data-min-role]')) {
      e.hidden = !can(e.getAttribute('data-min-role'));
    }
    openStream();
    syncAlerts().catch(() => {});
    route();
  }

  function route() {
    if (!S.role) return;
    S.route = parseRoute();
    $('overview').hidden = S.route.view !== 'overview';
    $('bed').hidden = S.route.view !== 'bed';
    const crumbs = $('crumbs');
    crumbs.replaceChildren();
    S.yieldAt = 0; // the yield of what is now shown (one bed, or every bed) is read at once
    if (S.route.view === 'bed') {
      crumbs.append(el('a', { href: '#/', text: 'all beds' }), ' / ', S.route.bedId);
      S.treatmentsAt = 0;
      setDefaultFormTime();
    }
    renderCurrentView();
    clearTimeout(S.pollTimer);
    poll();
  }

  async function poll() {
    clearTimeout(S.pollTimer);
    const view = S.route.view;
    try {
      if (view === 'overview') {
        await loadBeds();
        const jobs = [...S.beds.keys()].map((id) => loadState(id));
        if (Date.now() - S.yieldAt > YIELD_REFRESH_MS) jobs.push(refreshYield(''));
        await Promise.all(jobs);
      } else {
        const id = S.route.bedId;
        if (!S.beds.has(id)) await loadBeds().catch(() => {});
        setDefaultFormTime();
        const jobs = [loadState(id), loadTrends(id)];
        if (Date.now() - S.treatmentsAt > 10000) jobs.push(loadTreatments(id).catch(() => {}));
        if (Date.now() - S.yieldAt > YIELD_REFRESH_MS) jobs.push(refreshYield(id));
        await Promise.all(jobs);
      }
      if (Date.now() - S.alertsSyncedAt > 30000) await syncAlerts();
      renderCurrentView();
    } catch (e) {
      if (e.status === 401) return;
      $('trend-status').textContent = `Could not refresh: ${e.message}`;
    }
    if (S.role && S.route.view === view) {
      S.pollTimer = setTimeout(poll, view === 'bed' ? POLL_BED_MS : POLL_OVERVIEW_MS);
    }
  }

  function renderCurrentView() {
    if (!S.role) return;
    if (S.route.view === 'overview') renderOverview();
    else renderBed();
  }
  function renderAlertsEverywhere() {
    if (S.route.view === 'overview') renderOverview();
    else { renderAlertList(); drawPlots(); }
  }

  // ------------------------------------------------------------------ state helpers
  function stageOf(st) {
    const s = st && st.stage;
    if (!s) return { stage: null, reasons: [] };
    if (typeof s === 'string') return { stage: s, reasons: st.reasons || st.stage_reasons || [] };
    return { stage: s.stage || null, reasons: s.reasons || [], anaesthetic_dependent: s.anaesthetic_dependent };
  }
  function targetsOf(st, bed) {
    const t = (st && st.targets) || (bed && bed.targets) || null;
    if (!t) return null;
    const band = Array.isArray(t.band) ? t.band : Array.isArray(t.sr_band) ? t.sr_band : null;
    const lo = num(t.sr_low ?? (band && band[0]));
    const hi = num(t.sr_high ?? (band && band[1]));
    return { goal: t.goal || 'burst_suppression', lo, hi };
  }
  function latestOf(st) {
    // the service may nest the latest hop under "latest"/"features"/"hop"
    return (st && (st.latest || st.features || st.hop || st.last_hop)) || st || {};
  }
  function srOf(st) { const l = latestOf(st); return num(l.suppression_ratio ?? (st && st.suppression_ratio)); }
  function ictalOf(st) {
    const l = latestOf(st);
    const v = st && st.ictal !== undefined ? st.ictal : l.ictal;
    return v === true || v === 1;
  }
  function depthOf(st) { const l = latestOf(st); return (st && st.depth) || l.depth || null; }
  const depthText = (d) => (d ? String(d).replace(/_/g, ' ') : '—');
  function onInfusion(st) {
    const inf = st && st.infusion;
    return Boolean(inf && inf.status && inf.status !== 'none');
  }
  function bandVerdict(sr, tg, st, short = false) {
    if (!tg || tg.goal !== 'burst_suppression' || !isNum(tg.lo) || !isNum(tg.hi) || !isNum(sr)) return '';
    if (st && !onInfusion(st)) return short ? 'no infusion' : 'no anaesthetic infusion';
    if (sr < tg.lo) return short ? 'below band' : 'below band (too light)';
    if (sr > tg.hi) return short ? 'above band' : 'above band (deeper than target)';
    return 'in band';
  }

  // ------------------------------------------------------------------ overview
  function renderOverview() {
    const grid = $('bed-grid');
    const ids = [...S.beds.keys()].sort();
    $('no-beds').hidden = ids.length > 0;
    const cards = new Map([...grid.children].map((c) => [c.dataset.bed, c]));
    for (const [id, c] of cards) if (!ids.includes(id)) c.remove();
    ids.forEach((id, i) => {
      let card = cards.get(id);
      if (!card) card = buildCard(id);
      if (grid.children[i] !== card) grid.insertBefore(card, grid.children[i] || null);
      fillCard(card, id);
    });
    renderYield($('overview-yield'), '');
    $('overview-updated').textContent = `updated ${hhmmss(Date.now())}`;
  }

  function buildCard(id) {
    // fixed rows (CSS grid, one line each): nothing moves when values change
    return el('a', { class: 'bed-card', href: `#/bed/${encodeURIComponent(id)}`, 'data-bed': id, 'data-testid': 'bed-card' },
      el('div', { class: 'bed-name' }, el('span', { class: 'name' }),
        el('span', { class: 'alert-count', 'data-testid': 'alert-count' })),
      el('div', { class: 'badges' }, el('span', { class: 'stage-badge big', 'data-testid': 'card-stage' }),
        el('span', { class: 'ictal-badge big', 'data-testid': 'card-ictal' })),
      el('div', { class: 'pair' },
        el('div', {}, el('span', { class: 'label', text: 'suppression ratio' }),
          el('span', { class: 'value', 'data-testid': 'card-sr' })),
        el('div', {}, el('span', { class: 'label', text: 'depth' }),
          el('span', { class: 'value depth-value', 'data-testid': 'card-depth' }))),
      el('div', { class: 'band-line', 'data-testid': 'card-band' }),
      el('canvas', { class: 'gauge', 'aria-hidden': 'true' }),
      el('div', { class: 'stale' }));
  }

  function fillCard(card, id) {
    const bed = S.beds.get(id) || {};
    const st = S.states.get(id);
    const { stage } = stageOf(st);
    const ictal = ictalOf(st);
    const sr = srOf(st);
    const tg = targetsOf(st, bed);
    const { n, worst } = unackedCount(id);
    card.classList.toggle('is-ictal', ictal);
    card.querySelector('.name').textContent = id;
    const cnt = card.querySelector('.alert-count');
    cnt.textContent = `${n} alert${n === 1 ? '' : 's'}`;
    cnt.className = `alert-count${n ? (worst === 'high' ? ' has' : ' has-medium') : ''}`;
    cnt.title = 'unacknowledged alerts';
    const sb = card.querySelector('[data-testid=card-stage]');
    sb.textContent = stage ? STAGE_TEXT[stage] || stage : 'stage —';
    sb.className = `stage-badge big stage-${stage || 'none'}`;
    const ib = card.querySelector('[data-testid=card-ictal]');
    ib.textContent = st ? (ictal ? 'SEIZURE' : 'no seizure') : '—';
    ib.className = `ictal-badge big${ictal ? ' on' : ''}`;
    const dv = card.querySelector('[data-testid=card-depth]');
    dv.textContent = depthText(depthOf(st));
    dv.title = dv.textContent;
    card.querySelector('[data-testid=card-sr]').textContent = fmt(sr);
    const hasBand = tg && tg.goal === 'burst_suppression' && isNum(tg.lo) && isNum(tg.hi);
    const verdict = bandVerdict(sr, tg, st, true);
    card.querySelector('[data-testid=card-band]').textContent = hasBand
      ? `target ${fmt(tg.lo)}–${fmt(tg.hi)}${verdict ? ` · ${verdict}` : ''}`
      : `target: ${tg ? String(tg.goal).replace(/_/g, ' ') : '—'}`;
    drawGauge(card.querySelector('canvas.gauge'), sr, tg);
    const status = String(bed.status || '').toLowerCase();
    const msg = bed.status_message ? `: ${bed.status_message}` : '';
    card.querySelector('.stale').textContent = status && status !== 'running' ? `monitoring ${status}${msg}` : '';
  }

  function drawGauge(cv, sr, tg) {
    const { ctx, w, h } = prepCanvas(cv);
    if (!w) return;
    const x = (v) => 1 + v * (w - 2);
    ctx.fillStyle = '#e9ecef'; ctx.fillRect(0, 4, w, h - 8);
    if (tg && tg.goal === 'burst_suppression' && isNum(tg.lo) && isNum(tg.hi)) {
      ctx.fillStyle = 'rgba(0,114,178,0.30)';
      ctx.fillRect(x(tg.lo), 4, x(tg.hi) - x(tg.lo), h - 8);
    }
    ctx.strokeStyle = '#9aa4af'; ctx.strokeRect(0.5, 4.5, w - 1, h - 9);
    if (isNum(sr)) {
      const xs = x(Math.min(1, Math.max(0, sr)));
      ctx.fillStyle = OI.black; ctx.fillRect(xs - 2, 0, 4, h);
    }
  }

  // ------------------------------------------------------------------ bed view
  function renderBed() {
    const id = S.route.bedId;
    const bed = S.beds.get(id) || {};
    const st = S.states.get(id);
    $('bed-title').textContent = bed.name && bed.name !== id ? `Bed ${id} · ${bed.name}` : `Bed ${id}`;
    const facts = $('bed-facts');
    facts.replaceChildren();
    const w = num(bed.weight_kg ?? bed.patient_weight_kg ?? (st && st.weight_kg));
    const fact = (k, v) => facts.append(el('div', {}, el('dt', { text: k }), el('dd', { text: v })));
    fact('weight', isNum(w) ? `${w} kg` : '—');
    fact('seizure type', String(bed.seizure_type ?? (st && st.seizure_type) ?? '—').replace(/_/g, ' '));
    fact('depth', depthText(depthOf(st)));
    const status = bed.status || bed.state;
    if (status) fact('monitoring', String(status));
    const cfg = bed.settings;
    if (cfg) {
      fact('notch', isNum(num(cfg.notch_hz)) ? `${num(cfg.notch_hz)} Hz` : 'off');
      fact('band-pass', `${num(cfg.l_freq_hz)}–${num(cfg.h_freq_hz)} Hz`);
      fact('montage', String(cfg.montage || '—').replace(/_/g, ' '));
    }

    const { stage, reasons, anaesthetic_dependent: dep } = stageOf(st);
    const sb = $('stage-badge');
    sb.textContent = stage ? STAGE_TEXT[stage] || stage : '—';
    sb.className = `stage-badge stage-${stage || 'none'}`;
    const ib = $('ictal-badge');
    const ictal = ictalOf(st);
    ib.textContent = st ? (ictal ? 'SEIZURE' : 'no seizure') : '';
    ib.className = `ictal-badge${ictal ? ' on' : ''}`;
    const rl = $('stage-reasons');
    rl.replaceChildren(...(reasons || []).map((r) => el('li', { text: String(r) })));
    if (dep) rl.append(el('li', { text: 'anaesthetic-dependent: recurrence on a wean before 24 h of anaesthetic' }));
    if (!rl.children.length) rl.append(el('li', { class: 'muted', text: st ? 'no SE episode' : 'waiting for data' }));
    const adv = (st && (st.advice || (st.clinical && st.clinical.advice))) || [];
    $('advice').replaceChildren(...(adv.length ? adv : ['nothing to do now']).map((a) => el('li', { text: typeof a === 'string' ? a : a.message || JSON.stringify(a) })));

    const tg = targetsOf(st, bed);
    const form = $('targets-form');
    if (tg && document.activeElement?.form !== form && !form.dataset.dirty) {
      form.goal.value = tg.goal;
      if (isNum(tg.lo)) form.sr_low.value = tg.lo;
      if (isNum(tg.hi)) form.sr_high.value = tg.hi;
    }
    renderTreatments(st);
    renderAlertList();
    renderYield($('bed-yield'), id);
    drawPlots();
  }

  // ------------------------------------------------------------------ alarm yield
  // GET /alerts/yield for one bed (bed view) or every bed (overview, key '')
  const yieldPath = (bedId, format) => {
    const q = [bedId ? `bed_id=${encodeURIComponent(bedId)}` : '', format ? `format=${format}` : ''].filter(Boolean);
    return `/alerts/yield${q.length ? `?${q.join('&')}` : ''}`;
  };

  async function loadYield(bedId) {
    S.yieldAt = Date.now();
    try {
      S.yields.set(bedId, await http('GET', yieldPath(bedId)));
    } catch (e) {
      S.yieldAt = 0; // try again at the next poll
      throw e;
    }
  }

  function refreshYield(bedId) {
    // read and show at once (whatever else the poll is waiting for); never throws
    return loadYield(bedId).then(() => {
      if (bedId && S.route.view === 'bed' && S.route.bedId === bedId) renderYield($('bed-yield'), bedId);
      if (!bedId && S.route.view === 'overview') renderYield($('overview-yield'), '');
    }).catch(() => {});
  }

  function spanText(days) {
    if (!isNum(days)) return '—';
    if (days >= 1) return `${days.toFixed(1)} bed-days`;
    return days * 24 >= 1 ? `${(days * 24).toFixed(1)} h` : `${Math.max(0, days * 1440).toFixed(1)} min`;
  }
  const budgetText = (v) => (isNum(v) ? String(Number(v.toFixed(2))) : '—');
  function rateText(v) {
    if (!isNum(v)) return '—';
    return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  }

  function renderYield(root, bedId) {
    // the budget state in words, then one row per alert kind, and the CSV link
    if (!root.querySelector('.budget')) root.append($('yield-template').content.cloneNode(true));
    const y = S.yields.get(bedId);
    const csv = root.querySelector('.yield-csv');
    csv.href = API + yieldPath(bedId, 'csv');
    csv.download = bedId ? `alarm-yield-${bedId}.csv` : 'alarm-yield.csv';
    const p = root.querySelector('.budget');
    const state = (y && y.budget_state) || 'unknown';
    p.dataset.state = state;
    p.className = `budget budget-${state}`;
    const budget = y ? y.false_alarm_budget_per_bed_day : NaN;
    const rate = y ? y.false_alarms_per_bed_day : NaN;
    p.textContent = !y ? 'loading…'
      : state === 'unknown' ? `no monitored time yet · budget ${budgetText(budget)} false alarm per bed-day`
        : `${state === 'over' ? 'OVER budget' : 'within budget'}: ${rateText(rate)} false alarms per bed-day (budget ${budgetText(budget)})`;
    const beds = y && !bedId ? ` on ${y.n_beds} bed${y.n_beds === 1 ? '' : 's'}` : '';
    root.querySelector('.yield-caption').textContent = y
      ? `${y.count} alert${y.count === 1 ? '' : 's'} over ${spanText(y.bed_days)} of monitoring${beds}` : '';
    const kinds = (y && y.kinds) || [];
    root.querySelector('.yield-rows').replaceChildren(...(kinds.length ? kinds.map((k) => el('tr', { 'data-kind': k.kind, 'data-testid': 'yield-row' },
      el('th', { scope: 'row', text: String(k.kind).replace(/_/g, ' ') }),
      el('td', { text: String(k.count) }),
      el('td', { text: String(k.true_alarm) }),
      el('td', { class: k.false_alarm ? 'has-false' : null, text: String(k.false_alarm) }),
      el('td', { text: isNum(k.ppv) ? `${Math.round(k.ppv * 100)} %` : '—' }),
      el('td', { text: rateText(k.per_bed_day) })))
      : [el('tr', {}, el('td', { class: 'muted', colspan: '6', text: y ? 'no alerts' : '' }))]));
  }

  async function loadTreatments(bedId) {
    const j = await http('GET', `/beds/${encodeURIComponent(bedId)}/treatments`);
    S.treatments.set(bedId, listOf(j, 'treatments'));
    S.treatmentsAt = Date.now();
  }

  function renderTreatments(st) {
    const list = S.treatments.get(S.route.bedId) || (st && st.treatments) || [];
    const ol = $('treatment-list');
    ol.replaceChildren(...list.slice().reverse().slice(0, 30).map((tr) => {
      const ok = tr.adequate ?? (tr.assessment || {}).adequate;
      const when = parseTime(tr.time);
      const clk = bedClock(S.route.bedId);
      const ms = isNum(when) ? when : isNum(clk.t0ms) && isNum(num(tr.t_s)) ? msOf(clk, num(tr.t_s)) : NaN;
      return el('li', {},
        `${isNum(ms) ? hhmm(ms) : '—'} ${tr.agent} ${tr.dose} ${tr.unit} ${tr.route} ${String(tr.kind).replace(/_/g, ' ')}`,
        ok === false ? el('span', { class: 'inadequate', text: ' · inadequate dose' }) : null);
    }));
    $('no-treatments').hidden = list.length > 0;
  }

  function renderAlertList() {
    if (S.route.view !== 'bed') return;
    const ol = $('alert-list');
    const showAcked = $('show-acked').checked;
    const items = alertsFor(S.route.bedId).filter((a) => showAcked || !isAcked(a)).slice(0, 200);
    $('no-alerts').hidden = items.length > 0;
    // keep unchanged items (and their buttons) in place: a click is never lost to a redraw
    const old = new Map([...ol.children].map((li) => [li.dataset.alertId, li]));
    const want = items.map((a) => {
      const sig = JSON.stringify([a.message, a.severity, a.state, a.acked_at, a.acked_by, a.time, S.role]);
      const li = old.get(String(a.id));
      if (li && li.dataset.sig === sig) return li;
      const fresh = alertItem(a);
      fresh.dataset.sig = sig;
      return fresh;
    });
    const keep = new Set(want);
    for (const li of [...ol.children]) if (!keep.has(li)) li.remove();
    want.forEach((li, i) => { if (ol.children[i] !== li) ol.insertBefore(li, ol.children[i] || null); });
  }

  function alertItem(a) {
    const acked = isAcked(a);
    const ms = parseTime(a.time);
    const li = el('li', {
      class: `alert sev-${a.severity || 'low'}${acked ? ' acked' : ''}`,
      'data-testid': 'alert', 'data-alert-id': String(a.id), 'data-kind': a.kind || '',
      'data-acked': acked ? 'true' : 'false',
    },
    el('div', {}, el('span', { class: 'sev', text: a.severity || 'low' }),
      el('span', { class: 'msg', text: a.message || a.kind })),
    null,
    el('div', { class: 'meta' },
      `${isNum(ms) ? hhmmss(ms) : ''} · ${String(a.kind || '').replace(/_/g, ' ')}${a.state === 'cleared' ? ' · resolved' : ''}`,
      acked ? el('span', { class: 'acked-note', 'data-testid': 'acked-note', text: ` · ✓ acknowledged${a.acked_by ? ` by ${a.acked_by}` : ''}${parseTime(a.acked_at) ? ` at ${hhmm(parseTime(a.acked_at))}` : ''}${a.ack_label ? ` · ${String(a.ack_label).replace(/_/g, ' ')}` : ''}${a.ack_note ? ` · “${a.ack_note}”` : ''}` }) : null,
      el('button', { type: 'button', class: 'btn-quiet eeg-jump', 'data-testid': 'eeg-jump', text: 'EEG', title: 'show the EEG at this alert (eeg.js)' })));
    if (!acked && can('clinician')) {
      const btn = el('button', { type: 'button', class: 'btn ack', 'data-testid': 'ack-button', text: 'Acknowledge' });
      const verdict = el('select', { class: 'ack-label', 'data-testid': 'ack-label', 'aria-label': 'verdict' },
        el('option', { value: '', text: 'verdict…' }),
        el('option', { value: 'true_alarm', text: 'true alarm' }),
        el('option', { value: 'false_alarm', text: 'false alarm' }),
        el('option', { value: 'unsure', text: 'unsure' }));
      btn.addEventListener('click', () => acknowledge(a.id, btn, verdict.value));
      li.insertBefore(btn, li.children[1]);
      li.insertBefore(verdict, btn);
    }
    return li;
  }

  async function acknowledge(id, btn, label) {
    btn.disabled = true; btn.textContent = 'Acknowledging…';
    try {
      const j = await http('POST', `/alerts/${encodeURIComponent(id)}/ack`, label ? { label } : {});
      upsertAlert(j && j.id !== undefined ? j : { id, acked_at: new Date().toISOString(), acked_by: S.name || S.role });
      renderAlertList();
      if (S.route.view === 'bed') refreshYield(S.route.bedId);
    } catch (e) {
      btn.disabled = false; btn.textContent = 'Retry acknowledge';
      btn.title = `Acknowledge failed: ${e.message}`;
      const li = btn.closest('li');
      if (li) li.querySelector('.meta').append(el('span', { class: 'ack-error', text: ` · not acknowledged: ${e.message}` }));
    }
  }

  // ------------------------------------------------------------------ forms
  function setDefaultFormTime() {
    // "now" until the user edits the field (kept current while the page stays open)
    const f = $('treatment-form');
    if (f.time.dataset.dirty || document.activeElement === f.time) return;
    const d = new Date(); d.setSeconds(0, 0);
    const local = new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    f.time.value = local;
  }

  function formTime(value) {
    // datetime-local is local wall time; the API takes ISO 8601 with a zone (UTC here)
    const ms = value ? new Date(value).getTime() : Date.now();
    return { iso: new Date(ms).toISOString() };
  }

  async function submitTreatment(ev) {
    ev.preventDefault();
    const f = ev.target;
    const out = $('treatment-result');
    const when = formTime(f.time.value);
    const body = {
      agent: f.agent.value.trim(), dose: Number(f.dose.value), unit: f.unit.value,
      route: f.route.value, kind: f.kind.value, time: when.iso,
    };
    out.className = 'form-result'; out.textContent = 'Recording…';
    try {
      const j = await http('POST', `/beds/${encodeURIComponent(S.route.bedId)}/treatments`, body);
      const a = (j && (j.assessment || j)) || {};
      const why = a.reason || a.message || a.explanation || '';
      if (a.adequate === false) {
        out.className = 'form-result warn';
        out.textContent = `Recorded — dose below the standard (inadequate_dose). ${why}`;
      } else {
        out.className = 'form-result ok';
        out.textContent = `Recorded${a.adequate === true ? ' — adequate dose' : ''}. ${why}`;
      }
      f.dose.value = '';
      delete f.time.dataset.dirty;
      setDefaultFormTime();
      await Promise.all([loadState(S.route.bedId), loadTreatments(S.route.bedId)]);
      renderBed();
    } catch (e) {
      out.className = 'form-result err';
      out.textContent = `Not recorded: ${e.message}`;
    }
  }

  async function submitTargets(ev) {
    ev.preventDefault();
    const f = ev.target;
    const out = $('targets-result');
    const body = { goal: f.goal.value, sr_low: Number(f.sr_low.value), sr_high: Number(f.sr_high.value) };
    out.className = 'form-result'; out.textContent = 'Saving…';
    try {
      await http('PUT', `/beds/${encodeURIComponent(S.route.bedId)}/targets`, body);
      out.className = 'form-result ok'; out.textContent = 'Targets saved.';
      delete f.dataset.dirty;
      await loadState(S.route.bedId);
      renderBed();
    } catch (e) {
      out.className = 'form-result err'; out.textContent = `Not saved: ${e.message}`;
    }
  }

  // ------------------------------------------------------------------ plotting
  function prepCanvas(cv) {
    const dpr = window.devicePixelRatio || 1;
    const w = cv.clientWidth; const h = cv.clientHeight;
    if (!w || !h) return { ctx: cv.getContext('2d'), w: 0, h: 0 };
    const W = Math.round(w * dpr); const H = Math.round(h * dpr);
    if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
    const ctx = cv.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    return { ctx, w, h };
  }

  const M = { l: 66, r: 58, t: 8, b: 22 }; // plot margins (px); right margin holds the CSA scale

  function timeWindow(tr) {
    const sel = $('window-select').value;
    const n = tr.ms.length;
    const x1 = n ? tr.ms[n - 1] : Date.now();
    let span;
    if (sel === 'auto') {
      const have = n ? (tr.ms[n - 1] - tr.ms[0]) / 1000 : 0;
      span = AUTO_SPANS_S.find((s) => s >= have * 1.05) || AUTO_SPANS_S[AUTO_SPANS_S.length - 1];
    } else span = Number(sel);
    return [x1 - span * 1000, x1];
  }

  function timeTicks(x0, x1, widthPx) {
    // minute steps (HH:MM labels); sub-minute steps only for windows of a few minutes
    const stepsMin = [1 / 6, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720];
    const spanMin = (x1 - x0) / 60000;
    const step = stepsMin.find((s) => (widthPx * s) / spanMin >= 80) || 720;
    const stepMs = Math.round(step * 60000);
    // align ticks to local clock minutes
    const off = new Date(x0).getTimezoneOffset() * 60000;
    let t = Math.ceil((x0 - off) / stepMs) * stepMs + off;
    const ticks = [];
    for (; t <= x1; t += stepMs) ticks.push(t);
    return { ticks, stepMs };
  }

  function frame(ctx, w, h, x0, x1, yTicks, yFmt, yUnit) {
    const pw = w - M.l - M.r; const ph = h - M.t - M.b;
    const X = (ms) => M.l + ((ms - x0) / (x1 - x0)) * pw;
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#fafbfc'; ctx.fillRect(M.l, M.t, pw, ph);
    ctx.strokeStyle = '#e3e6ea'; ctx.lineWidth = 1;
    ctx.fillStyle = '#3b434c';
    ctx.textAlign = 'center'; ctx.textBaseline = 'top';
    const { ticks: xTicks, stepMs } = timeTicks(x0, x1, pw);
    for (const t of xTicks) {
      const x = Math.round(X(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, M.t); ctx.lineTo(x, M.t + ph); ctx.stroke();
      const label = stepMs < 60000 ? hhmmss(t) : hhmm(t);
      const half = ctx.measureText(label).width / 2;
      if (x - half >= 2 && x + half <= w - 2) ctx.fillText(label, x, M.t + ph + 4);
    }
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (const [v, y] of yTicks) {
      const yy = Math.round(y) + 0.5;
      ctx.beginPath(); ctx.moveTo(M.l, yy); ctx.lineTo(M.l + pw, yy); ctx.stroke();
      ctx.fillText(yFmt(v), M.l - 5, yy);
    }
    if (yUnit) {
      ctx.save(); ctx.translate(12, M.t + ph / 2); ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle'; ctx.fillText(yUnit, 0, 0); ctx.restore();
    }
    ctx.strokeStyle = '#9aa4af';
    ctx.strokeRect(M.l + 0.5, M.t + 0.5, pw - 1, ph - 1);
    return { pw, ph, X };
  }

  function lowerBound(arr, v) {
    let lo = 0; let hi = arr.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function hopMs(tr) {
    // typical wall-clock interval between hops (recent median-free estimate)
    const n = tr.ms.length;
    if (n < 3) return 1000 / tr.speed;
    return (tr.ms[n - 1] - tr.ms[Math.max(0, n - 30)]) / Math.min(29, n - 1);
  }
  function gapMs(tr) {
    // a line is broken where rows are missing for longer than this
    return Math.max(5000 / tr.speed, 4 * hopMs(tr));
  }

  function drawSeries(ctx, tr, ys, x0, x1, X, Y, colour, width = 1.6) {
    // min/max per pixel column when points outnumber pixels; breaks at data gaps
    const i0 = Math.max(0, lowerBound(tr.ms, x0) - 1);
    const i1 = Math.min(tr.ms.length, lowerBound(tr.ms, x1) + 1);
    const gap = gapMs(tr);
    ctx.strokeStyle = colour; ctx.lineWidth = width; ctx.lineJoin = 'round';
    ctx.beginPath();
    let pen = false; let lastMs = -Infinity; let col = null; let cmin = 0; let cmax = 0; let clast = 0;
    const flush = () => {
      if (col === null) return;
      if (!pen) { ctx.moveTo(col, Y(cmin)); pen = true; }
      ctx.lineTo(col, Y(cmin)); if (cmax !== cmin) ctx.lineTo(col, Y(cmax)); ctx.lineTo(col, Y(clast));
    };
    for (let i = i0; i < i1; i += 1) {
      const v = ys[i]; const ms = tr.ms[i];
      if (!isNum(v) || ms - lastMs > gap) { flush(); col = null; pen = false; }
      lastMs = ms;
      if (!isNum(v)) continue;
      const c = Math.round(X(ms));
      if (c !== col) { flush(); col = c; cmin = v; cmax = v; }
      else { cmin = Math.min(cmin, v); cmax = Math.max(cmax, v); }
      clast = v;
    }
    flush();
    ctx.stroke();
  }

  function seizureIntervals(tr, bedId) {
    // runs of ictal hops, plus detected onsets/offsets reported as alerts; markers
    // only where trends are kept (none before the first row or after the last)
    const out = [];
    let start = null;
    for (let i = 0; i < tr.ms.length; i += 1) {
      if (tr.ictal[i] && start === null) start = tr.ms[i];
      if (!tr.ictal[i] && start !== null) { out.push([start, tr.ms[i]]); start = null; }
    }
    if (start !== null) out.push([start, tr.ms[tr.ms.length - 1]]);
    const onsets = [];
    const n = tr.ms.length;
    if (isNum(tr.t0ms) && n) {
      const [lo, hi] = [tr.ms[0], tr.ms[n - 1]];
      for (const a of S.alerts.values()) {
        if (String(a.bed_id) !== bedId) continue;
        const d = { ...((a.details && a.details.eeg) || {}), ...(a.details || {}) };
        if (/seizure|breakthrough|recurrence/.test(a.kind || '') && isNum(num(d.onset_s))) {
          const on = msOf(tr, num(d.onset_s));
          if (on < lo || on > hi) continue;
          onsets.push(on);
          if (isNum(num(d.offset_s))) out.push([on, Math.min(hi, msOf(tr, num(d.offset_s)))]);
        }
      }
    }
    return { intervals: out, onsets };
  }

  function shadeIntervals(ctx, intervals, X, x0, x1, ph, colour) {
    ctx.fillStyle = colour;
    for (const [a, b] of intervals) {
      if (b < x0 || a > x1) continue;
      const xa = X(Math.max(a, x0)); const xb = X(Math.min(b, x1));
      ctx.fillRect(xa, M.t, Math.max(2, xb - xa), ph);
    }
  }

  function linearTicks(lo, hi, ph, n = 4) {
    const raw = (hi - lo) / n;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(v);
    return { ticks, step, Y: (v) => M.t + ph - ((v - lo) / (hi - lo)) * ph };
  }

  function plotLine(id, tr, key, opts) {
    const cv = $(id);
    const { ctx, w, h } = prepCanvas(cv);
    if (!w) return;
    const [x0, x1] = timeWindow(tr);
    const ph = h - M.t - M.b;
    let [lo, hi] = opts.range || [0, 1];
    if (opts.auto) {
      let mx = 0;
      const i0 = lowerBound(tr.ms, x0);
      for (let i = i0; i < tr.ms.length; i += 1) if (isNum(tr[key][i])) mx = Math.max(mx, tr[key][i]);
      hi = mx > 0 ? niceCeil(mx * 1.1) : 1; lo = 0;
    }
    const { ticks, Y: Yl } = linearTicks(lo, hi, ph);
    const Y = (v) => Yl(Math.min(hi, Math.max(lo, v)));
    const { X, pw } = frame(ctx, w, h, x0, x1, ticks.map((v) => [v, Yl(v)]), opts.fmt || ((v) => String(+v.toFixed(2))), opts.unit);
    if (opts.band && isNum(opts.band[0]) && isNum(opts.band[1])) {
      ctx.fillStyle = 'rgba(0,114,178,0.16)';
      ctx.fillRect(M.l, Y(opts.band[1]), pw, Y(opts.band[0]) - Y(opts.band[1]));
      ctx.strokeStyle = 'rgba(0,114,178,0.7)'; ctx.setLineDash([5, 4]); ctx.lineWidth = 1;
      for (const b of opts.band) { ctx.beginPath(); ctx.moveTo(M.l, Y(b) + 0.5); ctx.lineTo(M.l + pw, Y(b) + 0.5); ctx.stroke(); }
      ctx.setLineDash([]);
      ctx.fillStyle = 'rgba(0,80,130,0.95)'; ctx.textAlign = 'left'; ctx.textBaseline = 'top';
      ctx.fillText(`target ${fmt(opts.band[0])}–${fmt(opts.band[1])}`, M.l + 4, Y(opts.band[1]) + 2);
    }
    if (opts.seizures) {
      shadeIntervals(ctx, opts.seizures.intervals, X, x0, x1, ph, 'rgba(213,94,0,0.22)');
      ctx.fillStyle = OI.vermillion;
      for (const on of opts.seizures.onsets) {
        if (on < x0 || on > x1) continue;
        const x = X(on);
        ctx.beginPath(); ctx.moveTo(x - 6, M.t); ctx.lineTo(x + 6, M.t); ctx.lineTo(x, M.t + 9); ctx.closePath(); ctx.fill();
      }
    }
    ctx.save(); ctx.beginPath(); ctx.rect(M.l, M.t, pw, ph); ctx.clip();
    drawSeries(ctx, tr, tr[key], x0, x1, X, Y, opts.colour, opts.width || 1.6);
    if (opts.threshold !== undefined) {
      ctx.strokeStyle = OI.black; ctx.setLineDash([2, 3]); ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(M.l, Y(opts.threshold)); ctx.lineTo(M.l + pw, Y(opts.threshold)); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.restore();
    if (!tr.ms.length) emptyNote(ctx, w, h);
  }

  function niceCeil(v) {
    const mag = 10 ** Math.floor(Math.log10(v));
    return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * mag).find((s) => s >= v) || v;
  }
  function emptyNote(ctx, w, h) {
    ctx.fillStyle = '#5b6470'; ctx.font = '14px system-ui, sans-serif';
    ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    ctx.fillText('waiting for data…', w / 2, h / 2);
  }

  // ------------------------------------------------------------------ ACNS patterns
  function parseTerm(term) {
    // "LPD+F" -> main term 1 "L", main term 2 "PD", plus ["F"]; main "LPD"
    const m = /^(G|L|BI|UI|Mf)(PD|RDA|SW)(?:\+([FRS]+))?$/.exec(String(term || ''));
    if (!m) return { main: String(term || ''), main1: null, main2: null, plus: [] };
    return { main: m[1] + m[2], main1: m[1], main2: m[2], plus: (m[3] || '').split('').filter(Boolean) };
  }
  function termWords(term) {
    // "LPD+F" -> "lateralized periodic discharges with superimposed fast activity"
    const p = parseTerm(term);
    if (!p.main1) return String(term || '');
    const plus = p.plus.map((k) => PLUS_WORDS[k]).filter(Boolean);
    return `${MAIN1_WORDS[p.main1]} ${MAIN2_WORDS[p.main2]}${plus.length ? ` with superimposed ${plus.join(' and ')}` : ''}`;
  }
  const hzText = (hz) => (isNum(hz) ? ` ${Number(hz.toFixed(1))} Hz` : '');
  function patternText(h) {
    // the current pattern of a hop (HopPublic or a trend row) in words
    if (!h) return 'none';
    if (h.acns_seizure === true) return 'electrographic seizure (ACNS criteria)';
    const term = typeof h.pattern === 'string' ? h.pattern : '';
    if (!term) return 'none';
    const s = `${term}${hzText(num(h.pattern_hz))}`;
    return h.iic === true ? `${s} · ictal–interictal continuum` : s;
  }
  function noteIic(bedId, st) {
    // trend rows do not store the continuum flag; the bed state's newest hop does
    const l = st && st.latest;
    if (l && l.iic === true && isNum(num(l.t_s))) trendStore(bedId).iicSeen.add(num(l.t_s));
  }
  const patColours = new Map();
  function patColour(main) {
    // --pat-<main term> from style.css (one place for the palette); grey if unknown
    if (!patColours.has(main)) {
      const v = /^[A-Za-z]+$/.test(main)
        ? getComputedStyle(document.documentElement).getPropertyValue(`--pat-${main}`).trim() : '';
      patColours.set(main, v || '#9aa4af');
    }
    return patColours.get(main);
  }
  function darkColour(hex) {
    const m = /^#([0-9a-f]{6})$/i.exec(hex);
    if (!m) return false;
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16) / 255);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.35;
  }

  function patternRuns(tr, x0, x1) {
    // runs of consecutive rows with one ACNS term inside [x0, x1], split at data gaps;
    // a run is on the continuum when one of its hops was reported so
    const runs = [];
    const gap = gapMs(tr);
    let run = null;
    const close = () => {
      if (!run) return;
      const hz = tr.pat_hz.slice(run.i0, run.i1 + 1).filter(isNum).sort((a, b) => a - b);
      run.hz = hz.length ? hz[hz.length >> 1] : NaN;
      runs.push(run); run = null;
    };
    for (let i = lowerBound(tr.ms, x0); i < tr.ms.length && tr.ms[i] <= x1; i += 1) {
      const term = tr.pat[i] || '';
      const iic = tr.iic[i] === 1 || tr.iicSeen.has(tr.t_s[i]);
      if (run && (term !== run.term || tr.ms[i] - tr.ms[run.i1] > gap)) close();
      if (!term) continue;
      if (!run) run = { term, main: parseTerm(term).main, i0: i, i1: i, iic: false };
      run.i1 = i; run.iic = run.iic || iic;
    }
    close();
    return runs;
  }

  function runText(tr, r) {
    return `${r.term}${hzText(r.hz)} (${termWords(r.term)}), ${hhmmss(tr.ms[r.i0])}–${hhmmss(tr.ms[r.i1])}`
      + `${r.iic ? ' · ictal–interictal continuum' : ''}`;
  }

  function hatch(ctx, xa, xb, y0, y1) {
    ctx.save(); ctx.beginPath(); ctx.rect(xa, y0, xb - xa, y1 - y0); ctx.clip();
    ctx.strokeStyle = OI.black; ctx.lineWidth = 1.2; ctx.beginPath();
    for (let x = xa - (y1 - y0); x < xb; x += 6) { ctx.moveTo(x, y1); ctx.lineTo(x + (y1 - y0), y0); }
    ctx.stroke(); ctx.restore();
    ctx.strokeStyle = OI.black; ctx.lineWidth = 1.5; ctx.strokeRect(xa + 0.75, y0 + 0.75, Math.max(1, xb - xa - 1.5), y1 - y0 - 1.5);
  }

  const bandView = { runs: [], tr: null, x0: 0, x1: 1, pw: 1 }; // what the band shows (for its tooltip)

  function plotPatterns(tr, sz) {
    // one lane: a segment per run of one ACNS term (colour by main term, the term
    // written on it where it fits, hatched and outlined on the continuum), ictal
    // time drawn over the band as a vermillion bar marked "seizure"
    const cv = $('plot-pattern');
    const { ctx, w, h } = prepCanvas(cv);
    if (!w) return;
    const [x0, x1] = timeWindow(tr);
    const ph = h - M.t - M.b;
    const { X, pw } = frame(ctx, w, h, x0, x1, [], () => '', '');
    const runs = patternRuns(tr, x0, x1);
    const hop = hopMs(tr);
    const y0 = M.t + Math.round(ph * 0.3); const y1 = M.t + ph;
    ctx.save(); ctx.beginPath(); ctx.rect(M.l, M.t, pw, ph); ctx.clip();
    ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle'; ctx.textAlign = 'center';
    for (const r of runs) {
      const next = r.i1 + 1 < tr.ms.length ? tr.ms[r.i1 + 1] : tr.ms[r.i1] + hop;
      const xa = X(tr.ms[r.i0]); const xb = Math.max(xa + 2, X(Math.min(next, tr.ms[r.i1] + 2 * hop)));
      const colour = patColour(r.main);
      ctx.fillStyle = colour; ctx.fillRect(xa, y0, xb - xa, y1 - y0);
      if (r.iic) hatch(ctx, xa, xb, y0, y1);
      const label = r.term;
      if (ctx.measureText(label).width + 8 < xb - xa) {
        const [cx, cy] = [(xa + xb) / 2, (y0 + y1) / 2];
        if (r.iic) { // a white box keeps the term readable on the hatch
          const tw = ctx.measureText(label).width;
          ctx.fillStyle = '#fff'; ctx.fillRect(cx - tw / 2 - 2, cy - 7, tw + 4, 14);
        }
        ctx.fillStyle = !r.iic && darkColour(colour) ? '#fff' : '#000';
        ctx.fillText(label, cx, cy);
      }
    }
    // seizure over the band: a bar across the top of the lane, and a veil over it
    ctx.fillStyle = 'rgba(213,94,0,0.22)';
    for (const [a, b] of sz.intervals) {
      if (b < x0 || a > x1) continue;
      const xa = X(Math.max(a, x0)); const xb = Math.max(xa + 2, X(Math.min(b, x1)));
      ctx.fillRect(xa, y0, xb - xa, y1 - y0);
    }
    for (const [a, b] of sz.intervals) {
      if (b < x0 || a > x1) continue;
      const xa = X(Math.max(a, x0)); const xb = Math.max(xa + 2, X(Math.min(b, x1)));
      ctx.fillStyle = OI.vermillion; ctx.fillRect(xa, M.t, xb - xa, y0 - M.t);
      if (ctx.measureText('seizure').width + 6 < xb - xa) {
        ctx.fillStyle = '#fff'; ctx.fillText('seizure', (xa + xb) / 2, (M.t + y0) / 2);
      }
    }
    ctx.restore();
    ctx.fillStyle = '#3b434c'; ctx.font = '11px system-ui, sans-serif'; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    ctx.fillText('seizure', M.l - 5, (M.t + y0) / 2);
    ctx.fillText('pattern', M.l - 5, (y0 + y1) / 2);
    if (!tr.ms.length) emptyNote(ctx, w, h);
    Object.assign(bandView, { runs, tr, x0, x1, pw });
    cv.setAttribute('aria-label', runs.length
      ? `ACNS pattern band: ${runs.slice(-12).map((r) => runText(tr, r)).join('; ')}`
      : 'ACNS pattern band: no pattern in view');
    renderPatternLegend(runs);
  }

  function bandHover(ev) {
    // the tooltip of the band: the run under the pointer, in words
    const cv = ev.currentTarget;
    const { runs, tr, x0, x1, pw } = bandView;
    if (!tr) return;
    const x = ev.clientX - cv.getBoundingClientRect().left;
    const ms = x0 + ((x - M.l) / pw) * (x1 - x0);
    const hop = hopMs(tr);
    const r = runs.find((q) => ms >= tr.ms[q.i0] - hop / 2 && ms <= tr.ms[q.i1] + hop);
    cv.title = r ? runText(tr, r) : (x >= M.l && x <= M.l + pw ? `no ACNS pattern at ${hhmmss(ms)}` : '');
  }

  function renderPatternLegend(runs) {
    // words for every main term in view, then the fixed marks (seizure, continuum)
    const ul = $('pattern-legend');
    const mains = [...new Set(runs.map((r) => r.main))].sort();
    const sig = mains.join(',');
    if (ul.dataset.sig === sig) return;
    ul.dataset.sig = sig;
    const item = (cls, label, title) => el('li', { title, 'data-term': label },
      el('span', { class: `pat-sw ${cls}`, 'aria-hidden': 'true' }), label);
    ul.replaceChildren(
      ...(mains.length ? mains.map((m) => item(parseTerm(m).main1 ? `pat-${m}` : 'pat-other', m, termWords(m)))
        : [el('li', { class: 'muted', text: 'no ACNS pattern in view' })]),
      item('pat-seizure', 'seizure', 'electrographic seizure (ictal hops)'),
      item('pat-iic', 'hatched: ictal–interictal continuum', 'ACNS 2021 ictal–interictal continuum'),
    );
  }

  function renderPatternNow(st, tr) {
    // the current pattern and signal quality: the bed state's newest hop, else the
    // newest trend row (which has no continuum or ACNS-seizure flag)
    const n = tr.t_s.length;
    const l = st && st.latest;
    const hop = l || (n ? { pattern: tr.pat[n - 1], pattern_hz: tr.pat_hz[n - 1], quality: tr.quality[n - 1] } : null);
    const pn = $('now-pattern');
    pn.textContent = hop ? patternText(hop) : '—';
    pn.title = hop && hop.pattern ? termWords(hop.pattern) : '';
    pn.className = hop && (hop.acns_seizure || hop.iic) ? 'pattern-alert' : '';
    const q = hop ? num(hop.quality) : NaN;
    $('now-quality').textContent = isNum(q) ? `${Math.round(q * 100)} %` : '—';
    // what makes this bed's input hard to trust (too short, non-physiological scale)
    const warnings = (st && Array.isArray(st.warnings)) ? st.warnings : [];
    const wl = $('bed-warnings');
    wl.replaceChildren(...warnings.map((w) => el('li', { text: `input warning: ${w}` })));
    wl.hidden = warnings.length === 0;
  }

  // viridis (van der Walt & Smith 2015): perceptually uniform, colour-blind safe
  const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725']
    .map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  function viridis(u) {
    const x = Math.min(1, Math.max(0, u)) * (VIRIDIS.length - 1);
    const i = Math.min(VIRIDIS.length - 2, Math.floor(x)); const f = x - i;
    const a = VIRIDIS[i]; const b = VIRIDIS[i + 1];
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
  }

  function plotCsa(tr) {
    const cv = $('plot-csa');
    const { ctx, w, h } = prepCanvas(cv);
    if (!w) return;
    const [x0, x1] = timeWindow(tr);
    const ph = h - M.t - M.b;
    const useSpec = tr.freqs && tr.spec.some((s) => s);
    const nRows = useSpec ? tr.freqs.length : BANDS.length;
    const rowH = ph / nRows;
    const yTicks = useSpec
      ? tr.freqs.map((f, i) => [f, M.t + ph - (i + 0.5) * rowH]).filter(([f]) => f % 5 === 0)
      : BANDS.map((b, i) => [b.label, M.t + ph - (i + 0.5) * rowH]);
    $('csa-unit').textContent = useSpec ? 'log power spectral density, dB re 1 µV²/Hz' : 'band power, dB re 1 µV² (median over channels)';
    const { X, pw } = frame(ctx, w, h, x0, x1, [], () => '', useSpec ? 'Hz' : '');
    // one image column per pixel: the hop nearest the column centre (no smoothing)
    const img = ctx.createImageData(Math.max(1, Math.round(pw)), nRows);
    // a column shows the nearest hop if one lies within a hop interval (or a column)
    const gap = Math.max(0.6 * hopMs(tr), (x1 - x0) / img.width);
    const [dbLo, dbHi] = useSpec ? [-20, 30] : CSA_DB_RANGE;
    for (let c = 0; c < img.width; c += 1) {
      const ms = x0 + ((c + 0.5) / img.width) * (x1 - x0);
      let i = lowerBound(tr.ms, ms);
      if (i >= tr.ms.length || (i > 0 && ms - tr.ms[i - 1] < tr.ms[i] - ms)) i -= 1;
      if (i < 0 || Math.abs(tr.ms[i] - ms) > gap) continue;
      for (let r = 0; r < nRows; r += 1) {
        let db;
        if (useSpec) { const s = tr.spec[i]; db = s ? num(s[r]) : NaN; }
        else { const p = tr.bands[BANDS[r].key][i]; db = isNum(p) ? 10 * Math.log10(Math.max(p, 1e-3)) : NaN; }
        if (!isNum(db)) continue;
        const [R, G, B] = viridis((db - dbLo) / (dbHi - dbLo));
        const o = ((nRows - 1 - r) * img.width + c) * 4;
        img.data[o] = R; img.data[o + 1] = G; img.data[o + 2] = B; img.data[o + 3] = 255;
      }
    }
    const off = document.createElement('canvas');
    off.width = img.width; off.height = nRows;
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, M.l, M.t, pw, ph);
    // row labels
    ctx.fillStyle = '#3b434c'; ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    for (const [lab, y] of yTicks) ctx.fillText(String(lab), M.l - 4, y);
    // colour scale on the right
    const sx = M.l + pw + 8; const sw = 10;
    for (let k = 0; k < ph; k += 1) {
      const [R, G, B] = viridis(1 - k / ph);
      ctx.fillStyle = `rgb(${R | 0},${G | 0},${B | 0})`; ctx.fillRect(sx, M.t + k, sw, 1.5);
    }
    ctx.fillStyle = '#3b434c'; ctx.textAlign = 'left';
    ctx.fillText(`${dbHi} dB`, sx + sw + 3, M.t + 6);
    ctx.fillText(`${dbLo}`, sx + sw + 3, M.t + ph - 6);
    if (!tr.ms.length) emptyNote(ctx, w, h);
  }

  function drawPlots() {
    if (S.route.view !== 'bed' || $('bed').hidden) return;
    const id = S.route.bedId;
    const tr = trendStore(id);
    const st = S.states.get(id);
    const tg = targetsOf(st, S.beds.get(id));
    const band = tg && tg.goal === 'burst_suppression' ? [tg.lo, tg.hi] : null;
    const sz = seizureIntervals(tr, id);
    plotLine('plot-sr', tr, 'sr', { range: [0, 1], colour: OI.blue, unit: 'ratio', band, seizures: sz, width: 2 });
    plotLine('plot-score', tr, 'score', { range: [0, 1], colour: OI.vermillion, unit: 'score', seizures: sz, width: 1.8 });
    plotLine('plot-burden', tr, 'burden', { range: [0, 1], colour: OI.purple, unit: 'fraction', seizures: sz, width: 1.8 });
    plotLine('plot-ll', tr, 'll', { auto: true, colour: OI.black, unit: 'µV/s', seizures: sz, fmt: (v) => String(Math.round(v)) });
    plotLine('plot-coh', tr, 'coh', { range: [0, 1], colour: OI.green, unit: 'MSC', seizures: sz });
    plotPatterns(tr, sz);
    plotLine('plot-quality', tr, 'quality', { range: [0, 1], colour: OI.orange, unit: 'share', width: 1.8 });
    plotCsa(tr);
    renderPatternNow(st, tr);
    const n = tr.t_s.length;
    const last = (k) => (n ? tr[k][n - 1] : NaN);
    const verdict = band ? bandVerdict(last('sr'), tg, st) : '';
    $('now-sr').textContent = n ? `now ${fmt(last('sr'))}${verdict ? ` · ${verdict}` : ''}` : '';
    $('now-score').textContent = n ? `now ${fmt(last('score'))}` : '';
    const pct = (v) => (isNum(v) ? `${Math.round(v * 100)} %` : '—');
    $('now-burden').textContent = n ? `now ${pct(last('burden'))} of 5 min · ${pct(last('burden60'))} of 60 min` : '';
    $('now-ll').textContent = n ? `now ${fmt(last('ll'), 0)} µV/s` : '';
    $('now-coh').textContent = n ? `now ${fmt(last('coh'))}` : '';
    $('now-quality-trend').textContent = n ? `now ${pct(last('quality'))}` : '';
    const ago = tr.grewAt ? Math.round((Date.now() - tr.grewAt) / 1000) : null;
    $('trend-status').textContent = n
      ? `${n} points · last at ${hhmmss(tr.ms[n - 1])} (t = ${Math.round(tr.t_s[n - 1])} s)${ago !== null && ago > 30 ? ` · no new data for ${ago} s` : ''}`
      : (tr.loaded ? 'No trend data yet.' : 'Loading trends…');
    $('trend-status').dataset.points = String(n);
    $('trend-status').dataset.lastT = n ? String(tr.t_s[n - 1]) : '';
  }

  // ------------------------------------------------------------------ wiring
  function init() {
    $('login-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      $('login-error').textContent = '';
      try { await signIn($('token-input').value); $('token-input').value = ''; } catch (e) {
        $('login-error').textContent = e.status === 401 || e.status === 403 ? `Token refused: ${e.message}` : e.message;
      }
    });
    $('logout').addEventListener('click', () => signOut(''));
    $('treatment-form').addEventListener('submit', submitTreatment);
    $('targets-form').addEventListener('submit', submitTargets);
    $('targets-form').addEventListener('input', (e) => { e.currentTarget.dataset.dirty = '1'; });
    $('treatment-form').time.addEventListener('input', (e) => { e.target.dataset.dirty = '1'; });
    $('window-select').addEventListener('change', () => {
      drawPlots();
      if (S.route.view === 'bed') backfill(S.route.bedId).then(drawPlots).catch(() => {});
    });
    $('show-acked').addEventListener('change', renderAlertList);
    $('plot-pattern').addEventListener('mousemove', bandHover);
    window.addEventListener('hashchange', route);
    let rs = null;
    window.addEventListener('resize', () => { clearTimeout(rs); rs = setTimeout(renderCurrentView, 100); });

    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      openSession(token).then(startApp).catch((e) => signOut(e.status === 401 ? 'Your token was refused; sign in again.' : e.message));
    } else {
      signOut('');
    }
  }

  // the one HTTP helper of the page (session cookie for reads, bearer token for writes,
  // one session renewal on 401), shared with eeg.js and scores.js
  window.rsemonHttp = http;

  // read-only summary of a bed's merged trend series (what the plots draw), for
  // tests and support: nothing here changes state
  window.rsemonDebug = Object.freeze({
    trends(bedId) {
      const tr = S.trends.get(String(bedId));
      if (!tr) return null;
      const n = tr.t_s.length;
      let maxStep = 0; let sorted = true;
      for (let i = 1; i < n; i += 1) {
        const step = tr.t_s[i] - tr.t_s[i - 1];
        if (step <= 0) sorted = false;
        maxStep = Math.max(maxStep, step);
      }
      const [x0, x1] = timeWindow(tr);
      let inWindow = 0;
      for (const ms of tr.ms) if (ms >= x0 && ms <= x1) inWindow += 1;
      const toT = (ms) => ((ms - tr.t0ms) * tr.speed) / 1000;
      const onsets = seizureIntervals(tr, String(bedId)).onsets.filter((ms) => ms >= x0 && ms <= x1);
      return {
        n, n_unique: new Set(tr.t_s).size, sorted, max_step_s: maxStep,
        first_t: n ? tr.t_s[0] : null, last_t: n ? tr.t_s[n - 1] : null,
        n_in_window: inWindow, has_older: tr.hasOlder,
        onset_marks_t: onsets.map((ms) => Math.round(toT(ms) * 1000) / 1000), // seizure markers drawn
      };
    },
    // the pattern band as drawn (runs inside the time window), the seizure bars over
    // it, its legend and the current pattern line
    patterns(bedId) {
      const id = String(bedId);
      const tr = S.trends.get(id);
      if (!tr) return null;
      const [x0, x1] = timeWindow(tr);
      const toT = (ms) => Math.round((((ms - tr.t0ms) * tr.speed) / 1000) * 1000) / 1000;
      return {
        segments: patternRuns(tr, x0, x1).map((r) => ({
          term: r.term, main: r.main, from_t: tr.t_s[r.i0], to_t: tr.t_s[r.i1], n: r.i1 - r.i0 + 1,
          hz: isNum(r.hz) ? r.hz : null, iic: r.iic, colour: patColour(r.main), words: termWords(r.term),
          mid_px: M.l + ((tr.ms[r.i0] + tr.ms[r.i1]) / 2 - x0) / (x1 - x0) * (bandView.pw || 1), // on the canvas
        })),
        seizures: seizureIntervals(tr, id).intervals.filter(([a, b]) => b >= x0 && a <= x1).map(([a, b]) => [toT(a), toT(b)]),
        legend: [...$('pattern-legend').querySelectorAll('li[data-term]')].map((li) => li.dataset.term),
        label: $('plot-pattern').getAttribute('aria-label'),
        current: $('now-pattern').textContent, quality: $('now-quality').textContent,
      };
    },
    patternText, // the current-pattern wording of a hop (pure)
  });

  init();
})();
