// dashboard.js draws the dashboard's charts with Apache ECharts
// (echarts.min.js, loaded before it on the dashboard page only). Every
// element .dash-chart carries its section's data as JSON in data-chart:
//
//   {"kind": "bar"|"pie"|"line", "title": "…", "categories": ["…"],
//    "series": [{"name": "…", "format": "count"|"percent"|"hours",
//                "values": [n|null, …]}], "percent": true|false}
//
// Bars run sideways, one per category (child node), so that the names
// stay readable on a phone; a pie shows the one series' values by
// category; a line runs over the months. The elements are hidden until
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
    if (d.kind === 'line') {
      base.xAxis = cat;
      base.yAxis = valueAxis(d);
    } else {
      // Sideways bars, first category on top; the chart grows with them.
      cat.inverse = true;
      cat.axisLabel.width = 120;
      cat.axisLabel.overflow = 'truncate';
      base.yAxis = cat;
      base.xAxis = valueAxis(d);
      var rows = d.categories.length * Math.max(1, d.series.length);
      el.style.height = Math.max(240, 60 + d.categories.length * 12 + rows * 16) + 'px';
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
    var opt = option(d, el);
    var chart = window.echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(opt);
    charts.push(chart);
  }

  function init() {
    var els = document.querySelectorAll('.dash-chart[data-chart]');
    for (var i = 0; i < els.length; i++) {
      draw(els[i]);
    }
    var pending = 0;
    window.addEventListener('resize', function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        for (var j = 0; j < charts.length; j++) {
          charts[j].resize();
        }
      }, 100);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
