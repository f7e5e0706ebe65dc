/* Small page behaviours, bound here because the Content-Security-Policy runs no inline handler:
 * [data-autosubmit] submits its form when changed (language pickers, week counts);
 * [data-select-on-focus] selects its whole text when focused (feed addresses to copy);
 * htmx requests nobody asked for (polling, "load" panels, refreshes on a scripted event) say so
 * in X-Oceanis-Background, so that an open tab does not keep an idle session alive (logins). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-select-on-focus]") && el.select) el.select();
  });
  document.addEventListener("htmx:configRequest", function (event) {
    var cause = event.detail.triggeringEvent;
    if (!cause || !cause.isTrusted) event.detail.headers["X-Oceanis-Background"] = "1";
  });
})();
