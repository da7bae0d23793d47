// The time-zone list (portal/widgets.py, TimeZoneSelect): a box above it filters the ~600 zones
// as one types ("lond", "new york", "auckland"), and the browser's own zone is filled in for a
// new person (data-zone-picker="fill") or offered beside a saved one ("offer"). A static file:
// the site runs under a strict Content-Security-Policy (no inline script).
(function () {
  "use strict";

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  function words(text) {
    return text.toLowerCase().replace(/[_/()]/g, " ");
  }

  function labelOf(select, value) {
    const option = Array.from(select.options).find((candidate) => candidate.value === value);
    if (!option) return "";
    const group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "";
    return group ? `${option.text} (${group})` : option.text;
  }

  function setUp(select) {
    const options = Array.from(select.options).filter((option) => option.value);
    const haystack = new Map(options.map((option) => [option, words(`${option.text} ${option.value}`)]));

    const search = document.createElement("input");
    search.type = "search";
    search.className = "form-control mb-1 zone-search vTextField";
    search.placeholder = "Type a city to search, e.g. London";
    search.setAttribute("aria-label", "Search the time zones");
    search.setAttribute("aria-controls", select.id);
    search.autocomplete = "off";
    select.before(search);

    const status = document.createElement("p");
    status.className = "form-text zone-note";
    status.setAttribute("aria-live", "polite");
    select.after(status);

    search.addEventListener("input", () => {
      const terms = words(search.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      let first = null;
      for (const option of options) {
        const match = terms.every((term) => haystack.get(option).includes(term));
        option.hidden = !match;
        if (match) {
          shown += 1;
          first = first || option;
        }
      }
      for (const group of select.querySelectorAll("optgroup")) {
        group.hidden = !Array.from(group.children).some((option) => !option.hidden);
      }
      // While searching, the matches show as an open list; one tap (or Enter) picks.
      select.size = terms.length ? Math.max(2, Math.min(shown, 8)) : 0;
      if (terms.length && first && (select.selectedOptions[0] || {}).hidden !== false) {
        first.selected = true;
      }
      status.textContent = terms.length
        ? shown
          ? `${shown} zone${shown === 1 ? "" : "s"} match.`
          : "No zone matches: try the nearest large city."
        : "";
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
    select.addEventListener("change", () => {
      if (search.value) {
        search.value = "";
        search.dispatchEvent(new Event("input"));
      }
    });

    const zone = browserZone();
    if (!zone || !haystack.has(options.find((option) => option.value === zone))) return;
    if (select.dataset.zonePicker === "fill") {
      select.value = zone;
      status.textContent = `Filled in from this browser's time zone: ${labelOf(select, zone)}.`;
    } else if (select.value !== zone) {
      const offer = document.createElement("button");
      offer.type = "button";
      offer.className = "btn btn-link p-0 zone-offer";
      offer.textContent = `Use this device's time zone: ${labelOf(select, zone)}`;
      offer.addEventListener("click", () => {
        select.value = zone;
        offer.remove();
        status.textContent = `Chosen: ${labelOf(select, zone)}. Save to keep it.`;
      });
      status.after(offer);
    }
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
