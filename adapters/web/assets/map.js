// The network map's interactivity: zoom (buttons, wheel, pinch) and pan
// (drag) by moving the SVG's viewBox; the dot under the pointer or focus
// named below the map. Everything else on the page works without it.
(function () {
  var box = document.getElementById("network-map");
  var svg = box && box.querySelector("svg");
  if (!svg) return;
  var caption = document.getElementById("map-caption");
  var tools = document.querySelector(".map-tools");
  var full = svg.viewBox.baseVal;
  var home = { x: full.x, y: full.y, w: full.width, h: full.height };
  var view = { x: home.x, y: home.y, w: home.w, h: home.h };
  function apply() { svg.setAttribute("viewBox", view.x + " " + view.y + " " + view.w + " " + view.h); }
  function zoom(factor, cx, cy) {
    var w = Math.min(home.w, Math.max(home.w / 12, view.w * factor));
    var h = w * home.h / home.w;
    if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
    view.x = cx - (cx - view.x) * w / view.w;
    view.y = cy - (cy - view.y) * h / view.h;
    view.w = w; view.h = h; apply();
  }
  function point(evt) {
    var r = svg.getBoundingClientRect();
    return { x: view.x + (evt.clientX - r.left) * view.w / r.width,
             y: view.y + (evt.clientY - r.top) * view.h / r.height };
  }
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", function (e) {
      var what = e.target.getAttribute("data-zoom");
      if (what === "in") zoom(0.7);
      else if (what === "out") zoom(1 / 0.7);
      else if (what === "reset") { view = { x: home.x, y: home.y, w: home.w, h: home.h }; apply(); }
    });
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = point(e);
    zoom(e.deltaY < 0 ? 0.85 : 1 / 0.85, p.x, p.y);
  }, { passive: false });
  var drag = null, moved = false, pointers = {};
  svg.addEventListener("pointerdown", function (e) {
    pointers[e.pointerId] = e;
    drag = { x: e.clientX, y: e.clientY }; moved = false;
  });
  svg.addEventListener("pointermove", function (e) {
    var ids = Object.keys(pointers);
    if (ids.length === 2 && pointers[e.pointerId]) {
      var other = pointers[ids[0] == e.pointerId ? ids[1] : ids[0]];
      var before = Math.hypot(pointers[e.pointerId].clientX - other.clientX, pointers[e.pointerId].clientY - other.clientY);
      var after = Math.hypot(e.clientX - other.clientX, e.clientY - other.clientY);
      if (before > 0 && after > 0) zoom(before / after);
      pointers[e.pointerId] = e; moved = true; return;
    }
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 4) moved = true;
    if (!moved) return;
    view.x -= dx * view.w / r.width; view.y -= dy * view.h / r.height;
    drag = { x: e.clientX, y: e.clientY }; apply();
  });
  function end(e) { delete pointers[e.pointerId]; drag = null; }
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  svg.addEventListener("pointerleave", end);
  // A drag that ends on a dot is a pan, not a click.
  svg.addEventListener("click", function (e) { if (moved) { e.preventDefault(); moved = false; } }, true);
  function name(e) {
    var dot = e.target.closest && e.target.closest("a.dot");
    if (dot && caption) caption.textContent = dot.getAttribute("aria-label");
  }
  svg.addEventListener("mouseover", name);
  svg.addEventListener("focusin", name);
})();
