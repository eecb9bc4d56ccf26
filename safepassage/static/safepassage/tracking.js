// Fill the check-in form's position from the browser's Geolocation API; the fields stay
// editable so an officer without a fix can type the position in.
(function () {
  "use strict";
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var state = document.getElementById("geo-state");
  var retry = document.getElementById("geo-retry");
  if (!lat || !lon || !state) { return; }
  function locate() {
    if (!("geolocation" in navigator)) {
      state.textContent = "This browser cannot give a position: type it in.";
      return;
    }
    state.textContent = "Finding your position…";
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        state.textContent = "Position found (within " + Math.round(pos.coords.accuracy) + " m).";
      },
      function (err) {
        state.textContent = "No position from the browser (" + err.message + "): type it in.";
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }
  if (retry) { retry.addEventListener("click", locate); }
  if (!lat.value && !lon.value) { locate(); }
})();
