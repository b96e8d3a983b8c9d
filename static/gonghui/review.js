// The review page's bar charts: indicators per direct child organisation (ECharts, vendored).
// A town has dozens of unions: past a few bars the chart turns horizontal and grows a row per
// organisation, so every name stays readable instead of 52 labels crushed under one axis.
(function () {
  "use strict";
  var FEW = 8;
  var ROW = 26;
  function draw() {
    var source = document.getElementById("gh-review-charts");
    if (!source || typeof echarts === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll(".gh-chart[data-chart-index]").forEach(function (node) {
      var spec = charts[Number(node.getAttribute("data-chart-index"))];
      if (!spec) { return; }
      var many = spec.categories.length > FEW;
      var narrow = node.clientWidth < 500;
      if (many) { node.style.height = Math.max(320, spec.categories.length * ROW * spec.series.length / 1.5 + 110) + "px"; }
      var chart = echarts.init(node);
      var names = { type: "category", data: spec.categories, inverse: many,
        axisLabel: many
          ? { interval: 0, width: narrow ? 96 : 150, overflow: "truncate" }
          : { interval: 0, width: 80, overflow: "break" } };
      var values = { type: "value", minInterval: 1 };
      chart.setOption({
        title: { text: spec.title, left: "center", textStyle: { fontSize: 15 } },
        // Drawn on the canvas: the HTML tooltip writes style attributes, which the CSP refuses.
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, renderMode: "richText" },
        legend: { top: 26 },
        grid: { left: 8, right: 24, top: 60, bottom: 8, containLabel: true },
        xAxis: many ? values : names,
        yAxis: many ? names : values,
        series: spec.series.map(function (s) {
          return { name: s.name, type: "bar", data: s.data, barMaxWidth: 18,
                   label: { show: many, position: "right" } };
        })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
