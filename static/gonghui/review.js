// The review page's bar charts: indicators per direct child organisation (ECharts, vendored).
// A city has some fifty direct children and a town dozens of unions: one bar per unit made a
// chart two metres tall, mostly zeros, with names cut short. A cadre reading the review wants
// who did most: so the bars run horizontally, sorted by value, the first TOP units named in
// full (a long name wraps onto a second line rather than being cut) and the rest summed as
// 其他 N 个单位 (only when every figure of the chart adds up; otherwise the rest are left out
// and the subtitle says so). A button under the chart shows every unit, and folds back.
(function () {
  "use strict";
  var TOP = 10;

  // The rows to draw: every unit, or the TOP largest plus one 其他 row.
  function rowsOf(spec, all) {
    var rows = spec.categories.map(function (name, i) {
      var values = spec.series.map(function (s) { return s.data[i]; });
      var total = values.reduce(function (a, b) { return a + b; }, 0);
      return { name: name, values: values, total: total, index: i };
    });
    // Largest first; ties keep the report's order (by organisation code).
    rows.sort(function (a, b) { return b.total - a.total || a.index - b.index; });
    // Units with nothing to show go to 其他 rather than fill the first places with zeros.
    var top = Math.min(TOP, rows.filter(function (r) { return r.total > 0; }).length) || TOP;
    var rest = rows.length - top;
    if (all || rest <= 1) { return { rows: rows, hidden: 0, summed: false }; }
    var shown = rows.slice(0, top);
    // The rest all nothing (a town's relief is its own, 本级): said, not drawn as zeros.
    if (rows.slice(top).every(function (r) { return r.total === 0; })) {
      return { rows: shown, top: top, hidden: rest, summed: false, zeros: true };
    }
    var additive = spec.series.every(function (s) { return s.additive !== false; });
    if (additive) {
      var others = rows.slice(top);
      shown.push({
        other: true,
        name: "其他 " + others.length + " 个单位",
        values: spec.series.map(function (s, k) {
          return others.reduce(function (sum, row) { return sum + row.values[k]; }, 0);
        })
      });
    }
    return { rows: shown, top: top, hidden: rest, summed: additive };
  }

  function draw(node, spec, all) {
    var picked = rowsOf(spec, all);
    var rows = picked.rows;
    var narrow = node.clientWidth < 500;
    // A row holds its bars and a name of up to two lines (13 px each).
    var row = Math.max(36, spec.series.length * 14 + 12);
    // The legend wraps onto more lines on a narrow chart: the plot starts below its last line.
    var legendWidth = spec.series.reduce(function (w, s) { return w + s.name.length * 12 + 40; }, 0);
    var legendRows = Math.max(1, Math.ceil(legendWidth / Math.max(200, node.clientWidth - 20)));
    var below = (legendRows - 1) * 22;
    node.style.height = Math.max(240, rows.length * row + 110 + below) + "px";
    var chart = echarts.getInstanceByDom(node) || echarts.init(node);
    var subtext = "";
    if (picked.zeros) {
      subtext = "其余 " + picked.hidden + " 个单位本期为 0";
    } else if (picked.hidden) {
      subtext = "按数值从大到小，列出前 " + picked.top + " 个单位" +
        (picked.summed ? "，其余合计为“其他”" : "，其余 " + picked.hidden + " 个未列出");
    } else if (rows.length > 1) {
      subtext = "按数值从大到小";
    }
    chart.setOption({
      title: { text: spec.title, subtext: subtext, left: "center",
               textStyle: { fontSize: 15 }, subtextStyle: { fontSize: 12 } },
      // Drawn on the canvas: the HTML tooltip writes style attributes, which the CSP refuses.
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
      legend: { top: subtext ? 46 : 26 },
      grid: { left: 8, right: 40, top: (subtext ? 78 : 60) + below, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category", inverse: true, data: rows.map(function (r) { return r.name; }),
        // Names in full: wrapped within the label column, never cut off with "…".
        axisLabel: { interval: 0, width: narrow ? 110 : 190, overflow: "break", lineHeight: 13 }
      },
      series: spec.series.map(function (s, k) {
        return { name: s.name, type: "bar", barMaxWidth: 14,
                 // The 其他 bar paler: a sum of many units, not one unit's achievement.
                 data: rows.map(function (r) {
                   return r.other ? { value: r.values[k], itemStyle: { opacity: 0.45 } } : r.values[k];
                 }),
                 label: { show: true, position: "right",
                          formatter: function (p) { return p.value ? String(p.value) : ""; } } };
      })
    }, true);
    chart.resize();
    node.setAttribute("data-rows", String(rows.length));
    return picked;
  }

  function setUp() {
    var source = document.getElementById("gh-review-charts");
    if (!source || typeof echarts === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll(".gh-chart[data-chart-index]").forEach(function (node) {
      var spec = charts[Number(node.getAttribute("data-chart-index"))];
      if (!spec) { return; }
      var all = false;
      var picked = draw(node, spec, all);
      if (picked.hidden) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-link btn-sm p-0 mt-1";
        button.setAttribute("data-testid", "chart-all");
        var label = function () {
          button.textContent = all ? "只看前 " + picked.top + " 个单位" : "显示全部 " + spec.categories.length + " 个单位";
        };
        label();
        button.addEventListener("click", function () {
          all = !all;
          draw(node, spec, all);
          label();
        });
        node.insertAdjacentElement("afterend", button);
      }
      // Redrawn, not only resized: a phone turned sideways gives the names more room.
      window.addEventListener("resize", function () { draw(node, spec, all); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
})();
