/* Omni console: the little JavaScript that Alpine and htmx do not cover.
 *
 * Charts: <div class="chart" data-echarts="ID" data-series-name="…"> with
 * {{ data|json_script:"ID" }} holding {"days": [...], "counts": [...]} draws a bar chart
 * (ECharts must be loaded on the page: static/vendor/echarts.min.js).
 */
(function () {
  "use strict";

  function drawCharts(root) {
    if (typeof window.echarts === "undefined") return;
    root.querySelectorAll("[data-echarts]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.echarts);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        grid: { left: 40, right: 16, top: 24, bottom: 28 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.days, axisTick: { alignWithLabel: true } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{
          name: el.dataset.seriesName || "",
          type: "bar",
          data: data.counts,
          itemStyle: { color: "#1668dc", borderRadius: [3, 3, 0, 0] },
          barMaxWidth: 28,
        }],
      });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawCharts(e.target); });
})();
