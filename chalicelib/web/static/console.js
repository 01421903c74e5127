// Liaison console: live countdowns beside each deadline. The page works without this script.
(function () {
  "use strict";
  function text(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000), days = Math.floor(minutes / 1440),
        hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60, out;
    if (days) { out = days + " d " + hours + " h"; }
    else if (hours) { out = hours + " h " + (mins < 10 ? "0" : "") + mins + " min"; }
    else { out = mins + " min"; }
    return out + (ms >= 0 ? " left" : " overdue");
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime")) - now;
      if (!isNaN(ms)) {
        el.textContent = text(ms);
        if (ms < 0) { el.classList.add("overdue"); }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
}());
