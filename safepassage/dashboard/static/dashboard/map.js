// The offline map: Leaflet with no tile layer. The background is the basemap GeoJSON built by
// scripts/assets.sh; each layer comes from a gated JSON endpoint of the dashboard app, so the
// page never asks anything outside the app. Everything from the server is written into the
// page with textContent, never as HTML.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L || !window.fetch) {
    var status0 = document.getElementById("map-status");
    if (status0) { status0.textContent = "The map needs JavaScript and a current browser."; }
    return;
  }
  var L = window.L;
  var form = document.getElementById("map-filters");
  var statusEl = document.getElementById("map-status");
  var panel = document.getElementById("map-panel");
  var panelBody = document.getElementById("map-panel-body");
  var panelTitle = document.getElementById("map-panel-title");
  var area = el.parentNode;
  var slider = document.getElementById("map-time");
  var sliderLabel = document.getElementById("map-time-label");
  var windowSelect = document.getElementById("map-window");
  var listEl = document.getElementById("map-list");
  var allowed = (el.getAttribute("data-layers") || "").split(/\s+/);
  var DAY = 86400000;
  var MAX_LIST = 200;

  var map = L.map(el, { minZoom: 2, maxZoom: 13, worldCopyJump: true, attributionControl: true });
  map.attributionControl.setPrefix("Leaflet");
  map.setView([30.4, 69.4], 5);

  var basemap = null;
  var provinceShapes = {};
  var layers = {
    hexagons: L.layerGroup(),
    incidents: L.markerClusterGroup ? L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false })
      : L.layerGroup(),
    sites: L.layerGroup(),
    under_way: L.layerGroup(),
    planned: L.layerGroup()
  };
  var incidents = [];
  var lastTrigger = null;
  var statusParts = {};
  var loading = {};
  var hexResolution = null;

  // --- small helpers -----------------------------------------------------------------

  function node(tag, text, className) {
    var n = document.createElement(tag);
    if (text !== undefined && text !== null && text !== "") { n.textContent = String(text); }
    if (className) { n.className = className; }
    return n;
  }

  function fields(pairs) {
    var dl = node("dl", null, "fields");
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") { return; }
      dl.appendChild(node("dt", pair[0]));
      dl.appendChild(node("dd", pair[1]));
    });
    return dl;
  }

  function link(text, href) {
    var a = node("a", text);
    a.href = href;
    return a;
  }

  function popup(title, pairs, href, linkText) {
    var box = node("div", null, "map-popup");
    box.appendChild(node("strong", title));
    box.appendChild(fields(pairs));
    if (href) { box.appendChild(link(linkText || "Open", href)); }
    return box;
  }

  function when(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso; }
    return d.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  function showStatus() {
    var busy = Object.keys(loading).filter(function (k) { return loading[k]; });
    var parts = Object.keys(statusParts).map(function (k) { return statusParts[k]; }).filter(Boolean);
    statusEl.classList.toggle("loading", busy.length > 0);
    statusEl.classList.toggle("error", parts.some(function (p) { return p.error; }));
    var text = parts.map(function (p) { return p.text; }).join(" ");
    if (busy.length) { text = "Loading " + busy.join(", ") + "… " + text; }
    statusEl.textContent = text || "Nothing to show.";
  }

  function setStatus(key, text, isError) {
    statusParts[key] = text ? { text: text, error: !!isError } : null;
    showStatus();
  }

  function query(names) {
    var params = new URLSearchParams();
    if (!form) { return params; }
    names.forEach(function (name) {
      var input = form.elements[name];
      if (input && input.value) { params.set(name, input.value.trim()); }
    });
    return params;
  }

  // Fetch JSON from the app; a refusal with a JSON body becomes an Error with its message.
  function getJSON(url, key) {
    loading[key] = true;
    showStatus();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            var message = body.error || ("The server answered " + response.status + ".");
            if (body.errors) {
              message += " " + Object.keys(body.errors).map(function (k) {
                return k + ": " + body.errors[k].join(" ");
              }).join(" ");
            }
            throw new Error(message);
          }
          return body;
        });
      })
      .finally(function () { loading[key] = false; showStatus(); });
  }

  // --- basemap -------------------------------------------------------------------------

  function loadBasemap() {
    return getJSON(el.getAttribute("data-basemap"), "basemap").then(function (data) {
      basemap = L.geoJSON(data, {
        interactive: false,
        style: function (feature) {
          if (feature.properties.layer === "province") {
            return { color: "#3d4652", weight: 1.4, dashArray: "5 4", fill: false };
          }
          return { color: "#8a96a3", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1 };
        }
      }).addTo(map);
      basemap.bringToBack();
      data.features.forEach(function (f) {
        if (f.properties.layer === "province") { provinceShapes[f.properties.name] = f; }
      });
      map.attributionControl.addAttribution("Natural Earth outlines");
    }).catch(function (error) {
      setStatus("basemap", "The background map could not be loaded (" + error.message + "); the layers still work.", true);
    });
  }

  // --- incidents -------------------------------------------------------------------------

  function incidentIcon(p) {
    var size = { low: 12, medium: 15, high: 18, critical: 22 }[p.severity_class] || 14;
    var holder = node("div");
    holder.appendChild(node("span", null, "sym " + p.kind + " sev-" + p.severity_class));
    return L.divIcon({ className: "map-marker", html: holder.innerHTML, iconSize: [size, size] });
  }

  function incidentTitle(p) {
    var what = p.attack_type_label || p.kind_label;
    return what + (p.place ? " · " + p.place : "") + (p.date ? " · " + p.date : "");
  }

  function dayOf(iso) { return iso ? Date.parse(iso + "T00:00:00Z") : null; }

  function sliderRange() {
    var start = form && form.elements.date_from.value ? dayOf(form.elements.date_from.value) : null;
    var end = form && form.elements.date_to.value ? dayOf(form.elements.date_to.value) : null;
    incidents.forEach(function (f) {
      var d = dayOf(f.properties.date);
      if (d === null) { return; }
      if (start === null || d < start) { start = d; }
      if (end === null || d > end) { end = d; }
    });
    return { start: start, end: end };
  }

  function setupSlider() {
    if (!slider) { return; }
    var range = sliderRange();
    if (range.start === null || range.end === null || range.end < range.start) {
      slider.disabled = true;
      slider.max = 0;
      sliderLabel.textContent = "—";
      return;
    }
    slider.disabled = false;
    slider.min = 0;
    slider.max = Math.round((range.end - range.start) / DAY);
    slider.value = slider.max;
    slider.setAttribute("data-start", String(range.start));
    updateSliderLabel();
  }

  function sliderDay() {
    if (!slider || slider.disabled) { return null; }
    return Number(slider.getAttribute("data-start")) + Number(slider.value) * DAY;
  }

  function updateSliderLabel() {
    var day = sliderDay();
    var text = day === null ? "—" : new Date(day).toISOString().slice(0, 10);
    sliderLabel.textContent = text;
    slider.setAttribute("aria-valuetext", text);
  }

  function visibleIncidents() {
    var day = sliderDay();
    var span = windowSelect ? Number(windowSelect.value) : 0;
    return incidents.filter(function (f) {
      var d = dayOf(f.properties.date);
      if (day === null) { return true; }
      if (d === null) { return span === 0; }
      if (d > day) { return false; }
      return span === 0 || d > day - span * DAY;
    });
  }

  function renderList(shown) {
    if (!listEl) { return; }
    listEl.textContent = "";
    if (!shown.length) {
      listEl.appendChild(node("p", "No incidents match these filters and this time.", "muted"));
      return;
    }
    var table = node("table");
    var head = node("tr");
    ["Date", "What", "Where", "Killed", "Severity", ""].forEach(function (h) { head.appendChild(node("th", h)); });
    table.appendChild(node("thead")).appendChild(head);
    var body = node("tbody");
    shown.slice(0, MAX_LIST).forEach(function (f) {
      var p = f.properties;
      var row = node("tr");
      row.appendChild(node("td", p.date || "undated"));
      row.appendChild(node("td", p.attack_type_label || p.kind_label));
      row.appendChild(node("td", [p.place, p.district, p.province].filter(Boolean).join(", ")));
      row.appendChild(node("td", p.deaths === null ? "?" : p.deaths));
      row.appendChild(node("td", p.severity_class));
      var cell = node("td");
      var button = node("button", "Sources and claims", "secondary");
      button.type = "button";
      button.addEventListener("click", function () { openIncident(p, button); });
      cell.appendChild(button);
      row.appendChild(cell);
      body.appendChild(row);
    });
    table.appendChild(body);
    listEl.appendChild(table);
    if (shown.length > MAX_LIST) {
      listEl.appendChild(node("p", "The first " + MAX_LIST + " of " + shown.length + " are listed; narrow the filters to see the rest.", "muted"));
    }
  }

  function renderIncidents() {
    var shown = visibleIncidents();
    layers.incidents.clearLayers();
    var markers = shown.map(function (f) {
      var p = f.properties;
      var c = f.geometry.coordinates;
      var marker = L.marker([c[1], c[0]], { icon: incidentIcon(p), title: incidentTitle(p), alt: incidentTitle(p), keyboard: true });
      marker.on("click", function () { openIncident(p, marker.getElement()); });
      return marker;
    });
    if (layers.incidents.addLayers) { layers.incidents.addLayers(markers); }
    else { markers.forEach(function (m) { layers.incidents.addLayer(m); }); }
    renderList(shown);
    return shown.length;
  }

  function describeIncidents(meta, shown) {
    if (!meta.matching) { return "No incidents match these filters."; }
    var text = shown + " of " + meta.located + " incidents with a position are shown";
    var unplaced = meta.matching - meta.located;
    if (unplaced > 0) { text += "; " + unplaced + " more have no position"; }
    if (meta.truncated) { text += "; only the newest " + meta.limit + " were sent, narrow the filters"; }
    return text + ".";
  }

  var incidentMeta = null;

  function loadIncidents() {
    if (allowed.indexOf("incidents") < 0) { return Promise.resolve(); }
    var url = el.getAttribute("data-incidents") + "?" + query(["date_from", "date_to", "kind", "province", "nationality"]);
    return getJSON(url, "incidents").then(function (data) {
      incidents = data.features;
      incidentMeta = data.meta;
      setupSlider();
      var shown = renderIncidents();
      setStatus("incidents", describeIncidents(data.meta, shown));
    }).catch(function (error) {
      incidents = [];
      layers.incidents.clearLayers();
      renderList([]);
      setStatus("incidents", error.message, true);
    });
  }

  // --- the side panel -------------------------------------------------------------------

  function closePanel() {
    panel.hidden = true;
    area.classList.remove("with-panel");
    map.invalidateSize();
    if (lastTrigger && document.body.contains(lastTrigger)) { lastTrigger.focus(); }
  }

  function renderDetail(data) {
    var i = data.incident;
    panelTitle.textContent = (i.attack_type_label || i.kind_label) + (i.place ? " in " + i.place : "");
    panelBody.textContent = "";
    panelBody.appendChild(fields([
      ["Date", i.date || "unknown"],
      ["Place", [i.place, i.district, i.province].filter(Boolean).join(", ")],
      ["Killed", i.deaths === null ? "unknown" : i.deaths],
      ["Injured", i.injured === null ? "unknown" : i.injured],
      ["Victims", i.victim_nationalities.join(", ")],
      ["Severity", i.severity_class + " (" + i.severity + ")"],
      ["Review", i.review_state],
      ["Marking", i.tlp_label]
    ]));
    panelBody.appendChild(link("Open the incident page", i.url));

    panelBody.appendChild(node("h3", "Sources"));
    if (!data.sources.length) {
      panelBody.appendChild(node("p", "No source you may open.", "muted"));
    } else {
      var ul = node("ul");
      data.sources.forEach(function (s) {
        var li = node("li");
        li.appendChild(link(s.title, s.url));
        li.appendChild(node("div", [s.source, "reliability " + s.reliability, s.published, s.tlp_label].filter(Boolean).join(" · "), "muted"));
        if (s.link) { li.appendChild(node("div", s.link, "muted")); }
        ul.appendChild(li);
      });
      panelBody.appendChild(ul);
    }
    if (data.more_sources) { panelBody.appendChild(node("p", data.more_sources + " more on the incident page.", "muted")); }
    if (data.hidden_sources) { panelBody.appendChild(node("p", data.hidden_sources + " source(s) you may not open.", "muted")); }

    panelBody.appendChild(node("h3", "Claims"));
    if (!data.claims.length) {
      panelBody.appendChild(node("p", "No claims you may see.", "muted"));
    }
    data.claims.forEach(function (group) {
      var box = node("div", null, "claim-field" + (group.conflict ? " conflict" : ""));
      box.appendChild(node("h4", group.label));
      var ul = node("ul");
      group.values.forEach(function (v) {
        var li = node("li", v.value);
        var by = v.source || (v.analyst ? "analyst " + v.analyst : "");
        if (by) { li.appendChild(node("span", " — " + by, "muted")); }
        if (v.evidence) { li.appendChild(node("blockquote", v.evidence)); }
        ul.appendChild(li);
      });
      box.appendChild(ul);
      if (group.more) { box.appendChild(node("p", group.more + " more on the incident page.", "muted")); }
      panelBody.appendChild(box);
    });
  }

  function openIncident(p, trigger) {
    lastTrigger = trigger || null;
    panel.hidden = false;
    area.classList.add("with-panel");
    map.invalidateSize();
    panelTitle.textContent = incidentTitle(p);
    panelBody.textContent = "";
    panelBody.appendChild(node("p", "Loading sources and claims…", "map-status loading"));
    panel.setAttribute("aria-busy", "true");
    panel.focus();
    getJSON(p.detail_url, "incident").then(renderDetail).catch(function (error) {
      panelBody.textContent = "";
      panelBody.appendChild(node("p", error.message, "map-status error"));
    }).finally(function () { panel.removeAttribute("aria-busy"); });
  }

  // --- sites, hexagons, movements ------------------------------------------------------------

  function loadSites() {
    if (allowed.indexOf("sites") < 0) { return Promise.resolve(); }
    return getJSON(el.getAttribute("data-sites") + "?" + query(["province"]), "sites").then(function (data) {
      layers.sites.clearLayers();
      data.features.forEach(function (f) {
        var p = f.properties;
        var c = f.geometry.coordinates;
        var holder = node("div");
        holder.appendChild(node("span", null, "sym site posture-" + p.posture));
        var title = p.name + " (" + p.posture_label + ")";
        var marker = L.marker([c[1], c[0]], {
          icon: L.divIcon({ className: "map-marker", html: holder.innerHTML, iconSize: [16, 16] }),
          title: title, alt: title, keyboard: true
        });
        marker.bindPopup(popup(p.name, [
          ["Posture", p.posture_label], ["Guards", p.guard_strength], ["Kind", p.kind],
          ["Organisation", p.organisation], ["Where", [p.district, p.province].filter(Boolean).join(", ")]
        ], p.url, "Open the site"));
        layers.sites.addLayer(marker);
      });
      setStatus("sites", data.features.length ? data.features.length + " sites." : "No sites to show.");
    }).catch(function (error) { setStatus("sites", error.message, true); });
  }

  var BAND_COLOURS = { low: "#9ccc65", moderate: "#ffee58", elevated: "#ffa726", high: "#ef5350", extreme: "#8e24aa" };

  // Hexagons a few dozen pixels across at every zoom: coarse for the country, fine for a valley.
  function wantedResolution() {
    var zoom = map.getZoom();
    return zoom >= 10 ? 7 : zoom >= 8 ? 5 : zoom >= 6 ? 4 : 3;
  }

  function loadHexagons() {
    if (allowed.indexOf("hexagons") < 0 || !map.hasLayer(layers.hexagons)) { return Promise.resolve(); }
    var resolution = wantedResolution();
    if (resolution === hexResolution) { return Promise.resolve(); }
    hexResolution = resolution;
    return getJSON(el.getAttribute("data-hexagons") + "?resolution=" + resolution, "risk hexagons").then(function (data) {
      layers.hexagons.clearLayers();
      L.geoJSON(data, {
        style: function (f) {
          return { color: "#37474f", weight: 0.5, fillColor: BAND_COLOURS[f.properties.band] || "#999", fillOpacity: 0.45 };
        },
        onEachFeature: function (f, shape) {
          shape.bindPopup(popup("Risk: " + f.properties.band, [["Score", f.properties.score], ["H3 cell", f.properties.cell]]));
        }
      }).addTo(layers.hexagons);
      setStatus("hexagons", data.features.length ? data.features.length + " risk hexagons." : "No risk recorded yet.");
    }).catch(function (error) { hexResolution = null; setStatus("hexagons", error.message, true); });
  }

  function loadMovements() {
    if (allowed.indexOf("movements") < 0) { return Promise.resolve(); }
    return getJSON(el.getAttribute("data-movements"), "movements").then(function (data) {
      layers.under_way.clearLayers();
      layers.planned.clearLayers();
      data.features.forEach(function (f) {
        var p = f.properties;
        var line = f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
        var under = p.layer === "under_way";
        var pairs = [
          ["State", p.state_label], ["Route", p.origin + " → " + p.destination],
          ["Departs", when(p.depart_at)], ["Arrives by", when(p.arrive_by)],
          ["Organisation", p.organisation], ["Route risk", p.band]
        ];
        if (under) {
          pairs.push(["Last check-in", p.last_checkin ? when(p.last_checkin.at) + " (" + p.last_checkin.status_label + ")" : "none yet"]);
          pairs.push(["Next due", p.next_due ? when(p.next_due) + (p.overdue ? " — OVERDUE" : "") : ""]);
        }
        var content = popup(p.reference, pairs, p.url, "Open the movement");
        var group = under ? layers.under_way : layers.planned;
        L.polyline(line, under ? { color: "#0b5cad", weight: 4 } : { color: "#37474f", weight: 3, dashArray: "8 6" })
          .bindPopup(content).addTo(group);
        if (under) {
          var at = p.last_checkin && p.last_checkin.position
            ? [p.last_checkin.position[1], p.last_checkin.position[0]] : line[0];
          var holder = node("div");
          holder.appendChild(node("span", null, "sym checkin" + (p.overdue ? " overdue" : "")));
          var title = p.reference + (p.last_checkin ? ", last check-in " + when(p.last_checkin.at) : ", no check-in yet");
          L.marker(at, {
            icon: L.divIcon({ className: "map-marker", html: holder.innerHTML, iconSize: [16, 16] }),
            title: title, alt: title, keyboard: true
          }).bindPopup(popup(p.reference, pairs, p.url, "Open the movement")).addTo(group);
        }
      });
      var m = data.meta;
      setStatus("movements", m.under_way + " movement(s) under way, " + m.planned + " planned.");
    }).catch(function (error) { setStatus("movements", error.message, true); });
  }

  // --- wiring ---------------------------------------------------------------------------------

  // Frame the chosen province, or Pakistan as a whole when none is chosen.
  function fitProvince() {
    var name = form && form.elements.province.value;
    var shapes = name && provinceShapes[name] ? [provinceShapes[name]]
      : Object.keys(provinceShapes).map(function (k) { return provinceShapes[k]; });
    if (shapes.length) { map.fitBounds(L.geoJSON({ type: "FeatureCollection", features: shapes }).getBounds(), { maxZoom: 8 }); }
  }

  function applyLayerToggles() {
    document.querySelectorAll("input[data-layer]").forEach(function (box) {
      var layer = layers[box.getAttribute("data-layer")];
      if (!layer) { return; }
      if (box.checked && !map.hasLayer(layer)) { layer.addTo(map); }
      if (!box.checked && map.hasLayer(layer)) { map.removeLayer(layer); }
      box.addEventListener("change", function () {
        if (box.checked) { layer.addTo(map); } else { map.removeLayer(layer); }
        if (box.getAttribute("data-layer") === "hexagons") {
          if (box.checked) { hexResolution = null; loadHexagons(); } else { setStatus("hexagons", ""); }
        }
      });
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = query(["date_from", "date_to", "kind", "province", "nationality"]);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", form.getAttribute("action") + (params.toString() ? "?" + params : ""));
      }
      var errors = document.getElementById("filter-errors");
      if (errors) { errors.remove(); }
      fitProvince();
      loadIncidents();
      loadSites();
    });
  }
  if (slider) {
    slider.addEventListener("input", function () {
      updateSliderLabel();
      var shown = renderIncidents();
      if (incidentMeta) { setStatus("incidents", describeIncidents(incidentMeta, shown)); }
    });
  }
  if (windowSelect) {
    windowSelect.addEventListener("change", function () {
      var shown = renderIncidents();
      if (incidentMeta) { setStatus("incidents", describeIncidents(incidentMeta, shown)); }
    });
  }
  document.getElementById("map-panel-close").addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { closePanel(); } });
  map.on("zoomend", loadHexagons);

  applyLayerToggles();
  loadBasemap().then(fitProvince);
  loadIncidents();
  loadSites();
  loadHexagons();
  loadMovements();
})();
