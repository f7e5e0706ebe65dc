/* Back-office behaviour: honest GTI countdowns, polling pauses, keyboard help for type-ahead.
 *
 * A countdown element carries data-remaining (open seconds left when rendered) and
 * data-ticking (seconds the clock keeps running from then: until the current business-hours
 * window closes or the deadline). It never counts down outside business hours; the server
 * re-renders the value (htmx polling) anyway. */
(function () {
  "use strict";

  function format(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    if (h) return h + " h" + (m ? " " + String(m).padStart(2, "0") : "");
    return m ? m + " min" : s + " s";
  }

  function start(root) {
    (root || document).querySelectorAll("[data-countdown]").forEach(function (el) {
      if (!el.dataset.t0) el.dataset.t0 = String(performance.now());
    });
  }

  function tick() {
    var now = performance.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var elapsed = (now - Number(el.dataset.t0 || now)) / 1000;
      var running = Math.min(elapsed, Number(el.dataset.ticking || 0));
      el.textContent = format(Number(el.dataset.remaining || 0) - running);
    });
  }

  /* Polling filter: do not refresh a region while the user is selecting or typing in it. */
  window.oceanisIdle = function (selector) {
    var root = typeof selector === "string" ? document.querySelector(selector) : selector;
    if (!root) return true;
    if (root.querySelector("input[type=checkbox]:checked")) return false;
    if (root.querySelector("details[open]")) return false;
    var active = document.activeElement;
    return !(active && active !== document.body && root.contains(active) &&
             /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName));
  };

  /* Regions marked data-refresh-when-idle skip their own refresh while the user is busy in them
   * (an htmx trigger filter would need eval, which the Content-Security-Policy forbids). */
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute && elt.hasAttribute("data-refresh-when-idle") && !window.oceanisIdle(elt)) {
      event.preventDefault();
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.id === "client-q") {
      if (event.key === "Enter") event.preventDefault(); // never submit the ticket form from here
      if (event.key === "ArrowDown") {
        var first = document.querySelector("#client-results button");
        if (first) { event.preventDefault(); first.focus(); }
      }
    } else if (target.classList && target.classList.contains("client-pick")) {
      var item = target.closest("li");
      var next = event.key === "ArrowDown" ? item.nextElementSibling
        : event.key === "ArrowUp" ? item.previousElementSibling : null;
      if (next) { event.preventDefault(); next.querySelector("button").focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); document.getElementById("client-q").focus(); }
    }
  });

  /* A new notice (the bell's count went up) means something happened on a ticket: refresh the
   * lists now instead of at their next poll, so the row's "new client activity" marker shows. */
  var bellCount = null;
  function bellChanged() {
    var count = document.querySelector("#notice-bell .notice-count");
    if (!count) return;
    var now = Number(count.dataset.count || 0);
    if (bellCount !== null && now > bellCount) {
      document.body.dispatchEvent(new CustomEvent("oceanis:activity", { bubbles: true }));
    }
    bellCount = now;
  }
  document.addEventListener("htmx:afterSettle", bellChanged);

  document.addEventListener("DOMContentLoaded", function () { start(); setInterval(tick, 5000); });
  document.addEventListener("htmx:afterSwap", function () { start(); });
  /* After choosing a client, move focus to the next field for keyboard users. */
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.id === "client-block") {
      var next = event.target.querySelector("select, #client-q");
      if (next) next.focus();
    }
  });
})();
