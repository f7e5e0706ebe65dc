/* Small page behaviours, bound here because the Content-Security-Policy runs no inline handler:
 * [data-autosubmit] submits its form when changed (language pickers, week counts);
 * [data-select-on-focus] selects its whole text when focused (feed addresses to copy). */
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
})();
