// lbsync status page: polls GET /status and shows it. Every value from Consul is untrusted: it reaches the page only
// as text (document.createTextNode / textContent), never as HTML; the Content-Security-Policy forbids inline script.
'use strict';

const POLL_MS = 2000;
let serverOffsetMs = 0; // server time minus browser time, for the guard countdowns
const openDetails = new Set(); // <details> the reader opened: kept open across refreshes

// el('td', {class: 'x'}, 'text', child...): an element; strings become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.dataset[k.slice(5).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = String(v);
    else e.setAttribute(k, String(v)); // only fixed attribute names are used below (class, title, open, hidden)
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function badge(text, kind) {
  return el('span', {class: 'badge ' + (kind || '')}, text);
}

function when(iso) {
  if (!iso) return '–';
  const t = new Date(iso);
  const ago = Math.round((Date.now() + serverOffsetMs - t.getTime()) / 1000);
  return t.toLocaleTimeString() + (ago >= 0 ? ' (' + human(ago) + ' ago)' : '');
}

function human(seconds) {
  if (seconds < 90) return seconds + ' s';
  if (seconds < 5400) return Math.round(seconds / 60) + ' min';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
  return Math.round(seconds / 86400) + ' d';
}

function ms(v) {
  return v === null || v === undefined ? '' : ' in ' + v + ' ms';
}

function kv(pairs) {
  return el('dl', {class: 'kv'}, pairs.filter(p => p).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function details(key, summary, ...content) {
  const d = el('details', {'data-key': key, open: openDetails.has(key)}, el('summary', {}, summary), ...content);
  d.addEventListener('toggle', () => d.open ? openDetails.add(key) : openDetails.delete(key));
  return d;
}

function statusKind(s) {
  return {UP: 'ok', DEGRADED: 'warn', DOWN: 'bad', INSTALLED: 'ok', UNCHANGED: 'ok', FAILED: 'bad', OK: 'ok',
    passing: 'ok', warning: 'warn', critical: 'bad'}[s] || '';
}

function renderHealth(s) {
  const h = document.getElementById('health');
  h.textContent = s.health.status;
  h.className = 'badge ' + statusKind(s.health.status);
  document.getElementById('problems').replaceChildren(
    ...s.health.problems.map(p => el('li', {}, p)),
    ...s.health.degraded.map(p => el('li', {class: 'degraded'}, p)));
}

/** lbsync.consul.datacenters: "dc1 (local), dc2 (backups: 4 instances, index 812), dc3 (backups: not read yet)". */
function datacentersLine(dcs) {
  return dcs.map(d => d.role === 'local' ? d.name + ' (local)'
    : d.name + ' (backups: ' + (d.synced ? d.instances + ' instances, index ' + d.index : 'not read yet') + ')').join(', ');
}

function renderConsul(c, cleanup, datacenters) {
  const watches = Object.entries(c.watches).map(([name, w]) => el('tr', {},
    el('td', {class: 'mono'}, name),
    el('td', {}, w.error ? badge(w.errorKind || 'error', 'bad') : w.lastSuccess ? badge('ok', 'ok') : badge('waiting', 'warn')),
    el('td', {}, String(w.index)),
    el('td', {}, when(w.lastContact)),
    el('td', {class: 'reason'}, w.error ? [w.consecutiveFailures + ' failures since ' + when(w.failingSince) + ': ', w.error] : '')));
  document.getElementById('consul').replaceChildren(
    kv([['address', el('span', {class: 'mono'}, c.url)],
      c.agents.length > 1 ? ['agents', c.agents.join(', ') + ': reading through ' + (c.agentIndex === 0 ? 'the preferred one'
        : 'number ' + (c.agentIndex + 1) + ', back to the first when it answers') + (c.lastAgentSwitch ? '; ' + c.agentSwitches
        + ' switches, last ' + when(c.lastAgentSwitch.at) + ' (' + c.lastAgentSwitch.reason + ')' : '')] : null,
      ['synced', c.synced ? 'yes, catalog index ' + c.catalogIndex + ' (' + c.services + ' services, ' + c.instances + ' instances)'
        : 'no complete read yet'],
      c.kvIndex !== undefined ? ['K/V', 'index ' + c.kvIndex + ', ' + c.kvKeys + ' keys'] : null,
      datacenters && datacenters.length ? ['datacenters', datacentersLine(datacenters)] : null,
      ['leader (cleanup lock)', cleanup ? (cleanup.leader ? 'this instance' : cleanup.leaderInstance || 'none') : 'no cleanup'],
      c.unreadableServices.length ? ['unreadable services', c.unreadableServices.map(u => u.service + ' (' + u.reason + ')').join(', ')] : null]),
    el('table', {}, el('thead', {}, el('tr', {}, ['watch', 'state', 'index', 'last contact', 'error'].map(h => el('th', {}, h)))),
      el('tbody', {}, watches)));
}

function diffLines(lines) {
  return el('pre', {class: 'diff'}, lines.map(l => el('span', {class: l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : 'hunk'}, l + '\n')));
}

function renderTarget(name, t) {
  if (!t.enabled) {
    return el('div', {class: 'card'}, el('h3', {}, name, badge('disabled')), el('div', {class: 'muted mono'}, t.output));
  }
  const r = t.lastRun;
  const live = t.live;
  const parts = [
    el('h3', {}, name, r.running ? badge('running', 'warn') : badge(r.result || 'not run yet', statusKind(r.result))),
    kv([['output', el('span', {class: 'mono'}, t.output)],
      ['live file', live.exists ? el('span', {}, el('span', {class: 'mono', title: live.sha256}, live.sha256.slice(0, 16) + '…'),
        ' ' + live.bytes + ' bytes, ' + live.backends + ' backends, ' + live.servers + ' servers, modified ' + when(live.modified))
        : live.error || 'not there yet'],
      ['last run', r.result ? r.result + ' ' + when(r.at) + ms(r.tookMs) : '–'],
      ['last render', t.lastRender ? when(t.lastRender.at) + ms(t.lastRender.tookMs) + ', ' + t.lastRender.servers + ' servers' : '–'],
      ['last install', when(t.lastInstall)],
      ['last reload', t.lastReload ? t.lastReload.result + ' ' + when(t.lastReload.at) + ms(t.lastReload.tookMs) : '–'],
      r.failingSince ? ['failing', r.consecutiveFailures + ' runs in a row since ' + when(r.failingSince)] : null])];
  if (r.error) {
    parts.push(el('div', {class: 'muted'}, 'error (verbatim):'), el('pre', {class: 'error'}, r.error));
  }
  if (t.guardHold) {
    const g = t.guardHold;
    parts.push(el('div', {class: 'hold'},
      el('strong', {}, 'Held by the guard since ' + when(g.since) + ': '),
      g.uncorroborated ? 'waits for Consul to corroborate it or POST /guard/confirm (' + g.uncorroborated + ')'
        : el('span', {'data-confirm-at': g.confirmAt}, countdown(g.confirmAt)),
      el('ul', {}, g.changes.map(c => el('li', {}, c)))));
  }
  if (t.recentDiffs.length) {
    parts.push(details('diffs:' + name, 'last ' + t.recentDiffs.length + ' diffs',
      t.recentDiffs.map(d => [el('div', {class: 'muted'}, when(d.at) + (d.firstInstall ? ': first install' : '')),
        d.firstInstall ? null : diffLines(d.lines)])));
  }
  return el('div', {class: 'card'}, parts);
}

function countdown(confirmAt) {
  const left = Math.max(0, Math.round((new Date(confirmAt).getTime() - Date.now() - serverOffsetMs) / 1000));
  return 'applied in ' + left + ' s if Consul still says so (or POST /guard/confirm)';
}

function renderServices(services) {
  const box = document.getElementById('services');
  const summary = document.getElementById('services-summary');
  if (!services) {
    summary.textContent = '';
    box.replaceChildren(el('div', {class: 'card muted'}, 'waiting for the first complete read of Consul'));
    return;
  }
  summary.textContent = services.services.length + ' services, ' + services.instances + ' instances, ' + services.rendered + ' rendered'
    + (services.listed < services.instances ? ' (first ' + services.listed + ' listed)' : '');
  box.replaceChildren(...services.services.map(s => el('div', {class: 'card service'},
    el('h3', {}, el('span', {class: 'mono'}, s.name),
      Object.entries(s.health).map(([k, n]) => badge(n + ' ' + k, statusKind(k))),
      el('span', {class: 'muted'}, s.rendered + ' of ' + s.instanceCount + ' rendered')),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'instance'), el('th', {}, 'address'), el('th', {}, 'health'),
      el('th', {}, 'in config'), el('th', {class: 'wide'}, 'tags / meta'))),
    el('tbody', {}, s.instances.map(i => el('tr', {},
      el('td', {class: 'mono'}, i.id, el('div', {class: 'muted'}, i.node)),
      el('td', {class: 'mono'}, i.address + ':' + i.port),
      el('td', {}, badge(i.status, statusKind(i.status))),
      el('td', {class: 'reason'}, i.rendered ? badge('rendered', 'ok') : badge('left out', 'bad'),
        i.reason ? el('div', {}, i.reason) : null, i.notes.map(n => el('div', {class: 'muted'}, n))),
      el('td', {class: 'wide tags'}, i.tags.map(t => el('span', {}, t)),
        Object.entries(i.meta).map(([k, v]) => el('span', {}, k + '=' + v))))))))));
}

function renderCleanup(c) {
  const box = document.getElementById('cleanup');
  if (!c) {
    box.replaceChildren(el('span', {class: 'muted'}, 'the duplicate cleanup is not configured'));
    return;
  }
  const r = c.lastReport || {};
  const decisions = r.decisions || [];
  box.replaceChildren(...[
    kv([['last run', r.time ? when(r.time) + (r.dryRun ? ' (dry run)' : '') : 'none yet'],
      ['catalog index', String(r.catalogIndex || '–')],
      ['duplicated IDs', String(r.duplicatedIds || 0) + ', extra copies ' + (r.extraCopies || 0)],
      r.error ? ['error', r.error] : null]),
    decisions.length ? el('table', {}, el('thead', {}, el('tr', {}, ['action', 'service', 'id', 'node', 'reason'].map(h => el('th', {}, h)))),
      el('tbody', {}, decisions.map(d => el('tr', {}, el('td', {}, d.action), el('td', {class: 'mono'}, d.service),
        el('td', {class: 'mono'}, d.id), el('td', {class: 'mono'}, d.node), el('td', {class: 'reason'}, d.reason))))) : null,
  ].filter(Boolean));
}

function render(s) {
  serverOffsetMs = new Date(s.time).getTime() - Date.now();
  renderHealth(s);
  renderConsul(s.consul, s.cleanup, s.datacenters);
  document.getElementById('targets').replaceChildren(...Object.entries(s.targets).map(([n, t]) => renderTarget(n, t)));
  renderServices(s.services);
  renderCleanup(s.cleanup);
}

async function poll() {
  const updated = document.getElementById('updated');
  try {
    const res = await fetch('/status', {cache: 'no-store', headers: {Accept: 'application/json'}});
    if (!res.ok) throw new Error('HTTP ' + res.status);
    render(await res.json());
    updated.textContent = 'updated ' + new Date().toLocaleTimeString();
    updated.dataset.state = 'ok';
  } catch (e) {
    updated.textContent = 'cannot reach lbsync: ' + e.message + ' (retrying)';
    updated.dataset.state = 'error';
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

setInterval(() => document.querySelectorAll('[data-confirm-at]').forEach(e => {
  e.textContent = countdown(e.dataset.confirmAt);
}), 1000);
poll();
