// Charts of the regulator's pages; data arrives through data- attributes and JSON endpoints
// (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  function pick(obj, path) {
    return path.split(".").reduce(function (o, k) { return o == null ? o : o[k]; }, obj);
  }

  // Amounts are exact decimal strings; charts only draw them, so a number is fine here.
  function amountOf(row) {
    var cny = (row.amounts || []).filter(function (a) { return a.currency === "CNY"; })[0];
    return cny ? Number(cny.amount) : 0;
  }

  function barOrPie(el, kind, rows) {
    var names = rows.map(function (r) { return r.label || r.key; });
    var values = rows.map(amountOf);
    if (kind === "pie") {
      return {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: "65%", data: names.map(function (n, i) { return { name: n, value: values[i] }; }) }]
      };
    }
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 80, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "category", data: names },
      yAxis: { type: "value", name: "CNY" },
      series: [{ type: "bar", data: values, itemStyle: { color: "#0b5cad" } }]
    };
  }

  function seriesOption(data) {
    var cny = (data.sme_volume && data.sme_volume.CNY) || data.labels.map(function () { return "0"; });
    return {
      tooltip: { trigger: "axis" },
      legend: { data: ["SME CNY", "alerts raised", "alerts resolved"] },
      grid: { left: 80, right: 50, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.labels },
      yAxis: [{ type: "value", name: "CNY" }, { type: "value", name: "alerts" }],
      series: [
        { name: "SME CNY", type: "bar", data: cny.map(Number), itemStyle: { color: "#0b5cad" } },
        { name: "alerts raised", type: "line", yAxisIndex: 1, data: data.alerts_raised },
        { name: "alerts resolved", type: "line", yAxisIndex: 1, data: data.alerts_resolved }
      ]
    };
  }

  function graphOption(graph) {
    var colors = { related: "#b3261e", receivable: "#0b5cad", financing: "#1e6b35" };
    var cats = [];
    graph.nodes.forEach(function (n) { if (cats.indexOf(n.category) < 0) { cats.push(n.category); } });
    return {
      tooltip: {},
      legend: { data: cats },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: { repulsion: 260, edgeLength: 120 },
        label: { show: true, position: "right", formatter: "{b}" },
        edgeSymbol: ["none", "arrow"],
        categories: cats.map(function (c) { return { name: c }; }),
        data: graph.nodes.map(function (n) {
          return { id: n.id, name: n.name, category: cats.indexOf(n.category), symbolSize: n.focus ? 46 : 28 };
        }),
        links: graph.links.map(function (l) {
          return { source: l.source, target: l.target, value: l.kind, lineStyle: { color: colors[l.kind] || "#999", width: 2 } };
        })
      }]
    };
  }

  var cache = {};
  function load(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) { throw new Error(url + ": " + r.status); } return r.json(); });
    }
    return cache[url];
  }

  function draw(el) {
    if (typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var kind = el.dataset.chart;
    var done = function () { el.dataset.ready = "1"; };
    if (kind === "graph") {
      chart.setOption(graphOption(JSON.parse(el.dataset.graph)));
      done();
      return;
    }
    load(el.dataset.src).then(function (data) {
      chart.setOption(kind === "series" ? seriesOption(data) : barOrPie(el, kind, pick(data, el.dataset.path) || []));
      done();
    }).catch(function (e) { el.textContent = String(e); el.dataset.ready = "error"; });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
})();
