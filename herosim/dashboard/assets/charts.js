/* herosim's charts: line charts in SVG with the timeline's events marked, nothing else.
   Charts.line(parent, {key, title, unit, times, series:[{name, values}], events, guide}) */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg", W = 560, H = 170, L = 44, R = 8, T = 12, B = 22;

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function nice(max) {
    if (!(max > 0)) return 1;
    var step = Math.pow(10, Math.floor(Math.log10(max))), n = max / step;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * step;
  }

  function label(v, unit) {
    var text = v >= 1000 ? (v / 1000).toFixed(v % 1000 ? 1 : 0) + "k" : (Math.round(v * 100) / 100).toString();
    return text + (unit || "");
  }

  function clock(ms) {
    var d = new Date(ms);
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function line(parent, spec) {
    var fig = document.createElement("figure");
    fig.className = "chart";
    fig.setAttribute("data-chart", spec.key);
    var cap = document.createElement("figcaption");
    cap.textContent = spec.title;
    fig.appendChild(cap);
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, width: "100%", role: "img", "aria-label": spec.title}, fig);
    var times = spec.times, t0 = times[0], t1 = times[times.length - 1] || t0 + 1;
    var max = spec.guide ? spec.guide.value : 0;
    spec.series.forEach(function (s) { s.values.forEach(function (v) { if (v != null && v > max) max = v; }); });
    max = nice(max * 1.05);
    function x(t) { return L + (W - L - R) * (t - t0) / Math.max(t1 - t0, 1); }
    function y(v) { return T + (H - T - B) * (1 - v / max); }
    [0, max / 2, max].forEach(function (v) {
      el("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), "class": "axis"}, svg);
      el("text", {x: L - 4, y: y(v) + 3, "text-anchor": "end"}, svg).textContent = label(v, spec.unit);
    });
    [t0, (t0 + t1) / 2, t1].forEach(function (t, i) {
      el("text", {x: x(t), y: H - 6, "text-anchor": ["start", "middle", "end"][i]}, svg).textContent = clock(t);
    });
    if (spec.guide) {
      el("line", {x1: L, x2: W - R, y1: y(spec.guide.value), y2: y(spec.guide.value), "class": "guide"}, svg);
      el("text", {x: W - R, y: y(spec.guide.value) - 3, "text-anchor": "end"}, svg).textContent = spec.guide.label;
    }
    (spec.events || []).forEach(function (e) {
      if (e.t < t0 || e.t > t1 + (times[1] - times[0] || 0)) return;
      var g = el("g", {"class": "event", "data-kind": e.kind}, svg), ex = Math.min(x(e.t), W - R);
      el("line", {x1: ex, x2: ex, y1: T, y2: H - B, "class": "ev " + e.kind}, g);
      el("path", {d: "M" + (ex - 4) + " " + (T - 8) + "h8l-4 7z", "class": "mark " + e.kind}, g);
      el("title", {}, g).textContent = e.label;
    });
    var legend = document.createElement("div");
    legend.className = "legend";
    spec.series.forEach(function (s, i) {
      var pts = [], last = null;
      s.values.forEach(function (v, j) {
        if (v == null) return;
        pts.push(x(times[j]).toFixed(1) + "," + y(v).toFixed(1));
        last = v;
      });
      if (pts.length === 1) pts.push((parseFloat(pts[0]) + 2) + "," + pts[0].split(",")[1]);
      el("polyline", {points: pts.join(" "), "class": "s" + i, "data-series": s.name}, svg);
      var item = document.createElement("span");
      item.innerHTML = '<i class="s' + i + '"></i>';
      item.appendChild(document.createTextNode(s.name + " " + (last == null ? "–" : label(last, spec.unit))));
      legend.appendChild(item);
    });
    fig.appendChild(legend);
    parent.appendChild(fig);
    if (!window.__firstChart) {
      window.__firstChart = performance.now();
      if (performance.mark) performance.mark("first-chart");
    }
    return fig;
  }

  window.Charts = {line: line};
})();
