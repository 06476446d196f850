/**
 * The dispatch page's small inline script (browser code, shipped as text under the CSP nonce).
 *
 * - Live updates: htmx's SSE extension owns the connection (`sse-connect`, reconnects, lifecycle
 *   events). Each `update` event is a batch of htmx out-of-band fragments; this script applies them
 *   itself on `htmx:sseBeforeMessage` (replace or delete by id, append or prepend into a target)
 *   and cancels htmx's generic swap, which costs about four times as much per row: that is what
 *   keeps a 1,000-hero table smooth. Without this script htmx would apply the same fragments.
 * - Actions: one delegated handler for every `[data-post]` / `[data-delete]` element (buttons on
 *   click, the Assign select on change, sending `{"location": value}`). Delegation, not per-row
 *   htmx attributes, because rows are replaced all the time and each would need processing again.
 * - Flash messages for every action: the element's `data-ok` or `data-fail` text is filled with
 *   `{field}` values from the JSON answer, then from the element's `data-*`. Store failures
 *   (`no_quorum`, `timeout`) read "Database failed with <reason>.". Flashes fade after 8 s; text is
 *   set with `textContent`, never parsed as markup.
 * - A node on a non-loopback web host asks for its bearer token: on a 401 the page asks the user
 *   for it once, keeps it in `sessionStorage` (this tab only) and sends it as `Authorization` from
 *   then on; the page itself is then served with `--public-read`.
 * - A row whose Assign select has focus is not replaced while the user picks (the dropdown would
 *   close under them); the select is released after its request, and the next update lands.
 * - Batches are queued and applied once per animation frame (a 250 ms timer stands in for frames
 *   in a background tab), so a burst of updates costs one layout, not one per batch.
 * - The hero table's filter bar and pager: a change re-opens the live stream with the view as query
 *   parameters (see `hero-filter-view.ts`); typing in the search waits 250 ms for a pause.
 * - The connection light, and a watchdog: after 3 s without a live stream it probes `/livez` every
 *   2 s and reconnects as soon as the node answers (the extension's own back-off grows to a minute).
 *
 * ```ts
 * html`<script nonce="${nonce}">${PAGE_SCRIPT}</script>`
 * ```
 *
 * Obligation: trusted constant code; it must never contain `</script>` or interpolated data.
 *
 * When not to use: it assumes the markup of `page-view.ts` and `page-fragments.ts`.
 */
import { SafeHtml } from './html.ts';

export const PAGE_SCRIPT = new SafeHtml(`
(function () {
  'use strict';
  var FLASH_MS = 8000;
  var flashBox = document.getElementById('flash');

  function showFlash(level, text) {
    var el = document.createElement('div');
    el.className = 'flash ' + level;
    el.setAttribute('data-testid', 'flash');
    el.setAttribute('role', level === 'error' ? 'alert' : 'status');
    el.textContent = text;
    flashBox.prepend(el);
    while (flashBox.children.length > 5) flashBox.lastElementChild.remove();
  }
  setInterval(function () {
    var now = Date.now();
    Array.prototype.forEach.call(flashBox.children, function (el) {
      var born = Number(el.getAttribute('data-born'));
      if (!born) el.setAttribute('data-born', String(now));
      else if (now - born > FLASH_MS) el.remove();
    });
  }, 1000);

  function fill(template, answer, elt) {
    return template.replace(/\\{(\\w+)\\}/g, function (match, key) {
      if (answer && typeof answer === 'object' && answer[key] !== undefined && typeof answer[key] !== 'object') return String(answer[key]);
      if (elt.dataset[key] !== undefined) return elt.dataset[key];
      return match;
    });
  }

  function report(elt, status, text) {
    var answer = null;
    try { answer = text ? JSON.parse(text) : null; } catch (e) { answer = null; }
    if (status >= 200 && status < 300) {
      showFlash('info', fill(elt.dataset.ok || 'Done', answer, elt));
    } else {
      var error = answer && answer.error ? answer.error : { code: 'network', message: status ? 'HTTP ' + status : 'the node did not answer' };
      var reason = String(error.message).replace(/\\.+$/, '');
      if (error.code === 'no_quorum' || error.code === 'timeout') showFlash('error', 'Database failed with ' + reason + '.');
      else showFlash('error', fill(elt.dataset.fail || 'Request failed', null, elt) + ': ' + reason);
      if (elt.tagName === 'SELECT') {
        var row = elt.closest('tr');
        if (row && row.dataset.location) elt.value = row.dataset.location;
      }
    }
  }

  var TOKEN_KEY = 'superhero-web-token';
  function request(method, url, body, asked) {
    var init = { method: method, headers: { accept: 'application/json' } };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) init.headers.authorization = 'Bearer ' + token;
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      if (res.status !== 401 || asked) return res;
      var given = window.prompt('This node asks for its web token (see its web-token file):');
      if (!given) return res;
      sessionStorage.setItem(TOKEN_KEY, given.trim());
      return request(method, url, body, true);
    });
  }

  function send(elt, method, url, body) {
    elt.classList.add('busy');
    request(method, url, body, false).then(function (res) {
      return res.text().then(function (text) { report(elt, res.status, text); });
    }, function () { report(elt, 0, ''); }).then(function () {
      elt.classList.remove('busy');
      if (elt.tagName === 'SELECT') elt.blur();
    });
  }

  document.addEventListener('click', function (evt) {
    var elt = evt.target.closest('button[data-post], button[data-delete]');
    if (!elt || elt.classList.contains('busy')) return;
    if (elt.dataset.delete) send(elt, 'DELETE', elt.dataset.delete);
    else send(elt, 'POST', elt.dataset.post, {});
  });
  document.addEventListener('change', function (evt) {
    var elt = evt.target.closest('select[data-post]');
    if (elt) send(elt, 'POST', elt.dataset.post, { location: elt.value });
  });

  function holdRow(target, incoming) {
    var active = document.activeElement;
    return target.tagName === 'TR' && incoming.cells && incoming.cells.length > 0 &&
      active && active.tagName === 'SELECT' && target.contains(active);
  }

  function apply(data) {
    var outer = document.createElement('template');
    outer.innerHTML = data;
    var wrappers = Array.prototype.slice.call(outer.content.children);
    for (var i = 0; i < wrappers.length; i++) {
      var el = wrappers[i].content ? wrappers[i].content.firstElementChild : wrappers[i];
      if (!el) continue;
      var how = el.getAttribute('hx-swap-oob') || 'true';
      el.removeAttribute('hx-swap-oob');
      var colon = how.indexOf(':');
      var style = colon > 0 ? how.slice(0, colon) : how;
      var target = colon > 0 ? document.querySelector(how.slice(colon + 1)) : document.getElementById(el.id);
      if (!target) continue;
      if (style === 'true' || style === 'outerHTML') { if (!holdRow(target, el)) target.replaceWith(el); }
      else if (style === 'delete') target.remove();
      else if (style === 'beforeend') target.append.apply(target, Array.prototype.slice.call(el.childNodes));
      else if (style === 'afterbegin') target.prepend.apply(target, Array.prototype.slice.call(el.childNodes));
    }
  }
  // Batches that arrive between two frames are applied together, once, before the next frame; a
  // timer stands in for frames in a background tab (which draws none) so its DOM stays current.
  var queued = [];
  var frame = 0;
  var fallback = 0;
  function flushQueue() {
    if (frame) cancelAnimationFrame(frame);
    if (fallback) clearTimeout(fallback);
    frame = 0;
    fallback = 0;
    var batch = queued;
    queued = [];
    for (var i = 0; i < batch.length; i++) apply(batch[i]);
  }
  document.body.addEventListener('htmx:sseBeforeMessage', function (evt) {
    evt.preventDefault();
    queued.push(evt.detail.data);
    if (!frame) frame = requestAnimationFrame(flushQueue);
    if (!fallback) fallback = setTimeout(flushQueue, 250);
  });

  var light = document.getElementById('connection');
  var downSince = Date.now();
  var probing = false;
  function setState(state) { light.setAttribute('data-state', state); }
  document.body.addEventListener('htmx:sseOpen', function () { downSince = 0; setState('live'); });
  document.body.addEventListener('htmx:sseError', function () { if (!downSince) downSince = Date.now(); setState('reconnecting'); });
  // The table's view (filters, page) is the live stream's query: changing it re-opens the stream,
  // whose first event re-sends the window.
  var filterForm = document.getElementById('hero-filter');
  var page = 1;
  function streamUrl() {
    var params = new URLSearchParams({ format: 'html' });
    new FormData(filterForm).forEach(function (value, key) { if (value) params.set(key, String(value)); });
    if (page > 1) params.set('page', String(page));
    return '/api/events?' + params.toString();
  }
  function reconnect() {
    var old = document.getElementById('live');
    var fresh = old.cloneNode(false);
    fresh.setAttribute('sse-connect', streamUrl());
    htmx.remove(old);
    document.body.appendChild(fresh);
    htmx.process(fresh);
  }
  setInterval(function () {
    if (!downSince || probing || Date.now() - downSince < 3000) return;
    probing = true;
    fetch('/livez', { cache: 'no-store' }).then(function (res) {
      if (res.ok && downSince) { downSince = Date.now(); reconnect(); }
    }, function () {}).then(function () { probing = false; });
  }, 2000);
  var typing = 0;
  filterForm.addEventListener('submit', function (evt) { evt.preventDefault(); });
  filterForm.addEventListener('change', function (evt) {
    if (evt.target.tagName === 'INPUT') return;
    page = 1;
    reconnect();
  });
  filterForm.addEventListener('input', function (evt) {
    if (evt.target.tagName !== 'INPUT') return;
    clearTimeout(typing);
    typing = setTimeout(function () { page = 1; reconnect(); }, 250);
  });
  document.addEventListener('click', function (evt) {
    var elt = evt.target.closest('#pager button[data-page]');
    if (!elt || elt.disabled) return;
    page = Math.max(1, Number(elt.dataset.page) || 1);
    reconnect();
  });
})();
`);
