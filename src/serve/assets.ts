/**
 * The page's style and script, inlined into every page and into the report: no build step,
 * nothing loaded from anywhere (fonts are the system's).
 */

/** Timeline bars are placed by class (`l37 w12`): the page's policy allows no inline styles. */
const BAR_CLASSES = Array.from({ length: 101 }, (_, i) => `.l${i}{left:${i}%}.w${i}{width:${i}%}`).join('');

export const STYLES = `
:root{color-scheme:light dark;
--bg:#f6f8fa;--fg:#1f2328;--muted:#59636e;--card:#fff;--border:#d1d9e0;--head:#f6f8fa;--hover:#f3f8ff;
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--run:#0969da;--run-bg:#ddf4ff;
--warn:#9a6700;--warn-bg:#fff8c5;--gray:#6e7781;--gray-bg:#eaeef2;--int:#bc4c00;--int-bg:#fff1e5;
--log-bg:#0d1117;--log-fg:#e6edf3;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;
--sans:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
@media (prefers-color-scheme:dark){:root{
--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--card:#151b23;--border:#3d444d;--head:#151b23;--hover:#1c2430;
--ok:#3fb950;--ok-bg:rgba(46,160,67,.18);--bad:#f85149;--bad-bg:rgba(248,81,73,.16);--run:#4493f8;--run-bg:rgba(56,139,253,.18);
--warn:#d29922;--warn-bg:rgba(187,128,9,.18);--gray:#9198a1;--gray-bg:rgba(110,118,129,.22);--int:#db6d28;--int-bg:rgba(219,109,40,.18);
--log-bg:#010409}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.5 var(--sans);background:var(--bg);color:var(--fg)}
a{color:var(--run);text-decoration:none}a:hover{text-decoration:underline}
code{font-family:var(--mono);font-size:12.5px}
h1{font-size:22px;line-height:1.25;margin:0;overflow-wrap:anywhere}
h2{font-size:15px;margin:0 0 10px;font-weight:600}
.top{display:flex;align-items:center;gap:14px;padding:10px 24px;background:var(--card);border-bottom:1px solid var(--border);position:sticky;top:0;z-index:2}
.brand{font-weight:650;font-size:16px;color:var(--fg);white-space:nowrap}.brand:hover{text-decoration:none}
.logo{color:var(--run);margin-right:7px}
.ws{color:var(--muted);font:12.5px var(--mono);overflow:hidden;text-overflow:ellipsis;white-space:nowrap;min-width:0;flex:1}
.flash{font-size:12.5px;color:var(--muted);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:40%}.flash.bad{color:var(--bad)}
.live{font-size:12px;color:var(--muted);display:inline-flex;align-items:center;gap:6px;white-space:nowrap}
.live .dot{width:8px;height:8px;border-radius:50%;background:var(--gray)}
.live[data-state=live] .dot{background:var(--ok)}.live[data-state=offline] .dot{background:var(--bad)}
main{max-width:1240px;margin:0 auto;padding:20px 24px 56px}
.crumbs{font-size:13px;color:var(--muted);margin-bottom:14px;overflow-wrap:anywhere}.crumbs .sep{margin:0 7px}
.counts{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0;margin:0 0 16px}
.counts li{background:var(--card);border:1px solid var(--border);border-radius:999px;padding:3px 12px;font-size:13px;color:var(--muted)}
.counts li b{color:var(--fg);font-variant-numeric:tabular-nums}
.counts li.st-success b{color:var(--ok)}.counts li.st-failed b{color:var(--bad)}.counts li.st-building b{color:var(--run)}.counts li.st-stale b{color:var(--warn)}
.table-wrap{background:var(--card);border:1px solid var(--border);border-radius:8px;overflow:auto}
table{border-collapse:collapse;width:100%}
th{text-align:left;font-size:12px;font-weight:600;color:var(--muted);padding:9px 12px;background:var(--head);border-bottom:1px solid var(--border);white-space:nowrap}
td{padding:10px 12px;border-bottom:1px solid var(--border);vertical-align:top}
tbody tr:last-child td{border-bottom:0}
tbody tr:hover td{background:var(--hover)}
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td time{white-space:nowrap}
th.num{text-align:right}
td.name a{font-weight:600;overflow-wrap:anywhere}
.path{color:var(--muted);font:12px var(--mono)}
.note{font-size:12.5px;margin-top:4px;max-width:70ch;overflow-wrap:anywhere}
.note.fail{color:var(--bad)}.note.now{color:var(--run)}
.badge{display:inline-flex;align-items:center;gap:5px;padding:0 9px 0 7px;border-radius:999px;font-size:12px;font-weight:600;white-space:nowrap;line-height:22px;border:1px solid transparent}
.badge .ico{font-size:11px;line-height:1}
.badge.st-success,.badge.st-fresh{color:var(--ok);background:var(--ok-bg)}
.badge.st-failed{color:var(--bad);background:var(--bad-bg)}
.badge.st-building{color:var(--run);background:var(--run-bg)}
.badge.st-cancelled,.badge.st-skipped,.badge.st-pending{color:var(--gray);background:var(--gray-bg)}
.badge.st-never-built{color:var(--gray);border-color:var(--border)}
.badge.st-interrupted{color:var(--int);background:var(--int-bg)}
.badge.st-stale{color:var(--warn);background:var(--warn-bg)}
.badge.st-building .ico,.phase.st-building .bar{animation:pulse 1.2s ease-in-out infinite}
@keyframes pulse{50%{opacity:.3}}
@media (prefers-reduced-motion:reduce){.badge.st-building .ico,.phase.st-building .bar{animation:none}}
button.rebuild{font:inherit;font-size:13px;font-weight:600;padding:4px 12px;border-radius:6px;border:1px solid var(--border);background:var(--card);color:var(--fg);cursor:pointer;white-space:nowrap}
button.rebuild:hover:not(:disabled){border-color:var(--run);color:var(--run)}
button.rebuild:focus-visible{outline:2px solid var(--run);outline-offset:2px}
button.rebuild:disabled{opacity:.6;cursor:default}
td.actions{text-align:right;width:1%}
.head{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;margin-bottom:16px}
.head .title{display:flex;align-items:center;gap:10px;flex-wrap:wrap;min-width:0}
.head .tools{margin-left:auto;display:flex;align-items:center;gap:8px}
.head .meta{color:var(--muted);font-size:13px;display:flex;gap:6px 14px;flex-wrap:wrap;flex-basis:100%;order:3}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px;margin-bottom:16px;align-items:start}
.card{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:14px 16px;min-width:0}
.card.bad{border-color:var(--bad)}
.card p{margin:0}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:5px 16px;margin:0;font-size:13px}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere;min-width:0}
.reasons{margin:10px 0 0;padding-left:18px;font-size:13px}.reasons li{overflow-wrap:anywhere}
.block{margin:22px 0}
.block-head{display:flex;align-items:baseline;justify-content:space-between;gap:8px}
.n{display:inline-block;min-width:20px;padding:0 6px;border-radius:999px;background:var(--gray-bg);color:var(--muted);font-size:12px;text-align:center;font-weight:600;vertical-align:1px}
.phases{list-style:none;margin:0;padding:0;background:var(--card);border:1px solid var(--border);border-radius:8px;overflow:hidden}
.phases>li+li{border-top:1px solid var(--border)}
.phase>summary{display:grid;grid-template-columns:120px 130px 96px minmax(0,1fr);align-items:center;gap:12px;padding:8px 14px;cursor:pointer;list-style:none}
.phase>summary::-webkit-details-marker{display:none}
.phase>summary:hover{background:var(--hover)}
.phase>summary:focus-visible{outline:2px solid var(--run);outline-offset:-2px}
.pname{font:600 13px var(--mono)}
.pname::before{content:"\\25B8";display:inline-block;width:12px;margin-right:4px;text-align:center;color:var(--muted);transition:transform .15s}
details[open]>summary .pname::before{transform:rotate(90deg)}
.dur{font-size:12.5px;color:var(--muted);text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.track{position:relative;height:8px;background:var(--gray-bg);border-radius:4px;overflow:hidden}
.bar{position:absolute;top:0;bottom:0;border-radius:4px;background:var(--gray);min-width:3px}
.phase.st-success .bar{background:var(--ok)}.phase.st-failed .bar{background:var(--bad)}
.phase.st-building .bar{background:var(--run)}.phase.st-interrupted .bar{background:var(--int)}
.phase-body{padding:2px 14px 14px}
.phase-body .muted{font-size:13px;margin:0}
pre.log{margin:0;padding:12px 14px;background:var(--log-bg);color:var(--log-fg);border-radius:6px;font:12.5px/1.55 var(--mono);white-space:pre-wrap;overflow-wrap:anywhere;max-height:480px;overflow:auto;tab-size:4}
pre.log:focus-visible{outline:2px solid var(--run)}
pre.log .e{color:#ff7b72}pre.log .w{color:#e3b341}pre.log .m{color:#8b949e}
.omitted{font-size:12px;color:var(--muted);margin:0 0 6px}
.whole-log{margin-top:10px}.whole-log>summary{cursor:pointer;font-weight:600;margin-bottom:6px}
.errors{list-style:none;margin:0 0 10px;padding:0}
.errors li{border-left:3px solid var(--bad);background:var(--bad-bg);padding:8px 12px;border-radius:0 6px 6px 0;margin-bottom:6px;font-size:13px;overflow-wrap:anywhere}
.errors.warn li{border-color:var(--warn);background:var(--warn-bg)}
.errors .loc{font-weight:600}.errors .code{font:12px var(--mono);color:var(--muted)}.errors .in{font-size:12px;color:var(--muted)}
.errors .msg{white-space:pre-wrap;font:12.5px/1.5 var(--mono);margin-top:3px}
.errors .detail{color:var(--muted);font-size:12px;margin-top:2px}
.block details>summary{cursor:pointer}.block details>summary h2{display:inline}
.history tr.current td{background:var(--run-bg)}
.sum{color:var(--muted)}
.muted{color:var(--muted)}.small{font-size:12.5px;font-weight:400}
.empty{background:var(--card);border:1px dashed var(--border);border-radius:8px;padding:24px;text-align:center;color:var(--muted)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
${BAR_CLASSES}
@media (max-width:760px){
.top{padding:8px 12px;gap:10px}.ws{display:none}.flash{max-width:none;flex:1}
main{padding:12px 12px 40px}
h1{font-size:19px}
.cards{grid-template-columns:minmax(0,1fr)}
table.packages thead,table.history thead,table.artifacts thead{display:none}
table.packages,table.packages tbody,table.packages tr,table.history,table.history tbody,table.history tr,table.artifacts,table.artifacts tbody,table.artifacts tr{display:block;width:100%}
table.packages tr,table.history tr,table.artifacts tr{padding:10px 12px;border-bottom:1px solid var(--border)}
table.packages tr:last-child,table.history tr:last-child,table.artifacts tr:last-child{border-bottom:0}
table.packages td,table.history td,table.artifacts td{display:flex;justify-content:space-between;align-items:baseline;gap:12px;border:0;padding:3px 0;text-align:right;min-width:0}
table.packages td::before,table.history td::before,table.artifacts td::before{content:attr(data-label);color:var(--muted);font-size:12px;text-align:left;flex:none}
table.packages td.name{display:block;text-align:left;padding-bottom:6px}table.packages td.name::before{content:none}
table.packages td.actions{width:auto;justify-content:flex-end;padding-top:6px}table.packages td.actions::before{content:none}
tbody tr:hover td{background:none}
.phase>summary{grid-template-columns:minmax(0,1fr) auto auto;gap:6px 10px;padding:8px 12px}
.phase .track{grid-column:1/-1}
.phase-body{padding:2px 8px 12px}
pre.log{font-size:12px;padding:10px;max-height:360px}
}
`;

/**
 * Serve: follows `/api/events` and re-fetches the current view when a record changes, keeping
 * which phases are open and where each log is scrolled; the Rebuild button POSTs with the
 * page's token. Report: shows the view the URL's hash names. Both: relative times.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var mode = document.body.getAttribute('data-mode');
  function ago(ms) {
    var s = Math.round(ms / 1000);
    if (s < 5) return 'just now';
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.round(s / 60) + ' min ago';
    if (s < 86400) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }
  function times(root) {
    var list = (root || document).querySelectorAll('time[data-rel]');
    for (var i = 0; i < list.length; i++) {
      var t = list[i];
      var at = Date.parse(t.getAttribute('datetime'));
      if (isNaN(at)) continue;
      t.title = new Date(at).toLocaleString();
      t.textContent = ago(Date.now() - at);
    }
  }
  times();
  setInterval(times, 30000);

  if (mode === 'report') {
    var show = function () {
      var route = '/';
      try { route = decodeURIComponent(location.hash.slice(1)) || '/'; } catch (e) {}
      var sections = document.querySelectorAll('section.route');
      var found = false;
      for (var i = 0; i < sections.length; i++) {
        var on = sections[i].getAttribute('data-route') === route;
        sections[i].hidden = !on;
        found = found || on;
      }
      if (!found && sections.length) sections[0].hidden = false;
      window.scrollTo(0, 0);
    };
    window.addEventListener('hashchange', show);
    show();
    return;
  }

  var meta = document.querySelector('meta[name="build-system-token"]');
  var token = meta ? meta.getAttribute('content') : '';
  var view = document.getElementById('view');
  var live = document.getElementById('live');
  var flash = document.getElementById('flash');
  function setLive(state, text) {
    live.setAttribute('data-state', state);
    live.querySelector('.live-text').textContent = text;
  }
  var flashTimer = null;
  function say(text, bad) {
    flash.textContent = text;
    flash.className = bad ? 'flash bad' : 'flash';
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { flash.textContent = ''; }, 8000);
  }

  var timer = null, busy = false, again = false;
  function schedule(delay) {
    if (timer) return;
    timer = setTimeout(function () { timer = null; refresh(); }, delay == null ? 100 : delay);
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.pathname, { headers: { 'X-Build-System-Fragment': '1' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.ok || r.status === 404 ? r.text() : null; })
      .then(function (text) { if (text !== null) swap(text); }, function () {})
      .then(function () { busy = false; if (again) { again = false; schedule(); } });
  }
  function swap(markup) {
    // A phase keeps the state it was left in while its status is the same; one that moved on
    // (pending to building, building to failed) opens as the server says, and stays open if it was.
    var open = {}, scroll = {};
    var ds = view.querySelectorAll('details[id]');
    for (var i = 0; i < ds.length; i++) {
      open[ds[i].id] = { open: ds[i].open, cls: ds[i].className };
      var pre = ds[i].querySelector('pre.log');
      if (pre) scroll[ds[i].id] = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 8 ? -1 : pre.scrollTop;
    }
    view.innerHTML = markup;
    ds = view.querySelectorAll('details[id]');
    for (var j = 0; j < ds.length; j++) {
      var d = ds[j];
      if (Object.prototype.hasOwnProperty.call(open, d.id)) d.open = open[d.id].cls === d.className ? open[d.id].open : d.open || open[d.id].open;
      var p = d.querySelector('pre.log');
      if (p && Object.prototype.hasOwnProperty.call(scroll, d.id)) p.scrollTop = scroll[d.id] === -1 ? p.scrollHeight : scroll[d.id];
    }
    times(view);
  }

  function connect() {
    var es = new EventSource('/api/events');
    es.addEventListener('hello', function () { setLive('live', 'live'); schedule(0); });
    es.addEventListener('package', function () { schedule(); });
    es.addEventListener('error', function () { setLive('offline', 'reconnecting'); });
  }
  connect();
  // Durations of running builds move on between record changes.
  setInterval(function () { if (view.querySelector('.badge.st-building')) schedule(0); }, 5000);

  document.addEventListener('click', function (e) {
    var b = e.target && e.target.closest ? e.target.closest('button[data-rebuild]') : null;
    if (!b || b.disabled) return;
    var name = b.getAttribute('data-rebuild');
    b.disabled = true;
    b.textContent = 'Starting…';
    fetch('/api/packages/' + encodeURIComponent(name) + '/rebuild', {
      method: 'POST',
      headers: { 'X-Build-System-Token': token, 'Content-Type': 'application/json' },
      body: '{}',
      credentials: 'same-origin'
    })
      .then(function (r) { return r.json().then(function (j) { return { status: r.status, body: j }; }, function () { return { status: r.status, body: {} }; }); })
      .then(function (res) {
        if (res.status === 202) say('Rebuilding ' + name + '…', false);
        else {
          say((res.body && res.body.error && res.body.error.message) || ('the server answered ' + res.status), true);
          b.disabled = false;
          b.textContent = 'Rebuild';
        }
        schedule(0);
      }, function () {
        say('the server did not answer', true);
        b.disabled = false;
        b.textContent = 'Rebuild';
      });
  });
})();
`;
