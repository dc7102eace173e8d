// liqd replay report: draws the charts and tables from the JSON block (app/report_data.c
// describes its layout). No network, no library: inline SVG and plain DOM.
window.onerror = function (m, s, l) { document.body.setAttribute('data-error', m + ' (line ' + l + ')'); };
(function () {
'use strict';
var D = JSON.parse(document.getElementById('data').textContent);
var main = document.getElementById('charts');
var NS = 'http://www.w3.org/2000/svg';
var W = 1160, L = 84, R = 16, T = 46, B = 44;
var TYPES = {3: 'liquidation', 4: 'takeover', 5: 'ADL', 6: 'socialized loss', 7: 'bad debt'};
var ins = {}, assets = D.assets;
D.ins.forEach(function (x) { ins[x.i] = x; });

function el(n, a, p, txt) {
	var e = document.createElementNS(NS, n);
	for (var k in a) e.setAttribute(k, a[k]);
	if (txt !== undefined) e.textContent = txt;
	if (p) p.appendChild(e);
	return e;
}
function h(tag, cls, p, txt) {
	var e = document.createElement(tag);
	if (cls) e.className = cls;
	if (txt !== undefined) e.textContent = txt;
	if (p) p.appendChild(e);
	return e;
}
function p2(n) { return (n < 10 ? '0' : '') + n; }
function utc(ms, frac) {
	var d = new Date(ms), s = p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + ':' + p2(d.getUTCSeconds());
	return frac ? s + '.' + String(d.getUTCMilliseconds()).padStart(3, '0') : s;
}
function day(ms) { return new Date(ms).toISOString().slice(0, 10); }
// an exact integer at dec decimals as text
function fx(v, dec) {
	if (v === null || v === undefined) return '';
	var s = String(Math.abs(v));
	if (dec > 0) {
		while (s.length <= dec) s = '0' + s;
		s = s.slice(0, -dec) + '.' + s.slice(-dec);
	}
	return (v < 0 ? '-' : '') + s;
}
function grp(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
function nice(span, n) {
	var r = span / n, m = Math.pow(10, Math.floor(Math.log10(r))), f = r / m;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * m;
}
var TSTEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5,
	6e5, 9e5, 18e5, 36e5, 72e5, 144e5, 216e5, 432e5, 864e5];

// A chart: o = {cls, attrs, title, x0, x1, y0, y1, ylab, h, lines: [{pts, c, w, dash, step}],
// bars: [{pts: [[x, lo, hi]], c}], marks: [{pts: [[x, y, tip]], shape, c}], band: [x0, x1],
// vlines: [[x, c, label]], legend: [[c, shape, text]]}
function chart(box, o) {
	var H = o.h || 300, pw = W - L - R, ph = H - T - B;
	if (o.x1 <= o.x0) o.x1 = o.x0 + 1000;
	if (!(o.y1 > o.y0)) { o.y0 -= 1; o.y1 += 1; }
	var sx = function (x) { return L + (x - o.x0) / (o.x1 - o.x0) * pw; };
	var sy = function (y) { return T + ph - (y - o.y0) / (o.y1 - o.y0) * ph; };
	var svg = el('svg', {class: 'chart ' + o.cls, viewBox: '0 0 ' + W + ' ' + H,
		'font-family': 'sans-serif', 'font-size': 12}, box);
	for (var k in o.attrs || {}) svg.setAttribute(k, o.attrs[k]);
	el('rect', {x: L, y: T, width: pw, height: ph, fill: '#fcfcfd', stroke: '#ccd'}, svg);
	var clip = 'c' + Math.random().toString(36).slice(2);
	el('rect', {x: L, y: T, width: pw, height: ph}, el('clipPath', {id: clip}, svg));
	var g = el('g', {'clip-path': 'url(#' + clip + ')'}, svg);
	if (o.band) el('rect', {x: sx(o.band[0]), y: T, width: Math.max(2, sx(o.band[1]) - sx(o.band[0])),
		height: ph, fill: '#fde2e1'}, g);
	// time axis (venue time, UTC)
	var st = TSTEPS.find(function (s) { return (o.x1 - o.x0) / s <= 9; }) || 864e5;
	for (var t = Math.ceil(o.x0 / st) * st; t <= o.x1; t += st) {
		el('line', {x1: sx(t), x2: sx(t), y1: T, y2: T + ph, stroke: '#eceef4'}, svg);
		el('text', {class: 'xt', x: sx(t), y: T + ph + 16, 'text-anchor': 'middle'}, svg, utc(t, st < 1000));
	}
	el('text', {class: 'xlab', x: L + pw / 2, y: H - 6, 'text-anchor': 'middle', fill: '#556'}, svg,
		'venue time, UTC (' + day(o.x0) + ')');
	var ys = nice(o.y1 - o.y0, 5), yd = Math.max(0, -Math.floor(Math.log10(ys)));
	for (var y = Math.ceil(o.y0 / ys) * ys; y <= o.y1; y += ys) {
		el('line', {x1: L, x2: L + pw, y1: sy(y), y2: sy(y), stroke: '#eceef4'}, svg);
		el('text', {x: L - 6, y: sy(y) + 4, 'text-anchor': 'end'}, svg, y.toFixed(yd));
	}
	el('text', {x: 14, y: T + ph / 2, 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (T + ph / 2) + ')'},
		svg, o.ylab);
	el('text', {class: 'ctitle', x: L, y: 18, 'font-weight': 'bold', 'font-size': 13}, svg, o.title);
	if (D.shock && o.shockable) el('text', {class: 'shock-label', x: W - R, y: 18, 'text-anchor': 'end',
		fill: '#b3261e', 'font-weight': 'bold'}, svg, 'SHOCKED ×' + D.shock + ': not the venue\'s prices');
	(o.bars || []).forEach(function (b) {
		var d = '';
		b.pts.forEach(function (p) { d += 'M' + sx(p[0]).toFixed(1) + ' ' + sy(p[1]).toFixed(1) + 'V' + sy(p[2]).toFixed(1); });
		el('path', {d: d, stroke: b.c, 'stroke-width': 2, fill: 'none'}, g);
	});
	(o.lines || []).forEach(function (s) {
		var d = '', py = null;
		s.pts.forEach(function (p, i) {
			var X = sx(p[0]).toFixed(1), Y = sy(p[1]).toFixed(1);
			d += i ? (s.step ? 'H' + X + 'V' + Y : 'L' + X + ' ' + Y) : 'M' + X + ' ' + Y;
		});
		if (d) el('path', {d: d, stroke: s.c, 'stroke-width': s.w || 1.5, fill: 'none',
			'stroke-dasharray': s.dash || 'none'}, g);
	});
	(o.marks || []).forEach(function (m) {
		m.pts.forEach(function (p) {
			var X = sx(p[0]), Y = sy(p[1]), e;
			if (m.shape === 'tri') e = el('path', {d: 'M' + X + ' ' + (Y + 5) + 'l-5 -9h10z', fill: m.c, opacity: 0.85}, g);
			else if (m.shape === 'x') e = el('path', {d: 'M' + (X - 4) + ' ' + (Y - 4) + 'l8 8m0 -8l-8 8', stroke: m.c, 'stroke-width': 2}, g);
			else if (m.shape === 'dash') e = el('path', {d: 'M' + (X - 5) + ' ' + Y + 'h10', stroke: m.c, 'stroke-width': 2}, g);
			else e = el('circle', {cx: X, cy: Y, r: 4, fill: m.c, opacity: 0.85}, g);
			if (p[2]) el('title', {}, e, p[2]);
		});
	});
	(o.vlines || []).forEach(function (v) {
		el('line', {x1: sx(v[0]), x2: sx(v[0]), y1: T, y2: T + ph, stroke: v[1], 'stroke-dasharray': '5 3'}, svg);
		el('text', {x: sx(v[0]) + 4, y: T + 14, fill: v[1]}, svg, v[2]);
	});
	var lx = L, ly = T - 20; // the legend, above the plot
	(o.legend || []).forEach(function (l) {
		if (l[1] === 'line') el('rect', {x: lx, y: ly + 2, width: 16, height: 3, fill: l[0]}, svg);
		else if (l[1] === 'tri') el('path', {d: 'M' + (lx + 8) + ' ' + (ly + 8) + 'l-5 -9h10z', fill: l[0]}, svg);
		else if (l[1] === 'x') el('path', {d: 'M' + (lx + 4) + ' ' + (ly - 1) + 'l8 8m0 -8l-8 8', stroke: l[0], 'stroke-width': 2}, svg);
		else if (l[1] === 'dash') el('path', {d: 'M' + (lx + 3) + ' ' + (ly + 3) + 'h10', stroke: l[0], 'stroke-width': 2}, svg);
		else el('circle', {cx: lx + 8, cy: ly + 4, r: 4, fill: l[0]}, svg);
		var tx = el('text', {x: lx + 20, y: ly + 8}, svg, l[2]);
		lx += 30 + tx.getComputedTextLength();
	});
	return svg;
}

function range(vals, pad0) {
	var lo = Infinity, hi = -Infinity;
	vals.forEach(function (v) { if (v) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
	if (lo > hi) return [0, 1];
	var pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.001 || 1;
	return [pad0 && lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}

// ---- the event rows and what derives from them ----
var rows = D.rows, cps = {}, lastLiq = {};
rows.forEach(function (r, i) {
	if (r[0] === 3) { lastLiq[r[2] + ':' + r[3]] = i; cps[i] = []; }
	else if (r[0] === 5) { var li = lastLiq[r[2] + ':' + r[11]]; if (li !== undefined) cps[li].push(r[3]); }
});
function rowAsset(r) { return r[2] >= 0 ? ins[r[2]].a : r[11]; }
function px(r, v) { return r[2] >= 0 && v ? fx(v, ins[r[2]].pd) : ''; }
function money(r, v) { return fx(v, assets[rowAsset(r)][1]); }
function slip(r) {
	// the fill against the mark, in basis points, adverse to the liquidated account > 0
	if (r[0] !== 3 || !r[7] || !r[5]) return null;
	return (r[7] - r[5]) / r[5] * 1e4 * (r[4] < 0 ? -1 : 1);
}

// ---- one price chart per instrument, with a zoom on its densest window of liquidations ----
var t0 = D.t0, t1 = Math.max(D.t1, D.t0 + 1000);
function priceChart(box, x, a, b, zoomRows, band, cls) {
	var sc = Math.pow(10, x.pd), S = x.s.filter(function (s) { return s[0] >= a && s[0] <= b; });
	var ys = [], last = [], mark = [], index = [], bars = [], liq = [], adl = [], vliq = [];
	S.forEach(function (s) {
		if (s[3]) { last.push([s[0], s[3] / sc]); ys.push(s[3] / sc); }
		if (s[1] && s[2] > s[1]) bars.push([s[0], s[1] / sc, s[2] / sc]);
		if (s[4]) { mark.push([s[0], s[4] / sc]); ys.push(s[4] / sc); }
		if (s[5]) { index.push([s[0], s[5] / sc]); ys.push(s[5] / sc); }
		if (s[6]) vliq.push([s[0], s[8] / sc, s[6] + ' venue liquidation print(s) by ' + utc(s[0]) + ' UTC, ' +
			fx(s[7], x.pd) + ' – ' + fx(s[8], x.pd)]);
		if (!zoomRows && s[9]) { liq.push([s[0], s[10] / sc, s[9] + ' liquidation(s) by ' + utc(s[0]) + ' UTC']); ys.push(s[10] / sc); }
		if (!zoomRows && s[11]) { adl.push([s[0], s[12] / sc, s[11] + ' ADL fill(s) by ' + utc(s[0]) + ' UTC']); ys.push(s[12] / sc); }
	});
	var bk = [], shown = 0;
	if (zoomRows) {
		var step = Math.max(1, Math.ceil(zoomRows.length / 6000));
		for (var i = 0; i < zoomRows.length; i += step) {
			var r = zoomRows[i], tip = TYPES[r[0]] + ' of ' + r[3] + ' at ' + utc(r[1], 1) + ' UTC';
			shown++;
			if (r[0] === 3) {
				liq.push([r[1], (r[7] || r[6]) / sc, tip + ', fill ' + px(r, r[7]) + ', bankruptcy ' + px(r, r[6])]);
				bk.push([r[1], r[6] / sc]);
				ys.push((r[7] || r[6]) / sc);
			} else if (r[0] === 5) { adl.push([r[1], r[6] / sc, tip + ' against ' + r[11]]); ys.push(r[6] / sc); }
		}
	}
	var yr = range(ys);
	// the venue's prints can lie far off the market (more so under a shock): kept at the edge
	var inset = (yr[1] - yr[0]) * 0.03;
	vliq.forEach(function (p) { p[1] = Math.min(Math.max(p[1], yr[0] + inset), yr[1] - inset); });
	var legend = [['#3b6fb6', 'line', 'last trade'], ['#f28e2b', 'line', 'mark']];
	if (index.length) legend.push(['#888', 'line', 'index']);
	legend.push(['#d62728', 'tri', 'liquidation' + (zoomRows ? ' (fill)' : '')], ['#7b3fa0', 'dot', 'ADL fill']);
	if (zoomRows) legend.push(['#222', 'dash', 'bankruptcy price']);
	if (vliq.length) legend.push(['#111', 'x', 'venue liquidation print']);
	return chart(box, {cls: cls, attrs: {'data-ins': x.n}, shockable: true, x0: a, x1: b, y0: yr[0], y1: yr[1],
		title: x.n + (zoomRows ? ': the densest window of liquidations, ' + utc(a) + ' – ' + utc(b) + ' UTC'
			+ (shown < zoomRows.length ? ' (' + shown + ' of ' + zoomRows.length + ' events drawn)' : '') : ': prices'),
		ylab: 'price (' + assets[x.a][0] + ')', band: band,
		bars: [{pts: bars, c: '#c6dbef'}],
		lines: [{pts: last, c: '#3b6fb6', w: 1.2}, {pts: mark, c: '#f28e2b', w: 1.6},
			{pts: index, c: '#888', w: 1, dash: '4 3'}],
		marks: [{pts: vliq, shape: 'x', c: '#111'}, {pts: liq, shape: 'tri', c: '#d62728'},
			{pts: adl, shape: 'dot', c: '#7b3fa0'}, {pts: bk, shape: 'dash', c: '#222'}],
		legend: legend});
}
function densest(times, w) {
	var best = 0, at = times[0], j = 0;
	for (var i = 0; i < times.length; i++) {
		while (times[i] - times[j] > w) j++;
		if (i - j + 1 > best) { best = i - j + 1; at = times[j]; }
	}
	return [at, best];
}
h('h2', '', main, 'Prices and liquidations, per instrument');
D.ins.forEach(function (x) {
	var sec = h('section', 'instrument panel', main);
	sec.setAttribute('data-ins', x.n);
	sec.id = 'ins-' + x.n;
	var mine = rows.filter(function (r) { return r[2] === x.i && (r[0] === 3 || r[0] === 5); });
	var lt = mine.filter(function (r) { return r[0] === 3; }).map(function (r) { return r[1]; });
	var band = null, w = Math.max((t1 - t0) / 40, 2000), win;
	if (lt.length) { win = densest(lt, w); band = [win[0], win[0] + w]; }
	priceChart(sec, x, t0, t1, null, band, 'price');
	var nl = lt.length, na = mine.length - nl;
	h('p', 'note', sec, x.n + ': ' + grp(nl) + ' liquidations, ' + grp(na) + ' ADL fills' +
		(band ? '; the shaded window (' + utc(band[0]) + ' – ' + utc(band[1]) + ' UTC) holds ' + grp(win[1]) +
		' liquidations, drawn one by one below.' : '.'));
	if (band) {
		var a = band[0] - w * 0.2, b = band[1] + w * 0.2;
		priceChart(sec, x, a, b, mine.filter(function (r) { return r[1] >= a && r[1] <= b; }), null, 'zoom');
	}
});

// ---- one chart per fund ----
h('h2', '', main, 'Insurance funds');
D.funds.forEach(function (f) {
	var sec = h('section', 'fund panel', main), as = assets[f.a][0];
	sec.setAttribute('data-fund', f.n);
	sec.id = 'fund-' + f.n;
	var pts = f.s.map(function (p) { return [p[0], p[1]]; }), yr = range(pts.map(function (p) { return p[1]; }).concat([f.end, 0.000001]), true);
	var v = f.ex ? [[f.ex, '#b3261e', 'exhausted at ' + utc(f.ex) + ' UTC']] : [];
	chart(sec, {cls: 'fund', attrs: {'data-fund': f.n, 'data-asset': as}, x0: t0, x1: t1, y0: Math.min(yr[0], 0), y1: yr[1], h: 240,
		title: 'fund ' + f.n + ' (' + as + '): ' + f.start + ' → ' + f.end + ' ' + as, ylab: 'balance (' + as + ')',
		shockable: true, lines: [{pts: pts, c: '#2a9d5c', w: 2, step: true}, {pts: [[t0, 0], [t1, 0]], c: '#999', w: 1}],
		marks: [{pts: [[t1, f.end, 'the ledger at the end: ' + f.end + ' ' + as]], shape: 'dot', c: '#2a9d5c'}],
		vlines: v, legend: [['#2a9d5c', 'line', 'balance: start + the fund deltas of the events']]});
});

// ---- tables: paged and sortable ----
var hp = {};
location.hash.slice(1).split('&').forEach(function (kv) { var p = kv.split('='); hp[p[0]] = p[1]; });
function table(id, title, cols, data) {
	var sec = h('section', 'panel', main);
	sec.id = id + '-panel';
	h('h2', '', sec, title);
	var info = h('p', 'pager', sec), tb = h('table', '', sec), thead = h('thead', '', tb), body = h('tbody', '', tb);
	tb.id = id;
	var size = +hp[id + '-size'] || 50, page = (+hp[id + '-page'] || 1) - 1, order = data.map(function (_, i) { return i; }), sk = -1, dir = 1;
	var hr = h('tr', '', thead);
	cols.forEach(function (c, k) {
		var th = h('th', c.l ? 'l' : '', hr, c.h);
		th.onclick = function () { sortBy(k, sk === k ? -dir : 1); page = 0; draw(); };
	});
	function sortBy(k, d) {
		var key = data.map(cols[k].k);
		sk = k; dir = d;
		order.sort(function (a, b) { var x = key[a], y = key[b]; return (x < y ? -1 : x > y ? 1 : a - b) * dir; });
	}
	var hs = +hp[id + '-sort'];
	if (hs) sortBy(Math.abs(hs) - 1, hs < 0 ? -1 : 1);
	function btn(t, fn) { var b = h('button', '', info, t); b.onclick = fn; }
	function draw() {
		var n = data.length, pages = Math.max(1, Math.ceil(n / size));
		page = Math.min(Math.max(page, 0), pages - 1);
		info.textContent = '';
		var s = h('span', '', info);
		s.innerHTML = '<b id="' + id + '-count">' + grp(n) + '</b> rows · page ' + (page + 1) + ' of ' + pages + ' ';
		btn('first', function () { page = 0; draw(); });
		btn('previous', function () { page--; draw(); });
		btn('next', function () { page++; draw(); });
		btn('last', function () { page = pages - 1; draw(); });
		var html = [];
		for (var i = page * size; i < Math.min(n, (page + 1) * size); i++) {
			var r = data[order[i]];
			html.push('<tr>' + cols.map(function (c) { return '<td class="' + (c.l ? 'l' : '') + (c.wrap ? ' w' : '') + '">' + c.f(r, order[i]) + '</td>'; }).join('') + '</tr>');
		}
		body.innerHTML = html.join('');
	}
	draw();
}
function side(r) { var q = r[0] === 4 ? -r[4] : r[4]; return r[0] > 5 ? "" : q < 0 ? "long" : q > 0 ? "short" : ""; }
function nm(r) { return r[2] >= 0 ? ins[r[2]].n : ''; }
function list(a) { return a.slice(0, 6).join(', ') + (a.length > 6 ? ' +' + (a.length - 6) + ' more' : ''); }
table('events', 'Events: liquidations, takeovers, ADL fills, socialized losses, bad debt', [
	{h: '#', k: function (r, i) { return i; }, f: function (r, i) { return i + 1; }},
	{h: 'time (UTC)', k: function (r) { return r[1]; }, f: function (r) { return utc(r[1], 1); }},
	{h: 'event', l: 1, k: function (r) { return r[0]; }, f: function (r) { return TYPES[r[0]]; }},
	{h: 'instrument', l: 1, k: nm, f: nm},
	{h: 'account', k: function (r) { return r[3]; }, f: function (r) { return r[3] || 'fund'; }},
	{h: 'side', l: 1, k: side, f: side},
	{h: 'qty', k: function (r) { return Math.abs(r[4]); }, f: function (r) { return r[2] >= 0 ? fx(Math.abs(r[4]), ins[r[2]].qd) : ''; }},
	{h: 'mark', k: function (r) { return r[5]; }, f: function (r) { return px(r, r[5]); }},
	{h: 'bankruptcy price', k: function (r) { return r[6]; }, f: function (r) { return px(r, r[6]); }},
	{h: 'fill price', k: function (r) { return r[7]; }, f: function (r) { return px(r, r[7]); }},
	{h: 'slippage (bp)', k: function (r) { var s = slip(r); return s === null ? -1e9 : s; }, f: function (r) { var s = slip(r); return s === null ? '' : s.toFixed(1); }},
	{h: 'fee / amount', k: function (r) { return r[8]; }, f: function (r) { return r[8] ? money(r, r[8]) : ''; }},
	{h: 'fund delta', k: function (r) { return r[9]; }, f: function (r) { return r[9] ? money(r, r[9]) : ''; }},
	{h: 'ADL counterparties', l: 1, wrap: 1, k: function (r, i) { return r[0] === 5 ? r[11] : cps[i] ? cps[i].length : -1; },
		f: function (r, i) { return r[0] === 5 ? 'counterparty of ' + r[11] : cps[i] && cps[i].length ? cps[i].length + ': ' + list(cps[i]) : ''; }}
], rows);

var acc = {}, dl = [];
rows.forEach(function (r) {
	if (r[0] !== 5) return;
	var a = acc[r[3]];
	if (!a) { a = acc[r[3]] = {id: r[3], n: 0, ins: {}, pnl: {}, vs: {}, nv: 0, first: r[1], last: r[1]}; dl.push(a); }
	a.n++; a.last = r[1];
	a.ins[nm(r)] = (a.ins[nm(r)] || 0) + Math.abs(r[4]) / Math.pow(10, ins[r[2]].qd);
	var as = rowAsset(r);
	a.pnl[as] = (a.pnl[as] || 0) + r[10];
	if (!a.vs[r[11]]) { a.vs[r[11]] = 1; a.nv++; }
});
function pnl(a) { return Object.keys(a.pnl).map(function (k) { return fx(a.pnl[k], assets[k][1]) + ' ' + assets[k][0]; }).join(', '); }
function pnlKey(a) { var s = 0; for (var k in a.pnl) s += a.pnl[k] / Math.pow(10, assets[k][1]); return s; }
table('deleveraged', 'Deleveraged accounts (ADL counterparties)', [
	{h: 'account', k: function (a) { return a.id; }, f: function (a) { return a.id; }},
	{h: 'ADL fills', k: function (a) { return a.n; }, f: function (a) { return grp(a.n); }},
	{h: 'quantity closed', l: 1, k: function (a) { return Object.keys(a.ins).join(); }, f: function (a) { return Object.keys(a.ins).map(function (k) { return +a.ins[k].toPrecision(12) + ' ' + k; }).join(', '); }},
	{h: 'realized PnL', k: pnlKey, f: pnl},
	{h: 'liquidated accounts against', k: function (a) { return a.nv; }, f: function (a) { return grp(a.nv); }},
	{h: 'first (UTC)', k: function (a) { return a.first; }, f: function (a) { return utc(a.first, 1); }},
	{h: 'last (UTC)', k: function (a) { return a.last; }, f: function (a) { return utc(a.last, 1); }}
], dl);
// where each panel lies on the page (the browser test crops its screenshot by these)
document.querySelectorAll('header, #headline, .tiles, .panel, #appendix').forEach(function (e) {
	var b = e.getBoundingClientRect();
	e.setAttribute('data-box', [b.left + scrollX, b.top + scrollY, b.width, b.height].map(Math.round).join(','));
});
document.body.setAttribute('data-rendered', rows.length);
})();
