// Charts of the regulator's pages; the page hands their data, already in its language, through
// data- attributes (the Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  // Amounts are exact decimal strings; charts only draw them, so a number is fine here.
  function amountOf(row) {
    var cny = (row.amounts || []).filter(function (a) { return a.currency === "CNY"; })[0];
    return cny ? Number(cny.amount) : 0;
  }

  // Rows given by the page (data-rows): each bar's label in the page's language, its CNY
  // amount and the address of the records behind it.
  function barOrPie(kind, rows, unit) {
    var names = rows.map(function (r) { return r.label || r.key; });
    var values = rows.map(function (r) { return r.value !== undefined ? Number(r.value) : amountOf(r); });
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
      yAxis: { type: "value", name: unit || "" },
      series: [{ type: "bar", data: values, itemStyle: { color: "#0b5cad" } }]
    };
  }

  // The legend's and axes' names come from the page, in its language.
  function seriesOption(data) {
    var n = data.names || {};
    return {
      tooltip: { trigger: "axis" },
      legend: { data: [n.bars, n.raised, n.resolved] },
      grid: { left: 80, right: 50, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.labels },
      yAxis: [{ type: "value", name: n.amount }, { type: "value", name: n.count, minInterval: 1 }],
      series: [
        { name: n.bars, type: "bar", data: data.bars.map(Number), itemStyle: { color: "#0b5cad" } },
        { name: n.raised, type: "line", yAxisIndex: 1, data: data.raised },
        { name: n.resolved, type: "line", yAxisIndex: 1, data: data.resolved }
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

  function draw(el) {
    if (typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var kind = el.dataset.chart;
    var done = function () { el.dataset.ready = "1"; };
    window.addEventListener("resize", function () { chart.resize(); });
    if (kind === "graph") {
      chart.setOption(graphOption(JSON.parse(el.dataset.graph)));
      done();
      return;
    }
    if (kind === "series") {
      chart.setOption(seriesOption(JSON.parse(el.dataset.series)));
      done();
      return;
    }
    var rows = JSON.parse(el.dataset.rows || "[]");
    chart.setOption(barOrPie(kind, rows, el.dataset.unit));
    // drill-down: a bar or a slice opens the records it counts
    chart.on("click", function (p) {
      var row = rows[p.dataIndex];
      if (row && row.drill) { window.location.assign(row.drill); }
    });
    done();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
  });
})();
