// The pain form with no connection. The report is sent as the form would send it (with an id made
// on the phone, so that it is recorded once); when it cannot reach the portal it is saved on the
// phone (outbox.js), the page says "Saved on this phone, will send", and it is sent when the
// connection returns. Urgent warning signs are not left waiting for that: the page at once shows
// what to do now, in the words and with the phone of the guidance after a report that reached
// the portal (rendered into the page, hidden). Without JavaScript the form is a plain form.
(function () {
  "use strict";

  var form = document.querySelector("form[data-pain-form]");
  if (!form || !window.fetch || !window.PortalOutbox) {
    return;
  }
  var entrySection = document.querySelector("[data-pain-entry]");
  var kept = document.querySelector("[data-pain-kept]");
  var keptList = document.querySelector("[data-pain-kept-list]");
  var urgentBox = document.querySelector("[data-pain-urgent]");
  var incomplete = document.querySelector("[data-pain-incomplete]");
  var idField = form.querySelector("[data-pain-client-id]");
  var postForm = HTMLFormElement.prototype.submit;

  function complete(data) {
    var signs = data.getAll("urgent_signs");
    var none = signs.indexOf("none") >= 0;
    return data.get("score") !== null && data.get("moment") !== null && signs.length > 0 && !(none && signs.length > 1);
  }

  function urgent(fields) {
    return fields.some(function (pair) {
      return pair[0] === "urgent_signs" && pair[1] !== "none";
    });
  }

  function describe(entry) {
    var score = "";
    entry.fields.forEach(function (pair) {
      if (pair[0] === "score") {
        score = pair[1];
      }
    });
    var app = document.querySelector("[data-offline-app]");
    var locale = (app && app.dataset.locale) || undefined;
    var at = new Date(entry.done_at).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
    return "Your report of pain " + score + "/10, made at " + at + ".";
  }

  function showKept(entries) {
    keptList.textContent = "";
    entries.forEach(function (entry) {
      var item = document.createElement("li");
      item.textContent = describe(entry);
      keptList.appendChild(item);
    });
    kept.hidden = entries.length === 0;
  }

  function pendingReports() {
    return window.PortalOutbox.pending().filter(function (entry) {
      return entry.kind === "pain-report";
    });
  }

  function savedOnThePhone(entry) {
    entrySection.hidden = true;
    showKept(pendingReports());
    if (urgent(entry.fields)) {
      // What to do now comes first, alone at the top: not the note that the page is a copy.
      var copyNotice = document.querySelector("[data-offline-notice]");
      if (copyNotice) {
        copyNotice.hidden = true;
      }
      urgentBox.hidden = false;
      urgentBox.focus();
      window.scrollTo(0, 0);
    } else {
      kept.focus();
    }
  }

  function keepOnThePhone(data) {
    if (!complete(data)) {
      incomplete.hidden = false;
      incomplete.scrollIntoView();
      return;
    }
    var fields = [];
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "client_id") {
        fields.push([name, value]);
      }
    });
    var label = "Your pain report (" + data.get("score") + "/10)";
    var entry = { kind: "pain-report", url: form.action, fields: fields, client_id: idField.value, label: label };
    // The form's own request did not reach the portal: sent with the time it was made.
    window.PortalOutbox.send(entry, true).then(function (result) {
      if (result.status === "sent" && result.location) {
        window.location.assign(result.location);
      } else if (result.status === "refused") {
        incomplete.textContent = result.message;
        incomplete.hidden = false;
      } else if (!result.stored) {
        incomplete.textContent = "No connection, and this phone cannot keep your report: try again when you are back online.";
        incomplete.hidden = false;
      } else {
        savedOnThePhone(entry);
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    incomplete.hidden = true;
    if (!idField.value) {
      idField.value = window.PortalOutbox.newId();
    }
    var data = new FormData(form);
    window
      .fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
        body: new URLSearchParams(data),
      })
      .then(
        function (response) {
          var guidance = response.headers.get("HX-Redirect");
          if (response.ok && guidance) {
            window.location.assign(guidance);
          } else if (response.redirected) {
            keepOnThePhone(data); // the session ended: sent once the patient has logged in again
          } else {
            // Something to fix in the form (or refused): the portal's page says what, as it
            // does with no JavaScript.
            postForm.call(form);
          }
        },
        function () {
          keepOnThePhone(data);
        }
      );
  });

  // Sent while this page is open: its guidance, and what the clinic was told, are the next page.
  document.addEventListener("portal:outbox", function (event) {
    var detail = event.detail;
    if (detail.entry.kind !== "pain-report") {
      return;
    }
    if (detail.result.status === "sent" && detail.result.location && detail.entry.client_id === idField.value) {
      window.location.assign(detail.result.location);
    } else {
      showKept(pendingReports());
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    showKept(pendingReports());
  });
})();
