// mtlab report: draws the data in #report-data (written by runner/report_model.cpp)
// as tables and uPlot charts. Every text from the database goes into the page
// through textContent, never as markup. When done it writes a summary of what it
// drew (each chart's series and points, errors) as JSON into #render-report,
// which the browser tests and the render benchmark read.
(function () {
  'use strict';

  var summary = { ok: false, charts: [], tables: [], errors: window.__reportErrors || [], pwned: false };
  var data = JSON.parse(document.getElementById('report-data').textContent);

  // ---- DOM helpers -----------------------------------------------------------
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === 'text') node.textContent = props[k];
      else if (k === 'cls') node.className = props[k];
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function section(parent, id, title, explain) {
    var s = el('section', { id: id });
    s.appendChild(el('h3', { text: title }));
    if (explain) s.appendChild(el('p', { cls: 'explain', text: explain }));
    parent.appendChild(s);
    return s;
  }
  function note(parent, text) { parent.appendChild(el('p', { cls: 'note', text: text })); }

  // ---- numbers ----------------------------------------------------------------
  // As `mtlab compare` prints them: 4 decimals, or 4 significant digits for very large or small values.
  function fmt4(x) {
    var a = Math.abs(x);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toPrecision(4);
    return x.toFixed(4);
  }
  function fmtStat(s) { return s.n > 1 ? fmt4(s.mean) + ' \u00b1 ' + fmt4(s.std) : fmt4(s.mean); }
  function fmtTick(v) {
    if (v === null || v === undefined) return '';
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
    return String(Number(v.toPrecision(4)));
  }
  function fmtInt(n) { return n === undefined || n === null || n === '' || isNaN(Number(n)) ? '' : Number(n).toLocaleString('en-US'); }
  function fmtSeconds(s) { return s === null || s === undefined ? '' : s < 120 ? s.toFixed(1) + ' s' : (s / 60).toFixed(1) + ' min'; }

  // ---- sortable tables ---------------------------------------------------------
  // columns: [{title, value(row) → string|number|null, text(row)?, cls(row)?, numeric?}]
  function table(parent, id, columns, rows, rowClass) {
    var t = el('table', { id: id });
    var head = el('tr');
    var body = el('tbody');
    var order = { col: -1, dir: 1 };
    function fill() {
      body.textContent = '';
      rows.forEach(function (r) {
        var tr = el('tr', { cls: rowClass ? rowClass(r) : '' });
        columns.forEach(function (c) {
          var v = c.text ? c.text(r) : c.value(r);
          var td = el('td', { text: v === null || v === undefined ? '' : String(v) });
          td.className = (c.numeric ? 'num ' : '') + (c.cls ? c.cls(r) : '');
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    }
    function compare(a, b) {
      if (a === b) return 0;
      if (a === null || a === undefined || a === '') return 1;  // empty last either way
      if (b === null || b === undefined || b === '') return -1;
      return (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true })) * order.dir;
    }
    columns.forEach(function (c, i) {
      var th = el('th', { text: c.title, cls: 'sortable', title: c.hint || 'click to sort' });
      th.addEventListener('click', function () {
        order.dir = order.col === i ? -order.dir : 1;
        order.col = i;
        rows = rows.slice().sort(function (a, b) { return compare(c.value(a), c.value(b)); });
        Array.prototype.forEach.call(head.children, function (h) { h.classList.remove('sorted-asc', 'sorted-desc'); });
        th.classList.add(order.dir > 0 ? 'sorted-asc' : 'sorted-desc');
        fill();
      });
      head.appendChild(th);
    });
    t.appendChild(el('thead', {}, [head]));
    t.appendChild(body);
    fill();
    parent.appendChild(el('div', { cls: 'scroll' }, [t]));
    summary.tables.push({ id: id, rows: rows.length, columns: columns.length });
    return t;
  }

  // ---- charts ------------------------------------------------------------------
  var palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  function color(i) { return i < palette.length ? palette[i] : 'hsl(' + Math.round((i * 137.508) % 360) + ',60%,45%)'; }
  function alpha(c, a) {
    if (c[0] === '#') {
      var n = parseInt(c.slice(1), 16);
      return 'rgba(' + (n >> 16) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
    }
    return c.replace('hsl(', 'hsla(').replace(')', ',' + a + ')');
  }
  var LEGEND_MAX = 16;  // more lines than this: no legend table, hover names the line

  function register(entry) {
    summary.charts = summary.charts.filter(function (c) { return c.id !== entry.id; });
    summary.charts.push(entry);
  }
  function countPoints(lines) {
    var n = 0;
    lines.forEach(function (l) { l.values.forEach(function (v) { if (v !== null && v !== undefined) n++; }); });
    return n;
  }

  // Bands (lo..hi per x) drawn under the lines, clipped to the plot area.
  function bandHook(lines) {
    return function (u) {
      var ctx = u.ctx, x = u.data[0];
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      lines.forEach(function (l, k) {
        if (!l.lo || !u.series[k + 1].show) return;
        ctx.fillStyle = alpha(l.color, 0.18);
        var top = [], bottom = [];
        for (var i = 0; i < x.length; i++) {
          if (l.lo[i] === null || l.hi[i] === null || l.lo[i] === undefined) continue;
          var lo = l.lo[i], hi = l.hi[i];
          if (u.scales.y.distr === 3 && (lo <= 0 || hi <= 0)) continue;
          var px = u.valToPos(x[i], 'x', true);
          top.push([px, u.valToPos(hi, 'y', true)]);
          bottom.push([px, u.valToPos(lo, 'y', true)]);
        }
        if (top.length < 2) return;
        ctx.beginPath();
        ctx.moveTo(top[0][0], top[0][1]);
        for (var j = 1; j < top.length; j++) ctx.lineTo(top[j][0], top[j][1]);
        for (var m = bottom.length - 1; m >= 0; m--) ctx.lineTo(bottom[m][0], bottom[m][1]);
        ctx.closePath();
        ctx.fill();
      });
      ctx.restore();
    };
  }

  function chartWidth(holder) { return Math.max(360, Math.floor(holder.getBoundingClientRect().width || 560) - 8); }

  // spec: {id, title, xLabel, yLabel, x: [...], lines: [{label, values, color, lo?, hi?}], log?, caption?,
  //        width?, height?, points? (markers on the lines), still? (legend without the values under the pointer),
  //        xTicks? (ticks at these x values only), xRange?, yRange? ([min, max])}
  function lineChart(parent, spec) {
    var holder = el('div', { cls: 'chart', id: spec.id });
    parent.appendChild(holder);
    var plot = null;
    var useLog = !!spec.log;
    var canLog = spec.lines.some(function (l) { return l.values.some(function (v) { return v > 0; }); });
    var controls = el('div', { cls: 'controls' });
    if (canLog) {
      var box = el('input', { type: 'checkbox' });
      box.checked = useLog;
      box.addEventListener('change', function () { useLog = box.checked; draw(); });
      controls.appendChild(el('label', {}, [box, ' log scale (y)']));
    }
    var hover = el('span', { cls: 'hover' });
    controls.appendChild(hover);
    function values(l) {
      if (!useLog) return l.values;
      return l.values.map(function (v) { return v > 0 ? v : null; });
    }
    function draw() {
      if (plot) plot.destroy();
      var many = spec.lines.length > LEGEND_MAX;
      var opts = {
        title: spec.title,
        width: spec.width || chartWidth(holder),
        height: spec.height || 300,
        scales: { x: spec.xRange ? { time: false, range: spec.xRange } : { time: false }, y: spec.yRange && !useLog ? { range: spec.yRange } : { distr: useLog ? 3 : 1 } },
        axes: [
          { label: spec.xLabel, values: function (u, s) { return s.map(fmtTick); }, splits: spec.xTicks ? function () { return spec.xTicks; } : undefined },
          { label: spec.yLabel, size: 64, values: function (u, s) { return s.map(fmtTick); } }
        ],
        legend: { show: !many, live: !spec.still },
        cursor: { focus: { prox: 24 } },
        focus: { alpha: 0.25 },
        series: [{ label: spec.xLabel }].concat(spec.lines.map(function (l) {
          return { label: l.label, stroke: l.color, width: spec.points ? 2 : 1.5, spanGaps: true,
                   // a line of one point (a trial with nothing to train) is a dot, or it would not show
                   points: spec.points || l.values.filter(function (v) { return v !== null && v !== undefined; }).length === 1
                     ? { show: true, size: 8, fill: l.color } : { show: false },
                   value: function (u, v) { return v === null || v === undefined ? '\u2013' : fmtTick(v); } };
        })),
        hooks: {
          drawClear: [bandHook(spec.lines)],
          setSeries: [function (u, i) { if (many) hover.textContent = i === null ? '' : ' \u2014 ' + spec.lines[i - 1].label; }]
        }
      };
      plot = new uPlot(opts, [spec.x].concat(spec.lines.map(values)), holder);
      holder.insertBefore(controls, plot.root.nextSibling);
    }
    draw();
    if (spec.caption) holder.appendChild(el('p', { cls: 'caption', text: spec.caption }));
    if (spec.lines.length > LEGEND_MAX) holder.appendChild(el('p', { cls: 'caption', text: spec.lines.length + ' lines: hover over one to see its name.' }));
    register({ id: spec.id, kind: 'line', title: spec.title, series: spec.lines.length, points: countPoints(spec.lines), rendered: !!holder.querySelector('canvas') });
    return holder;
  }

  // ---- grouping runs into trial curves ------------------------------------------
  function indexSeries(exp) {
    var byRunLabel = {};
    exp.series.forEach(function (s) { byRunLabel[s.run + '\u0000' + s.label] = s; });
    return byRunLabel;
  }
  // A trial's curve: at each step the mean over its seeds, with min and max as the band.
  function trialCurve(index, runIds, label) {
    var acc = new Map();
    runIds.forEach(function (id) {
      var s = index[id + '\u0000' + label];
      if (!s) return;
      for (var i = 0; i < s.steps.length; i++) {
        if (s.values[i] !== null) accumulate(acc, s.steps[i], s.values[i]);
      }
    });
    return acc;
  }
  function accumulate(acc, x, v) {
    var a = acc.get(x);
    if (!a) acc.set(x, a = { sum: 0, n: 0, lo: v, hi: v });
    a.sum += v; a.n++;
    if (v < a.lo) a.lo = v;
    if (v > a.hi) a.hi = v;
  }
  // Lines over the union of their steps (a missing step is a gap the line spans).
  function alignCurves(curves) {
    var all = new Set();
    curves.forEach(function (c) { c.acc.forEach(function (_, step) { all.add(step); }); });
    var x = Array.from(all).sort(function (a, b) { return a - b; });
    var lines = curves.map(function (c) {
      var mean = new Array(x.length), lo = new Array(x.length), hi = new Array(x.length), seeds = 1;
      for (var i = 0; i < x.length; i++) {
        var a = c.acc.get(x[i]);
        mean[i] = a ? a.sum / a.n : null;
        lo[i] = a ? a.lo : null;
        hi[i] = a ? a.hi : null;
        if (a && a.n > seeds) seeds = a.n;
      }
      return { label: c.label, color: c.color, values: mean, lo: seeds > 1 ? lo : null, hi: seeds > 1 ? hi : null };
    });
    return { x: x, lines: lines };
  }

  function trialLabel(exp, row) {
    if (exp.swept_keys.length === 0) return row.trial;
    return exp.swept_keys.map(function (k, i) { return short(k) + '=' + row.swept[i]; }).join(', ');
  }
  function short(key) { var parts = key.split('.'); return parts[parts.length - 1]; }

  // ---- sections ------------------------------------------------------------------
  function runsById(exp) { var m = {}; exp.runs.forEach(function (r) { m[r.id] = r; }); return m; }

  function trialTable(parent, exp, eid) {
    var s = section(parent, eid + '-trials', 'Trials',
      'One row per trial (runs with the same swept values; seeds aside). Metrics are the final values, mean \u00b1 sample standard deviation over seeds. ' +
      'Sorted by ' + exp.metric + ' (' + exp.direction + ' is better); the best row is highlighted and starred. Click a header to sort.');
    var chosen = exp.metric_labels[0];
    var split = metricSplit(exp, chosen);
    var shown = exp.metric_labels.filter(function (l) { return metricSplit(exp, l) === split; });
    var columns = [
      { title: '\u2605', hint: 'best by ' + chosen, value: function (r) { return r.best ? '\u2605' : ''; } },
      { title: 'trial', value: function (r) { return r.trial; } }
    ];
    exp.swept_keys.forEach(function (k, i) {
      columns.push({ title: k, value: function (r) { var v = r.swept[i]; var n = Number(v); return v !== '' && isFinite(n) ? n : v; }, text: function (r) { return r.swept[i]; } });
    });
    columns.push({ title: 'seeds', numeric: true, value: function (r) { return r.runs.length; } });
    shown.forEach(function (l) {
      columns.push({ title: l === chosen ? l + (exp.direction === 'lower' ? ' (\u2193)' : ' (\u2191)') : l, numeric: true,
        value: function (r) { return r.metrics[l] ? r.metrics[l].mean : null; },
        text: function (r) { return r.metrics[l] ? fmtStat(r.metrics[l]) : ''; } });
    });
    table(s, eid + '-trial-table', columns, exp.trials, function (r) { return r.best ? 'best' : ''; });
    if (shown.length < exp.metric_labels.length) {
      s.appendChild(el('p', { cls: 'explain', text: (exp.metric_labels.length - shown.length) + ' metrics of other splits are left out here: `mtlab compare --all-metrics` or `--csv` lists them.' }));
    }
  }

  // The split part of a label, from the series that carry it (task.split.name or split.name).
  function metricSplit(exp, label) {
    var cache = exp.__splits || (exp.__splits = {});
    if (!(label in cache)) {
      var found = exp.series.find(function (s) { return s.label === label; });
      cache[label] = found ? found.split : label.split('.')[label.split('.').length > 2 ? 1 : 0];
    }
    return cache[label];
  }

  // Sweep values in their natural order (numbers as numbers) for the x axis.
  function rowsInSweepOrder(exp) {
    return exp.trials.slice().sort(function (a, b) {
      for (var i = 0; i < exp.swept_keys.length; i++) {
        var x = a.swept[i], y = b.swept[i];
        if (x === y) continue;
        var nx = Number(x), ny = Number(y);
        if (x !== '' && y !== '' && isFinite(nx) && isFinite(ny)) return nx - ny;
        return String(x).localeCompare(String(y));
      }
      return 0;
    });
  }

  function valueChart(parent, exp, eid) {
    var label = exp.metric;
    var runs = runsById(exp);
    var rows = rowsInSweepOrder(exp).filter(function (r) { return r.metrics[label]; });
    var s = section(parent, eid + '-values', label + ' per sweep value',
      'Each column is a trial: the black dot is the mean over its seeds, with a bar of \u00b1 one standard deviation; the coloured dots to its right are the single seeds.');
    if (rows.length === 0) { note(s, 'No completed run recorded ' + label + '.'); return; }
    var seedsPerRow = Math.max.apply(null, rows.map(function (r) { return r.runs.length; }));
    var sameSeeds = rows.every(function (r) { return r.seeds.join() === rows[0].seeds.join() && r.seeds.length === r.runs.length; });
    var x = rows.map(function (_, i) { return i; });
    var mean = rows.map(function (r) { return r.metrics[label].mean; });
    var lines = [{ label: 'mean', color: '#000', values: mean }];
    for (var k = 0; k < seedsPerRow; k++) {
      lines.push({ label: sameSeeds ? 'seed ' + rows[0].seeds[k] : 'run ' + (k + 1) + ' of the trial', color: color(k),
        values: rows.map(function (r) { var run = runs[r.runs[k]]; return run && run.final[label] !== undefined ? run.final[label] : null; }) });
    }
    var names = rows.map(function (r) { return trialLabel(exp, r); });
    var xTitle = exp.swept_keys.length === 1 ? exp.swept_keys[0] : 'trial';
    var ticks = rows.map(function (r) { var t = exp.swept_keys.length === 1 ? r.swept[0] : r.trial; return t.length > 22 ? t.slice(0, 21) + '\u2026' : t; });
    var holder = el('div', { cls: 'chart', id: 'value:' + exp.name });
    s.appendChild(el('div', { cls: 'charts' }, [holder]));
    var width = Math.min(chartWidth(s), Math.max(480, 110 * rows.length + 120));
    var errorBars = function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 1.5 * devicePixelRatio;
      rows.forEach(function (r, i) {
        var st = r.metrics[label];
        if (st.n < 2) return;
        var px = u.valToPos(i, 'x', true), cap = 6 * devicePixelRatio;
        var y0 = u.valToPos(st.mean - st.std, 'y', true), y1 = u.valToPos(st.mean + st.std, 'y', true);
        ctx.beginPath();
        ctx.moveTo(px, y0); ctx.lineTo(px, y1);
        ctx.moveTo(px - cap, y0); ctx.lineTo(px + cap, y0);
        ctx.moveTo(px - cap, y1); ctx.lineTo(px + cap, y1);
        ctx.stroke();
      });
      ctx.restore();
    };
    // Each seed a little to the side of the mean, so none hides behind it or another.
    var seedDots = function (u) {
      var ctx = u.ctx, r = 4 * devicePixelRatio, step = 9 * devicePixelRatio;
      ctx.save();
      for (var k = 1; k < lines.length; k++) {
        if (!u.series[k + 1].show) continue;
        ctx.fillStyle = alpha(lines[k].color, 0.9);
        lines[k].values.forEach(function (v, i) {
          if (v === null) return;
          var px = u.valToPos(i, 'x', true) + 10 * devicePixelRatio + (k - 1) * step;
          ctx.beginPath();
          ctx.arc(px, u.valToPos(v, 'y', true), r, 0, 2 * Math.PI);
          ctx.fill();
        });
      }
      ctx.restore();
    };
    var lo = Infinity, hi = -Infinity;
    lines.forEach(function (l) { l.values.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    rows.forEach(function (r) { var st = r.metrics[label]; lo = Math.min(lo, st.mean - st.std); hi = Math.max(hi, st.mean + st.std); });
    var pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
    new uPlot({
      title: label + ' by ' + xTitle + ' (' + exp.direction + ' is better)',
      width: width, height: 320,
      scales: { x: { time: false, range: [-0.5, rows.length - 0.5] }, y: { range: [lo - pad, hi + pad] } },
      axes: [
        { label: xTitle, splits: function () { return x; }, values: function (u, sp) { return sp.map(function (i) { return ticks[i] || ''; }); }, grid: { show: false } },
        { label: label, size: 64, values: function (u, sp) { return sp.map(fmtTick); } }
      ],
      cursor: { drag: { x: false, y: false } },
      series: [{ label: xTitle, value: function (u, i) { return i === null || names[i] === undefined ? '\u2013' : names[i]; } }].concat(lines.map(function (l, i) {
        return { label: l.label, stroke: l.color, fill: i === 0 ? '#000' : l.color, paths: function () { return null; },
                 points: { show: i === 0, size: 11, width: 2, fill: '#000' },
                 value: function (u, v) { return v === null || v === undefined ? '\u2013' : fmt4(v); } };
      })),
      hooks: { draw: [errorBars, seedDots] }
    }, [x].concat(lines.map(function (l) { return l.values; })), holder);
    register({ id: 'value:' + exp.name, kind: 'points', title: label, series: lines.length, points: countPoints(lines), rendered: !!holder.querySelector('canvas') });
  }

  function isGroupCurve(s) { return s.task === '' && s.split === 'train' && /^(lr|grad_norm)\./.test(s.name); }
  function isDiagnostic(s) { return isGroupCurve(s) || /^(unfreeze\.|log_variance$)/.test(s.name); }

  // Which curves to draw: train and dev series of completed runs with more than one point.
  function curveLabels(exp) {
    var completed = {};
    exp.runs.forEach(function (r) { if (r.status === 'completed') completed[r.id] = true; });
    var info = {};
    exp.series.forEach(function (s) {
      if (!completed[s.run] || isDiagnostic(s) || (s.split !== 'train' && s.split !== 'dev')) return;
      var i = info[s.label] || (info[s.label] = { label: s.label, task: s.task, split: s.split, name: s.name, long: false });
      if (s.steps.length > 1) i.long = true;
    });
    var chosen = exp.metric ? exp.series.find(function (s) { return s.label === exp.metric; }) : null;
    function rank(i) {
      if (i.task === '' && i.split === 'train' && i.name === 'loss') return 0;
      if (chosen && i.split === 'dev' && i.task === chosen.task && i.name === chosen.name) return 1;
      return i.split === 'dev' ? 2 : 3;
    }
    return Object.keys(info).map(function (k) { return info[k]; }).filter(function (i) { return i.long; })
      .sort(function (a, b) { return rank(a) - rank(b) || a.label.localeCompare(b.label); });
  }

  function thinnedNote(exp, labels) {
    var thinned = exp.series.some(function (s) { return labels.indexOf(s.label) >= 0 && s.recorded > s.steps.length; });
    return thinned ? 'Curves longer than ' + fmtInt(data.max_points) + ' points are drawn as averages of consecutive points (mtlab report --max-points).' : '';
  }

  function learningCurves(parent, exp, eid, index) {
    var labels = curveLabels(exp);
    var s = section(parent, eid + '-curves', 'Learning curves',
      'Training loss and dev metrics against the optimizer step: one line per trial (the mean over its seeds) with a shaded band from the lowest to the highest seed. Tick "log scale" for losses that span orders of magnitude.');
    if (labels.length === 0 || exp.trials.length === 0) { note(s, 'No completed run recorded a curve (a series with more than one point).'); return; }
    var grid = el('div', { cls: 'charts' });
    s.appendChild(grid);
    labels.forEach(function (info) {
      var curves = [];
      exp.trials.forEach(function (row, i) {
        var acc = trialCurve(index, row.runs, info.label);
        if (acc.size) curves.push({ label: trialLabel(exp, row) + (row.best ? ' \u2605' : ''), color: color(i), acc: acc });
      });
      var aligned = alignCurves(curves);
      lineChart(grid, { id: 'curve:' + exp.name + ':' + info.label, title: info.label, xLabel: 'step', yLabel: info.name,
        x: aligned.x, lines: aligned.lines, log: info.name === 'loss' && info.split === 'train' });
    });
    var n = thinnedNote(exp, labels.map(function (i) { return i.label; }));
    if (n) s.appendChild(el('p', { cls: 'explain', text: n }));
  }

  // Learning rate and gradient norm per optimizer group, for the trial chosen in the list.
  function groupCurves(parent, exp, eid, index) {
    var s = section(parent, eid + '-groups', 'Learning rate and gradient norm per parameter group',
      'What the schedule, layer-wise decay and freezing did to each optimizer group (one group per block; ".no_decay" holds its biases and norms). A frozen block has no group. Lines are means over the trial\u2019s seeds.');
    var rows = exp.trials.filter(function (row) {
      return row.runs.some(function (id) { return exp.series.some(function (x) { return x.run === id && isGroupCurve(x); }); });
    });
    if (rows.length === 0) { note(s, 'No completed run recorded per-group learning rates or gradient norms.'); return; }
    var pick = el('select', { 'aria-label': 'trial' });
    rows.forEach(function (row, i) { pick.appendChild(el('option', { value: String(i), text: trialLabel(exp, row) + (row.best ? '  \u2605 best' : '') })); });
    s.appendChild(el('label', {}, ['trial: ', pick]));
    var grid = el('div', { cls: 'charts' });
    s.appendChild(grid);
    function draw() {
      grid.textContent = '';
      var row = rows[Number(pick.value)];
      [['lr', 'learning rate'], ['grad_norm', 'gradient norm']].forEach(function (kind) {
        var names = {};
        exp.series.forEach(function (x) { if (row.runs.indexOf(x.run) >= 0 && isGroupCurve(x) && x.name.indexOf(kind[0] + '.') === 0) names[x.label] = x.name.slice(kind[0].length + 1); });
        var curves = Object.keys(names).sort(blockOrder(names)).map(function (label, i) {
          return { label: names[label], color: color(i), acc: trialCurve(index, row.runs, label) };
        });
        if (curves.length === 0) return;  // e.g. learning rates recorded, gradient norms not
        var aligned = alignCurves(curves);
        lineChart(grid, { id: kind[0] + ':' + exp.name, title: kind[1] + ' per group \u2014 ' + trialLabel(exp, row), xLabel: 'step', yLabel: kind[1],
          x: aligned.x, lines: aligned.lines, log: kind[0] === 'grad_norm' });
      });
    }
    pick.addEventListener('change', draw);
    draw();
  }

  // embeddings, layer.0 … layer.N, pooler, heads: the order of the network.
  function blockRank(block) {
    var b = block.replace(/\.no_decay$/, '');
    var m = /^layer\.(\d+)/.exec(b);
    if (b === 'embeddings') return [0, 0];
    if (m) return [1, Number(m[1])];
    if (b.indexOf('head.') === 0) return [3, 0];
    return [2, 0];
  }
  function blockOrder(names) {
    return function (a, b) {
      var x = names ? names[a] : a, y = names ? names[b] : b;
      var ra = blockRank(x), rb = blockRank(y);
      return ra[0] - rb[0] || ra[1] - rb[1] || x.localeCompare(y);
    };
  }

  function freezeSection(parent, exp, eid) {
    var s = section(parent, eid + '-freeze', 'Freeze verification',
      'Trainable parameters per block, and for each frozen block whether the SHA-256 of its tensors was the same after training as before (\u2713) or not (\u2717); the checksum column says the same of all frozen tensors together. Runs recorded before per-block facts show the optimizer groups\' counts.');
    var runs = exp.runs.filter(function (r) { return r.facts['freeze.policy'] !== undefined; });
    if (runs.length === 0) { note(s, 'No run recorded its freeze facts.'); return; }
    var blocks = {};
    // A block's trainable count, or {text, bad} for a frozen block: the trainer's freeze.block.* facts.
    function recordedBlocks(r) {
      var out = null;
      Object.keys(r.facts).forEach(function (k) {
        var m = /^freeze\.block\.(.+)\.trainable$/.exec(k);
        if (!m) return;
        out = out || {};
        var b = m[1], key = 'freeze.block.' + b;
        if (Number(r.facts[key + '.frozen'] || 0) === 0) { out[b] = Number(r.facts[k]); return; }
        var a = r.facts[key + '.checksum_start'], e = r.facts[key + '.checksum_end'];
        out[b] = e === undefined ? { text: 'frozen', bad: false }
               : a === e ? { text: 'frozen \u2713', bad: false } : { text: 'frozen, CHANGED \u2717', bad: true };
      });
      return out;
    }
    function perBlock(r) {
      var recorded = recordedBlocks(r);
      if (recorded) return recorded;
      var out = {};
      Object.keys(r.facts).forEach(function (k) {
        if (k.indexOf('group.') !== 0) return;
        var m = /params=(\d+)/.exec(r.facts[k]);
        var block = k.slice(6).replace(/\.no_decay$/, '');
        if (!m || block === 'weighting') return;
        out[block] = (out[block] || 0) + Number(m[1]);
      });
      (r.facts['freeze.frozen_blocks'] || '').split(/[ ,]+/).filter(Boolean).forEach(function (b) { if (!(b in out)) out[b] = { text: 'frozen', bad: false }; });
      return out;
    }
    runs.forEach(function (r) { r.__blocks = perBlock(r); Object.keys(r.__blocks).forEach(function (b) { blocks[b] = true; }); });
    function checksum(r) {
      var a = r.facts['freeze.checksum_start'], b = r.facts['freeze.checksum_end'];
      if (!r.facts['freeze.frozen_blocks']) return 'nothing frozen';
      if (a === undefined || b === undefined) return r.status === 'completed' ? 'not recorded' : 'run did not finish';
      return a === b ? 'unchanged \u2713' : 'CHANGED \u2717';
    }
    var columns = [
      { title: 'run', numeric: true, value: function (r) { return r.id; } },
      { title: 'trial', value: function (r) { return r.trial; } },
      { title: 'status', value: function (r) { return r.status; } },
      { title: 'policy', value: function (r) { return r.facts['freeze.policy']; } },
      { title: 'trainable', numeric: true, value: function (r) { return Number(r.facts['freeze.trainable_parameters']); }, text: function (r) { return fmtInt(r.facts['freeze.trainable_parameters']); } },
      { title: 'frozen', numeric: true, value: function (r) { return Number(r.facts['freeze.frozen_parameters']); }, text: function (r) { return fmtInt(r.facts['freeze.frozen_parameters']); } },
      { title: 'frozen checksum', value: checksum, cls: function (r) { var c = checksum(r); return c.indexOf('CHANGED') === 0 ? 'bad' : c.indexOf('unchanged') === 0 ? 'good' : ''; } }
    ];
    Object.keys(blocks).sort(blockOrder()).forEach(function (b) {
      columns.push({ title: b, numeric: true, value: function (r) { var v = r.__blocks[b]; return v === undefined ? null : typeof v === 'object' ? -1 : v; },
        text: function (r) { var v = r.__blocks[b]; return v === undefined ? '' : typeof v === 'object' ? v.text : fmtInt(v); },
        cls: function (r) { var v = r.__blocks[b]; return typeof v === 'object' ? (v.bad ? 'bad' : 'frozen') : ''; } });
    });
    table(s, eid + '-freeze-table', columns, runs);
  }

  // "/usr/lib/x/libblas.so.3, /usr/lib/x/libopenblasp-r0.3.21.so" → "libblas.so.3, libopenblasp-r0.3.21.so"
  function baseNames(paths) { return (paths || '').split(/,\s*/).map(function (p) { return p.slice(p.lastIndexOf('/') + 1); }).join(', '); }

  function runFacts(parent, exp, eid) {
    var s = section(parent, eid + '-runs', 'Runs: machine, versions, durations and lineage',
      'Every run of the experiment, in any status. "started from" is the run whose saved model this run\u2019s backbone was loaded from (backbone.from_run).');
    table(s, eid + '-runs-table', [
      { title: 'run', numeric: true, value: function (r) { return r.id; } },
      { title: 'trial', value: function (r) { return r.trial; } },
      { title: 'seed', numeric: true, value: function (r) { return r.seed; } },
      { title: 'status', value: function (r) { return r.status; }, cls: function (r) { return r.status === 'completed' || r.status === 'pruned' ? '' : 'bad'; } },
      { title: 'started', value: function (r) { return r.started_at; } },
      { title: 'duration', numeric: true, value: function (r) { return r.duration_s; }, text: function (r) { return fmtSeconds(r.duration_s); } },
      { title: 'started from', value: function (r) { return r.parent_run_id === null ? '' : 'run ' + r.parent_run_id + (r.parent ? ' (' + r.parent + ')' : ''); } },
      { title: 'checkpoint sha256', value: function (r) { return r.init_checkpoint_sha256 ? r.init_checkpoint_sha256.slice(0, 12) : ''; } },
      { title: 'host', value: function (r) { return r.host; } },
      { title: 'cpu', value: function (r) { return r.cpu; } },
      { title: 'threads', numeric: true, value: function (r) { return r.threads; } },
      { title: 'BLAS', value: function (r) { return r.blas; }, text: function (r) { return baseNames(r.blas); } },
      { title: 'LibTorch', value: function (r) { return r.torch_version; } },
      { title: 'mtlab', value: function (r) { return r.mtlab_version + (r.git_commit ? ' (' + r.git_commit + ')' : ''); } }
    ], exp.runs);
  }

  // [sweep.prune]: per rung, the trials judged, let go on and stopped there; the compute against every trial run to the end.
  function pruningSection(parent, exp, eid) {
    var p = exp.pruning;
    if (!p) return;
    var share = p.full > 0 ? (100 * p.used / p.full).toFixed(1) : '0.0';
    var s = section(parent, eid + '-pruning', 'Pruning (' + p.method + ')',
      'Each trial was judged on the training metric at rungs of ' + p.unit + ' against the values other trials had there; ' +
      'a trial completes at ' + p.max_resource + ' ' + p.unit + '. ' + p.trials + ' trials: ' + p.completed + ' completed, ' +
      p.pruned + ' pruned; ' + fmtInt(p.used) + ' ' + p.unit + ' trained of the ' + fmtInt(p.full) +
      ' every trial to the end would take (' + share + ' %). Why each trial stopped: the table rungs (mtlab query).');
    table(s, eid + '-pruning-table', [
      { title: 'rung', numeric: true, value: function (r) { return r.rung; } },
      { title: 'at (' + p.unit + ')', numeric: true, value: function (r) { return r.resource; } },
      { title: 'judged', numeric: true, value: function (r) { return r.judged; } },
      { title: 'went on', numeric: true, value: function (r) { return r.went_on; } },
      { title: 'stopped there', numeric: true, value: function (r) { return r.stopped; } }
    ], p.rungs);
  }

  function failures(parent, exp, eid) {
    var bad = exp.runs.filter(function (r) { return r.status === 'failed' || r.status === 'interrupted'; });
    var s = section(parent, eid + '-failures', 'Failed and interrupted runs (' + bad.length + ')');
    if (bad.length === 0) { s.appendChild(el('p', { cls: 'explain', text: 'None.' })); return; }
    bad.forEach(function (r) {
      s.appendChild(el('p', {}, [el('strong', { text: 'run ' + r.id + ' \u2014 ' + r.trial }), ' (' + r.status + (r.seed !== null ? ', seed ' + r.seed : '') + (r.started_at ? ', started ' + r.started_at : '') + ')']));
      s.appendChild(el('pre', { cls: 'error', text: r.error || '(no error text recorded)' }));
    });
    summary.tables.push({ id: eid + '-failures', rows: bad.length, columns: 1 });
  }

  // "a.b.c" → value for every leaf of the resolved config.
  function flatten(value, prefix, out) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      Object.keys(value).forEach(function (k) { flatten(value[k], prefix ? prefix + '.' + k : k, out); });
    } else {
      out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return out;
  }

  function configSection(parent, exp, eid) {
    var s = section(parent, eid + '-config', 'Resolved configs',
      'The keys in which the runs differ (all runs, any status), then the full resolved config of the run you choose: every default filled in, as recorded.');
    if (exp.runs.length === 0) { note(s, 'No runs.'); return; }
    var flat = exp.runs.map(function (r) { return flatten(r.config, '', {}); });
    var keys = {};
    flat.forEach(function (f) { Object.keys(f).forEach(function (k) { keys[k] = true; }); });
    var differing = Object.keys(keys).sort().filter(function (k) {
      var first = flat[0][k];
      return flat.some(function (f) { return f[k] !== first; });
    });
    if (differing.length === 0) s.appendChild(el('p', { cls: 'explain', text: 'All runs have the same config.' }));
    else {
      var columns = [{ title: 'run', numeric: true, value: function (r) { return r.id; } }, { title: 'status', value: function (r) { return r.status; } }];
      differing.forEach(function (k) { columns.push({ title: k, value: function (r) { var v = flat[exp.runs.indexOf(r)][k]; return v === undefined ? '(absent)' : v; } }); });
      table(s, eid + '-config-diff', columns, exp.runs);
    }
    var pick = el('select', { 'aria-label': 'run' });
    exp.runs.forEach(function (r, i) { pick.appendChild(el('option', { value: String(i), text: 'run ' + r.id + ' \u2014 ' + r.trial + ' (' + r.status + ')' })); });
    var best = exp.trials.find(function (t) { return t.best; });
    if (best) pick.value = String(exp.runs.findIndex(function (r) { return r.id === best.runs[0]; }));
    var pre = el('pre', { cls: 'config', id: eid + '-config-text' });
    function show() { var r = exp.runs[Number(pick.value)]; pre.textContent = typeof r.config === 'string' ? r.config : JSON.stringify(r.config, null, 2); }
    pick.addEventListener('change', show);
    s.appendChild(el('label', {}, ['config of: ', pick]));
    s.appendChild(pre);
    show();
  }

  function experimentSection(exp, i) {
    var eid = 'exp' + i;
    var s = el('section', { id: eid, cls: 'experiment' });
    document.getElementById('report').appendChild(s);
    var counts = {};
    exp.runs.forEach(function (r) { counts[r.status] = (counts[r.status] || 0) + 1; });
    s.appendChild(el('h2', { text: 'Experiment: ' + exp.name }));
    var facts = exp.runs.length + ' runs (' + Object.keys(counts).map(function (k) { return counts[k] + ' ' + k; }).join(', ') + ')';
    if (exp.trials.length) facts += '; ' + exp.trials.length + ' trials; swept: ' + (exp.swept_keys.join(', ') || 'nothing') + '; compared on ' + exp.metric;
    s.appendChild(el('p', { cls: 'muted', text: facts + (exp.description ? ' \u2014 ' + exp.description : '') }));
    if (exp.note) note(s, exp.note);
    var index = indexSeries(exp);
    if (exp.trials.length) {
      trialTable(s, exp, eid);
      pruningSection(s, exp, eid);
      valueChart(s, exp, eid);
      learningCurves(s, exp, eid, index);
      groupCurves(s, exp, eid, index);
    }
    freezeSection(s, exp, eid);
    failures(s, exp, eid);
    runFacts(s, exp, eid);
    configSection(s, exp, eid);
    var toc = document.getElementById('toc');
    toc.appendChild(el('a', { href: '#' + eid, text: exp.name }));
  }

  // ---- figure mode -----------------------------------------------------------------
  // The write-up's figures are these charts (docs/results/render_figures.sh): a URL fragment
  // #figure=<JSON> draws one chart instead of the report, sized for a screenshot:
  //   {experiment, title, xLabel, yLabel, caption?, width?, height?, scale? (values × scale), and
  //    curve: label}                          one line per trial, as under "Learning curves", or
  //    finals: {label: name, …}, key: k}       final metrics against the numeric swept key k.
  // Lines are means over seeds with a band from the lowest to the highest seed. The summary
  // gets figure: {width, height}, the CSS pixels a screenshot needs.
  function figureSpec() {
    var m = /^#figure=(.+)$/.exec(location.hash);
    return m ? JSON.parse(decodeURIComponent(m[1])) : null;
  }

  // A trial's value of a key: from the swept keys, else from its name ("layers=2,seed=1"),
  // so that a sweep with one value recorded so far still draws.
  function trialValue(exp, row, key) {
    var k = exp.swept_keys.map(short).indexOf(short(key));
    if (k >= 0) return row.swept[k];
    var part = row.trial.split(',').find(function (p) { return short(p.slice(0, p.indexOf('='))) === short(key); });
    return part === undefined ? undefined : part.slice(part.indexOf('=') + 1);
  }

  function renderFigure(fig) {
    var exp = data.experiments.find(function (e) { return e.name === fig.experiment; });
    if (!exp) throw new Error('figure: the page has no experiment ' + JSON.stringify(fig.experiment));
    var curves;
    if (fig.curve) {
      var index = indexSeries(exp);
      curves = exp.trials.map(function (row, i) { return { label: trialLabel(exp, row), color: color(i), acc: trialCurve(index, row.runs, fig.curve) }; });
    } else {
      var runs = runsById(exp);
      curves = Object.keys(fig.finals).map(function (label, i) {
        var acc = new Map();
        exp.trials.forEach(function (row) {
          var v = trialValue(exp, row, fig.key), x = Number(v);
          if (v === undefined || v === '' || !isFinite(x)) throw new Error('figure: trial ' + row.trial + ' has no number for ' + fig.key);
          row.runs.forEach(function (id) {
            var v = runs[id] && runs[id].final[label];
            if (v !== undefined && v !== null) accumulate(acc, x, v);
          });
        });
        return { label: fig.finals[label], color: color(i), acc: acc };
      });
    }
    curves = curves.filter(function (c) { return c.acc.size; });
    if (curves.length === 0) throw new Error('figure: nothing recorded for ' + (fig.curve || Object.keys(fig.finals).join(', ')) + ' in ' + exp.name);
    var aligned = alignCurves(curves);
    aligned.lines.forEach(function (l) {
      ['values', 'lo', 'hi'].forEach(function (f) { if (l[f]) l[f] = l[f].map(function (v) { return v === null ? null : v * (fig.scale || 1); }); });
    });
    // A margin around the data, so that a line at 0 (a frozen model's accuracy) is not hidden by the axis.
    var ylo = Infinity, yhi = -Infinity;
    aligned.lines.forEach(function (l) { (l.lo || []).concat(l.hi || [], l.values).forEach(function (v) { if (v !== null) { ylo = Math.min(ylo, v); yhi = Math.max(yhi, v); } }); });
    var pad = (yhi - ylo) * 0.04 || 1;
    var seeds = exp.trials.map(function (r) { return r.runs.length; });
    var lo = Math.min.apply(null, seeds), hi = Math.max.apply(null, seeds);
    var caption = (fig.caption ? fig.caption + ' ' : '') + 'Lines: mean over ' + (lo === hi ? lo : lo + '\u2013' + hi) + ' seed' + (hi > 1 ? 's' : '') +
      (hi > 1 ? '; shaded band: lowest to highest seed' : '') + '. Experiment ' + exp.name + ' in ' +
      data.database.slice(data.database.lastIndexOf('/') + 1) + ', drawn by mtlab report.';
    document.querySelector('header.top').hidden = true;
    document.body.classList.add('figure');
    var width = fig.width || 720;
    var out = el('div', { id: 'figure', style: 'width: ' + width + 'px' });  // the caption wraps at the chart's width
    document.getElementById('report').appendChild(out);
    lineChart(out, { id: 'figure', title: fig.title, xLabel: fig.xLabel, yLabel: fig.yLabel, x: aligned.x, lines: aligned.lines,
      width: width, height: fig.height || 360, points: !fig.curve, still: true, caption: caption,
      yRange: [ylo - pad, yhi + pad], xTicks: fig.curve ? null : aligned.x, xRange: fig.curve ? null : [aligned.x[0] - 0.25, aligned.x[aligned.x.length - 1] + 0.25] });
  }

  function render() {
    var fig = figureSpec();
    if (fig) return renderFigure(fig);
    var names = data.experiments.map(function (e) { return e.name; });
    document.title = 'mtlab report: ' + names.join(', ');
    document.getElementById('page-title').textContent = 'mtlab report: ' + names.join(', ');
    document.getElementById('page-subtitle').textContent = 'from ' + data.database + ', written ' + data.generated_at;
    data.experiments.forEach(experimentSection);
  }

  // uPlot draws in a microtask after each chart is made: the summary is written
  // after those (and again after any timer), so it sees every drawing error.
  function writeSummary(timed) {
    if (timed) {
      summary.render_ms = Math.round(performance.now() - started);
      summary.load_ms = Math.round(performance.now());  // since navigation start: parse, data and drawing
    }
    summary.pwned = window.__pwned !== undefined;
    var figure = document.getElementById('figure');
    if (figure) {
      var box = figure.getBoundingClientRect();
      summary.figure = { width: Math.ceil(box.right), height: Math.ceil(box.bottom) };
    }
    document.getElementById('render-report').textContent = JSON.stringify(summary);
  }
  var started = performance.now();
  try {
    render();
    summary.ok = true;
  } catch (e) {
    summary.errors.push('report.js: ' + (e && e.stack ? e.stack : String(e)));
  }
  writeSummary(true);
  Promise.resolve().then(function () { writeSummary(true); });
  setTimeout(function () { writeSummary(false); }, 0);
})();
