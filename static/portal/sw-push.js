// Push reminders in the service worker (imported by /sw.js). A push carries only
// {"title", "body", "url"}: the notification shows those words, and a tap opens the page at
// "url" on this site (Today), or brings forward a window already showing it.
(function () {
  "use strict";

  var FALLBACK = { title: "Exercise portal", body: "", url: "/today/" };

  function payloadOf(event) {
    if (!event.data) {
      return FALLBACK;
    }
    try {
      var payload = event.data.json();
      return {
        title: typeof payload.title === "string" ? payload.title : FALLBACK.title,
        body: typeof payload.body === "string" ? payload.body : FALLBACK.body,
        url: typeof payload.url === "string" ? payload.url : FALLBACK.url
      };
    } catch (error) {
      return FALLBACK;
    }
  }

  // Only a page of this site: a push names a path, never somewhere else.
  function targetOf(url) {
    var origin = self.location.origin;
    try {
      var target = new URL(url, origin);
      if (target.origin === origin) {
        return target.href;
      }
    } catch (error) {
      // not a URL: Today instead
    }
    return new URL(FALLBACK.url, origin).href;
  }

  self.addEventListener("push", function (event) {
    var payload = payloadOf(event);
    event.waitUntil(
      self.registration.showNotification(payload.title, {
        body: payload.body,
        // A follow-up replaces the morning's reminder rather than piling up beside it.
        tag: "exercise-reminder",
        renotify: true,
        data: { url: targetOf(payload.url) }
      })
    );
  });

  self.addEventListener("notificationclick", function (event) {
    event.notification.close();
    var target = targetOf(event.notification.data && event.notification.data.url);
    event.waitUntil(
      self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
        for (var i = 0; i < windows.length; i += 1) {
          if (windows[i].url === target && "focus" in windows[i]) {
            return windows[i].focus();
          }
        }
        return self.clients.openWindow(target);
      })
    );
  });
})();
