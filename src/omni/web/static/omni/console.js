/* Omni console: the little JavaScript that Alpine and htmx do not cover.
 *
 * Charts: <div class="chart" data-echarts="ID" data-series-name="…"> with
 * {{ data|json_script:"ID" }} holding {"days": [...], "counts": [...]} draws a bar chart
 * (ECharts must be loaded on the page: static/vendor/echarts.min.js); or
 * {"labels": [...], "series": [{"name", "data", "stack"}], "horizontal": bool} draws
 * several (stacked) bar series with a legend.
 *
 * Saved filters: the Alpine component `omniSavedFilters` of
 * templates/web/components/saved_filters.html (see the comment there).
 */
(function () {
  "use strict";

  var PALETTE = ["#1668dc", "#faad14", "#cf1322", "#52c41a", "#722ed1"];

  /* {"labels": [...], "series": [{"name", "data", "stack"?}], "horizontal": bool}: a bar
   * chart of several (optionally stacked) series with a legend. */
  function seriesOption(data) {
    var category = { type: "category", data: data.labels, axisTick: { alignWithLabel: true } };
    var value = { type: "value" };
    return {
      animation: false,
      color: PALETTE,
      legend: { top: 0 },
      grid: { left: data.horizontal ? 96 : 56, right: 16, top: 32, bottom: 28 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: data.horizontal ? value : category,
      yAxis: data.horizontal ? Object.assign({ inverse: true }, category) : value,
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", stack: s.stack || null, data: s.data, barMaxWidth: 28 };
      }),
    };
  }

  function drawCharts(root) {
    if (typeof window.echarts === "undefined") return;
    root.querySelectorAll("[data-echarts]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.echarts);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(data.series ? seriesOption(data) : {
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

  /* Saved filters: named query strings of one list, as JSON [{name, query}] in localStorage
   * under the root element's data-key (one key per list and user); data-query is what "save"
   * keeps. Unreadable or blocked storage just means no saved filters. */
  function readSaved(key) {
    try {
      var items = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(items) ? items.filter(function (i) {
        return i && typeof i.name === "string" && typeof i.query === "string";
      }) : [];
    } catch (e) {
      return [];
    }
  }

  function savedFilters() {
    return {
      items: [], name: "", key: "", query: "",
      init: function () {
        this.key = this.$el.dataset.key || "";
        this.query = this.$el.dataset.query || "";
        this.items = readSaved(this.key);
      },
      store: function () {
        try { window.localStorage.setItem(this.key, JSON.stringify(this.items)); } catch (e) { /* full or blocked */ }
      },
      save: function () {
        var name = this.name.trim();
        if (!name || !this.query) return;
        this.items = this.items.filter(function (i) { return i.name !== name; });
        this.items.push({ name: name, query: this.query });
        this.store();
        this.name = "";
      },
      remove: function (name) {
        this.items = this.items.filter(function (i) { return i.name !== name; });
        this.store();
      },
    };
  }

  document.addEventListener("alpine:init", function () {
    window.Alpine.data("omniSavedFilters", savedFilters);
  });
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (e) { drawCharts(e.target); });
})();
