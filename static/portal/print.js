// The "Print" buttons (the printable programme's, the admin's patient page's): no inline handler,
// as the site runs under a strict Content-Security-Policy.
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", (event) => {
    event.preventDefault(); // a link in the admin's tools goes nowhere, it prints
    window.print();
  });
});
