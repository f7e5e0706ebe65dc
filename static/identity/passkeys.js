// "Mes facteurs": once a passkey is registered, reload the page so that it is listed (and the
// first factor's recovery codes shown).
document.addEventListener("otp_webauthn.register_complete", () => window.location.reload());
