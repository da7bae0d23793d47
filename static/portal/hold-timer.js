// The hold timer on the Today page: counts a hold down on the card (each side in turn when the
// dose is per side) and checks the exercise off when it is done. It runs in the browser alone:
// no request until the check-off itself. Without JavaScript the timer stays hidden and the
// "Done" button works as a plain form.
(function () {
  "use strict";

  var SWITCH_SECONDS = 3;

  function reveal(root) {
    root.querySelectorAll("[data-hold-timer][hidden]").forEach(function (timer) {
      timer.hidden = false;
    });
  }

  function countDown(display, seconds, label, onDone) {
    var remaining = seconds;
    display.textContent = label + remaining + " s";
    var tick = window.setInterval(function () {
      remaining -= 1;
      if (remaining <= 0) {
        window.clearInterval(tick);
        onDone();
      } else {
        display.textContent = label + remaining + " s";
      }
    }, 1000);
  }

  function run(timer) {
    var seconds = parseInt(timer.dataset.seconds, 10);
    var perSide = timer.dataset.perSide === "true";
    var display = timer.querySelector("[data-hold-display]");
    var start = timer.querySelector("[data-hold-start]");
    var card = document.getElementById(timer.dataset.card);
    var form = card && card.querySelector("[data-check-off-form]");
    if (!seconds || seconds < 1 || !display || !form) {
      return;
    }
    start.disabled = true;
    var finish = function () {
      display.textContent = "Done!";
      form.requestSubmit();
    };
    if (!perSide) {
      countDown(display, seconds, "Hold: ", finish);
      return;
    }
    countDown(display, seconds, "First side: ", function () {
      countDown(display, SWITCH_SECONDS, "Switch sides: ", function () {
        countDown(display, seconds, "Second side: ", finish);
      });
    });
  }

  document.addEventListener("click", function (event) {
    var start = event.target.closest("[data-hold-start]");
    if (start) {
      run(start.closest("[data-hold-timer]"));
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    reveal(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    reveal(document);
  });
})();
