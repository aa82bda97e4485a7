// Kassa's payment page: progressive enhancement only; every form works without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // The card-number field shows only while "A new card" is chosen.
    var box = document.getElementById("new-card");
    var radios = document.querySelectorAll('input[type="radio"][name="method"]');
    function sync() {
      if (!box) return;
      var chosen = document.querySelector('input[name="method"]:checked');
      box.hidden = !!chosen && chosen.value !== "new";
    }
    radios.forEach(function (r) { r.addEventListener("change", sync); });
    sync();
    // "Use" fills a test card's number in.
    document.querySelectorAll("button.fill-card").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var field = b.closest("form").querySelector('input[name="card_number"]');
        if (!field) return;
        field.value = b.getAttribute("data-card").replace(/(\d{4})(?=\d)/g, "$1 ");
        field.focus();
      });
    });
    // A form's error gets focus, so a screen reader reads it and the keyboard starts there.
    var error = document.getElementById("form-error");
    if (error) error.focus();
    // One submission per click: a double click must not pay twice.
    document.querySelectorAll("form[method='post']").forEach(function (f) {
      f.addEventListener("submit", function () {
        var button = f.querySelector('button[type="submit"]');
        if (button) { setTimeout(function () { button.disabled = true; }, 0); }
      });
    });
  });
})();
