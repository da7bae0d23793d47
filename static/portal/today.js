// Today's cards when a tap does not reach the portal. With no connection a check-off is kept on
// the phone (outbox.js), the card says "Saved on this phone, will send", and it is sent when the
// connection returns (also after the page was closed, or opened again from the phone's copy);
// after a server error the card says so and offers to try again. Nothing the patient chose is
// lost: the form stays as it was.
(function () {
  "use strict";

  var SAVED = "Saved on this phone, will send";
  var OFFLINE = "No connection: your check-off is saved on this phone and goes to the portal by itself when you are back online.";
  var OFFLINE_UNSAVED = "No connection, and this phone cannot keep the check-off: try again when you are back online.";
  var OFFLINE_OTHER = "No connection: nothing was sent. What you chose is still here: try again when you are back online.";
  var SERVER = "The portal could not save this just now (a server error). What you chose is still here: try again.";

  function trouble(card, message, retry, label) {
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
      box.appendChild(text);
      box.appendChild(button);
      card.querySelector(".card-body").appendChild(box);
    }
    box.querySelector("p").textContent = message;
    var again = box.querySelector("button");
    again.textContent = label || "Try again";
    again.onclick = function () {
      box.remove();
      retry();
    };
  }

  function sendNow() {
    window.PortalOutbox.flush();
  }

  // The check-off waits on the phone: said at the top of the card, and the Done button is gone
  // (a second tap would only wait beside the first).
  function markKept(card) {
    card.classList.add("is-kept");
    if (!card.querySelector(".kept-badge")) {
      var line = document.createElement("p");
      line.className = "mb-2";
      var badge = document.createElement("span");
      badge.className = "badge text-bg-warning text-wrap kept-badge";
      badge.textContent = SAVED;
      line.appendChild(badge);
      card.querySelector(".card-body > div").insertAdjacentElement("afterend", line);
    }
    var form = card.querySelector("form[data-check-off-form]");
    if (form) {
      form.hidden = true;
    }
    trouble(card, OFFLINE, function () {
      markKept(card);
      sendNow();
    }, "Send now");
  }

  function cardFor(url) {
    var form = document.querySelector('form[data-check-off-form][action="' + url + '"]');
    return form && form.closest(".exercise-card");
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
    var title = card.querySelector("h2");
    var entry = {
      kind: "check-off",
      url: form.getAttribute("action"),
      fields: { session: session ? session.value : "" },
      label: title ? title.textContent.trim() : "",
    };
    // The tap itself did not reach the portal: the check-off is sent with the time of the tap.
    window.PortalOutbox.send(entry, true).then(function (result) {
      if (result.status === "kept") {
        if (result.stored) {
          markKept(card);
        } else {
          trouble(card, OFFLINE_UNSAVED, resend);
        }
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
    if (detail.entry.kind !== "check-off") {
      return;
    }
    var card = cardFor(detail.entry.url);
    if (!card) {
      return;
    }
    if (detail.result.status === "sent" || detail.result.status === "refused") {
      if (detail.result.html && window.htmx) {
        window.htmx.swap(card, detail.result.html, { swapStyle: "outerHTML" });
      } else if (detail.result.status === "refused") {
        trouble(card, detail.result.message, function () {});
      }
    } else if (card.classList.contains("is-kept")) {
      markKept(card);
    }
  });

  // Opened again (from the phone's copy, with no connection, or after a reload) while a
  // check-off still waits: its card says so.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PortalOutbox) {
      return;
    }
    window.PortalOutbox.pending().forEach(function (entry) {
      var card = entry.kind === "check-off" && cardFor(entry.url);
      if (card) {
        markKept(card);
      }
    });
  });
})();
