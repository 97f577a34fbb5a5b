// Fill the sign-up form's hidden time-zone field with the browser's zone (an IANA name such
// as America/Denver). Without script the field stays empty and the account gets US Central.
(function () {
  var field = document.querySelector("input[data-browser-time-zone]");
  if (!field || !window.Intl || !Intl.DateTimeFormat) return;
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    field.value = "";
  }
})();
