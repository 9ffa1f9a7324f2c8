// Small progressive enhancements; the portal works without JavaScript.
document.addEventListener("click", function (event) {
  // Close the account menu when clicking elsewhere.
  document.querySelectorAll("details.menu[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
