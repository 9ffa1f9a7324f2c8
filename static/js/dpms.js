// Small progressive enhancements; the portal works without JavaScript.
document.addEventListener("click", function (event) {
  // Close the account menu when clicking elsewhere.
  document.querySelectorAll("details.menu[open]").forEach(function (menu) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});

// Breach and NIS2 clocks: every <time data-countdown datetime="..."> shows the time left until its
// deadline ("61 h 12 min left", "Overdue by 3 h 5 min"; days past 96 hours), like the server renders it,
// updated every 30 seconds; class "overdue" once the deadline has passed. The words come from the element's
// data-text-* attributes, written by the server in the reader's language ("noch 61 Std. 12 Min.").
(function () {
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) { return name in values ? values[name] : whole; });
  }
  function describe(ms, element) {
    var words = element.dataset;
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var hours = Math.floor(minutes / 60);
    var span = hours >= 96
      ? fill(words.textDays || "%(days)s d %(hours)s h", {days: Math.floor(hours / 24), hours: hours % 24})
      : fill(words.textHours || "%(hours)s h %(minutes)s min", {hours: hours, minutes: minutes % 60});
    return ms >= 0
      ? fill(words.textLeft || "%(span)s left", {span: span})
      : fill(words.textOverdue || "Overdue by %(span)s", {span: span});
  }
  function update() {
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var deadline = Date.parse(element.getAttribute("datetime"));
      if (isNaN(deadline)) return;
      var left = deadline - Date.now();
      element.textContent = describe(left, element);
      element.classList.toggle("overdue", left < 0);
    });
  }
  var running = false;
  function start() {
    if (running || !document.querySelector("[data-countdown]")) return;
    running = true;
    update();
    window.setInterval(update, 30000);
  }
  document.addEventListener("DOMContentLoaded", start);
  // A dashboard panel (the running clocks) arrives by htmx after the page has loaded.
  document.addEventListener("htmx:afterSettle", start);
})();

// The review queue (templates/access/reviews/queue.html), usable without a mouse: j/k move between rows,
// y keeps and n revokes the row's access (the buttons marked data-key, sent by htmx; the row comes back in
// place, asking a justification when the rule wants one), x selects the row for the batch, a goes to the
// batch's justification, o opens the row's details, / the system filter, ? shows the shortcuts, Escape
// leaves a field for the rows. After a decision the next row has the focus.
(function () {
  var KEYS = { j: 1, k: 1, y: 1, n: 1, x: 1, a: 1, o: 1, "/": 1, "?": 1 };

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-row]"));
  }
  function rowOf(element) {
    return element && element.closest ? element.closest("[data-row]") : null;
  }
  function typing(element) {
    if (!element) return false;
    if (element.isContentEditable || element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(element.type);
  }
  function focusRow(row) {
    if (!row) return;
    var field = row.querySelector("[data-justification]");
    (field || row).focus();
    row.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(rowOf(document.activeElement));
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    focusRow(all[next]);
  }
  function press(key) {
    var row = rowOf(document.activeElement);
    var target = row && row.querySelector('[data-key="' + key + '"]');
    if (target) target.click();
  }
  function countSelected() {
    var note = document.querySelector("[data-selection]");
    if (!note) return;
    if (!note.hasAttribute("data-default")) note.setAttribute("data-default", note.textContent);
    var chosen = document.querySelectorAll("[data-select]:checked").length;
    // The page gives the sentence in its language (data-one, data-many with "{count}"); English otherwise.
    var one = note.getAttribute("data-one") || "1 row selected: the buttons act on it only.";
    var many = note.getAttribute("data-many") || "{count} rows selected: the buttons act on them only.";
    note.textContent = chosen
      ? (chosen === 1 ? one : many).replace("{count}", chosen)
      : note.getAttribute("data-default");
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector("[data-testid='queue-table'], [data-selection]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    if (event.key === "Escape") {
      var row = rowOf(active);
      var cancel = row && row.querySelector("[data-cancel]");
      if (cancel) {
        cancel.click();
      } else if (typing(active)) {
        active.blur();
        focusRow(row || rows()[0]);
      }
      var help = document.querySelector("[data-shortcuts]");
      if (help) help.open = false;
      return;
    }
    if (typing(active) || !KEYS[event.key]) return;
    event.preventDefault();
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "y": case "n": case "o": press(event.key); break;
      case "x": {
        var box = rowOf(active) && rowOf(active).querySelector("[data-select]");
        if (box) { box.checked = !box.checked; countSelected(); }
        break;
      }
      case "a": {
        var reason = document.getElementById("batch-justification");
        if (reason) reason.focus();
        break;
      }
      case "/": {
        var filter = document.getElementById("id_system");
        if (filter) {
          var folded = filter.closest("details");
          if (folded) folded.open = true;
          filter.focus();
        }
        break;
      }
      case "?": {
        var list = document.querySelector("[data-shortcuts]");
        if (list) list.open = !list.open;
        break;
      }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-select]")) countSelected();
  });
  // Rows ticked already: a refused batch shown again, or the browser's back button restoring the form.
  document.addEventListener("DOMContentLoaded", countSelected);
  window.addEventListener("pageshow", countSelected);

  // htmx swaps a decided row in place: the focus goes on from it, to its justification when the rule asks
  // for one, or else to the next row.
  var swapping = null;
  var staying = false;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = rowOf(event.detail.elt);
    swapping = row ? row.id : null;
    staying = event.detail.elt.hasAttribute("data-cancel");  // a cancelled justification: back to its row
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!swapping) return;
    var row = document.getElementById(swapping);
    swapping = null;
    countSelected();
    if (!row) return;
    if (staying || row.querySelector("[data-justification]")) {
      focusRow(row);
      return;
    }
    var all = rows();
    focusRow(all[all.indexOf(row) + 1] || row);
  });

  // After an htmx action, a confirmation or error message it brought (a ".message", or an element marked
  // data-announce) takes the focus, so a keyboard or screen reader user meets it. A message that was already
  // there before the swap (a panel polling with the same warning) does not take the focus again; neither do
  // the review queue's rows, whose focus goes on to the next row (above) while their status is announced.
  var MESSAGE = ".message, [data-announce]";
  var before = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    before = target ? Array.prototype.map.call(target.querySelectorAll(MESSAGE), function (el) {
      return el.textContent.trim();
    }) : [];
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (swapping || rowOf(event.detail.elt)) return;
    var target = event.detail.elt;
    if (!target || !target.isConnected) target = document.getElementById(event.detail.target && event.detail.target.id);
    if (!target) return;
    var found = target.matches && target.matches(MESSAGE) ? [target] : Array.prototype.slice.call(target.querySelectorAll(MESSAGE));
    var fresh = found.filter(function (el) { return before.indexOf(el.textContent.trim()) === -1; });
    if (!fresh.length) return;
    if (!fresh[0].hasAttribute("tabindex")) fresh[0].setAttribute("tabindex", "-1");
    fresh[0].focus();
  });
})();

// A page on its way out (a link followed, a form such as Sign out sent) ignores the answers of its parts still
// arriving: none may move or change a page that is going. A part whose session has ended asks to take the
// whole page to sign in (HX-Redirect); from a page signing out, that would cut the sign-out's own way short.
// A download also starts as leaving, but the page stays: after a few seconds its parts answer again.
(function () {
  var leavingSince = 0;
  window.addEventListener("beforeunload", function () { leavingSince = Date.now(); });
  window.addEventListener("pageshow", function () { leavingSince = 0; });
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (leavingSince && Date.now() - leavingSince < 5000) event.preventDefault();
  });
})();
