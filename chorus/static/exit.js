/* Exit this page: button and Shift pressed three times, replacing this page in history
   (GOV.UK pattern). The link works on its own without this script. */
(function () {
  "use strict";
  var link = document.querySelector("a[data-exit]");
  if (!link) { return; }
  function leave(event) {
    if (event) { event.preventDefault(); }
    document.body.innerHTML = "";
    document.title = "";
    window.location.replace(link.href);
  }
  link.addEventListener("click", leave);
  var presses = 0;
  var timer = null;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) { return; }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { presses = 0; }, 1000);
    if (presses >= 3) { leave(null); }
  });
})();
