// The dashboard's own script (no libraries but Plotly.js, served by this server; nothing from the internet):
// interactive figures on the overview, a notice when new results arrive, and the candidate table's sorting
// and filtering.
"use strict";

(function () {
  function showError(container, text) {
    container.textContent = "";
    const p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    container.appendChild(p);
  }

  function drawFigures(container) {
    fetch(container.dataset.src, { credentials: "same-origin" })
      .then((response) => response.json().then((body) => ({ ok: response.ok, body: body })))
      .then(({ ok, body }) => {
        if (!ok) {
          showError(container, body.error || "the figures could not be drawn");
          return;
        }
        container.textContent = "";
        body.figures.forEach((figure) => {
          const div = document.createElement("div");
          div.className = "figure";
          div.id = "figure-" + figure.id;
          container.appendChild(div);
          window.Plotly.newPlot(div, figure.data, figure.layout, {
            responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"],
          });
        });
        container.dataset.ready = "true";
      })
      .catch((err) => showError(container, "the figures could not be drawn: " + err));
  }

  function watchVersion(marker) {
    const notice = document.getElementById("stale");
    window.setInterval(() => {
      fetch(marker.dataset.src, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((body) => {
          if (body.version && body.version !== marker.dataset.version && notice) notice.hidden = false;
        })
        .catch(() => {});
    }, 30000);
  }

  function sortValue(row, column, type) {
    const cell = row.cells[column];
    const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
    if (type === "number") return raw === "" ? null : Number(raw);
    return raw.toLowerCase();
  }

  function makeSortable(table) {
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((th, column) => {
      th.querySelector("button").addEventListener("click", () => {
        const descending = th.getAttribute("aria-sort") === "ascending";
        headers.forEach((other) => other.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        const type = th.dataset.type;
        const body = table.tBodies[0];
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = sortValue(a, column, type);
          const y = sortValue(b, column, type);
          if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;  // empty cells last
          const order = type === "number" ? x - y : x.localeCompare(y);
          return descending ? -order : order;
        });
        rows.forEach((row) => body.appendChild(row));
      });
    });
  }

  function makeFilterable(table) {
    const text = document.getElementById("filter");
    const stateSelect = document.getElementById("state-filter");
    const metalSelect = document.getElementById("metal-filter");
    const shown = document.getElementById("shown");
    function apply() {
      const words = (text ? text.value : "").toLowerCase().split(/\s+/).filter((w) => w);
      const wanted = stateSelect ? stateSelect.value : "";
      const metal = metalSelect ? metalSelect.value : "";
      let count = 0;
      const rows = Array.from(table.tBodies[0].rows);
      rows.forEach((row) => {
        const content = row.textContent.toLowerCase();
        const keep = (!wanted || row.dataset.state === wanted) && (!metal || row.dataset.metal === metal) &&
          words.every((w) => content.includes(w));
        row.hidden = !keep;
        if (keep) count += 1;
      });
      if (shown) shown.textContent = count + " of " + rows.length + " shown";
    }
    [text, stateSelect, metalSelect].forEach((el) => {
      if (el) el.addEventListener("input", apply);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".figures[data-src]").forEach(drawFigures);
    const marker = document.getElementById("version");
    if (marker) watchVersion(marker);
    document.querySelectorAll("table.sortable").forEach((table) => {
      makeSortable(table);
      makeFilterable(table);
    });
  });
})();
