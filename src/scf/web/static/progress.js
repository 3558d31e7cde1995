// A progress indicator for anything that takes longer than half a second: a submitted form
// (the page is being replaced) or an htmx request. The indicator is a polite live region, so
// screen readers announce it, and its text comes from the page in the visitor's language.
(function () {
  "use strict";
  var DELAY_MS = 500;
  var timer = null;

  function box() {
    return document.getElementById("progress");
  }

  function show() {
    var el = box();
    if (!el) { return; }
    el.textContent = document.body.getAttribute("data-progress-text") || "…";
    el.hidden = false;
    document.body.setAttribute("aria-busy", "true");
  }

  function start() {
    clearTimeout(timer);
    timer = setTimeout(show, DELAY_MS);
  }

  function stop() {
    clearTimeout(timer);
    timer = null;
    var el = box();
    if (el) { el.hidden = true; }
    document.body.removeAttribute("aria-busy");
  }

  document.addEventListener("submit", function (ev) {
    // a download (target or data-no-progress) leaves the page in place: no indicator
    var form = ev.target;
    if (ev.defaultPrevented || form.hasAttribute("data-no-progress") || form.target) { return; }
    start();
  });
  document.addEventListener("htmx:beforeRequest", start);
  document.addEventListener("htmx:afterRequest", stop);
  // coming back through the history cache must not show a stale indicator
  window.addEventListener("pageshow", stop);
}());
