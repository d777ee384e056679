/// The live pages. A camera's page: the MJPEG stream with the landmark overlay, the state, P(signing) over
/// the last 300 frames and the last signs, refreshed from its `status.json` five times a second. With several
/// cameras, an index of them all. No external resource: the pages work on a machine without internet access.
enum LiveViewPage {
    /// Both pages' start, up to their own styles.
    private static let head = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>signd live view</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 16px; background: #111; color: #eee; }
  h1 { font-size: 18px; margin: 0 0 12px; }
  [data-state="signing"] { background: #1b7f3a; }
  [data-state="tentative"] { background: #8a6d00; }
  [data-state="idle"] { background: #444; }
"""#

    /// Both pages' reading of a camera's status: a segment that `heads.confirm_frames` has not confirmed yet is
    /// shown as tentative, since an integration reacting to `confirm` has not reacted to it.
    private static let stateScript = #"""
function shownState(s) {
  if (!s.signing) return ["idle", "not signing"];
  return s.confirmed === false ? ["tentative", "signing? (not confirmed yet)"] : ["signing", "signing"];
}
"""#

    private static func fill(_ template: String) -> String {
        template.replacingOccurrences(of: "{{HEAD}}\n", with: head).replacingOccurrences(of: "{{STATE_JS}}\n", with: stateScript)
    }

    /// One camera's page, its stream and status under `base` ("" beside the page, or "/camera/<id>/");
    /// `index`: a link back to the page of all cameras.
    static func camera(base: String, index: Bool) -> String {
        fill(cameraTemplate).replacingOccurrences(of: "{{BASE}}", with: base)
            .replacingOccurrences(of: "{{INDEX}}", with: index ? #"<a href="/">all cameras</a> · "# : "")
    }

    private static let cameraTemplate = #"""
{{HEAD}}
  .row { display: flex; gap: 16px; align-items: flex-start; }
  img { width: 640px; max-width: 100%; background: #222; border-radius: 4px; }
  .panel { width: 340px; flex: none; }
  #state { display: inline-block; padding: 6px 12px; border-radius: 4px; font-weight: 600; }
  #health[data-status="degraded"] { color: #f0b400; }
  #health[data-status="error"] { color: #ff5050; }
  canvas { background: #1c1c1c; border-radius: 4px; margin-top: 12px; }
  ol { padding-left: 20px; }
  .muted { color: #999; font-size: 13px; }
</style>
</head>
<body>
<h1>{{INDEX}}signd live view · <span id="camera"></span></h1>
<div class="row">
  <img id="stream" src="{{BASE}}stream.mjpg" alt="camera with landmarks">
  <div class="panel">
    <div><span id="state" data-state="idle">not signing</span> <span id="segment" class="muted"></span></div>
    <canvas id="trace" width="320" height="120"></canvas>
    <div class="muted">P(signing) of the binary head, last 300 frames</div>
    <h2 style="font-size:15px">Last signs</h2>
    <ol id="signs"></ol>
    <div>health: <span id="health" data-status="ok">ok</span> · source: <span id="source"></span> · frame <span id="frame"></span></div>
    <div class="muted">states seen: <span id="history"></span></div>
  </div>
</div>
<script>
"use strict";
{{STATE_JS}}
const seen = [];
function draw(trace) {
  const c = document.getElementById("trace"), g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  g.strokeStyle = "#4caf50"; g.lineWidth = 2; g.beginPath();
  let started = false;
  trace.forEach((pt, i) => {
    if (pt.p == null) { started = false; return; }
    const x = i * c.width / 300, y = c.height - pt.p * c.height;
    if (started) g.lineTo(x, y); else { g.moveTo(x, y); started = true; }
  });
  g.stroke();
  c.dataset.points = String(trace.filter(pt => pt.p != null).length);
}
async function refresh() {
  try {
    const s = await (await fetch("{{BASE}}status.json", {cache: "no-store"})).json();
    document.getElementById("camera").textContent = s.camera;
    const state = document.getElementById("state");
    [state.dataset.state, state.textContent] = shownState(s);
    if (seen[seen.length - 1] !== state.dataset.state) seen.push(state.dataset.state);
    document.getElementById("history").textContent = seen.join(" → ");
    document.getElementById("segment").textContent = s.segment == null ? "" : "segment " + s.segment;
    const health = document.getElementById("health");
    health.dataset.status = s.health;
    health.textContent = s.health + (s.health_message ? " (" + s.health_message + ")" : "");
    document.getElementById("source").textContent = s.source;
    document.getElementById("frame").textContent = s.frame == null ? "–" : s.frame;
    const list = document.getElementById("signs");
    list.replaceChildren(...s.signs.map(x => {
      const li = document.createElement("li");
      li.textContent = x.label + " " + x.score.toFixed(2) + (x.frame == null ? "" : " @" + x.frame);
      li.dataset.label = x.label;
      return li;
    }));
    draw(s.trace);
  } catch (e) {
    document.getElementById("health").textContent = "daemon not reachable";
  }
}
refresh();
setInterval(refresh, 200);
</script>
</body>
</html>
"""#

    /// The page of a daemon with several cameras: each camera's stream, state and health, linking to its page.
    /// Camera ids are letters, digits, '-' and '_' (the config checks), so they go into HTML and paths as they are.
    static func index(cameras: [String]) -> String {
        let cards = cameras.map { id in
            #"""
              <a class="card" href="/camera/\#(id)/" data-camera="\#(id)">
                <img src="/camera/\#(id)/stream.mjpg" alt="\#(id) with landmarks">
                <div><b>\#(id)</b> <span class="state" data-state="idle">not signing</span> <span class="health" data-status="ok"></span></div>
              </a>
            """#
        }.joined(separator: "\n")
        return fill(indexTemplate).replacingOccurrences(of: "{{CARDS}}", with: cards)
    }

    private static let indexTemplate = #"""
{{HEAD}}
  .grid { display: flex; flex-wrap: wrap; gap: 16px; }
  .card { display: block; width: 400px; color: #eee; text-decoration: none; }
  img { width: 400px; background: #222; border-radius: 4px; }
  .state { display: inline-block; padding: 2px 8px; border-radius: 4px; }
  .health[data-status="degraded"] { color: #f0b400; }
  .health[data-status="error"] { color: #ff5050; }
</style>
</head>
<body>
<h1>signd live view · all cameras</h1>
<div class="grid">
{{CARDS}}
</div>
<script>
"use strict";
{{STATE_JS}}
async function refresh(card) {
  const state = card.querySelector(".state"), health = card.querySelector(".health");
  try {
    const s = await (await fetch("/camera/" + card.dataset.camera + "/status.json", {cache: "no-store"})).json();
    [state.dataset.state, state.textContent] = shownState(s);
    health.dataset.status = s.health;
    health.textContent = s.health === "ok" ? "" : s.health + (s.health_message ? " (" + s.health_message + ")" : "");
  } catch (e) {
    health.textContent = "daemon not reachable";
  }
}
const cards = Array.from(document.querySelectorAll(".card"));
function refreshAll() { cards.forEach(refresh); }
refreshAll();
setInterval(refreshAll, 500);
</script>
</body>
</html>
"""#
}
