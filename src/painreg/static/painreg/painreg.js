// Staff and patient pages: the only script. Moves focus to the error summary after a
// failed submit, so keyboard and screen-reader users start at the list of
// problems (GOV.UK Design System pattern). Everything works without it.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
