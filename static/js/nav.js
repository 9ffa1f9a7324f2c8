// Tables wider than the screen scroll inside their box (.table-wrap, static/css/dpms.css). A box that scrolls
// becomes a focusable region named after its table, so that a keyboard can scroll it too (arrow keys once
// focused); a box that fits stays out of the tab order. Run on load, after htmx swaps and on resize.
(function () {
  var MARK = "data-scroll-region";

  function tableName(box) {
    var table = box.querySelector("table");
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    var caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    // The nearest heading before the box, in it or its ancestors' earlier siblings.
    for (var element = box; element && element !== document.body; element = element.parentElement) {
      for (var before = element.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) return before.textContent.trim();
      }
    }
    var title = document.querySelector("main h1");
    return title ? title.textContent.trim() : "Table";
  }

  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var marked = box.hasAttribute(MARK);
      if (scrolls && !marked && !box.hasAttribute("tabindex")) {
        var named = box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby");
        box.setAttribute(MARK, named ? "" : "named");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!named) box.setAttribute("aria-label", tableName(box) + " (scrolls sideways)");
      } else if (!scrolls && marked) {
        if (box.getAttribute(MARK) === "named") box.removeAttribute("aria-label");
        ["tabindex", "role", MARK].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }

  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; mark(); });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSettle", mark);  // at once: a swapped-in table is named before anything reads the page
  window.addEventListener("resize", soon);
})();
