// The session player: follows each exercise's dose (sets × repetitions × hold × sides) with a
// rest between holds, sides and sets, in big numbers and a ring; pause, resume, skip and stop;
// a sound and a vibration at each change; the screen kept awake where the phone allows it.
// It runs in the browser alone: the only request is the check-off at the end of an exercise,
// with the counts done, kept on the phone (outbox.js) if it cannot be sent. The exercises and
// their doses come from the page (json_script), the rest from the clinic.
(function () {
  "use strict";

  var TICK_MS = 200;
  var MIN_SWITCH_SECONDS = 5;
  var RING = 2 * Math.PI * 54;
  var SIDES = ["first side", "second side"];

  function $(root, name) {
    return root.querySelector("[data-player-" + name + "]");
  }

  function steps(exercise) {
    var plan = exercise.plan;
    var list = [];
    if (!plan) {
      list.push({ kind: "free" });
      return list;
    }
    for (var set = 1; set <= plan.sets; set++) {
      for (var side = 1; side <= plan.sides; side++) {
        if (side > 1) {
          list.push({ kind: "switch", seconds: Math.max(exercise.rest, MIN_SWITCH_SECONDS), set: set, side: side });
        }
        if (plan.hold) {
          for (var rep = 1; rep <= plan.reps; rep++) {
            list.push({ kind: "hold", seconds: plan.hold, set: set, side: side, rep: rep, counts: 1 });
            if (rep < plan.reps && exercise.rest > 0) {
              list.push({ kind: "rest", seconds: exercise.rest, set: set, side: side, rep: rep });
            }
          }
        } else {
          list.push({ kind: "reps", set: set, side: side, counts: plan.reps });
        }
      }
      if (set < plan.sets && exercise.rest > 0) {
        list.push({ kind: "rest", seconds: exercise.rest, set: set, between: "sets" });
      }
    }
    return list;
  }

  function Cue() {
    var context = null;
    this.unlock = function () {
      var Audio = window.AudioContext || window.webkitAudioContext;
      if (!context && Audio) {
        try {
          context = new Audio();
        } catch (error) {
          context = null;
        }
      }
    };
    this.play = function (high) {
      if (navigator.vibrate) {
        navigator.vibrate(high ? [120, 80, 120] : 200);
      }
      if (!context) {
        return;
      }
      var tone = context.createOscillator();
      var volume = context.createGain();
      tone.frequency.value = high ? 880 : 660;
      volume.gain.value = 0.2;
      tone.connect(volume);
      volume.connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.18);
    };
  }

  function WakeLock() {
    var lock = null;
    var wanted = false;
    function take() {
      if (!wanted || lock || !navigator.wakeLock || document.visibilityState !== "visible") {
        return;
      }
      navigator.wakeLock.request("screen").then(
        function (sentinel) {
          lock = sentinel;
          lock.addEventListener("release", function () {
            lock = null;
          });
        },
        function () {} // refused (battery saver): the player still runs
      );
    }
    document.addEventListener("visibilitychange", take);
    this.hold = function () {
      wanted = true;
      take();
    };
    this.release = function () {
      wanted = false;
      if (lock) {
        lock.release();
        lock = null;
      }
    };
  }

  function Player(root, exercises) {
    var cue = new Cue();
    var wake = new WakeLock();
    var index = 0; // which exercise
    var list = []; // its steps
    var position = 0; // which step
    var remaining = 0; // ms left in a timed step
    var lastTick = 0;
    var timer = null;
    var paused = false;
    var done = 0; // repetitions done, each side's counted
    var setsDone = 0;

    var ui = {};
    ["position", "name", "dose", "ring", "number", "unit", "step", "count", "start", "done", "pause",
      "skip", "stop", "next", "retry", "result"].forEach(function (name) {
      ui[name] = $(root, name);
    });
    ui.ring.setAttribute("stroke-dasharray", RING.toFixed(2));
    root.dataset.state = "ready";

    function show(element, visible) {
      element.hidden = !visible;
    }

    function exercise() {
      return exercises[index];
    }

    function total() {
      var plan = exercise().plan;
      return plan ? plan.sets * plan.reps * plan.sides : 0;
    }

    function ring(fraction) {
      ui.ring.setAttribute("stroke-dashoffset", (RING * (1 - Math.max(0, Math.min(1, fraction)))).toFixed(2));
    }

    function describe(step) {
      var plan = exercise().plan;
      var parts = [];
      if (plan && plan.sets > 1 && step.set) {
        parts.push("set " + step.set + " of " + plan.sets);
      }
      if (plan && plan.sides > 1 && step.side) {
        parts.push(SIDES[step.side - 1]);
      }
      if (step.kind === "hold" && plan.reps > 1) {
        parts.push("repetition " + step.rep + " of " + plan.reps);
      }
      return parts.join(" · ");
    }

    function introduce() {
      var current = exercise();
      ui.name.textContent = current.name;
      ui.dose.textContent = current.dose;
      ui.position.textContent = exercises.length > 1 ? "Exercise " + (index + 1) + " of " + exercises.length : "";
      root.querySelectorAll("[data-player-figure]").forEach(function (figure) {
        figure.hidden = figure.dataset.playerFigure !== String(current.id);
      });
      list = steps(current);
      position = 0;
      done = 0;
      setsDone = 0;
      ui.number.textContent = "–";
      ui.unit.textContent = "";
      ui.count.textContent = "";
      ring(0);
      if (!current.plan) {
        ui.step.textContent = "Do it as your therapist showed you, then tap Done.";
      } else if (!current.plan.reps_given) {
        ui.step.textContent = "Ready when you are. The documents give no number of times: the player goes through once; repeat as your therapist shows you.";
      } else {
        ui.step.textContent = "Ready when you are.";
      }
      root.dataset.state = "ready";
      show(ui.start, !!current.plan);
      show(ui.done, !current.plan);
      [ui.pause, ui.skip, ui.stop, ui.next, ui.retry].forEach(function (button) {
        show(button, false);
      });
    }

    function counted() {
      ui.count.textContent = total() ? done + " of " + total() + " done" : "";
    }

    function label(step) {
      var detail = describe(step);
      if (step.kind === "hold") {
        ui.step.textContent = "Hold" + (detail ? " — " + detail : "");
        ui.unit.textContent = "seconds";
      } else if (step.kind === "rest") {
        ui.step.textContent = step.between === "sets" ? "Rest before the next set" : "Rest";
        ui.unit.textContent = "seconds rest";
      } else if (step.kind === "switch") {
        ui.step.textContent = "Change sides";
        ui.unit.textContent = "seconds";
      } else if (step.kind === "reps") {
        ui.step.textContent = step.counts + " times" + (detail ? " — " + detail : "") + ", then tap Done";
        ui.number.textContent = String(step.counts);
        ui.unit.textContent = "times";
      }
    }

    function enter() {
      var step = list[position];
      if (!step) {
        finish(false);
        return;
      }
      root.dataset.step = step.kind;
      label(step);
      if (step.kind === "reps") {
        ring(0);
      }
      show(ui.done, step.kind === "reps");
      show(ui.pause, step.kind !== "reps");
      cue.play(step.kind === "hold" || step.kind === "reps");
      if (step.seconds) {
        remaining = step.seconds * 1000;
        lastTick = Date.now();
        draw(step);
      }
      counted();
    }

    function draw(step) {
      ui.number.textContent = String(Math.ceil(remaining / 1000));
      ring(1 - remaining / (step.seconds * 1000));
    }

    function tick() {
      var step = list[position];
      var now = Date.now();
      var elapsed = now - lastTick;
      lastTick = now;
      if (paused || !step || !step.seconds) {
        return;
      }
      remaining -= elapsed;
      if (remaining > 0) {
        draw(step);
        return;
      }
      advance(true);
    }

    function advance(completed) {
      var step = list[position];
      if (step && completed && step.counts) {
        done += step.counts;
      }
      var plan = exercise().plan;
      if (plan && step && completed && step.counts) {
        // A set is whole once every repetition of each of its sides is done.
        var perSet = plan.reps * plan.sides;
        setsDone = Math.floor(done / perSet);
      }
      position += 1;
      enter();
    }

    function start() {
      cue.unlock();
      wake.hold();
      paused = false;
      root.dataset.state = "running";
      show(ui.start, false);
      show(ui.skip, true);
      show(ui.stop, true);
      if (!timer) {
        lastTick = Date.now();
        timer = window.setInterval(tick, TICK_MS);
      }
      enter();
    }

    function pause() {
      paused = !paused;
      root.dataset.state = paused ? "paused" : "running";
      ui.pause.textContent = paused ? "Resume" : "Pause";
      if (paused) {
        ui.step.textContent = "Paused";
        wake.release();
      } else {
        lastTick = Date.now();
        wake.hold();
        var step = list[position];
        if (step) {
          label(step); // say again what is running; the time left is as it was
        }
      }
    }

    function finish(stoppedEarly) {
      window.clearInterval(timer);
      timer = null;
      wake.release();
      root.dataset.state = "saving";
      [ui.start, ui.done, ui.pause, ui.skip, ui.stop].forEach(function (button) {
        show(button, false);
      });
      var current = exercise();
      if (current.plan && done === 0) {
        ui.step.textContent = "Stopped: nothing was done, so nothing was recorded.";
        root.dataset.state = "stopped";
        afterwards();
        return;
      }
      cue.play(true);
      counted();
      ring(1);
      ui.number.textContent = current.plan ? String(done) : "✓";
      ui.unit.textContent = current.plan ? "of " + total() + " done" : "";
      ui.step.textContent = stoppedEarly ? "Stopped early: saving what you did…" : "Well done: saving…";
      var fields = { session: String(current.session) };
      if (current.plan) {
        fields.reps_done = String(done);
        fields.sets_done = String(setsDone);
      }
      var entry = { kind: "check-off", url: current.url, fields: fields, label: current.name };
      window.PortalOutbox.send(entry).then(function (result) {
        saved(result, current);
      });
    }

    function saved(result, current) {
      var partial = current.plan && done < total();
      if (result.status === "sent") {
        root.dataset.state = "saved";
        ui.step.textContent = partial
          ? "Saved as partly done: " + done + " of " + total() + ". Your therapist will see it."
          : "Saved: " + current.name + " is done for this session.";
      } else if (result.status === "refused") {
        root.dataset.state = "refused";
        ui.step.textContent = "Not saved: " + result.message;
      } else {
        root.dataset.state = "kept";
        ui.step.textContent = result.stored
          ? "Saved on this phone, will send: no connection now; it goes to the portal by itself when you are back online."
          : "No connection, and this phone cannot keep it: keep this page open and try again.";
        show(ui.retry, true);
      }
      afterwards();
    }

    function afterwards() {
      var more = index + 1 < exercises.length;
      ui.next.textContent = more ? "Next: " + exercises[index + 1].name : "Back to Today";
      show(ui.next, true);
      ui.next.focus();
    }

    ui.start.addEventListener("click", start);
    ui.pause.addEventListener("click", pause);
    ui.skip.addEventListener("click", function () {
      advance(false);
    });
    ui.done.addEventListener("click", function () {
      if (!exercise().plan) {
        finish(false);
        return;
      }
      advance(true);
    });
    ui.stop.addEventListener("click", function () {
      finish(true);
    });
    ui.retry.addEventListener("click", function () {
      show(ui.retry, false);
      ui.step.textContent = "Sending…";
      window.PortalOutbox.flush();
    });
    ui.next.addEventListener("click", function () {
      if (index + 1 < exercises.length) {
        index += 1;
        introduce();
        ui.start.hidden || ui.start.focus();
      } else {
        window.location.assign(root.dataset.todayUrl);
      }
    });
    document.addEventListener("portal:outbox", function (event) {
      if (root.dataset.state === "kept" && event.detail.entry.url === exercise().url) {
        saved(event.detail.result, exercise());
      }
    });
    introduce();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-player]");
    var data = document.getElementById("player-exercises");
    if (root && data) {
      new Player(root, JSON.parse(data.textContent));
    }
  });
})();
