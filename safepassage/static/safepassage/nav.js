// The "Menu" button of the top navigation at phone width (app.css, max-width: 800px).
// Loaded without defer in <head>: it marks <html> with "js-menu" before the page is drawn, so
// the menu starts collapsed instead of flashing open. Without this file the class is never
// set, the button stays hidden and the navigation stays open: every link remains reachable.
// A static file, not inline script, so the Content Security Policy can refuse inline code.
(function () {
  document.documentElement.classList.add("js-menu");

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    var button = target instanceof Element ? target.closest(".menu-toggle") : null;
    if (!button) return;
    setOpen(button, button.getAttribute("aria-expanded") !== "true");
  });

  // Escape closes the open menu and puts focus back on its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var button = document.querySelector('.menu-toggle[aria-expanded="true"]');
    if (!button || button.offsetParent === null) return; // none open, or desktop layout
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    var active = document.activeElement;
    if (active !== button && !(menu && menu.contains(active))) return;
    setOpen(button, false);
    button.focus();
  });
})();
