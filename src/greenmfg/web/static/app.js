/* greenmfg pages: ECharts from data-chart JSON, htmx CSRF header, resize handling. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the session's CSRF token (forms also send it as a field).
  document.addEventListener("htmx:configRequest", function (evt) {
    var token = csrfToken();
    if (token) evt.detail.headers["X-CSRF-Token"] = token;
  });

  var locale = document.documentElement.lang || "zh-CN";
  var numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  function fmt(v) {
    if (v === null || v === undefined || v === "" || isNaN(v)) return "—";
    var n = Number(v);
    return Math.abs(n) < 10 && n !== 0
      ? n.toLocaleString(locale, { maximumFractionDigits: 3 })
      : numberFormat.format(n);
  }

  // "_unit" (set by the server) asks for thousands separators in tooltips and axes.
  function withFormatters(option) {
    var unit = option._unit;
    delete option._unit;
    if (unit === undefined) return option;
    var suffix = unit ? " " + unit : "";
    option.tooltip = option.tooltip || {};
    option.tooltip.valueFormatter = function (v) { return fmt(v) + suffix; };
    [].concat(option.xAxis || [], option.yAxis || []).forEach(function (axis) {
      if (axis && axis.type === "value") {
        axis.axisLabel = axis.axisLabel || {};
        axis.axisLabel.formatter = function (v) {
          var n = Math.abs(v);
          if (n >= 1e8) return fmt(v / 1e8) + (locale.indexOf("zh") === 0 ? "亿" : "×10⁸");
          if (n >= 1e4 && locale.indexOf("zh") === 0) return fmt(v / 1e4) + "万";
          if (n >= 1e6) return fmt(v / 1e6) + "M";
          if (n >= 1e4) return fmt(v / 1e3) + "k";
          return fmt(v);
        };
      }
    });
    return option;
  }

  function initCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) return;
    var nodes = root.matches && root.matches("[data-chart]") ? [root] : [];
    nodes = nodes.concat(Array.prototype.slice.call(root.querySelectorAll("[data-chart]")));
    nodes.forEach(function (el) {
      if (window.echarts.getInstanceByDom(el)) return;
      var option;
      try {
        option = JSON.parse(el.getAttribute("data-chart"));
      } catch (e) {
        return;
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(withFormatters(option));
      el.setAttribute("data-chart-ready", "true");
    });
  }

  function disposeCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.dispose();
    });
  }

  function resizeCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var chart = window.echarts.getInstanceByDom(el);
      if (chart) chart.resize();
    });
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(resizeCharts, 120);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var token = csrfToken();
    if (token) document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRF-Token": token }));
    initCharts(document);
  });

  // After htmx changed the address (portfolio filters), the language links come back here.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var here = encodeURIComponent(location.pathname + location.search);
    document.querySelectorAll("a[data-lang-switch]").forEach(function (a) {
      a.setAttribute("href", a.getAttribute("href").split("?")[0] + "?next=" + here);
    });
  });
  document.addEventListener("htmx:beforeSwap", function (evt) { disposeCharts(evt.detail.target); });
  document.addEventListener("htmx:afterSettle", function (evt) { initCharts(evt.detail.target || document); });

  // Keep aria-expanded of the category drill-down in step with its content.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var id = evt.detail.target && evt.detail.target.id;
    if (!id) return;
    document.querySelectorAll('[aria-controls="' + id + '"]').forEach(function (a) {
      a.setAttribute("aria-expanded", "true");
    });
  });

  // A second click on an expanded category folds its lines away instead of loading them again.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var el = evt.detail.elt;
    if (!el || !el.classList || !el.classList.contains("expander")) return;
    if (el.getAttribute("aria-expanded") === "true") {
      evt.preventDefault();
      var target = document.getElementById(el.getAttribute("aria-controls"));
      if (target) target.innerHTML = "";
      el.setAttribute("aria-expanded", "false");
    }
  });
})();
