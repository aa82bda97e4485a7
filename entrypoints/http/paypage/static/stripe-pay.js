// Stripe's Payment Element on Kassa's page; the outcome is confirmed on Kassa (/return),
// which asks Stripe: the browser's word is never taken for it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var data = JSON.parse(document.getElementById("kassa-stripe").textContent);
    var errorBox = document.getElementById("stripe-error");
    function show(message) {
      if (!errorBox) return;
      errorBox.textContent = message;
      errorBox.hidden = false;
      errorBox.focus();
    }
    if (typeof Stripe !== "function") { show("Stripe's card form could not load. Check your connection and reload."); return; }
    var stripe = Stripe(data.publishable_key);
    var back = data.return_url + "?payment_intent=" + encodeURIComponent(data.payment_intent_id || "");
    if (data.mode === "next_action") {
      stripe.handleNextAction({ clientSecret: data.client_secret }).then(function () { window.location.assign(back); });
      return;
    }
    var elements = data.mode === "setup"
      ? stripe.elements({ mode: "setup", currency: "usd", paymentMethodCreation: "manual" })
      : stripe.elements({ clientSecret: data.client_secret });
    elements.create("payment").mount("#payment-element");
    if (data.mode === "setup") {
      var form = document.getElementById("add-card-form");
      form.addEventListener("submit", function (event) {
        if (document.getElementById("gateway_payment_method_id").value) return;
        event.preventDefault();
        elements.submit().then(function (r) {
          if (r.error) { show(r.error.message); return null; }
          return stripe.createPaymentMethod({ elements: elements });
        }).then(function (r) {
          if (!r) return;
          if (r.error) { show(r.error.message); return; }
          document.getElementById("gateway_payment_method_id").value = r.paymentMethod.id;
          form.submit();
        });
      });
      return;
    }
    document.getElementById("stripe-form").addEventListener("submit", function (event) {
      event.preventDefault();
      // Stripe adds ?payment_intent=… to the return URL itself.
      stripe.confirmPayment({ elements: elements, confirmParams: { return_url: data.return_url } }).then(function (r) {
        if (r.error) show(r.error.message);  // else Stripe has gone to the return URL
      });
    });
  });
})();
