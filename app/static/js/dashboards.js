/* PlanDesk dashboards: charts drawn with the vendored Chart.js from same-origin JSON.
 * No inline script anywhere (CSP script-src 'self'): the page names its data source in
 * <div id="dashboard-data" data-src="...">, and each <canvas data-chart="..."> says what to draw.
 * Every chart has its table beside it; charts are drawn without animation, at print resolution,
 * and redrawn to the paper's width before printing. */
(function () {
  'use strict';

  var INK = '#1f2933';
  var COLORS = { achieved: '#2e7d4f', pending: '#e6a700', gap: '#d5dae0', own: '#8b1a1a', met: '#2e7d4f',
                 mid: '#e6a700', low: '#c0392b', target: '#c0392b' };
  // distinguishable on screen and in grey print (lightness varies), dashes vary too
  var PALETTE = ['#1b5e9e', '#c0392b', '#2e7d4f', '#7b3fa0', '#d4820a', '#00838f', '#6d4c41', '#546e7a'];
  var DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [], [6, 3], [2, 2], [8, 3, 2, 3]];
  var charts = [];
  // the page's language: labels come translated in data-labels (Chinese is the fallback)
  var L = { rateAxis: '完成率（超过 100% 按 100% 画）', achieved: '已完成', target: '目标', pending: '审核中',
            rate: '完成率', over: '超额', gap: '尚差', cityTarget: '全市目标', ownTarget: '本县区目标',
            unitAxis: '（单位）', cityAxis: '（全市）', failed: '图表数据加载失败，请刷新页面；下表数据不受影响。',
            separator: '，' };
  var LOCALE = 'zh-CN';

  function onReady(fn) {
    if (document.readyState !== 'loading') { fn(); } else { document.addEventListener('DOMContentLoaded', fn); }
  }

  /* A label as lines of at most about `width` Chinese characters (a Latin letter counts half), cut
   * into equal lines rather than filled greedily, so no line is a lone "业": 17 characters at 16 make
   * 9 + 8, not 16 + 1. Latin words, numbers and the punctuation a line may not start (or end) with stay
   * whole; a line's break falls between words in English, between characters in Chinese. */
  var NO_START = '，。、；：？！）》」』”’%％·…';
  var NO_END = '（《「『“‘';
  function isWide(ch) { return /[\u2018\u2019\u201c\u201d\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]/.test(ch); }

  function pieces(text) {
    var out = [];
    var re = /\s+|[!-~]+|[\s\S]/g;
    var m;
    while ((m = re.exec(text)) !== null) {
      var p = m[0];
      var last = out.length - 1;
      if (/^\s+$/.test(p)) { if (last >= 0) { out[last].space = true; } continue; }
      if (last >= 0 && !out[last].space && (NO_START.indexOf(p) >= 0 || NO_END.indexOf(out[last].text.slice(-1)) >= 0)) {
        out[last].text += p;
      } else {
        out.push({ text: p, space: false });
      }
    }
    return out;
  }

  function columns(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) { n += isWide(text[i]) ? 2 : 1; }
    return n;
  }

  function fill(parts, limit) {
    var lines = [];
    var line = '';
    var size = 0;
    parts.forEach(function (p, i) {
      var gap = line && parts[i - 1].space ? 1 : 0;
      var add = columns(p.text);
      if (line && size + gap + add > limit) { lines.push(line); line = ''; size = 0; gap = 0; }
      line += (gap ? ' ' : '') + p.text;
      size += gap + add;
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function wrap(text, width) {
    var limit = 2 * width;
    var total = columns(text);
    if (total <= limit) { return text; }
    var parts = pieces(text);
    var count = Math.ceil(total / limit);
    var lines = fill(parts, limit);
    // the narrowest equal share that still takes no more lines than filling to `width` does
    for (var share = Math.ceil(total / count); share < limit; share++) {
      var tried = fill(parts, share);
      if (tried.length <= lines.length) { lines = tried; break; }
    }
    return lines.length > 1 ? lines : text;
  }

  /* How many Chinese characters a chart's axis labels may take: about a third of the canvas. */
  function labelWidth(canvas) {
    var px = canvas.parentNode ? canvas.parentNode.clientWidth : 600;
    return Math.max(5, Math.min(20, Math.floor(px / 3 / 12)));
  }

  /* A taller box where the wrapped labels need it: every row as tall as its label's lines (12px type,
   * line height 1.2) and a little air, plus the axis below; the stylesheet's height is the least. */
  var LINE = 12 * 1.2;
  function fitHeight(canvas, labels) {
    var box = canvas.parentNode;
    if (!box) { return; }
    var tallest = Math.max.apply(null, labels.map(function (l) { return Array.isArray(l) ? l.length : 1; }));
    var need = labels.length * (tallest * LINE + 6) + 70;
    if (need > box.clientHeight) { box.style.height = Math.ceil(need) + 'px'; }
  }

  function fmt(value) {
    if (value === null || value === undefined) { return '—'; }
    return Number(value).toLocaleString(LOCALE, { maximumFractionDigits: 2 });
  }

  function rateColor(rate) {
    if (rate === null) { return COLORS.gap; }
    return rate >= 1 ? COLORS.met : rate >= 0.5 ? COLORS.mid : COLORS.low;
  }

  /* Text after each horizontal bar (or stack): what the row's `labels` option says. */
  var endLabels = {
    id: 'pdEndLabels',
    afterDatasetsDraw: function (chart, args, opts) {
      if (!opts || !opts.texts) { return; }
      var ctx = chart.ctx;
      var last = chart.getDatasetMeta(chart.data.datasets.length - 1);
      ctx.save();
      ctx.font = '12px ' + Chart.defaults.font.family;
      ctx.fillStyle = INK;
      ctx.textBaseline = 'middle';
      last.data.forEach(function (bar, i) {
        var text = opts.texts[i];
        if (!text) { return; }
        // after the bar, into the layout's right padding; never past the canvas
        var x = Math.min(bar.x + 4, chart.width - ctx.measureText(text).width - 2);
        ctx.fillText(text, Math.max(x, chart.chartArea.left + 2), bar.y);
      });
      ctx.restore();
    }
  };

  function baseOptions() {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
      plugins: { legend: { labels: { boxWidth: 14, filter: function (item, data) {
        // a legend entry only for series that show something (no "超额" when nobody exceeded)
        var values = data.datasets[item.datasetIndex].data;
        return values.some(function (v) { return v !== null && v !== 0; });
      } } } }
    };
  }

  /* Right padding wide enough for the longest end label (12px digits are about 7px wide). */
  function labelRoom(texts) {
    return 8 + 7 * Math.max.apply(null, texts.map(function (t) { return t.length; }));
  }

  function wholeNumbers(rows) {
    return rows.every(function (r) { return Number.isInteger(r.target) && Number.isInteger(r.achieved); });
  }

  function keep(chart) { charts.push(chart); return chart; }

  function drawCity(canvas, data) {
    var rows = data.indicators.filter(function (i) { return i.city; });
    var rates = rows.map(function (i) { return i.city.rate === null ? 0 : Math.min(i.city.rate, 1) * 100; });
    var options = baseOptions();
    options.indexAxis = 'y';
    var texts = rows.map(function (i) {
      return fmt(i.city.achieved) + '/' + fmt(i.city.target) + ' (' + (i.city.rate === null ? '—' : Math.round(i.city.rate * 100) + '%') + ')';
    });
    options.layout = { padding: { right: labelRoom(texts) } };
    options.scales = {
      x: { min: 0, max: 100, ticks: { callback: function (v) { return v + '%'; } }, title: { display: true, text: L.rateAxis } },
      y: { ticks: { autoSkip: false, font: { size: 12 } } }
    };
    options.plugins.legend = { display: false };
    options.plugins.tooltip = { callbacks: { label: function (c) {
      var r = rows[c.dataIndex].city;
      return L.achieved + ' ' + fmt(r.achieved) + ' / ' + L.target + ' ' + fmt(r.target) + rows[c.dataIndex].measure + L.separator + L.pending + ' ' + fmt(r.pending);
    } } };
    options.plugins.pdEndLabels = { texts: texts };
    var labels = rows.map(function (i) { return wrap(i.title, labelWidth(canvas)); });
    fitHeight(canvas, labels);
    keep(new Chart(canvas, {
      type: 'bar',
      data: {
        labels: labels,
        datasets: [{ label: L.rate, data: rates, backgroundColor: rows.map(function (i) { return rateColor(i.city.rate); }),
                     borderColor: INK, borderWidth: 0.5 }]
      },
      options: options,
      plugins: [endLabels]
    }));
  }

  function drawQuota(canvas, indicator, own) {
    var rows = indicator.counties;
    var pendingShown = rows.map(function (r) { return Math.min(r.pending, r.gap); });
    var rest = rows.map(function (r, i) { return Math.max(r.gap - pendingShown[i], 0); });
    var over = rows.map(function (r) { return Math.max(r.achieved - r.target, 0); });
    var options = baseOptions();
    options.indexAxis = 'y';
    var texts = rows.map(function (r) { return fmt(r.achieved) + '/' + fmt(r.target); });
    options.layout = { padding: { right: labelRoom(texts) } };
    options.scales = {
      x: { stacked: true, beginAtZero: true, title: { display: true, text: indicator.measure },
           ticks: { precision: wholeNumbers(rows) ? 0 : undefined } },
      y: { stacked: true, ticks: { autoSkip: false, font: function (c) {
        var row = rows[c.index];
        return { weight: row && row.county === own ? 'bold' : 'normal' };
      } } }
    };
    options.plugins.tooltip = { mode: 'index', intersect: false };
    options.plugins.pdEndLabels = { texts: texts };
    keep(new Chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map(function (r) { return r.county_name; }),
        datasets: [
          { label: L.achieved, data: rows.map(function (r) { return Math.min(r.achieved, r.target); }),
            backgroundColor: rows.map(function (r) { return r.county === own ? COLORS.own : COLORS.achieved; }) },
          { label: L.over, data: over, backgroundColor: '#145a32' },
          { label: L.pending, data: pendingShown, backgroundColor: COLORS.pending },
          { label: L.gap, data: rest, backgroundColor: COLORS.gap, borderColor: '#9aa5b1', borderWidth: 1 }
        ]
      },
      options: options,
      plugins: [endLabels]
    }));
  }

  function drawTrend(canvas, indicator, own) {
    var datasets = [];
    var colour = 0;
    indicator.series.forEach(function (s) {
      var isCity = s.unit === null;
      var mine = own && s.unit === own;
      var i = colour++;
      datasets.push({
        label: s.name, data: s.values, yAxisID: isCity && indicator.series.length > 1 ? 'y2' : 'y',
        borderColor: isCity ? INK : mine ? COLORS.own : PALETTE[i % PALETTE.length],
        backgroundColor: isCity ? INK : mine ? COLORS.own : PALETTE[i % PALETTE.length],
        borderWidth: isCity || mine ? 3 : 1.5, borderDash: isCity ? [8, 4] : DASHES[i % DASHES.length],
        spanGaps: true, pointRadius: 3
      });
    });
    if (indicator.city_target !== null) {
      datasets.push({ label: L.cityTarget, data: indicator.quarters.map(function () { return indicator.city_target; }),
                      yAxisID: indicator.series.length > 1 ? 'y2' : 'y', borderColor: COLORS.target, borderWidth: 1,
                      borderDash: [3, 3], pointRadius: 0 });
    }
    if (own && indicator.unit_targets[own] !== undefined) {
      datasets.push({ label: L.ownTarget, data: indicator.quarters.map(function () { return indicator.unit_targets[own]; }),
                      yAxisID: 'y', borderColor: COLORS.own, borderWidth: 1, borderDash: [2, 4], pointRadius: 0 });
    }
    var whole = indicator.series.every(function (s) {
      return s.values.every(function (v) { return v === null || Number.isInteger(v); });
    });
    var options = baseOptions();
    options.scales = { y: { beginAtZero: true, ticks: { precision: whole ? 0 : undefined },
                            title: { display: true, text: indicator.measure + L.unitAxis } } };
    if (indicator.series.length > 1) {
      options.scales.y2 = { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false },
                             ticks: { precision: whole ? 0 : undefined },
                             title: { display: true, text: indicator.measure + L.cityAxis } };
    }
    keep(new Chart(canvas, { type: 'line', data: { labels: indicator.quarters, datasets: datasets }, options: options }));
  }

  function draw(data) {
    var byCode = {};
    data.indicators.forEach(function (i) { byCode[i.code] = i; });
    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      var kind = canvas.getAttribute('data-chart');
      var indicator = byCode[canvas.getAttribute('data-indicator')];
      if (kind === 'city') { drawCity(canvas, data); }
      else if (kind === 'quota' && indicator) { drawQuota(canvas, indicator, data.own); }
      else if (kind === 'trend' && indicator) { drawTrend(canvas, indicator, data.own); }
    });
    document.documentElement.setAttribute('data-charts', 'ready');
  }

  function resizeAll() { charts.forEach(function (c) { c.resize(); }); }

  onReady(function () {
    document.querySelectorAll('.js-print').forEach(function (button) {
      button.addEventListener('click', function () { window.print(); });
    });
    var holder = document.getElementById('dashboard-data');
    if (!holder || typeof Chart === 'undefined') { return; }
    var given = JSON.parse(holder.getAttribute('data-labels') || '{}');
    Object.keys(given).forEach(function (key) { L[key] = given[key]; });
    LOCALE = document.documentElement.lang || LOCALE;
    Chart.defaults.font.family = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif';
    Chart.defaults.color = INK;
    window.addEventListener('beforeprint', resizeAll);
    window.addEventListener('afterprint', resizeAll);
    fetch(holder.getAttribute('data-src'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(draw)
      .catch(function () {
        document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
          var p = document.createElement('p');
          p.className = 'muted';
          p.textContent = L.failed;
          canvas.parentNode.replaceChild(p, canvas);
        });
      });
  });
}());
