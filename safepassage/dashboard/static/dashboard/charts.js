/* Draws the dashboard charts with the locally served Chart.js. Each .chart-box names its
   JSON endpoint (same origin only); the numbers are also in a table on the page, so a
   missing library or a failed request leaves the page usable. */
(function () {
  "use strict";
  // Okabe-Ito: distinguishable with the common colour-vision deficiencies.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

  function status(box, text, loading) {
    var el = box.querySelector(".chart-status");
    if (!el) { return; }
    box.classList.toggle("loading", !!loading);
    if (text) { el.textContent = text; el.hidden = false; } else { el.hidden = true; }
  }

  function sameOrigin(url) {
    try { return new URL(url, window.location.href).origin === window.location.origin; }
    catch (e) { return false; }
  }

  // The risk bands' colours, as the badges on the pages show them.
  var BAND_COLOURS = { low: "#2e7d32", moderate: "#7cb342", elevated: "#f9a825", high: "#ef6c00", extreme: "#b3261e" };

  function seriesOf(kind, data) {
    if (kind === "line") { return data.provinces || []; }
    if (kind === "bands") { return data.bands || []; }
    return data.series || [];
  }

  function config(kind, data, stacked) {
    var series = seriesOf(kind, data);
    var datasets = series.map(function (s, i) {
      var colour = kind === "bands" ? (BAND_COLOURS[s.label] || PALETTE[i % PALETTE.length]) : PALETTE[i % PALETTE.length];
      var set = {
        label: s.label, data: s.data, backgroundColor: colour, borderColor: colour,
        borderWidth: kind === "line" ? 2 : 0, pointRadius: kind === "line" ? 3 : 0, tension: 0
      };
      if (kind === "line" && s.bands) {
        // Each point takes its band's colour, so the line shows when a province changed band.
        set.pointBackgroundColor = s.bands.map(function (b) { return BAND_COLOURS[b] || colour; });
        set.pointBorderColor = set.pointBackgroundColor;
      }
      return set;
    });
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      scales: {
        x: { stacked: !!stacked },
        y: { stacked: !!stacked, beginAtZero: true, ticks: kind === "line" ? {} : { precision: 0 } }
      }
    };
    if (kind === "line") {
      options.plugins.tooltip = { callbacks: { afterLabel: function (ctx) {
        var s = series[ctx.datasetIndex];
        return s && s.bands ? "band: " + s.bands[ctx.dataIndex] : "";
      } } };
    }
    return { type: kind === "line" ? "line" : "bar", data: { labels: data.labels, datasets: datasets }, options: options };
  }

  // Two charts may share one endpoint (the risk lines and the band counts): fetch it once.
  var requests = {};
  function load(url) {
    if (!requests[url]) {
      requests[url] = fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        });
    }
    return requests[url];
  }

  function draw(box) {
    var url = box.getAttribute("data-chart");
    var kind = box.getAttribute("data-kind") || "bar";
    var canvas = box.querySelector("canvas");
    if (!url || !canvas || !sameOrigin(url)) { status(box, "This chart has no data source."); return; }
    if (typeof window.Chart === "undefined") {
      status(box, "The chart library is not installed on this server; the numbers are in the table.");
      return;
    }
    status(box, "Loading chart…", true);
    load(url)
      .then(function (result) {
        if (!result.ok) {
          var fields = result.body && result.body.fields ? Object.keys(result.body.fields).map(function (k) {
            return k + ": " + result.body.fields[k];
          }).join("; ") : "";
          status(box, (result.body && result.body.error ? result.body.error : "The chart could not be loaded.") + (fields ? " " + fields : ""));
          return;
        }
        var series = seriesOf(kind, result.body);
        if (!series.length) { status(box, "Nothing to chart in this range."); return; }
        status(box, "");
        new window.Chart(canvas, config(kind, result.body, box.getAttribute("data-stacked")));
      })
      .catch(function () { status(box, "The chart could not be loaded; the numbers are in the table."); });
  }

  function start() { Array.prototype.forEach.call(document.querySelectorAll(".chart-box[data-chart]"), draw); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
