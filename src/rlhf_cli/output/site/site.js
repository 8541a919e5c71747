// The page of `rlhf export --format html`: a table, filters, search, an entry panel and a graph.
// Catalogue text only ever reaches the page through textContent and setAttribute (never
// innerHTML), and only http(s) links become hrefs, so hostile text in a catalogue stays text.
"use strict";
(function () {
  const data = window.RLHF_DATA;
  const entries = data.entries;
  const byId = new Map(entries.map((e) => [e.id, e]));
  const KIND_ORDER = ["paper", "codebase", "dataset", "environment", "blog", "book", "topic"];
  const $ = (id) => document.getElementById(id);

  function el(tag, text, attrs) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    return node;
  }

  function safeHref(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function hasCode(e) {
    const links = data.links[e.id] || {};
    return (e.code && e.code.length > 0) || (links.implemented_by || []).length > 0 || e.kind === "codebase";
  }

  function authorsText(e) {
    const authors = e.authors || [];
    if (!authors.length) return e.authors_org || e.publisher || "";
    return authors[0] + (authors.length > 1 || e.authors_et_al ? " et al." : "");
  }

  // Search: every word of the query must start a word of some field; the fields count differently.
  const FIELDS = [
    ["title", 5], ["short_name", 5], ["aliases", 4], ["id", 4], ["keywords", 3], ["authors", 2],
    ["datasets", 2], ["envs", 2], ["tasks", 2], ["name_zh", 3], ["publisher", 1], ["venue", 1],
  ];
  const fold = (text) => String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const wordsOf = (text) => fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const index = entries.map((e) => FIELDS.map(([name, weight]) => {
    const value = e[name];
    const texts = Array.isArray(value) ? value : value ? [value] : [];
    return { weight, words: texts.flatMap(wordsOf), text: texts.map(fold).join(" ") };
  }));

  function score(position, query) {
    let total = 0;
    for (const word of query) {
      let best = 0;
      for (const field of index[position]) {
        if (field.words.includes(word)) best = Math.max(best, field.weight * 2);
        else if (field.words.some((w) => w.startsWith(word))) best = Math.max(best, field.weight * 1.5);
        else if (word.length > 2 && field.text.includes(word)) best = Math.max(best, field.weight);
      }
      if (best === 0) return 0;
      total += best;
    }
    return total;
  }

  // Filters.
  function fillSelect(select, values) {
    for (const value of values) select.appendChild(el("option", value, { value }));
  }
  const kinds = KIND_ORDER.filter((k) => entries.some((e) => e.kind === k));
  fillSelect($("f-kind"), kinds);
  const sortedUnique = (values) => [...new Set(values)].sort((a, b) => fold(a).localeCompare(fold(b)));
  fillSelect($("f-method"), sortedUnique(entries.flatMap((e) => e.kind === "paper" || e.kind === "codebase" ? e.keywords || [] : [])));
  fillSelect($("f-dataset"), sortedUnique(entries.filter((e) => e.kind === "dataset").map((e) => e.title)));
  const venues = sortedUnique(entries.map((e) => e.venue).filter(Boolean));
  if (venues.length) {
    fillSelect($("f-venue"), venues);
    $("venue-filter").hidden = false;
  }

  function visibleEntries() {
    const query = wordsOf($("search").value);
    const kind = $("f-kind").value;
    const from = parseInt($("f-year-from").value, 10);
    const to = parseInt($("f-year-to").value, 10);
    const venue = $("f-venue").value;
    const method = $("f-method").value;
    const dataset = $("f-dataset").value;
    const code = $("f-code").checked;
    const shown = [];
    entries.forEach((e, position) => {
      if (kind && e.kind !== kind) return;
      if (!isNaN(from) && !(e.year >= from)) return;
      if (!isNaN(to) && !(e.year <= to)) return;
      if (venue && e.venue !== venue) return;
      if (method && !(e.keywords || []).includes(method)) return;
      if (dataset && !(e.datasets || []).includes(dataset) && e.title !== dataset) return;
      if (code && !hasCode(e)) return;
      const s = query.length ? score(position, query) : 1;
      if (s > 0) shown.push([s, e]);
    });
    const kindRank = (e) => KIND_ORDER.indexOf(e.kind);
    shown.sort((a, b) => b[0] - a[0] || kindRank(a[1]) - kindRank(b[1]) || (b[1].year || 0) - (a[1].year || 0)
      || fold(a[1].title).localeCompare(fold(b[1].title)));
    return shown.map(([, e]) => e);
  }

  // The table.
  let selected = null;
  function renderTable() {
    const shown = visibleEntries();
    const body = document.createElement("tbody");
    for (const e of shown) {
      const row = el("tr", null, { "data-id": e.id, tabindex: "0" });
      if (e.id === selected) row.className = "selected";
      row.appendChild(el("td", e.year || ""));
      row.appendChild(el("td", e.kind, { class: "kind" }));
      const title = el("td");
      title.appendChild(el("a", e.title, { href: "#" + encodeURIComponent(e.id) }));
      row.appendChild(title);
      row.appendChild(el("td", authorsText(e)));
      row.appendChild(el("td", (e.datasets || []).join(", ")));
      row.appendChild(el("td", hasCode(e) ? "yes" : ""));
      body.appendChild(row);
    }
    $("entries").replaceChild(body, $("entries").tBodies[0]);
    $("count").textContent = `${shown.length} of ${entries.length} entries`;
    drawGraph(new Set(shown.map((e) => e.id)));
  }

  // The entry panel, with links both ways.
  function addField(list, name, value) {
    if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
    list.appendChild(el("dt", name));
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = Array.isArray(value) ? value.join(", ") : String(value);
    list.appendChild(dd);
  }

  function link(url, text) {
    const href = safeHref(url);
    return href ? el("a", text || url, { href, rel: "noopener noreferrer" }) : el("span", text || url);
  }

  const RELATIONS = {
    datasets: "Datasets", environments: "Environments", implemented_by: "Implemented by",
    code_entries: "Code", implements: "Implements", used_by_papers: "Used by papers",
    used_by_codebases: "Used by codebases", code_of_papers: "Code of papers",
  };

  function showEntry(id) {
    const e = byId.get(id);
    const panel = $("panel");
    if (!e) {
      panel.hidden = true;
      selected = null;
      return;
    }
    selected = id;
    panel.replaceChildren();
    const close = el("button", "×", { type: "button", "aria-label": "Close" });
    close.addEventListener("click", () => { history.replaceState(null, "", "#"); showEntry(null); renderTable(); });
    panel.appendChild(close);
    panel.appendChild(el("h2", e.title));
    const fields = el("dl");
    addField(fields, "Kind", e.kind);
    addField(fields, "Id", e.id);
    addField(fields, "Year", e.year);
    addField(fields, "Venue", e.venue);
    addField(fields, "Authors", (e.authors || []).concat(e.authors_et_al ? ["et al."] : []));
    addField(fields, "Organisation", e.authors_org);
    addField(fields, "Publisher", e.publisher);
    addField(fields, "Keywords", e.keywords);
    addField(fields, "Tasks", e.tasks);
    if (e.url) addField(fields, "Link", link(e.url));
    if (e.arxiv) addField(fields, "arXiv", link("https://arxiv.org/abs/" + e.arxiv, e.arxiv));
    for (const code of e.code || []) addField(fields, code.official ? "Code" : "Code (third-party)", link(code.url));
    addField(fields, "Notes", e.notes);
    addField(fields, "Sources", (e.sources || []).map((s) => s.line ? `${s.name} line ${s.line}` : s.name));
    panel.appendChild(fields);
    const links = data.links[id] || {};
    for (const [relation, linked] of Object.entries(links)) {
      if (!linked.length) continue;
      panel.appendChild(el("h3", RELATIONS[relation] || relation));
      const list = el("ul");
      for (const other of linked) {
        const item = el("li");
        item.appendChild(el("a", other.title, { href: "#" + encodeURIComponent(other.id), "data-id": other.id }));
        item.appendChild(document.createTextNode(` (${other.kind})`));
        list.appendChild(item);
      }
      panel.appendChild(list);
    }
    panel.hidden = false;
    for (const row of document.querySelectorAll("#entries tbody tr")) {
      row.classList.toggle("selected", row.getAttribute("data-id") === id);
    }
    for (const dot of document.querySelectorAll("#graph circle")) {
      dot.classList.toggle("selected", dot.getAttribute("data-id") === id);
    }
  }

  function fromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    showEntry(id || null);
  }

  // The graph: a small force layout, run a fixed number of steps from a fixed start, so the
  // same catalogue always gives the same picture.
  const SVG = "http://www.w3.org/2000/svg";
  const GRAPH_KINDS = new Set(["paper", "dataset", "codebase", "environment"]);
  function drawGraph(visible) {
    const svg = $("graph");
    svg.replaceChildren();
    const edges = data.edges.filter(([s, t]) => visible.has(s) || visible.has(t));
    const ids = [...new Set(edges.flat().filter((id) => byId.has(id) && GRAPH_KINDS.has(byId.get(id).kind)))];
    const width = svg.clientWidth || 900;
    const height = svg.clientHeight || 560;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    if (!ids.length) {
      const note = document.createElementNS(SVG, "text");
      note.setAttribute("x", 20);
      note.setAttribute("y", 30);
      note.textContent = "No links among the entries shown.";
      svg.appendChild(note);
      return;
    }
    const position = new Map(ids.map((id, i) => {
      const angle = (2 * Math.PI * i) / ids.length;
      return [id, { x: width / 2 + (width / 3) * Math.cos(angle), y: height / 2 + (height / 3) * Math.sin(angle), dx: 0, dy: 0 }];
    }));
    const pairs = edges.filter(([s, t]) => position.has(s) && position.has(t));
    const k = Math.sqrt((width * height) / ids.length) * 0.6;
    for (let step = 0; step < 150; step++) {
      for (const p of position.values()) { p.dx = 0; p.dy = 0; }
      const points = [...position.values()];
      for (let i = 0; i < points.length; i++) {
        for (let j = i + 1; j < points.length; j++) {
          const a = points[i], b = points[j];
          let dx = a.x - b.x, dy = a.y - b.y;
          const d2 = Math.max(dx * dx + dy * dy, 0.01);
          const push = (k * k) / d2;
          a.dx += dx * push; a.dy += dy * push; b.dx -= dx * push; b.dy -= dy * push;
        }
      }
      for (const [s, t] of pairs) {
        const a = position.get(s), b = position.get(t);
        const dx = a.x - b.x, dy = a.y - b.y;
        const d = Math.max(Math.sqrt(dx * dx + dy * dy), 0.1);
        const pull = d / k;
        a.dx -= dx * pull; a.dy -= dy * pull; b.dx += dx * pull; b.dy += dy * pull;
      }
      const limit = 20 * (1 - step / 150) + 1;
      for (const p of points) {
        const d = Math.max(Math.sqrt(p.dx * p.dx + p.dy * p.dy), 0.01);
        p.x = Math.min(width - 15, Math.max(15, p.x + (p.dx / d) * Math.min(d, limit)));
        p.y = Math.min(height - 15, Math.max(15, p.y + (p.dy / d) * Math.min(d, limit)));
      }
    }
    for (const [s, t, label] of pairs) {
      const line = document.createElementNS(SVG, "line");
      const a = position.get(s), b = position.get(t);
      line.setAttribute("x1", a.x); line.setAttribute("y1", a.y);
      line.setAttribute("x2", b.x); line.setAttribute("y2", b.y);
      line.setAttribute("class", label === "implements" ? "implements" : "uses");
      svg.appendChild(line);
    }
    for (const id of ids) {
      const e = byId.get(id), p = position.get(id);
      const dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("cx", p.x); dot.setAttribute("cy", p.y);
      dot.setAttribute("r", e.kind === "paper" ? 5 : 7);
      dot.setAttribute("class", e.kind + (id === selected ? " selected" : ""));
      dot.setAttribute("data-id", id);
      const tip = document.createElementNS(SVG, "title");
      tip.textContent = `${e.title} (${e.kind})`;
      dot.appendChild(tip);
      dot.addEventListener("click", () => { location.hash = encodeURIComponent(id); });
      svg.appendChild(dot);
      if (e.kind !== "paper") {
        const name = document.createElementNS(SVG, "text");
        name.setAttribute("x", p.x + 9); name.setAttribute("y", p.y + 3);
        name.textContent = e.short_name || e.title;
        svg.appendChild(name);
      }
    }
  }

  const kindCount = kinds.map((k) => `${entries.filter((e) => e.kind === k).length} ${k}s`).join(", ");
  $("summary").textContent = `${entries.length} entries: ${kindCount}.`;
  for (const id of ["search", "f-year-from", "f-year-to"]) $(id).addEventListener("input", renderTable);
  for (const id of ["f-kind", "f-venue", "f-method", "f-dataset", "f-code"]) $(id).addEventListener("change", renderTable);
  $("entries").addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-id]");
    if (row && event.target.tagName !== "A") location.hash = encodeURIComponent(row.getAttribute("data-id"));
  });
  $("entries").addEventListener("keydown", (event) => {
    const row = event.target.closest("tr[data-id]");
    if (row && event.key === "Enter") location.hash = encodeURIComponent(row.getAttribute("data-id"));
  });
  window.addEventListener("hashchange", fromHash);
  renderTable();
  fromHash();
})();
