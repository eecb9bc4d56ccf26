// Live rule results for the movement request form: posts the unsaved form to the
// evaluation endpoint as it changes and redraws the results. Without JavaScript the
// form's "Check" button does the same with a page load.
(function () {
  "use strict";
  var form = document.getElementById("movement-form");
  var target = document.getElementById("evaluation");
  if (!form || !target || !window.fetch) { return; }
  var url = form.getAttribute("data-evaluate-url");
  var timer = null;
  var sequence = 0;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

  function badge(text, kind) {
    return el("span", text, "badge " + kind + "-" + text);
  }

  function table(headers, rows) {
    var t = el("table");
    var head = el("tr");
    headers.forEach(function (h) { head.appendChild(el("th", h)); });
    t.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    rows.forEach(function (cells) {
      var tr = el("tr");
      cells.forEach(function (c) {
        var td = el("td");
        if (c instanceof Node) { td.appendChild(c); } else { td.textContent = c; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }

  function render(data) {
    target.textContent = "";
    var h = el("h2", "Guidelines ");
    h.appendChild(badge(data.outcome, "outcome"));
    if (data.band) { h.appendChild(document.createTextNode(" ")); h.appendChild(badge(data.band, "band")); }
    target.appendChild(h);
    target.appendChild(table(["Rule", "Outcome", "Why"], data.rules.map(function (r) {
      return [r.name, badge(r.outcome, "outcome"), r.reason];
    })));
    if (data.required_officers) {
      target.appendChild(el("p", "Escort required by the rules: " + data.required_officers + " officers.", "muted"));
    }
    var risk = data.risk || {};
    var rh = el("h2", "Route risk ");
    if (risk.band) { rh.appendChild(badge(risk.band, "band")); }
    target.appendChild(rh);
    target.appendChild(table(["District", "Province", "Band"], (risk.districts || []).map(function (d) {
      return [d.admin2 || "—", d.admin1, badge(d.band, "band")];
    })));
    target.appendChild(el("h3", "Incidents that contribute"));
    target.appendChild(table(["Incident", "Date", "Distance", "Why"], (risk.contributions || []).map(function (c) {
      var label = c.label;
      if (c.url) { label = el("a", c.label); label.href = c.url; }
      return [label, c.date || "—", Number(c.distance_km).toFixed(1) + " km", c.why];
    })));
  }

  function showProblem(text) {
    target.textContent = "";
    target.appendChild(el("p", text, "muted"));
  }

  function check() {
    var mine = ++sequence;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                 headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (result) {
        if (mine !== sequence) { return; }  // a newer check is on its way
        if (result.ok) { render(result.data); }
        else { showProblem(result.data.detail || "The request cannot be checked yet."); }
      })
      .catch(function () { if (mine === sequence) { showProblem("Could not reach the server."); } });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(check, 500);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
