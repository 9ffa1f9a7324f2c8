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
