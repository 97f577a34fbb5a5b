// Card payment. The page as served works without JavaScript (in test mode a test-card choice,
// otherwise a note that card payment needs JavaScript); when Stripe.js runs, this swaps in its
// card form. Stripe.js makes a PaymentMethod in the browser (card numbers never reach our
// server); our server confirms it. In development localstripe's stand-in Stripe.js cannot make
// PaymentMethods, so its test card fields are posted and turned into one on localstripe.
(function () {
  "use strict";
  var form = document.getElementById("pay-form");
  var actionForm = document.getElementById("action-form");
  if (form && window.Stripe) {
    var stripe = window.Stripe(form.dataset.key);
    var card = stripe.elements().create("card");
    ["test-card-field", "card-needs-js"].forEach(function (id) {
      var node = document.getElementById(id);
      if (node) node.remove();
    });
    form.querySelectorAll("input[type=hidden][disabled]").forEach(function (input) {
      input.disabled = false;
    });
    document.getElementById("card-field").hidden = false;
    card.mount("#card-element");
    var errors = document.getElementById("card-errors");
    var button = document.getElementById("pay-button");
    button.hidden = false;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      button.disabled = true;
      errors.textContent = "";
      if (form.dataset.testMode === "1") {
        var value = (card.value || {}).card || {};
        form.card_number.value = value.number || "";
        form.card_exp_month.value = value.exp_month || "";
        form.card_exp_year.value = value.exp_year || "";
        form.card_cvc.value = value.cvc || "";
        form.submit();
        return;
      }
      var result = await stripe.createPaymentMethod({ type: "card", card: card });
      if (result.error) {
        errors.textContent = result.error.message || "Check the card details.";
        button.disabled = false;
        return;
      }
      document.getElementById("payment-method").value = result.paymentMethod.id;
      form.submit();
    });
  }
  if (actionForm && window.Stripe) {
    var stripeAction = window.Stripe(actionForm.dataset.key);
    actionForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      document.getElementById("action-button").disabled = true;
      var secret = actionForm.dataset.clientSecret;
      var handler = stripeAction.handleNextAction || stripeAction.confirmCardPayment;
      await handler.call(stripeAction, handler === stripeAction.handleNextAction
        ? { clientSecret: secret } : secret);
      actionForm.submit();
    });
  }
})();
