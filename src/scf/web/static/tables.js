// Every list on the pages: a filter, sorting by any column, pages of 20 rows, totals of the
// amount columns and a CSV download of what the filter keeps. Amounts are summed exactly:
// each amount cell carries its decimal string (data-amount) and currency, and the sum is
// taken in integers of the smallest decimal place, never in floating point.
(function () {
  "use strict";
  var PAGE = 20;
  var T = {};

  function exactSum(values) {
    // values: decimal strings such as "-12.50"; returns the exact sum as a decimal string
    var places = 0;
    values.forEach(function (v) { var i = v.indexOf("."); if (i >= 0) { places = Math.max(places, v.length - i - 1); } });
    var total = BigInt(0);
    values.forEach(function (v) {
      var neg = v.charAt(0) === "-"; if (neg) { v = v.slice(1); }
      var parts = v.split("."); var frac = (parts[1] || "");
      while (frac.length < places) { frac += "0"; }
      var n = BigInt(parts[0] + frac);
      total += neg ? -n : n;
    });
    var neg = total < BigInt(0); if (neg) { total = -total; }
    var s = total.toString();
    while (s.length <= places) { s = "0" + s; }
    var out = places ? s.slice(0, s.length - places) + "." + s.slice(s.length - places) : s;
    return (neg ? "-" : "") + out;
  }

  function formatAmount(amount, ccy) {
    var parts = amount.replace("-", "").split(".");
    var whole = BigInt(parts[0]).toLocaleString(document.documentElement.lang || "zh-CN");
    var sign = amount.charAt(0) === "-" ? "-" : "";
    return sign + ccy + " " + whole + (parts[1] ? "." + parts[1] : "");
  }

  function cellText(td) { return (td.innerText || td.textContent || "").replace(/\s+/g, " ").trim(); }

  function sortKey(td) {
    var amt = td.querySelector("[data-amount]");
    if (amt) { return { n: amt.dataset.amount }; }
    var t = cellText(td);
    return /^-?[\d,.]+%?$/.test(t) ? { n: t.replace(/[,%]/g, "") } : { s: t };
  }

  function negate(v) { return v.charAt(0) === "-" ? v.slice(1) : "-" + v; }

  function compare(a, b) {
    if (a.n !== undefined && b.n !== undefined) {
      var d = exactSum([a.n, negate(b.n)]);
      return d.charAt(0) === "-" ? -1 : (/^[0.]+$/.test(d) ? 0 : 1);
    }
    return String(a.s !== undefined ? a.s : a.n).localeCompare(String(b.s !== undefined ? b.s : b.n), "zh-CN");
  }

  function enhance(table, index) {
    var body = table.tBodies[0];
    var head = table.tHead;
    if (!body || !head || !head.rows.length) { return; }
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1 || !r.cells[0].colSpan || r.cells[0].colSpan < 2; });
    var state = { filter: "", page: 0, col: -1, asc: true };
    var bar = document.createElement("div");
    bar.className = "table-tools";
    var id = "tf-" + index;
    bar.innerHTML = '<label for="' + id + '"></label><input type="search" id="' + id + '"> ' +
      '<button type="button" class="prev"></button><span class="pageinfo" aria-live="polite"></span>' +
      '<button type="button" class="next"></button> <button type="button" class="csv"></button>';
    bar.querySelector("label").textContent = T.filter;
    bar.querySelector(".prev").textContent = T.prev;
    bar.querySelector(".next").textContent = T.next;
    bar.querySelector(".csv").textContent = T.csv;
    table.parentNode.insertBefore(bar, table);
    var input = bar.querySelector("input");
    var foot = table.tFoot || table.createTFoot();

    function kept() {
      var f = state.filter.toLowerCase();
      var out = rows.filter(function (r) { return !f || cellText(r).toLowerCase().indexOf(f) >= 0; });
      if (state.col >= 0) {
        out.sort(function (a, b) {
          var c = compare(sortKey(a.cells[state.col] || a), sortKey(b.cells[state.col] || b));
          return state.asc ? c : -c;
        });
      }
      return out;
    }

    function totals(list) {
      foot.innerHTML = "";
      var width = head.rows[0].cells.length;
      var sums = []; var any = false;
      for (var c = 0; c < width; c++) {
        var byCcy = {};
        list.forEach(function (r) {
          var cell = r.cells[c]; if (!cell) { return; }
          var amt = cell.querySelectorAll("[data-amount]");
          if (amt.length === 1) { (byCcy[amt[0].dataset.currency] = byCcy[amt[0].dataset.currency] || []).push(amt[0].dataset.amount); }
        });
        var keys = Object.keys(byCcy);
        sums.push(keys.map(function (k) { any = true; return formatAmount(exactSum(byCcy[k]), k); }).join(" / "));
      }
      if (!any || !list.length) { return; }
      var tr = foot.insertRow();
      tr.className = "totals";
      sums.forEach(function (s, c) {
        var td = tr.insertCell();
        if (c === 0 && !s) { td.textContent = T.total + " (" + list.length + ")"; }
        else { td.textContent = s; if (s) { td.className = "num"; td.dataset.total = "1"; } }
      });
    }

    function show() {
      var list = kept();
      var pages = Math.max(1, Math.ceil(list.length / PAGE));
      if (state.page >= pages) { state.page = pages - 1; }
      rows.forEach(function (r) { r.hidden = true; });
      list.forEach(function (r, i) { body.appendChild(r); r.hidden = Math.floor(i / PAGE) !== state.page; });
      bar.querySelector(".pageinfo").textContent = " " + (state.page + 1) + " / " + pages + " ";
      ["prev", "pageinfo", "next"].forEach(function (c) { bar.querySelector("." + c).hidden = pages < 2; });
      bar.querySelector(".prev").disabled = state.page === 0;
      bar.querySelector(".next").disabled = state.page >= pages - 1;
      totals(list);
    }

    Array.prototype.forEach.call(head.rows[0].cells, function (th, c) {
      if (!cellText(th)) { return; }
      var b = document.createElement("button");
      b.type = "button"; b.className = "sort"; b.textContent = cellText(th);
      th.textContent = ""; th.appendChild(b);
      b.addEventListener("click", function () {
        state.asc = state.col === c ? !state.asc : true; state.col = c; state.page = 0;
        Array.prototype.forEach.call(head.rows[0].cells, function (x) { x.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", state.asc ? "ascending" : "descending");
        show();
      });
    });
    input.addEventListener("input", function () { state.filter = input.value.trim(); state.page = 0; show(); });
    bar.querySelector(".prev").addEventListener("click", function () { state.page -= 1; show(); });
    bar.querySelector(".next").addEventListener("click", function () { state.page += 1; show(); });
    bar.querySelector(".csv").addEventListener("click", function () {
      var quote = function (s) { return '"' + s.replace(/"/g, '""') + '"'; };
      var lines = [Array.prototype.map.call(head.rows[0].cells, function (th) { return quote(cellText(th)); }).join(",")];
      kept().forEach(function (r) {
        lines.push(Array.prototype.map.call(r.cells, function (td) {
          var amt = td.querySelectorAll("[data-amount]");
          return quote(amt.length === 1 ? amt[0].dataset.amount : cellText(td));
        }).join(","));
      });
      var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = (table.id || "table") + ".csv";
      document.body.appendChild(a); a.click(); a.remove();
    });
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    try { T = JSON.parse(document.body.dataset.tableText || "{}"); } catch (e) { T = {}; }
    Array.prototype.forEach.call(document.querySelectorAll("main table"), enhance);
  });
})();
