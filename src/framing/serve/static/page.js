// The page of `framing serve`. It asks the API to score, then shows the report HTML that
// framing.reports draws (the same code as `framing score --format html`), and re-marks it
// at another threshold in the browser: every sentence carries its probability (data-p),
// every cue word that a lower threshold would mark is there as <mark class="latent">.
// No inline script anywhere (the Content-Security-Policy allows scripts from this file only);
// article text only ever reaches the DOM as the server's escaped HTML or as textContent.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const body = document.body;
  let token = sessionStorage.getItem("framing-token") || "";

  // -- talking to the API ---------------------------------------------------------------

  async function api(path, payload, options) {
    options = options || {};
    const headers = {};
    if (token) headers["Authorization"] = "Bearer " + token;
    const init = { method: payload === undefined ? "GET" : "POST", headers };
    if (payload !== undefined) {
      headers["Content-Type"] = options.contentType || "application/json";
      init.body = options.contentType ? payload : JSON.stringify(payload);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new Error("the server did not answer (" + e.message + ")");
    }
    if (res.status === 401) {
      showTokenBox();
      throw new Error("This server needs a token: enter it above, then try again.");
    }
    if (!res.ok) {
      let message = res.status + " " + res.statusText;
      try { message = (await res.json()).error || message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return options.text ? res.text() : res.json();
  }

  function showError(message) {
    const el = $("error");
    el.textContent = message || "";
    el.hidden = !message;
  }

  function showTokenBox() {
    $("token-box").hidden = false;
    $("token").focus();
  }

  $("token-box").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem("framing-token", token);
    $("token-box").hidden = true;
    showError("");
    loadModel();
  });

  function download(filename, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 5000);
  }

  function baseName(name) {
    return (name || "article").replace(/\.[A-Za-z0-9]+$/, "").replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 60) || "article";
  }

  async function busy(button, status, work) {
    button.disabled = true;
    status.textContent = "working…";
    showError("");
    try {
      await work();
      status.textContent = "";
    } catch (e) {
      status.textContent = "";
      showError(e.message);
    } finally {
      button.disabled = false;
    }
  }

  // -- re-marking at a threshold, as framing.reports marks ------------------------------

  function alpha(p, t) {
    return p >= t ? 0.12 + 0.45 * (p - t) / Math.max(1e-9, 1 - t) : 0;
  }

  // A sentence in one voice (.s without .seg) is loaded from the threshold up; a segment too,
  // unless it is page residue (reports._sentence_html).
  function partLoaded(el, t) {
    const p = parseFloat(el.dataset.p);
    if (el.classList.contains("seg")) return p >= t && !el.classList.contains("page");
    return p >= t;
  }

  function isPart(el) {
    return el.classList.contains("seg") || !el.querySelector(".seg");
  }

  function tipText(el, t) {
    const p = parseFloat(el.dataset.p);
    const lines = (el.dataset.tip || "").split("\n").slice(1).filter(
      (l) => !l.startsWith("cue words: ") && !l.startsWith("suggestions: "));
    const first = "p = " + p.toFixed(2) + ": " + (partLoaded(el, t) ? "loaded" : "neutral") + " (threshold " + t.toFixed(2) + ")";
    const marked = Array.from(el.querySelectorAll("mark.cue"));
    const cues = marked.map((m) => m.textContent + " +" + parseFloat(m.dataset.weight).toFixed(2));
    // Suggestions were re-scored for the cues marked at the model's threshold: shown while those stay marked.
    const hints = marked.filter((m) => m.dataset.suggest).map((m) => m.dataset.suggest);
    const at = Math.min(1, lines.length);
    if (hints.length) lines.splice(at, 0, "suggestions: " + hints.join("; "));
    if (cues.length) lines.splice(at, 0, "cue words: " + cues.join(", "));
    return [first].concat(lines).join("\n");
  }

  // The report's hover texts move from title to data-tip: the page shows them itself, on
  // hover and on keyboard focus, with the threshold of the moment.
  function prepare(container) {
    for (const el of container.querySelectorAll("[data-p]")) {
      if (el.hasAttribute("title")) {
        el.dataset.tip = el.getAttribute("title");
        el.removeAttribute("title");
      }
    }
    for (const m of container.querySelectorAll("mark")) m.removeAttribute("title");
  }

  function remark(container, t, onlyLoaded) {
    let loaded = 0;
    for (const el of container.querySelectorAll(".s, .seg")) {
      if (!isPart(el)) continue;
      const on = partLoaded(el, t);
      el.classList.toggle("loaded", on);
      el.style.setProperty("--a", on ? alpha(parseFloat(el.dataset.p), t).toFixed(3) : "0");
      for (const m of el.querySelectorAll("mark")) {
        if (m.closest("[data-p]") === el) m.className = on ? "cue" : "latent";
      }
    }
    for (const s of container.querySelectorAll(".s")) {
      const furniture = s.classList.contains("page");
      const segs = s.querySelectorAll(".seg");
      const isLoaded = !furniture && (segs.length ? Array.from(segs).some((g) => partLoaded(g, t)) : partLoaded(s, t));
      if (isLoaded) loaded += 1;
      s.classList.toggle("filtered", onlyLoaded && !s.closest("h1") && !isLoaded);
    }
    return loaded;
  }

  // -- the tooltip --------------------------------------------------------------------------

  const tip = $("tip");
  let tipFor = null;

  function currentThreshold(el) {
    const view = el.closest("section[role=tabpanel]");
    const slider = view && view.querySelector("input[type=range]");
    return slider ? parseFloat(slider.value) : 0.5;
  }

  function showTip(el) {
    tipFor = el;
    tip.textContent = tipText(el, currentThreshold(el));
    tip.hidden = false;
    const box = el.getBoundingClientRect();
    const width = Math.min(360, document.documentElement.clientWidth - 16);
    tip.style.maxWidth = width + "px";
    const left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - width - 8));
    tip.style.left = left + "px";
    tip.style.top = (box.bottom + window.scrollY + 6) + "px";
    el.setAttribute("aria-describedby", "tip");
  }

  function hideTip() {
    if (tipFor) tipFor.removeAttribute("aria-describedby");
    tipFor = null;
    tip.hidden = true;
  }

  document.addEventListener("mouseover", (event) => {
    const el = event.target.closest && event.target.closest(".report [data-p]");
    if (el && el !== tipFor) showTip(el);
    else if (!el && tipFor && document.activeElement !== tipFor) hideTip();
  });
  document.addEventListener("focusin", (event) => {
    const el = event.target.closest && event.target.closest(".report .s[data-p]");
    if (el) showTip(el);
    else hideTip();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") hideTip();
  });

  // -- a view: a form, a result with its slider, toggle and downloads ----------------------

  function View(prefix, render) {
    const slider = $(prefix + "-threshold");
    const shown = $(prefix + "-threshold-value");
    const only = $(prefix + "-only-loaded");
    const report = $(prefix + "-report");
    const marked = $(prefix + "-marked");
    const view = { request: null, data: null, threshold: null };

    function update() {
      const t = parseFloat(slider.value);
      shown.textContent = t.toFixed(2);
      const n = remark(report, t, only.checked);
      marked.textContent = n + " sentence" + (n === 1 ? "" : "s") + " marked loaded";
      if (tipFor && report.contains(tipFor)) showTip(tipFor);
    }

    slider.addEventListener("input", update);
    only.addEventListener("change", update);

    view.show = function (request, data, html, threshold) {
      view.request = request;
      view.data = data;
      view.threshold = threshold;
      report.innerHTML = html;  // escaped by framing.reports on the server
      prepare(report);
      slider.value = threshold.toFixed(2);
      $(prefix + "-result").hidden = false;
      update();
    };

    // The downloads carry the threshold of the slider: the JSON and the HTML the CLI would write with --threshold.
    view.atThreshold = function () {
      const t = parseFloat(slider.value);
      return Math.abs(t - view.threshold) < 1e-9 ? null : t;
    };
    return view;
  }

  // -- scoring one article -----------------------------------------------------------------

  const scoreView = View("score");
  let uploadedName = null;

  function tierChoice() {
    return $("tier").value || undefined;
  }

  async function readUpload(file) {
    const data = await file.arrayBuffer();
    return api("api/extract?name=" + encodeURIComponent(file.name), data, { contentType: "application/octet-stream" });
  }

  $("file").addEventListener("change", () => {
    const file = $("file").files[0];
    if (!file) return;
    busy($("score"), $("score-status"), async () => {
      const got = await readUpload(file);
      $("text").value = got.text;
      uploadedName = got.name;
    });
  });

  $("text").addEventListener("input", () => { if (!$("text").value) uploadedName = null; });

  if (body.dataset.allowUrls === "true") {
    $("link-row").hidden = false;
    $("fetch").addEventListener("click", () => {
      busy($("fetch"), $("score-status"), async () => {
        const got = await api("api/fetch", { url: $("link").value.trim() });
        $("text").value = got.text;
        uploadedName = got.name;
      });
    });
  }

  $("score-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("score"), $("score-status"), async () => {
      const request = { text: $("text").value, name: uploadedName || "pasted text" };
      const tier = tierChoice();
      if (tier) request.tier = tier;
      const got = await api("api/view/score", request);
      scoreView.show(request, got.article, got.html, got.article.threshold);
      $("score-report").focus();
    });
  });

  $("score-download-json").addEventListener("click", () => {
    busy($("score-download-json"), $("score-status"), async () => {
      const t = scoreView.atThreshold();
      const data = t === null ? scoreView.data : await api("api/score", Object.assign({}, scoreView.request, { threshold: t }));
      download(baseName(scoreView.request.name) + ".json", JSON.stringify(data, null, 2) + "\n", "application/json");
    });
  });

  $("score-download-html").addEventListener("click", () => {
    busy($("score-download-html"), $("score-status"), async () => {
      const t = scoreView.atThreshold();
      const request = t === null ? scoreView.request : Object.assign({}, scoreView.request, { threshold: t });
      const html = await api("api/report", request, { text: true });
      download(baseName(scoreView.request.name) + ".html", html, "text/html");
    });
  });

  // -- comparing articles ---------------------------------------------------------------------

  const compareView = View("compare");
  const articles = $("compare-articles");

  function renumber() {
    const boxes = articles.querySelectorAll("fieldset");
    boxes.forEach((box, k) => {
      box.querySelector("legend").textContent = "Article " + (k + 1);
      const name = box.querySelector(".name");
      if (!name.dataset.touched) name.value = name.dataset.file || "article " + (k + 1);
      box.querySelector(".remove").hidden = boxes.length <= 2;
    });
  }

  function addArticle() {
    const box = $("article-template").content.firstElementChild.cloneNode(true);
    const name = box.querySelector(".name");
    name.addEventListener("input", () => { name.dataset.touched = "1"; });
    box.querySelector(".file").addEventListener("change", (event) => {
      const file = event.target.files[0];
      if (!file) return;
      busy($("compare"), $("compare-status"), async () => {
        const got = await readUpload(file);
        box.querySelector(".text").value = got.text;
        name.dataset.file = got.name;
        if (!name.dataset.touched) name.value = got.name;
      });
    });
    box.querySelector(".remove").addEventListener("click", () => {
      box.remove();
      renumber();
    });
    articles.appendChild(box);
    renumber();
    return box;
  }

  addArticle();
  addArticle();
  $("add-article").addEventListener("click", () => addArticle().querySelector(".text").focus());

  $("compare-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("compare"), $("compare-status"), async () => {
      const request = {
        articles: Array.from(articles.querySelectorAll("fieldset")).map((box) => ({
          name: box.querySelector(".name").value.trim() || undefined,
          text: box.querySelector(".text").value,
        })),
      };
      const tier = tierChoice();
      if (tier) request.tier = tier;
      const got = await api("api/view/compare", request);
      const first = got.comparison.articles[0];
      compareView.show(request, got.comparison, got.html, first ? first.article.threshold : 0.5);
    });
  });

  $("compare-download-json").addEventListener("click", () => {
    busy($("compare-download-json"), $("compare-status"), async () => {
      const t = compareView.atThreshold();
      const data = t === null ? compareView.data : await api("api/compare", Object.assign({}, compareView.request, { threshold: t }));
      download("framing-compare.json", JSON.stringify(data, null, 2) + "\n", "application/json");
    });
  });

  $("compare-download-html").addEventListener("click", () => {
    busy($("compare-download-html"), $("compare-status"), async () => {
      const t = compareView.atThreshold();
      const request = t === null ? compareView.request : Object.assign({}, compareView.request, { threshold: t });
      download("framing-compare.html", await api("api/compare/report", request, { text: true }), "text/html");
    });
  });

  // -- tabs (arrow keys move between them, as in any tab list) -------------------------------

  const tabs = Array.from(document.querySelectorAll("[role=tab]"));

  function select(tab) {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !on;
    }
    hideTip();
  }

  tabs.forEach((tab, k) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const next = tabs[(k + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });

  // -- start: the model's tiers --------------------------------------------------------------

  function fillTiers() {
    const select = $("tier");
    const tiers = (body.dataset.tiers || "").split(" ").filter(Boolean);
    select.textContent = "";
    for (const tier of tiers) {
      const option = document.createElement("option");
      option.value = tier;
      option.textContent = tier + (tier === body.dataset.defaultTier ? " (default)" : "");
      option.selected = tier === body.dataset.defaultTier;
      select.appendChild(option);
    }
    select.disabled = tiers.length < 2;
  }

  async function loadModel() {
    try {
      const model = await api("api/model");
      $("tier").title = "default model: " + model.file + ", macro-F1 " +
        (model.figures.macro_f1 !== undefined ? model.figures.macro_f1.toFixed(3) : "?");
    } catch (e) {
      showError(e.message);
    }
  }

  $("score-report").tabIndex = -1;
  fillTiers();
  loadModel();
})();
