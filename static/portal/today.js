// Today's cards when a tap does not reach the portal. With no connection a check-off is kept on
// the phone (outbox.js) and sent when the connection returns; after a server error the card
// says so and offers to try again. Nothing the patient chose is lost: the form stays as it was.
(function () {
  "use strict";

  var OFFLINE = "No connection: your check-off is saved on this phone and will be sent when you are back online.";
  var OFFLINE_UNSAVED = "No connection, and this phone cannot keep the check-off: try again when you are back online.";
  var OFFLINE_OTHER = "No connection: nothing was sent. What you chose is still here: try again when you are back online.";
  var SERVER = "The portal could not save this just now (a server error). What you chose is still here: try again.";

  function trouble(card, message, retry) {
    var box = card.querySelector(".check-off-trouble");
    if (!box) {
      box = document.createElement("div");
      box.className = "alert alert-warning py-2 mt-2 check-off-trouble";
      box.setAttribute("role", "alert");
      var text = document.createElement("p");
      text.className = "mb-2";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-outline-primary btn-sm";
      button.textContent = "Try again";
      box.appendChild(text);
      box.appendChild(button);
      card.querySelector(".card-body").appendChild(box);
    }
    box.querySelector("p").textContent = message;
    var again = box.querySelector("button");
    again.onclick = function () {
      box.remove();
      retry();
    };
  }

  function failed(event, offline) {
    var form = event.detail.elt && event.detail.elt.closest("form");
    var card = form && form.closest(".exercise-card");
    if (!card) {
      return;
    }
    var resend = function () {
      form.requestSubmit();
    };
    if (!offline) {
      trouble(card, SERVER, resend);
      return;
    }
    if (!form.matches("[data-check-off-form]") || !window.PortalOutbox) {
      trouble(card, OFFLINE_OTHER, resend);
      return;
    }
    var session = form.querySelector("input[name=session]");
    var entry = { url: form.getAttribute("action"), fields: { session: session ? session.value : "" } };
    window.PortalOutbox.send(entry).then(function (result) {
      if (result.status === "kept") {
        card.classList.add("is-kept");
        trouble(card, result.stored ? OFFLINE : OFFLINE_UNSAVED, function () {
          window.PortalOutbox.flush();
        });
      }
    });
  }

  // A check-off, an undo or a rating replaces the whole card, and with it the button that had
  // the focus: the focus goes to the new card (its name and state are read out) rather than
  // back to the page's top, and the next Tab reaches the card's own controls.
  var focusedCard = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var card = event.detail.target;
    focusedCard = card && card.classList.contains("exercise-card") && card.contains(document.activeElement) ? card.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var card = focusedCard && document.getElementById(focusedCard);
    focusedCard = null;
    if (card) {
      card.setAttribute("tabindex", "-1");
      card.focus();
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    failed(event, true);
  });
  document.addEventListener("htmx:responseError", function (event) {
    failed(event, false);
  });

  // A check-off kept on the phone has reached the portal: the card (and, out of band, the
  // day's count) are replaced by what the portal answered.
  document.addEventListener("portal:outbox", function (event) {
    var detail = event.detail;
    var form = document.querySelector('form[data-check-off-form][action="' + detail.entry.url + '"]');
    var card = form && form.closest(".exercise-card");
    if (!card) {
      return;
    }
    if (detail.result.status === "sent" || detail.result.status === "refused") {
      if (detail.result.html && window.htmx) {
        window.htmx.swap(card, detail.result.html, { swapStyle: "outerHTML" });
      } else if (detail.result.status === "refused") {
        trouble(card, detail.result.message, function () {});
      }
    } else if (detail.result.status === "kept" && card.classList.contains("is-kept")) {
      trouble(card, OFFLINE, function () {
        window.PortalOutbox.flush();
      });
    }
  });
})();
