// The site as an app on the phone: registers the service worker (/sw.js), says when a page is the
// phone's copy ("You are offline: this is the copy from …"), asks the worker to keep the pages and
// pictures Today links to, says when a report saved on the phone has reached the clinic, and at
// logout clears what the phone keeps of the site: after trying to send what waits (outbox.js),
// and, if some of it cannot be sent, after telling the patient what would be lost and letting
// them choose. Its settings and words are in templates/portal/_offline_notices.html.
(function () {
  "use strict";

  var app = document.querySelector("[data-offline-app]");
  if (!app) {
    return;
  }
  var lang = app.dataset.locale || undefined; // the portal's, as its pages write dates

  function at(iso) {
    var when = new Date(iso);
    var time = when.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
    if (when.toDateString() === new Date().toDateString()) {
      return time + " today";
    }
    return when.toLocaleDateString(lang, { weekday: "long", day: "numeric", month: "long" }) + ", " + time;
  }

  // The phone's copy of this page (the worker marks it on <body>).
  var copiedAt = document.body.dataset.offlineCopy;
  var notice = document.querySelector("[data-offline-notice]");
  if (copiedAt && notice) {
    var time = notice.querySelector("[data-offline-time]");
    time.dateTime = copiedAt;
    time.textContent = at(copiedAt);
    notice.hidden = false;
    window.addEventListener("online", function () {
      var more = notice.querySelector("[data-offline-copy-more]");
      more.textContent = "You are back online. ";
      var latest = document.createElement("a");
      latest.href = window.location.href;
      latest.textContent = "Show the latest";
      more.appendChild(latest);
    });
  }

  // Today names what to keep: its links and pictures marked data-offline-keep, and a stamp that
  // changes whenever any of it may have (the worker fetches them again only then).
  function keepForToday(registration) {
    var stamped = document.querySelector("[data-offline-stamp]");
    if (!stamped || copiedAt || !registration.active) {
      return;
    }
    var urls = [window.location.pathname];
    document.querySelectorAll("[data-offline-keep]").forEach(function (element) {
      var url = element.getAttribute("href") || element.getAttribute("src");
      if (url && urls.indexOf(url) < 0) {
        urls.push(url);
      }
    });
    var channel = new MessageChannel();
    channel.port1.onmessage = function (event) {
      document.documentElement.dataset.offlineKept = event.data.stamp;
    };
    registration.active.postMessage({ type: "keep", stamp: stamped.dataset.offlineStamp, urls: urls }, [channel.port2]);
  }

  if ("serviceWorker" in navigator && app.dataset.serviceWorker) {
    navigator.serviceWorker.register(app.dataset.serviceWorker).then(
      function () {
        navigator.serviceWorker.ready.then(keepForToday);
      },
      function () {} // a browser that refuses (private mode): the site works online as before
    );
  }

  // A pain report saved on this phone reached the portal while another page was open.
  var status = document.querySelector("[data-outbox-status]");
  document.addEventListener("portal:outbox", function (event) {
    var detail = event.detail;
    if (!status || detail.entry.kind !== "pain-report" || document.querySelector("[data-pain-form]")) {
      return;
    }
    status.textContent = "";
    if (detail.result.status === "sent") {
      status.className = "alert alert-success";
      status.appendChild(document.createTextNode("Your pain report saved on this phone has reached your clinic. "));
      var link = document.createElement("a");
      link.href = detail.result.location;
      link.textContent = "Read what to do, and what your clinic was told";
      status.appendChild(link);
    } else if (detail.result.status === "refused") {
      status.className = "alert alert-danger";
      status.textContent = "Your pain report saved on this phone was not accepted: " + detail.result.message;
    } else {
      return;
    }
    status.hidden = false;
  });

  // Logging out.
  var logoutForm = document.querySelector('form[action="' + app.dataset.logoutUrl + '"]');
  var warning = document.querySelector("[data-logout-warning]");
  if (!logoutForm || !warning) {
    return;
  }

  function describe(entry) {
    var when = entry.done_at ? " (" + at(entry.done_at) + ")" : "";
    if (entry.kind === "pain-report") {
      return (entry.label || "Your pain report") + when;
    }
    return "Checked off: " + (entry.label || "an exercise") + when;
  }

  function warn(unsent) {
    var list = warning.querySelector("[data-logout-unsent]");
    list.textContent = "";
    unsent.forEach(function (entry) {
      var item = document.createElement("li");
      item.textContent = describe(entry);
      list.appendChild(item);
    });
    warning.hidden = false;
    warning.scrollIntoView();
    warning.querySelector("[data-logout-stay]").focus();
  }

  function clearThisPhone() {
    if (window.PortalOutbox) {
      window.PortalOutbox.clear();
    }
    if (!window.caches) {
      return Promise.resolve();
    }
    return window.caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("portal-") === 0;
            })
            .map(function (name) {
              return window.caches.delete(name);
            })
        );
      })
      .catch(function () {});
  }

  function logOut() {
    warning.hidden = true;
    // The portal's answer clears the rest (Clear-Site-Data), the worker itself among it.
    clearThisPhone()
      .then(function () {
        return window.fetch(logoutForm.action, {
          method: "POST",
          credentials: "same-origin",
          body: new URLSearchParams(new FormData(logoutForm)),
        });
      })
      .then(
        function (response) {
          window.location.assign(response.url);
        },
        function () {
          var said = document.querySelector("[data-outbox-status]");
          said.className = "alert alert-warning";
          said.textContent = "No connection: what this phone kept of the site is cleared, but the portal could not log you out. Log out again when you are back online.";
          said.hidden = false;
          said.scrollIntoView();
        }
      );
  }

  logoutForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var outbox = window.PortalOutbox;
    var sending = outbox && outbox.pending().length ? outbox.flush() : Promise.resolve();
    sending.then(function () {
      var unsent = outbox ? outbox.pending() : [];
      if (unsent.length) {
        warn(unsent);
      } else {
        logOut();
      }
    });
  });
  warning.querySelector("[data-logout-stay]").addEventListener("click", function () {
    warning.hidden = true;
  });
  warning.querySelector("[data-logout-anyway]").addEventListener("click", logOut);
})();
