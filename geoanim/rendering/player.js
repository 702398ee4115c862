/* geoanim player: scrubs a geoanim render frame by frame. Plain JavaScript, no network.
   The player's <div class="geoanim-player"> is the element just before this script; it holds the
   frames as JSON (see geoanim/rendering/player.py for the format). The canvas and the controls live
   in the div's shadow root, so the host page's styles (a blog theme's button or canvas rules) cannot
   reach them, nor the player's styles leak out. */
(function () {
  "use strict";
  var CSS = "__GEOANIM_CSS__";  // player.css, put in by player.py
  var SPEEDS = [0.25, 0.5, 1, 2, 4];
  var PLAY = '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3 1.5v13l11-6.5z"/></svg>';
  var PAUSE = '<svg viewBox="0 0 16 16" aria-hidden="true"><path d="M3 1.5h3.5v13H3zM9.5 1.5H13v13H9.5z"/></svg>';

  function el(tag, attrs, parent) {
    var e = document.createElement(tag);
    for (var k in attrs) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "html") e.innerHTML = attrs[k];
      else e.setAttribute(k, attrs[k]);
    }
    if (parent) parent.appendChild(e);
    return e;
  }

  function loadImage(src) {
    var img = new Image();
    img.src = src;
    return img.decode().then(function () { return img; });
  }

  function inflate(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buf) { return new Uint8Array(buf); });
  }

  // per frame: Int32Array of (x, y, sheet, sx, sy) for each tile it draws over the background
  function readIndex(bytes, d) {
    var pos = 0, frames = [], fresh = 0, perRow = Math.ceil(d.w / d.tile);
    function next() {
      var v = 0, shift = 0, b;
      do {
        if (pos >= bytes.length) throw new Error("the frame index ends early");
        b = bytes[pos++];
        v += (b & 0x7f) * Math.pow(2, shift);
        shift += 7;
      } while (b & 0x80);
      return v;
    }
    for (var f = 0; f < d.frames; f++) {
      var n = next(), row = new Int32Array(n * 5), at = -1;
      for (var i = 0; i < n; i++) {
        at += next() + 1;
        var code = next(), id = code === 0 ? fresh++ : code - 1, j = id % d.perSheet;
        row[5 * i] = (at % perRow) * d.tile;
        row[5 * i + 1] = Math.floor(at / perRow) * d.tile;
        row[5 * i + 2] = Math.floor(id / d.perSheet);
        row[5 * i + 3] = (j % d.cols) * d.tile;
        row[5 * i + 4] = Math.floor(j / d.cols) * d.tile;
      }
      frames.push(row);
    }
    return frames;
  }

  function start(root) {
    root.setAttribute("data-ready", "loading");
    if (root.id && document.querySelectorAll('[id="' + root.id + '"]').length > 1) {  // the same fragment twice
      var copy = 2;
      while (document.getElementById(root.id + "-" + copy)) copy++;
      root.id += "-" + copy;
    }
    var d = JSON.parse(root.querySelector("script.geoanim-data").textContent);
    var canvas = root.querySelector("canvas.geoanim-canvas"), ctx = canvas.getContext("2d");
    var shadow = root.attachShadow({ mode: "open" }), noscript = root.querySelector("noscript");
    el("style", { text: CSS }, shadow);
    shadow.appendChild(canvas);
    if (noscript) root.removeChild(noscript);
    var n = d.frames, T = d.tile, last = n - 1;
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    // controls
    var bar = el("div", { "class": "geoanim-bar" }, shadow);
    var play = el("button", { "class": "geoanim-play", type: "button", "aria-label": "Play", html: PLAY }, bar);
    var slider = el("input", { "class": "geoanim-slider", type: "range", min: 0, max: last, step: 1, value: 0,
      "aria-label": "Position along the geodesic (frame)" }, bar);
    var tOut = el("span", { "class": "geoanim-t", "aria-hidden": "true" }, bar);
    var opts = el("span", { "class": "geoanim-opts" }, bar);
    var speed = el("select", { "class": "geoanim-speed", "aria-label": "Speed" }, opts);
    SPEEDS.forEach(function (s) { el("option", { value: s, text: s + "\u00d7" }, speed); });
    speed.value = "1";
    var mode = el("select", { "class": "geoanim-mode", "aria-label": "At the end" }, opts);
    [["loop", "loop"], ["bounce", "bounce"], ["once", "once"]].forEach(function (m) {
      el("option", { value: m[0], text: m[1] }, mode);
    });
    mode.value = d.mode;
    var readouts = el("div", { "class": "geoanim-readouts" }, shadow);
    var live = el("div", { "class": "geoanim-live", "aria-live": "polite" }, shadow);
    var texts = d.panels.map(function (p) {
      var line = el("span", {}, readouts), name = el("b", {}, line);
      el("span", { "class": "geoanim-sw", style: "background:" + p.color, "aria-hidden": "true" }, name);
      name.appendChild(document.createTextNode(p.name));
      line.appendChild(document.createTextNode(" "));
      return el("span", { "class": "geoanim-val" }, line);
    });

    var frames = null, bg = null, sheets = null, shown = -1, k = 0, dir = 1;
    var playing = false, visible = true, raf = 0, clock = null, acc = 0;

    function draw(f) {
      ctx.clearRect(0, 0, d.w, d.h);
      ctx.drawImage(bg, 0, 0);
      var r = frames[f];
      for (var i = 0; i < r.length; i += 5) {
        if (d.transparent) ctx.clearRect(r[i], r[i + 1], T, T);
        ctx.drawImage(sheets[r[i + 2]], r[i + 3], r[i + 4], T, T, r[i], r[i + 1], T, T);
      }
    }

    function describe(f) {
      return "t = " + d.tLabel[f] + d.panels.map(function (p) { return "; " + p.name + ": " + p.text[f]; }).join("");
    }

    // what a screen reader hears: the slider's value text and a polite announcement, both only while
    // paused (during playback they would queue twenty sentences a second)
    function announce() {
      slider.setAttribute("aria-valuetext", describe(k));
      live.textContent = describe(k);
    }

    function show(f) {
      k = Math.max(0, Math.min(last, f));
      if (frames && k !== shown) draw(k);
      shown = frames ? k : -1;
      slider.value = k;
      if (!playing) slider.setAttribute("aria-valuetext", describe(k));
      tOut.textContent = "t = " + d.tLabel[k];
      texts.forEach(function (s, i) { s.textContent = d.panels[i].text[k]; });
      if (root.getAttribute("data-frame") !== String(k)) root.setAttribute("data-frame", k);
    }

    function setPlaying(on) {
      playing = on && !!frames;
      play.innerHTML = playing ? PAUSE : PLAY;
      play.setAttribute("aria-label", playing ? "Pause" : "Play");
      root.setAttribute("data-state", playing ? "playing" : "paused");
      if (!playing && frames) announce();
      clock = null;
      acc = 0;
      cancelAnimationFrame(raf);
      if (playing && visible) raf = requestAnimationFrame(tick);
    }

    function advance() {
      var m = mode.value;
      if (m === "bounce") {
        if (k + dir < 0 || k + dir > last) dir = -dir;
        k += dir;
      } else if (k < last) {
        k += 1;
      } else if (m === "loop") {
        k = 0;
      } else {
        return false;
      }
      return true;
    }

    function tick(now) {
      if (!playing) return;
      // at most a quarter second per tick: back from a background tab, it goes on, not races to catch up
      if (clock !== null) acc += Math.min(now - clock, 250) / 1000 * Number(speed.value);
      clock = now;
      var f = k;
      while (acc >= d.dur[k]) {
        acc -= d.dur[k];
        if (!advance()) { show(k); setPlaying(false); return; }
      }
      if (k !== f) show(k);
      raf = requestAnimationFrame(tick);
    }

    function step(delta) {
      show(k + delta);
      setPlaying(false);
    }

    play.addEventListener("click", function () {
      if (!playing && mode.value === "once" && k === last) show(0);
      dir = k === last ? -1 : 1;  // bounce plays forward, except from the end
      setPlaying(!playing);
    });
    canvas.addEventListener("click", function () { play.click(); });
    slider.addEventListener("input", function () { setPlaying(false); show(Number(slider.value)); });
    speed.addEventListener("change", function () { clock = null; });
    shadow.addEventListener("keydown", function (e) {
      var tag = e.target.tagName, native = tag === "SELECT" || (tag === "INPUT" && /^Arrow|^Home$|^End$|^Page/.test(e.key));
      if (native || e.altKey || e.ctrlKey || e.metaKey) return;
      var handled = true;
      if (e.key === " " || e.key === "k") {
        if (tag === "BUTTON" && e.key === " ") return;  // the button's own click
        play.click();
      } else if (e.key === "ArrowRight" || e.key === ".") step(1);
      else if (e.key === "ArrowLeft" || e.key === ",") step(-1);
      else if (e.key === "Home") step(-last);
      else if (e.key === "End") step(last);
      else handled = false;
      if (handled) e.preventDefault();
    });
    if ("IntersectionObserver" in window) {  // no drawing while the player is scrolled out of view
      new IntersectionObserver(function (entries) {
        visible = entries[entries.length - 1].isIntersecting;
        if (playing) setPlaying(true);
      }).observe(root);
    }
    show(0);
    root.setAttribute("data-state", "paused");

    if (!window.DecompressionStream) {
      el("p", { "class": "geoanim-msg", text: "This browser is too old to show the animation (it lacks DecompressionStream)." }, shadow);
      root.setAttribute("data-ready", "failed");
      return;
    }
    Promise.all([loadImage(d.bg), Promise.all(d.sheets.map(loadImage)), inflate(d.index)]).then(function (parts) {
      bg = parts[0];
      sheets = parts[1];
      frames = readIndex(parts[2], d);
      ctx.imageSmoothingEnabled = false;
      shown = -1;
      show(k);
      root.setAttribute("data-ready", "1");
      if (!reduce) setPlaying(true);
    }).catch(function (err) {
      el("p", { "class": "geoanim-msg", text: "The animation could not be loaded: " + err.message }, shadow);
      root.setAttribute("data-ready", "failed");
    });
    root.geoanim = { show: function (f) { setPlaying(false); show(f); }, play: function () { setPlaying(true); },
      pause: function () { setPlaying(false); }, get frame() { return k; }, frames: n };
  }

  var me = document.currentScript, root = me && me.previousElementSibling;
  if (root && root.classList && root.classList.contains("geoanim-player")) {
    if (!root.hasAttribute("data-ready")) start(root);
  } else {  // run away from its <div> (jQuery's html() in the classic notebook evaluates scripts in the document head)
    Array.prototype.forEach.call(document.querySelectorAll(".geoanim-player:not([data-ready])"), start);
  }
})();
