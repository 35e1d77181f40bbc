// The Stripe card form on the shopper's page. Stripe.js (loaded before this
// script, from the store's stripe_js_url) mounts its Card Element: the card
// number is typed into Stripe's own field and goes to Stripe only. On submit
// the server makes a SetupIntent (POST .../shop/card-setup), Stripe.js
// confirms it with the card (3-D Secure if the bank asks), and the form posts
// the SetupIntent's id; the server checks it with Stripe and saves the card.
(function () {
  "use strict";
  const form = document.getElementById("stripe-card-form");
  if (!form) return;
  const errors = document.getElementById("card-errors");
  const button = form.querySelector("button[type=submit]");

  function fail(message) {
    errors.textContent = message;
    errors.hidden = false;
    button.disabled = false;
  }

  if (typeof Stripe === "undefined") {
    button.disabled = true;
    fail("The card form could not load Stripe.js. Reload the page to try again.");
    return;
  }
  const stripe = Stripe(form.dataset.key);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  card.on("change", function (event) {
    if (event && event.error) fail(event.error.message);
    else errors.hidden = true;
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.hidden = true;
    let setup;
    try {
      const r = await fetch(form.dataset.setupUrl, {
        method: "POST",
        headers: { Accept: "application/json" },
      });
      // a signed-out browser is redirected to the sign-in page: HTML, not a setup
      setup = await r.json().catch(function () { return {}; });
      if (!r.ok || !setup.client_secret) {
        return fail(setup.error || "The store could not start saving a card. Sign in again and retry.");
      }
    } catch (e) {
      return fail("The store did not answer. Try again.");
    }
    let res;
    try {
      res = await stripe.confirmCardSetup(setup.client_secret, { payment_method: { card: card } });
    } catch (e) {
      res = { error: e };
    }
    if (res.error) {
      // Stripe's errors are plain objects with a message for the shopper; a
      // thrown Error is our side (an incomplete form in localstripe's mock)
      const plain = !(res.error instanceof Error) && res.error.message;
      return fail(plain || "Check the card details and try again.");
    }
    form.elements.setup.value = res.setupIntent.id;
    form.submit();
  });
})();
