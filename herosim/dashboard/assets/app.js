/* herosim's dashboard: one page per app with Heroku's tabs, live while the app runs. */
(function () {
  "use strict";
  var TABS = [["overview", "Overview"], ["resources", "Resources"], ["activity", "Activity"],
              ["metrics", "Metrics"], ["logs", "Logs"], ["settings", "Settings"]];
  var WINDOWS = [["2h", "Past 2 hours"], ["24h", "Past 24 hours"], ["48h-24h", "48–24 hours ago"],
                 ["72h-48h", "72–48 hours ago"], ["72h", "Past 72 hours"], ["7d", "Past 7 days"]];
  var app = (location.pathname.match(/^\/apps\/([a-z][a-z0-9-]*)/) || [])[1];
  var main = document.getElementById("main"), timer = null, stream = null, shown = 0;
  var chosen = {window: "2h", type: "web"};

  function h(tag, attrs, kids) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "on") node.addEventListener("click", attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    (kids || []).forEach(function (kid) { if (kid) node.appendChild(typeof kid === "string" ? document.createTextNode(kid) : kid); });
    return node;
  }

  function answer(r) {
    return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || r.status); return j; });
  }
  function get(path) { return fetch(path, {headers: {Accept: "application/json"}}).then(answer); }
  function post(path, body) {
    return fetch(path, {method: "POST", body: JSON.stringify(body || {}),
      headers: {"Content-Type": "application/json", "X-Herosim-Dashboard": "1"}}).then(answer);
  }
  function api(what) { return "/api/apps/" + app + "/" + what; }
  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 60 ? s + "s ago" : s < 3600 ? Math.floor(s / 60) + "m ago" : s < 86400 ? Math.floor(s / 3600) + "h ago" : Math.floor(s / 86400) + "d ago";
  }
  function table(head, rows) {
    return h("table", {}, [h("tr", {}, head.map(function (c) { return h("th", {text: c}); }))].concat(rows.map(function (r) {
      return h("tr", {}, r.map(function (c) { return typeof c === "object" ? h("td", {}, [c]) : h("td", {text: String(c)}); }));
    })));
  }
  function card(title, kids) { return h("section", {"class": "card"}, [h("h2", {text: title})].concat(kids)); }
  function fail(err) { main.replaceChildren(h("p", {"class": "muted", text: "Could not load: " + err.message})); }
  function every(ms, work) { work(); timer = setInterval(work, ms); }

  // -- the tabs -----------------------------------------------------------------------------
  function dynoRows(dynos, actions) {
    return dynos.map(function (d) {
      var row = [d.name, h("span", {"class": "state " + d.state, text: d.state}), d.command, d.size || "", ago(d.since)];
      if (actions) row.push(h("button", {text: "Restart", on: function () { post(api("restart"), {dyno: d.name}).then(show); }}));
      return row;
    });
  }

  function overview(data) {
    main.replaceChildren(
      card("Dyno formation", [table(["Type", "Command", "Size", "Quantity"], data.formation.map(function (f) {
        return [f.type, f.command, f.size, f.quantity]; })), h("p", {}, [h("a", {href: data.url, text: data.url}),
        " · ", h("a", {href: data.https_url, text: data.https_url})])]),
      card("Dynos", [data.dynos.length ? table(["Dyno", "State", "Command", "Size", "Since"], dynoRows(data.dynos))
                                       : h("p", {"class": "muted", text: "No dynos run (herosim up starts them)."})]),
      card("Installed add-ons", [data.addons.length ? table(["Add-on", "Plan"], data.addons.map(function (a) { return [a.name, a.plan]; }))
                                                    : h("p", {"class": "muted", text: "None."})]),
      card("Latest activity", [activityList(data.activity)]));
  }

  function resources(data) {
    var rows = data.formation.map(function (f) {
      var scale = function (n) { return function () { post(api("scale"), {changes: [f.type + "=" + Math.max(0, f.quantity + n)]}).then(show, alert); }; };
      return [f.type, f.command, f.size, h("span", {"class": "row"}, [h("button", {text: "−", "aria-label": "scale down " + f.type, on: scale(-1)}),
              h("b", {text: String(f.quantity), "data-quantity": f.type}), h("button", {text: "+", "aria-label": "scale up " + f.type, on: scale(1)})])];
    });
    main.replaceChildren(
      card("Dynos", [table(["Type", "Command", "Size", "Quantity"], rows),
        h("p", {}, [h("button", {text: "Restart all dynos", on: function () { post(api("restart"), {}).then(show, alert); }})])]),
      card("Running", [table(["Dyno", "State", "Command", "Size", "Since", ""], dynoRows(data.dynos, true))]),
      card("Add-ons", [data.addons.length ? table(["Add-on", "Plan"], data.addons.map(function (a) { return [a.name, a.plan]; }))
                                          : h("p", {"class": "muted", text: "None."})]));
  }

  function activityList(items) {
    return h("ul", {"class": "events"}, items.map(function (r) {
      return h("li", {}, [h("b", {text: r.version + " "}), r.description + " — " + r.user + ", " + ago(r.created_at) +
        (r.status !== "succeeded" ? " (" + r.status + ")" : "")]);
    }));
  }

  function activity(data) {
    var builds = data.builds.map(function (b) {
      return h("details", {}, [h("summary", {text: "Build " + b.status + (b.release ? " — " + b.release : "") + ", " + ago(b.created_at)}),
        h("pre", {"class": "log build", text: b.lines.join("\n")})]);
    });
    main.replaceChildren(card("Releases", [activityList(data.releases)]),
      card("Builds", builds.length ? builds : [h("p", {"class": "muted", text: "No build kept yet."})]));
  }

  // -- metrics --------------------------------------------------------------------------------
  function tile(label, path, value, unit) {
    return h("div", {}, [h("dt", {text: label}), h("dd", {"data-metric": path, "data-value": value == null ? "" : String(value),
      text: value == null ? "–" : value + (unit || "")})]);
  }

  function metrics(data) {
    // the charts start where the data does (at least the last 10 steps): a fresh app is not a sliver at the edge
    var first = data.points.findIndex(function (p) { return p.requests || p.memory_mb.total_mean != null || p.load.mean != null; });
    var points = data.points.slice(first < 0 ? data.points.length - 10 : Math.min(first, data.points.length - 10));
    var half = data.resolution_s * 500;   // a bucket's point is drawn at its middle, where its events are
    var s = data.summary, times = points.map(function (p) { return Date.parse(p.t) + half; });
    var events = data.events.map(function (e) { return {t: Date.parse(e.t), kind: e.kind, label: e.kind + ": " + e.text + (e.release ? " (" + e.release + ")" : "")}; });
    points.forEach(function (p, i) {
      var codes = Object.keys(p.errors);
      if (codes.length) events.push({t: times[i], kind: "error", label: codes.map(function (c) { return c + " ×" + p.errors[c]; }).join(", ")});
    });
    function series(name, pick) { return {name: name, values: points.map(pick)}; }
    var windows = h("select", {"aria-label": "window"}, WINDOWS.map(function (w) { var o = h("option", {value: w[0], text: w[1]}); o.selected = w[0] === chosen.window; return o; }));
    var types = h("select", {"aria-label": "process type"}, data.process_types.map(function (t) { var o = h("option", {value: t, text: t}); o.selected = t === chosen.type; return o; }));
    windows.onchange = function () { chosen.window = windows.value; show(); };
    types.onchange = function () { chosen.type = types.value; show(); };
    var tiles = [tile("Requests", "summary.requests", s.requests), tile("2xx", "summary.status.2xx", s.status["2xx"]),
      tile("4xx", "summary.status.4xx", s.status["4xx"]), tile("5xx", "summary.status.5xx", s.status["5xx"]),
      tile("Median", "summary.response_time_ms.p50", s.response_time_ms.p50, " ms"), tile("p95", "summary.response_time_ms.p95", s.response_time_ms.p95, " ms"),
      tile("p99", "summary.response_time_ms.p99", s.response_time_ms.p99, " ms"), tile("Max", "summary.response_time_ms.max", s.response_time_ms.max, " ms"),
      tile("Memory max", "summary.memory_mb.total_max", s.memory_mb.total_max, " MB"), tile("Quota", "summary.memory_mb.quota", s.memory_mb.quota, " MB"),
      tile("Load max", "summary.load.max", s.load.max)];
    Object.keys(s.errors).forEach(function (c) { tiles.push(tile(c, "summary.errors." + c, s.errors[c])); });
    var charts = h("div", {"class": "charts"});
    var box = h("div", {id: "metrics", "data-updated-at": data.updated_at || "", "data-window": data.window}, [
      h("div", {"class": "row"}, [windows, types, h("span", {"class": "muted", text: (data.updated_at ? "updated " + ago(data.updated_at) : "nothing collected yet") + " · " + data.resolution_s / 60 + "-minute resolution"})]),
      h("dl", {"class": "summary"}, tiles), charts,
      card("Events", [h("ul", {"class": "events"}, data.events.slice().reverse().map(function (e) {
        return h("li", {}, [h("span", {"class": "tag " + e.kind, text: e.kind}), " " + e.t.replace("T", " ").replace("Z", "") + " " + e.text + (e.release ? " (" + e.release + ")" : "")]);
      }))])]);
    main.replaceChildren(box);
    Charts.line(charts, {key: "response", title: "Response Time", unit: " ms", times: times, events: events, series: [
      series("median", function (p) { return p.response_time_ms.p50; }), series("p95", function (p) { return p.response_time_ms.p95; }),
      series("p99", function (p) { return p.response_time_ms.p99; }), series("max", function (p) { return p.response_time_ms.max; })]});
    Charts.line(charts, {key: "throughput", title: "Throughput (requests per minute)", times: times, events: events, series:
      ["2xx", "3xx", "4xx", "5xx"].map(function (c) { return series(c, function (p) { return p.requests ? p.throughput_rpm[c] : null; }); })});
    var quota = s.memory_mb.quota;
    Charts.line(charts, {key: "memory", title: "Memory Usage", unit: " MB", times: times, events: events,
      guide: quota ? {value: quota, label: "quota " + quota + " MB"} : null, series: [
      series("total (mean)", function (p) { return p.memory_mb.total_mean; }), series("total (max)", function (p) { return p.memory_mb.total_max; }),
      series("RSS", function (p) { return p.memory_mb.rss_mean; }), series("swap", function (p) { return p.memory_mb.swap_mean; })]});
    Charts.line(charts, {key: "load", title: "Dyno Load", times: times, events: events, series: [
      series("mean", function (p) { return p.load.mean; }), series("max", function (p) { return p.load.max; })]});
  }

  // -- logs and settings ----------------------------------------------------------------------
  function logs() {
    var pre = h("pre", {"class": "log", id: "log"});
    main.replaceChildren(pre);
    function add(text) {
      pre.appendChild(document.createTextNode(text + "\n"));
      while (pre.childNodes.length > 1500) pre.removeChild(pre.firstChild);
      pre.scrollTop = pre.scrollHeight;
    }
    get(api("logs?n=100")).then(function (d) {
      d.lines.forEach(add);
      stream = new EventSource(api("logs/stream"));
      stream.onmessage = function (m) { add(JSON.parse(m.data)); };
    }, fail);
  }

  function settings(data) {
    var vars = h("div", {id: "config-vars"}, [h("p", {"class": "muted", text: data.config_var_names.length + " config vars."}),
      h("button", {id: "reveal", text: "Reveal Config Vars", on: function () {
        post(api("config/reveal")).then(function (d) {
          vars.replaceChildren(table(["Key", "Value"], Object.keys(d.config_vars).map(function (k) {
            return [k, h("span", {"class": "secret", text: d.config_vars[k]})]; })),
            h("button", {text: "Hide Config Vars", on: function () { show(); }}));
        }, fail);
      }})]);
    main.replaceChildren(card("App Information", [table(["", ""], [["App name", data.app], ["Router port", String(data.router_port)],
        ["Python", data.python || "–"], ["Source", data.source || "–"], ["Labs", data.labs.join(", ") || "none"]])]),
      card("Config Vars", [vars]));
  }

  // -- the page -------------------------------------------------------------------------------
  function current() {
    var tab = location.hash.slice(1);
    return TABS.some(function (t) { return t[0] === tab; }) ? tab : "overview";
  }

  function show() {
    clearInterval(timer);
    if (stream) { stream.close(); stream = null; }
    var tab = current(), mine = ++shown;
    function only(render) { return function (d) { if (mine === shown) render(d); }; }  // an answer for a tab left behind is dropped
    Array.prototype.forEach.call(document.querySelectorAll(".tabs a"), function (a) { a.classList.toggle("on", a.hash === "#" + tab); });
    main.setAttribute("data-tab", tab);
    if (tab === "overview") every(3000, function () { get(api("overview")).then(only(overview), only(fail)); });
    else if (tab === "resources") every(3000, function () { get(api("overview")).then(only(resources), only(fail)); });
    else if (tab === "activity") every(10000, function () { get(api("activity")).then(only(activity), only(fail)); });
    else if (tab === "metrics") every(5000, function () { get(api("metrics?window=" + chosen.window + "&type=" + chosen.type)).then(only(metrics), only(fail)); });
    else if (tab === "logs") logs();
    else get(api("settings")).then(only(settings), only(fail));
  }

  function index() {
    get("/api/apps").then(function (d) {
      main.replaceChildren(card("Apps", d.apps.length ? [h("ul", {}, d.apps.map(function (name) {
        return h("li", {}, [h("a", {href: "/apps/" + name, text: name})]); }))] : [h("p", {"class": "muted", text: "No apps yet: herosim up"})]));
    }, fail);
  }

  if (!app) { index(); return; }
  document.title = app + " · herosim";
  document.getElementById("crumb").textContent = app;
  var nav = document.getElementById("tabs");
  TABS.forEach(function (t) { nav.appendChild(h("a", {href: "#" + t[0], text: t[1]})); });
  nav.hidden = false;
  window.addEventListener("hashchange", show);
  show();
})();
