// dashboard.js draws the dashboard's charts with Apache ECharts
// (echarts.min.js, loaded before it on the dashboard page only). Every
// element .dash-chart carries its section's data as JSON in data-chart:
//
//   {"kind": "bar"|"pie"|"line", "title": "…", "categories": ["…"],
//    "series": [{"name": "…", "format": "count"|"percent"|"hours",
//                "values": [n|null, …]}], "percent": true|false}
//
// Bars stand one group per category (child node) on a wide screen and
// run sideways on a phone, so that the names stay readable; a pie shows
// the one series' values by category; a line runs over the months. The elements are hidden until
// drawn: without JavaScript (or ECharts) the tables under them are the
// page. No inline script is needed (see the Content-Security-Policy).
(function () {
  'use strict';
  if (!window.echarts || !document.querySelectorAll) {
    return;
  }
  var charts = [];

  function show(v, format) {
    if (v === null || v === undefined) {
      return '—';
    }
    if (format === 'percent') {
      return v.toFixed(1) + '%';
    }
    if (format === 'hours') {
      return v.toFixed(1);
    }
    return String(Math.round(v));
  }

  function formatter(format) {
    return function (v) { return show(v, format); };
  }

  function valueAxis(d) {
    var a = { type: 'value', minInterval: 1 };
    if (d.percent) {
      a.max = 100;
      a.minInterval = 0;
      a.axisLabel = { formatter: '{value}%' };
    }
    return a;
  }

  function option(d, el) {
    var base = {
      animationDuration: 300,
      textStyle: { fontFamily: 'inherit' },
      tooltip: { trigger: d.kind === 'pie' ? 'item' : 'axis', confine: true }
    };
    if (d.kind === 'pie') {
      var s = d.series[0] || { values: [], format: 'count' };
      var data = [];
      for (var i = 0; i < d.categories.length; i++) {
        if (s.values[i] !== null) {
          data.push({ name: d.categories[i], value: s.values[i] });
        }
      }
      base.legend = { type: 'scroll', bottom: 0 };
      base.series = [{
        type: 'pie', name: d.title, radius: ['35%', '62%'], center: ['50%', '45%'], data: data,
        label: { formatter: '{b}: {c} ({d}%)' },
        tooltip: { valueFormatter: formatter(s.format) }
      }];
      return base;
    }
    var series = d.series.map(function (s) {
      return {
        type: d.kind === 'line' ? 'line' : 'bar', name: s.name, data: s.values,
        connectNulls: false, tooltip: { valueFormatter: formatter(s.format) }
      };
    });
    base.legend = { type: 'scroll', top: 0 };
    base.grid = { left: 8, right: 24, top: 36, bottom: 8, containLabel: true };
    base.series = series;
    var cat = { type: 'category', data: d.categories, axisLabel: { hideOverlap: true } };
    var n = d.categories.length;
    if (d.kind === 'line') {
      base.xAxis = cat;
      base.yAxis = valueAxis(d);
    } else if (el.clientWidth >= 600) {
      // Wide screens: upright bars, the names slanted when they are many.
      cat.axisLabel.interval = 0;
      if (n > 6) {
        cat.axisLabel.rotate = 35;
        cat.axisLabel.width = 110;
        cat.axisLabel.overflow = 'truncate';
      }
      base.xAxis = cat;
      base.yAxis = valueAxis(d);
      el.style.height = '';
      series.forEach(function (s) { s.barMaxWidth = 28; });
    } else {
      // Phones: sideways bars, first category on top, so that the names
      // stay readable; the chart grows with them.
      cat.inverse = true;
      cat.axisLabel.interval = 0;
      cat.axisLabel.width = 96;
      cat.axisLabel.overflow = 'truncate';
      base.yAxis = cat;
      base.xAxis = valueAxis(d);
      el.style.height = Math.max(240, 70 + n * (6 + 7 * Math.max(1, d.series.length))) + 'px';
      series.forEach(function (s) { s.barMaxWidth = 14; });
    }
    return base;
  }

  function draw(el) {
    var d;
    try {
      d = JSON.parse(el.getAttribute('data-chart'));
    } catch (e) {
      return;
    }
    if (!d || !d.series || !d.categories) {
      return;
    }
    el.hidden = false;
    var opt = option(d, el); // sets the element's height first
    var chart = window.echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(opt);
    charts.push({ chart: chart, el: el, data: d, wide: el.clientWidth >= 600 });
  }

  function init() {
    var els = document.querySelectorAll('.dash-chart[data-chart]');
    for (var i = 0; i < els.length; i++) {
      draw(els[i]);
    }
    // Redraw at the new size once per frame while the window changes.
    var pending = false;
    window.addEventListener('resize', function () {
      if (pending) {
        return;
      }
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        for (var j = 0; j < charts.length; j++) {
          var c = charts[j];
          var wide = c.el.clientWidth >= 600;
          if (wide !== c.wide) {
            // Upright bars on a wide screen, sideways on a phone.
            c.wide = wide;
            c.chart.setOption(option(c.data, c.el), true);
          }
          c.chart.resize();
        }
      });
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
