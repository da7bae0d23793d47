// The time zone as a combobox (WAI-ARIA 1.2, a list that autocompletes): a text box where one
// types a city ("lond", "new york", "gmt+1", "est") and a short list of the matching zones under
// it, each by its city with its offset now ("London (GMT)", "New York (GMT−5)"); the arrow keys
// move along the list, Enter or a tap chooses, Escape closes it. This device's zone is offered
// first, and filled in for a new person (data-zone-picker="fill"). It drives the page's own
// <select> (portal/widgets.py, TimeZoneSelect), which the form sends, and which is all there is
// without JavaScript. A static file: the site runs under a strict Content-Security-Policy.
(function () {
  "use strict";

  var SHOWN = 8;
  var MINUS = "\u2212";
  var made = 0;

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function zoneName(zone, when, style, locale) {
    try {
      var parts = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: style }).formatToParts(when);
      for (var i = 0; i < parts.length; i += 1) {
        if (parts[i].type === "timeZoneName") return parts[i].value;
      }
    } catch (error) {
      // A name this browser does not know: the zone is shown by its city alone.
    }
    return "";
  }

  function words(text) {
    return text
      .toLowerCase()
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/\u2212/g, "-")
      .replace(/[_/(),]/g, " ");
  }

  function setUp(select) {
    made += 1;
    var id = select.id || "zone-" + made;
    var now = new Date();
    var zones = Array.from(select.options)
      .filter(function (option) {
        return option.value;
      })
      .map(function (option) {
        var group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "";
        return { value: option.value, city: option.text, region: group, label: "", words: "" };
      });
    var byValue = new Map(
      zones.map(function (zone) {
        return [zone.value, zone];
      })
    );
    var deviceZone = byValue.has(browserZone()) ? browserZone() : "";

    // A zone's offset now, and the words it is found by, read once.
    function described(zone) {
      if (!zone.label) {
        var offset = zoneName(zone.value, now, "shortOffset", "en-GB").replace("-", MINUS).replace(/^GMT[+\u2212]0$/, "GMT");
        zone.label = offset ? zone.city + " (" + offset + ")" : zone.city;
        var abbreviation = zoneName(zone.value, now, "short", "en-US");
        zone.words = words([zone.city, zone.region, zone.value, offset, abbreviation].join(" "));
      }
      return zone;
    }

    var box = document.createElement("div");
    box.className = "zone-combobox";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id + "-search";
    input.className = select.classList.contains("form-select") ? "form-control zone-input" : "vTextField zone-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-listbox");
    input.autocomplete = "off";
    input.spellcheck = false;
    input.setAttribute("autocapitalize", "none");
    input.placeholder = "Type a city, e.g. London";
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    if (select.classList.contains("is-invalid")) input.classList.add("is-invalid");
    var list = document.createElement("ul");
    list.id = id + "-listbox";
    list.className = "zone-listbox";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    if (label) {
      label.id = label.id || id + "-label";
      label.htmlFor = input.id; // a tap on the label goes to the box one types in
      list.setAttribute("aria-labelledby", label.id);
    } else {
      input.setAttribute("aria-label", "Time zone");
      list.setAttribute("aria-label", "Time zones");
    }
    var status = document.createElement("p");
    status.className = "form-text zone-note";
    status.setAttribute("role", "status");
    box.appendChild(input);
    box.appendChild(list);
    select.before(box);
    select.after(status);
    select.hidden = true; // still sent with the form; the combobox writes its value

    var matches = [];
    var active = -1;
    var typed = false;

    function chosen() {
      return byValue.get(select.value) || null;
    }

    function showChosen() {
      var zone = chosen();
      input.value = zone ? described(zone).label : "";
      typed = false;
    }

    // Before anything is typed: this device's zone first, then the one chosen.
    function suggestions() {
      var found = [];
      if (deviceZone) found.push(byValue.get(deviceZone));
      if (chosen() && select.value !== deviceZone) found.push(chosen());
      return found;
    }

    function search(text) {
      var terms = words(text).split(/\s+/).filter(Boolean);
      if (!terms.length) return suggestions();
      var start = terms[0];
      var found = zones.filter(function (zone) {
        var haystack = described(zone).words;
        return terms.every(function (term) {
          return haystack.indexOf(term) !== -1;
        });
      });
      // Cities that start with what was typed come first ("york" finds New York, "lond" London).
      function rank(zone) {
        var city = words(zone.city);
        return city.indexOf(start) === 0 ? 0 : (" " + city).indexOf(" " + start) !== -1 ? 1 : 2;
      }
      return found.sort(function (a, b) {
        return rank(a) - rank(b) || a.city.localeCompare(b.city);
      });
    }

    function setActive(index) {
      active = index;
      Array.from(list.children).forEach(function (item, position) {
        item.setAttribute("aria-selected", position === index ? "true" : "false");
      });
      if (index >= 0) {
        var item = list.children[index];
        input.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open(shown) {
      list.hidden = !shown;
      input.setAttribute("aria-expanded", shown ? "true" : "false");
      if (!shown) setActive(-1);
    }

    function show(found, saying) {
      matches = found.slice(0, SHOWN);
      list.textContent = "";
      matches.forEach(function (zone, index) {
        var item = document.createElement("li");
        item.id = id + "-option-" + index;
        item.className = "zone-option";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.dataset.value = zone.value;
        var name = document.createElement("span");
        name.textContent = described(zone).label;
        item.appendChild(name);
        var note = zone.value === deviceZone ? "This device" : zone.region;
        if (note) {
          var where = document.createElement("span");
          where.className = "zone-option-note";
          where.textContent = note;
          item.appendChild(where);
        }
        list.appendChild(item);
      });
      open(matches.length > 0);
      if (saying) {
        if (!found.length) {
          status.textContent = "No zone matches: try the nearest large city.";
        } else if (found.length > SHOWN) {
          status.textContent = found.length + " zones match; the first " + SHOWN + " are shown. Type more to narrow them.";
        } else {
          status.textContent = found.length + " zone" + (found.length === 1 ? " matches" : "s match") + ".";
        }
      }
    }

    function choose(zone, saying) {
      select.value = zone.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      showChosen();
      open(false);
      status.textContent = saying || "Chosen: " + described(zone).label + ".";
      if (offer && zone.value === deviceZone) offer.remove();
    }

    input.addEventListener("focus", function () {
      input.select(); // typing replaces the chosen zone's name
    });
    input.addEventListener("click", function () {
      if (list.hidden) show(typed ? search(input.value) : suggestions(), false);
    });
    input.addEventListener("input", function () {
      typed = true;
      show(search(input.value), true);
      if (input.value.trim() && matches.length) setActive(0);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) {
          show(typed ? search(input.value) : suggestions(), typed);
          if (!event.altKey && matches.length) setActive(0);
        } else {
          setActive(Math.min(active + 1, matches.length - 1));
        }
      } else if (event.key === "ArrowUp") {
        if (!list.hidden) {
          event.preventDefault();
          setActive(Math.max(active - 1, 0));
        }
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(matches[active]);
        } else if (typed) {
          event.preventDefault(); // half a city is not sent: choose one first
          status.textContent = "Choose a zone from the list: type a city, then Enter.";
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          open(false);
        } else if (typed) {
          event.preventDefault();
          showChosen();
        }
      }
    });
    input.addEventListener("blur", function () {
      open(false);
      if (typed) showChosen(); // the box always says what will be saved
    });
    list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // the focus stays in the box
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) choose(byValue.get(item.dataset.value));
    });

    var offer = null;
    if (deviceZone && select.dataset.zonePicker === "fill") {
      select.value = deviceZone;
      status.textContent = "Filled in from this device's time zone: " + described(byValue.get(deviceZone)).label + ".";
    } else if (deviceZone && select.value !== deviceZone) {
      offer = document.createElement("button");
      offer.type = "button";
      offer.className = "btn btn-link p-0 zone-offer";
      offer.textContent = "Use this device's time zone: " + described(byValue.get(deviceZone)).label;
      offer.addEventListener("click", function () {
        choose(byValue.get(deviceZone), "Chosen: " + described(byValue.get(deviceZone)).label + ". Save to keep it.");
      });
      status.after(offer);
    }
    showChosen();
    // Every zone's offset, read while the page is idle (about 0.1 s on a slow phone): the first
    // letter typed is then answered at once.
    var idle = window.requestIdleCallback || function (work) { return window.setTimeout(work, 300); };
    idle(function () {
      zones.forEach(described);
    });
  }

  function setUpAll() {
    document.querySelectorAll("select[data-zone-picker]").forEach(setUp);
  }

  // The admin loads a form's scripts in the page's head, before the form exists.
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
