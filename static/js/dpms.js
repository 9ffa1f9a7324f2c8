// Small progressive enhancements; the portal works without JavaScript.
document.addEventListener("click", function (event) {
  // Close the account menu when clicking elsewhere.
  document.querySelectorAll("details.menu[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});

// On a phone, fold an unused filter box away so the list comes first.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(max-width: 640px)").matches) return;
  document.querySelectorAll('details[data-collapse-on-phone="yes"]').forEach(function (box) {
    box.removeAttribute("open");
  });
});

// Breach and NIS2 clocks: every <time data-countdown datetime="..."> shows the time left until its
// deadline ("61 h 12 min left", "Overdue by 3 h 5 min"; days past 96 hours), like the server renders it,
// updated every 30 seconds; class "overdue" once the deadline has passed.
(function () {
  function describe(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var hours = Math.floor(minutes / 60);
    var span = hours >= 96
      ? Math.floor(hours / 24) + " d " + (hours % 24) + " h"
      : hours + " h " + (minutes % 60) + " min";
    return ms >= 0 ? span + " left" : "Overdue by " + span;
  }
  function update() {
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var deadline = Date.parse(element.getAttribute("datetime"));
      if (isNaN(deadline)) return;
      var left = deadline - Date.now();
      element.textContent = describe(left);
      element.classList.toggle("overdue", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-countdown]")) return;
    update();
    window.setInterval(update, 30000);
  });
})();
