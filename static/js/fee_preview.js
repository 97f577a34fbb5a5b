// The listing form's "you receive" line, kept current as the price is typed. The server renders
// the same line (payments.money.fee_split: fee = price x bps / 10 000, rounded half up to a
// cent); this only repeats that rule, in whole cents, for the price being typed.
(function () {
  "use strict";
  var line = document.getElementById("price-receive");
  var input = document.getElementById("id_price");
  if (!line || !input) return;
  var bps = parseInt(line.getAttribute("data-fee-bps"), 10);
  var percent = line.getAttribute("data-fee-percent");
  var dollars = function (cents) {
    return "$" + (cents / 100).toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  };
  var update = function () {
    var text = input.value.trim().replace(/^\$/, "").replace(/,/g, "");
    if (!/^\d{1,6}(\.\d{0,2})?$/.test(text)) {
      line.textContent = "Our fee is " + percent + " of each sale: type a price to see what you receive.";
      return;
    }
    var parts = text.split(".");
    var cents = parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
    if (cents <= 0) {
      line.textContent = "Our fee is " + percent + " of each sale: type a price to see what you receive.";
      return;
    }
    var fee = Math.floor((cents * bps + 5000) / 10000);
    line.textContent = "You receive " + dollars(cents - fee) + " of " + dollars(cents) +
      " (our " + percent + " fee is " + dollars(fee) + "). Shipping you charge has the same fee.";
  };
  input.addEventListener("input", update);
})();
