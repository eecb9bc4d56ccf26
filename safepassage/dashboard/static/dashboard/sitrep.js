// Situation report page: show that the PDF is being prepared, then hand it over as a download.
// Without JavaScript the link downloads the PDF directly.
(function () {
  "use strict";
  var link = document.querySelector("a[data-loading]");
  var status = document.querySelector(".sitrep-tools .loading");
  if (!link || !status || !window.fetch || !window.URL) { return; }
  link.addEventListener("click", function (event) {
    event.preventDefault();
    if (link.getAttribute("aria-busy") === "true") { return; }
    link.setAttribute("aria-busy", "true");
    status.hidden = false;
    status.textContent = link.getAttribute("data-loading");
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("The server answered " + response.status + "."); }
      var disposition = response.headers.get("Content-Disposition") || "";
      var match = /filename="([^"]+)"/.exec(disposition);
      return response.blob().then(function (blob) { return { blob: blob, name: match ? match[1] : "sitrep.pdf" }; });
    }).then(function (file) {
      var url = URL.createObjectURL(file.blob);
      var save = document.createElement("a");
      save.href = url;
      save.download = file.name;
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      status.textContent = "The PDF is ready.";
    }).catch(function (error) {
      status.textContent = "The PDF could not be prepared. " + error.message;
    }).finally(function () {
      link.removeAttribute("aria-busy");
    });
  });
})();
