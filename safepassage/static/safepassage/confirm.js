// Forms marked data-confirm="question" ask before they submit. A static file, not an inline
// onsubmit handler, so the Content Security Policy can refuse every inline script.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
