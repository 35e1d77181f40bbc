// Walkout's pages: keyboard shortcuts for the review console (the rest is htmx).
(function () {
  function reviewKeys(e) {
    var form = document.getElementById("decision");
    if (!form || e.target.matches("input[type=text], textarea") || e.ctrlKey || e.metaKey || e.altKey) return;
    var groups = form.querySelectorAll("[data-event]");
    var cur = Number(form.dataset.current || 0);
    if (e.key >= "1" && e.key <= "9") {
      var g = groups[cur];
      var opt = g && g.querySelectorAll("input[type=radio]")[Number(e.key) - 1];
      if (opt) { opt.checked = true; e.preventDefault(); }
    } else if (e.key === "Tab" && groups.length > 1) {
      form.dataset.current = String((cur + (e.shiftKey ? groups.length - 1 : 1)) % groups.length);
      groups.forEach(function (g, i) { g.classList.toggle("current", i === Number(form.dataset.current)); });
      e.preventDefault();
    } else if (e.key === "a" || e.key === "A") {
      form.querySelectorAll("[data-event]").forEach(function (g) {
        var top = g.querySelector("input[type=radio]"); if (top) top.checked = true;
      });
      e.preventDefault(); form.requestSubmit();
    } else if (e.key === "Enter") {
      e.preventDefault(); form.requestSubmit();
    }
  }
  document.addEventListener("keydown", reviewKeys);
})();
