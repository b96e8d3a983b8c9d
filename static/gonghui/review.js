// The review page's bar charts: indicators per direct child organisation (ECharts, vendored).
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("gh-review-charts");
    if (!source || typeof echarts === "undefined") { return; }
    var charts = JSON.parse(source.textContent);
    document.querySelectorAll(".gh-chart[data-chart-index]").forEach(function (node) {
      var spec = charts[Number(node.getAttribute("data-chart-index"))];
      if (!spec) { return; }
      var chart = echarts.init(node);
      chart.setOption({
        title: { text: spec.title, left: "center", textStyle: { fontSize: 15 } },
        tooltip: { trigger: "axis" },
        legend: { bottom: 0 },
        grid: { left: 48, right: 16, top: 48, bottom: 72 },
        xAxis: { type: "category", data: spec.categories, axisLabel: { interval: 0, rotate: spec.categories.length > 6 ? 30 : 0 } },
        yAxis: { type: "value", minInterval: 1 },
        series: spec.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
