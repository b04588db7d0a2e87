// yecai web workspace: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Company switcher: submit on change (the button is there for browsers without JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });

  // Buttons that undo something ask first.
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-confirm]");
    if (b && !window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
  });

  // Global search popup: Escape or a click elsewhere closes it.
  var pop = document.getElementById("search-pop");
  if (pop) {
    document.addEventListener("click", function (e) {
      if (!e.target.closest(".search")) { pop.innerHTML = ""; }
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { pop.innerHTML = ""; }
    });
  }

  // Account trees (trial balance): collapse and expand levels.
  function descendants(row) {
    var code = row.getAttribute("data-code"), out = [], next = row.nextElementSibling;
    while (next && (next.getAttribute("data-code") || "").indexOf(code) === 0 && next.getAttribute("data-code") !== code) {
      out.push(next);
      next = next.nextElementSibling;
    }
    return out;
  }
  function setExpanded(row, expanded) {
    var btn = row.querySelector(".toggle");
    if (btn) { btn.setAttribute("aria-expanded", expanded ? "true" : "false"); }
    descendants(row).forEach(function (d) {
      if (expanded) {
        // only show direct children; deeper rows follow their own parent's state
        var parentCode = null;
        document.querySelectorAll("table.tree tr[data-code]").forEach(function (r) {
          var c = r.getAttribute("data-code");
          if (d.getAttribute("data-code").indexOf(c) === 0 && c !== d.getAttribute("data-code") && (!parentCode || c.length > parentCode.length)) { parentCode = c; }
        });
        var p = parentCode && document.querySelector('table.tree tr[data-code="' + parentCode + '"] .toggle');
        d.classList.toggle("collapsed", !!(p && p.getAttribute("aria-expanded") === "false"));
      } else {
        d.classList.add("collapsed");
      }
    });
  }
  document.querySelectorAll("table.tree").forEach(function (table) {
    table.addEventListener("click", function (e) {
      var btn = e.target.closest(".toggle");
      if (!btn) { return; }
      var row = btn.closest("tr");
      setExpanded(row, btn.getAttribute("aria-expanded") !== "true");
    });
  });
  document.querySelectorAll("[data-collapse-all], [data-expand-all]").forEach(function (b) {
    b.addEventListener("click", function () {
      var expand = b.hasAttribute("data-expand-all");
      document.querySelectorAll("table.tree tr[data-level]").forEach(function (r) {
        var btn = r.querySelector(".toggle");
        if (btn) { btn.setAttribute("aria-expanded", expand ? "true" : "false"); }
        r.classList.toggle("collapsed", !expand && r.getAttribute("data-level") !== "1");
      });
    });
  });

  // Dashboard chart (ECharts from node_modules); the table below it carries the same figures.
  function drawTrend() {
    var el = document.getElementById("trend-chart"), src = document.getElementById("trend-data");
    if (!el || !src || !window.echarts) { return; }
    var d = JSON.parse(src.textContent);
    el.classList.add("drawn");  // the box takes room only once there is a chart to show
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      animation: false,
      legend: { top: 0, data: [d.names.revenue, d.names.profit] },
      grid: { left: 60, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: d.labels },
      yAxis: { type: "value" },
      series: [
        { name: d.names.revenue, type: "bar", data: d.revenue.map(Number), itemStyle: { color: "#1d5fa8" } },
        { name: d.names.profit, type: "line", data: d.profit.map(Number), itemStyle: { color: "#b4232a" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function loadTrend() {
    var trend = document.getElementById("trend-chart");
    if (!trend) { return; }
    if (window.echarts) { drawTrend(); return; }
    var s = document.createElement("script");
    s.src = trend.getAttribute("data-lib");
    s.onload = drawTrend;
    document.head.appendChild(s);
  }
  loadTrend();
  // the dashboard loads its trend after the page shows (htmx)
  document.body.addEventListener("htmx:afterSwap", loadTrend);
})();
