// The printable programme's "Print" button (no inline handler: the site runs under a strict
// Content-Security-Policy).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
